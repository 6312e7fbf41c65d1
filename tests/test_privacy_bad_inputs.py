"""The standard estimators' bad-input battery (tests/test_bad_inputs.py) run against the private
estimators: every case that applies is handled the same way (same exception, a message that
matches the same pattern); the cases that differ by design are listed with their reasons."""

from __future__ import annotations

import warnings
from functools import lru_cache
from typing import Any

import numpy as np
import pytest

import test_bad_inputs as battery
from glassboost import DPExplainableBoostingClassifier, DPExplainableBoostingRegressor

DP_TINY = dict(outer_bags=1, max_rounds=20, n_jobs=1)

#: Cases about parameters the private estimators do not have (they fit main effects for
#: exactly max_rounds rounds, with log loss or squared error): not applicable.
NO_SUCH_PARAMETER = {
    "X-datetime_features-unknown": "datetime_features",
    "max_interaction_bins-1": "max_interaction_bins",
    "max_interaction_bins-1000": "max_interaction_bins",
    "early_stopping_rounds-negative": "early_stopping_rounds",
    "early_stopping_tolerance-negative": "early_stopping_tolerance",
    "min_samples_leaf-0": "min_samples_leaf",
    "min_hessian-negative": "min_hessian",
    "smoothing_rounds-negative": "smoothing_rounds",
    "interactions-bad-string": "interactions",
    "interactions-negative": "interactions",
    "interactions-fractional-count": "interactions",
    "interactions-single-feature": "interactions",
    "interactions-triple": "interactions",
    "interactions-unknown-feature": "interactions",
    "interactions-repeated-feature": "interactions",
    "monotone-wrong-length": "monotone_constraints",
    "monotone-value-2": "monotone_constraints",
    "monotone-on-nominal": "monotone_constraints",
    "objective-unknown-classifier": "objective",
    "objective-regression-on-classifier": "objective",
    "objective-unknown-regressor": "objective",
    "objective-classification-on-regressor": "objective",
    "y-huge-poisson": "objective",
}

_REFUSED_WEIGHTS = (ValueError, r"sample_weight is not supported by differentially private "
                                r"EBMs: the privacy guarantee bounds what one record can change")

#: Cases the private estimators handle differently on purpose: (exception, pattern, reason).
BY_DESIGN = {
    **{case: _REFUSED_WEIGHTS + ("sample weights are refused before they are read: a record's "
                                 "weight would change what it can move (docs/privacy.md)",)
       for case in ("weights-negative", "weights-nan", "weights-inf", "weights-all-zero",
                    "weights-wrong-length", "weights-text", "weights-total-overflows")},
    "max_rounds-negative": (ValueError, r"max_rounds must be an integer in the range \[1, inf\)",
                            "a private fit takes exactly max_rounds rounds, at least one"),
    "max_bins-1": (ValueError, r"max_bins must be an integer in the range \[3, inf\), got 1",
                   "private binning needs at least two value bins (InterpretML's bound)"),
    "X-datetime-column": (battery.DataWarning, r"Feature 'when' holds dates \(datetime64\[.*\] "
                          r"values\); it became the continuous feature 'when:days_since_1970'",
                          "private EBMs have no datetime_features parameter (InterpretML's "
                          "have none): a date column becomes one feature, days since 1970"),
    "X-derived-name-taken": (ValueError, r"Feature 'when:days_since_1970', derived from the "
                             r"date column 'when', has the name of another column",
                             "the same check, on the one feature a date becomes here"),
    "model-not-finite": (None, None, "the private step moves a leaf by its noisy sum over its "
                                     "noisy count, with gradients clipped to the public range: "
                                     "with learning_rate=1e300 the scores grow to about 1e301 "
                                     "but stay finite, and the standard finiteness check passes"),
}

#: Cases whose action names a standard date part: the same mistake with the private one.
_DATE_TAKEN = (lambda: battery._clf().fit(battery.X.assign(
    **{"when:days_since_1970": 1, "when": battery.DAYS}), battery.Y_CLASS))
REPLACED = {"X-derived-name-taken": _DATE_TAKEN}


def _dp_clf(**params: Any) -> DPExplainableBoostingClassifier:
    return DPExplainableBoostingClassifier(**{**DP_TINY, **params})


def _dp_reg(**params: Any) -> DPExplainableBoostingRegressor:
    return DPExplainableBoostingRegressor(**{**DP_TINY, **params})


@pytest.fixture
def private_battery(monkeypatch):
    """The battery's estimator factories and fitted models made private."""
    monkeypatch.setattr(battery, "_clf", _dp_clf)
    monkeypatch.setattr(battery, "_reg", _dp_reg)
    monkeypatch.setattr(battery, "_fitted_on_frame",
                        lru_cache(None)(lambda: _dp_clf().fit(battery.X, battery.Y_CLASS)))
    monkeypatch.setattr(battery, "_fitted_on_array", lru_cache(None)(
        lambda: _dp_clf().fit(battery.X.to_numpy(), battery.Y_CLASS)))
    monkeypatch.setattr(battery, "_fitted_with_dates", lru_cache(None)(
        lambda: _dp_clf().fit(battery.X.assign(
            when=battery.DAYS.strftime("%Y-%m-%d")), battery.Y_CLASS)))
    with warnings.catch_warnings():
        # the privacy warnings (bounds, target range, types read from the data) are tested in
        # test_privacy_estimators.py; the battery's data warnings still count
        warnings.filterwarnings("ignore", message="Possible privacy violation")
        yield


def _private_pattern(pattern: str) -> str:
    """The pattern with the standard class names as the private estimators' names."""
    return pattern.replace("but ExplainableBoosting", "but DPExplainableBoosting")


CASE_IDS = [case[0] for case in battery.CASES]
APPLICABLE = [(i, a, e, _private_pattern(p)) for i, a, e, p in battery.CASES
              if i not in NO_SUCH_PARAMETER and i not in BY_DESIGN]


@pytest.mark.parametrize(("action", "exception", "pattern"),
                         [pytest.param(a, e, p, id=i) for i, a, e, p in APPLICABLE])
def test_private_estimators_handle_the_case_the_same_way(private_battery, action, exception,
                                                         pattern):
    with pytest.raises(exception, match=pattern):
        action()


@pytest.mark.parametrize("case", sorted(BY_DESIGN))
def test_cases_that_differ_by_design(private_battery, case):
    action = REPLACED.get(case) or next(a for i, a, _, _ in battery.CASES if i == case)
    exception, pattern, _reason = BY_DESIGN[case]
    if exception is None:
        model = action()
        assert np.all(np.isfinite(model.predict(battery.X)))
    else:
        with pytest.raises(exception, match=pattern):
            action()


@pytest.mark.parametrize("case", sorted(set(NO_SUCH_PARAMETER) & set(CASE_IDS)))
def test_cases_of_parameters_private_estimators_lack(private_battery, case):
    action = next(a for i, a, _, _ in battery.CASES if i == case)
    parameter = NO_SUCH_PARAMETER[case]
    with pytest.raises(TypeError, match=f"unexpected keyword argument '{parameter}'"):
        action()


def test_the_exceptions_name_cases_of_the_battery():
    # a case added to the battery runs against the private estimators by default; an
    # exception must name a case that exists (interactions-triple: the battery's older id)
    listed = set(NO_SUCH_PARAMETER) | set(BY_DESIGN)
    assert listed - {"interactions-triple"} <= set(CASE_IDS)
    assert len(APPLICABLE) >= 50


@pytest.mark.parametrize("argument", ["bags", "init_score"])
def test_bags_and_init_score_are_refused(argument):
    n = len(battery.Y_CLASS)
    value = np.ones((1, n), dtype=np.int8) if argument == "bags" else np.zeros(n)
    with pytest.raises(ValueError, match=f"{argument} is not supported by differentially "
                                         "private EBMs"):
        DPExplainableBoostingClassifier(**DP_TINY).fit(battery.X, battery.Y_CLASS,
                                                       **{argument: value})
