"""glassboost.utils: bad arguments get errors that name them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from glassboost import (DataWarning, ExplainableBoostingClassifier, ExplainableBoostingRegressor,
                        utils)

RNG = np.random.default_rng(0)
X = pd.DataFrame({"a": RNG.normal(size=200), "b": RNG.normal(size=200),
                  "c": RNG.choice(["x", "y"], 200)})
Y = (X["a"] * X["b"] > 0).astype(int).to_numpy()


@pytest.mark.parametrize("interactions", ["abc", [("a",)], [("a", "b", "c")], [("a", "a")],
                                          ["a"], {"a": "b"}])
def test_measure_interactions_refuses_what_is_not_a_list_of_pairs(interactions) -> None:
    with pytest.raises(ValueError, match="interactions"):
        utils.measure_interactions(X, Y, interactions=interactions)


def test_measure_interactions_accepts_pairs_by_name_or_index_in_any_order() -> None:
    by_name = utils.measure_interactions(X, Y, interactions=[("b", "a"), ["c", 0]])
    assert sorted(pair for pair, _ in by_name) == [(0, 1), (0, 2)]


def test_measure_interactions_refuses_missing_targets() -> None:
    y = Y.astype(float)
    y[[3, 7]] = np.nan
    with pytest.raises(ValueError, match=r"y contains missing values \(rows \[3, 7\]\)"):
        utils.measure_interactions(X, y)


@pytest.mark.parametrize("label", [5, 2])
def test_measure_interactions_refuses_labels_not_among_the_init_score_models_classes(label):
    """They were mapped by sorted position to another class (or past the last one)."""
    from glassboost import ExplainableBoostingClassifier

    model = ExplainableBoostingClassifier(outer_bags=1, max_rounds=20, interactions=0,
                                          n_jobs=1).fit(X, Y * 3)  # classes 0 and 3
    y = Y * 3
    y[:4] = label
    with pytest.raises(ValueError, match=rf"y holds \[{label}\], not classes of init_score's "
                                         r"model \[0, 3\]"):
        utils.measure_interactions(X, y, init_score=model)
    assert utils.measure_interactions(X, Y * 3.0, init_score=model)  # 3.0 is the class 3


@pytest.mark.parametrize("objective, value, limit", [
    (None, 800.0, r"709.78271 in magnitude, the limit of a starting score on the 'logit' link"),
    ("survival_cox", 800.0, r"709.78271 in magnitude, the limit of a starting score on the "
                            r"'identity' link of an objective that exponentiates it"),
    ("rmse", 1e300, r"1.3407808e\+154 in magnitude, the limit of a starting score on the "
                    r"'identity' link"),
])
def test_measure_interactions_holds_init_score_to_the_fits_limit(objective, value, limit):
    """Starting scores beyond what the objective's arithmetic takes are refused as by fit."""
    init = np.zeros(200)
    init[9] = value
    y = np.where(Y > 0, 1.0, -1.0) * (1.0 + RNG.random(200)) if objective else Y
    with pytest.raises(ValueError, match=rf"init_score\[9\] = {value:.8g}, beyond "
                                         .replace("+", r"\+") + limit):
        utils.measure_interactions(X, y, init_score=init, objective=objective)


def test_measure_interactions_reads_a_signaling_decimal_nan_in_y_as_missing() -> None:
    from decimal import Decimal

    y = Y.astype(object)
    y[5] = Decimal("sNaN")
    with pytest.raises(ValueError, match=r"y contains missing values \(rows \[5\]\)"):
        utils.measure_interactions(X, y)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_purify_refuses_scores_that_are_not_finite(bad) -> None:
    scores = np.arange(6.0).reshape(2, 3)
    scores[1, 2] = bad
    with pytest.raises(ValueError, match="scores must be finite"):
        utils.purify(scores, np.ones((2, 3)))


def _cox_data(n: int = 1500) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Signed times whose hazard has a pair (0, 1) and whose censoring times a pair (2, 3)."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=(n, 4))
    log_hazard = 1.5 * np.sign(x[:, 0] * x[:, 1])
    time = rng.exponential(np.exp(-log_hazard))
    censor = np.where(x[:, 2] * x[:, 3] > 0, 0.05, 50.0) * rng.exponential(size=n)
    return x, np.where(time <= censor, time, -censor), log_hazard


def test_measure_interactions_ranks_cox_pairs_by_the_hazard_not_the_times() -> None:
    """Cox's strengths come from its gradients at the starting scores: the hazard's pair comes
    first (the censoring's pair shapes the times, not the hazard), the times' units and a
    constant starting score change nothing, and starting at the true hazard leaves the pair
    little to explain. (Strengths were once of a regression on the signed times.)"""
    x, y, log_hazard = _cox_data()
    ranked = utils.measure_interactions(x, y, objective="survival_cox")
    assert ranked[0][0] == (0, 1) and ranked[0][1] > 10 * ranked[1][1]
    for same in (utils.measure_interactions(x, 10.0 * y, objective="survival_cox"),
                 utils.measure_interactions(x, y, init_score=np.full(len(y), 3.0),
                                            objective="survival_cox"),
                 utils.measure_interactions(x, np.c_[np.abs(y), y > 0],
                                            objective="survival_cox")):
        assert [pair for pair, _ in same] == [pair for pair, _ in ranked]
        np.testing.assert_allclose([s for _, s in same], [s for _, s in ranked], rtol=1e-9)
    started = dict(utils.measure_interactions(x, y, init_score=log_hazard,
                                              objective="survival_cox"))
    assert started[(0, 1)] < 0.1 * ranked[0][1]


def test_measure_interactions_refuses_cox_times_of_zero() -> None:
    x, y, _ = _cox_data(200)
    y[4] = 0.0
    with pytest.raises(ValueError, match=r"survival_cox' needs nonzero times .* y\[4\] = 0"):
        utils.measure_interactions(x, y, objective="survival_cox")


POS = np.exp(X["a"] * X["b"]).to_numpy()
COUNTS = np.floor(POS)
FIRST_ROWS = np.arange(200) < 5


def _with(values: np.ndarray, row: int, value: float) -> np.ndarray:
    changed = values.astype(np.float64)
    changed[row] = value
    return changed


@pytest.mark.parametrize("objective, y, sample_weight, message", [
    ("poisson_deviance", _with(POS, 3, -1.0), None,
     r"y: objective='poisson_deviance' needs y >= 0, but y\[3\] = -1"),
    ("tweedie_deviance:variance_power=1.5", _with(POS, 3, -1.0), None,
     r"y: objective='tweedie_deviance:variance_power=1.5' needs y >= 0, but y\[3\] = -1"),
    ("rmse_log", _with(POS, 3, -1.0), None, r"y: objective='rmse_log' needs y >= 0, but y\[3\]"),
    ("gamma_deviance", _with(POS, 3, 0.0), None,
     r"y: objective='gamma_deviance' needs y > 0, but y\[3\] = 0"),
    ("poisson_deviance", np.zeros(200), None,
     "y: objective='poisson_deviance' needs some y > 0 on a row of weight > 0"),
    ("rmse_log", FIRST_ROWS.astype(float), (~FIRST_ROWS).astype(float),
     "y: objective='rmse_log' needs some y > 0 on a row of weight > 0"),
    ("rmse", _with(POS, 3, np.inf), None, "Target y of a regressor must be finite numbers"),
    ("rmse", _with(POS, 3, 1e300), None, "y: targets up to 1e\\+300 .* overflow the rmse loss"),
    ("log_loss", _with(Y, 3, np.inf), None, "Input y contains infinity"),
    ("log_loss", POS, None, "Target y: Unknown label type: continuous"),
    ("log_loss", Y, (Y == 0).astype(float), r"sample_weight is zero on every row of class\(es\) "
                                            r"\[1\] of y"),
])
def test_measure_interactions_refuses_the_targets_a_fit_refuses(objective, y, sample_weight,
                                                                message) -> None:
    """The target goes through the fit's own checks for the objective, with the fit's errors:
    the strengths of a target outside the objective's domain would mean nothing. (They were
    once measured on any target but Cox's.)"""
    estimator = (ExplainableBoostingClassifier if objective == "log_loss"
                 else ExplainableBoostingRegressor)(objective=objective)
    with pytest.raises(ValueError, match=message):
        estimator.fit(X, y, sample_weight=sample_weight)
    with pytest.raises(ValueError, match=message):
        utils.measure_interactions(X, y, sample_weight=sample_weight, objective=objective)


@pytest.mark.parametrize("objective, y, expected", [
    ("rmse", POS, [((0, 1), 86.6646591161626), ((0, 2), 52.245247168078805),
                   ((1, 2), 45.37690012069246)]),
    ("rmse_log", COUNTS, [((0, 1), 86.69675286738351), ((0, 2), 52.14303564964448),
                          ((1, 2), 45.49308252197431)]),
    ("poisson_deviance", COUNTS, [((0, 1), 43.348376433691755), ((0, 2), 26.07151782482224),
                                  ((1, 2), 22.746541260987154)]),
    ("tweedie_deviance:variance_power=1.5", COUNTS,
     [((0, 1), 2.2979147301265823), ((1, 2), 0.9140016901468715), ((0, 2), 0.787622196161044)]),
    ("gamma_deviance", POS, [((0, 1), 0.5964649257360347), ((1, 2), 0.18619066915132096),
                             ((0, 2), 0.15730809406690965)]),
    ("pseudo_huber:delta=1.0", POS, [((0, 1), 0.18455759138454325),
                                     ((0, 2), 0.011883941021213075),
                                     ((1, 2), 0.00880785954694474)]),
    ("quantile:alpha=0.3", np.log(POS), [((0, 1), 0.16972135452207382),
                                         ((0, 2), 0.01244964708271442),
                                         ((1, 2), 0.005633412845134367)]),
    ("log_loss", Y, [((0, 1), 0.9583148148148148), ((0, 2), 0.07029569892473118),
                     ((1, 2), 0.03180850755441147)]),
    ("log_loss", np.digitize(X["a"] * X["b"], [-0.3, 0.3]),
     [((0, 1), 1.0013637953868233), ((0, 2), 0.30637407227746766),
      ((1, 2), 0.23947637362637383)]),
    ("survival_cox", np.where(np.arange(200) % 4 == 0, -POS, POS),
     [((0, 1), 1.138633639340975), ((1, 2), 0.0424920459362131), ((0, 2), 0.03194527360392235)]),
])
def test_measure_interactions_measures_valid_targets_as_before(objective, y, expected) -> None:
    """The fit's checks leave a valid target's strengths as they were before them."""
    ranked = utils.measure_interactions(X, y, objective=objective)
    assert [pair for pair, _ in ranked] == [pair for pair, _ in expected]
    np.testing.assert_allclose([s for _, s in ranked], [s for _, s in expected], rtol=1e-9)


@pytest.mark.parametrize("sample_weight, message", [
    (np.full(200, 1e-6), "sample_weight: with weights of mean 1e-06"),
    (np.where(Y == 1, 1e-6, 1.0), r"sample_weight: class\(es\) \[1\] of y weigh"),
])
def test_measure_interactions_warns_of_weights_too_small_for_min_hessian(sample_weight,
                                                                         message) -> None:
    """Weights too small for ``min_hessian`` get the fit's warning: min_hessian, not the data,
    then decides which cuts count. (They once passed silently.)"""
    with pytest.warns(DataWarning, match=message):
        ExplainableBoostingClassifier(outer_bags=1, max_rounds=2, interactions=0).fit(
            X, Y, sample_weight=sample_weight)
    with pytest.warns(DataWarning, match=message):
        utils.measure_interactions(X, Y, sample_weight=sample_weight)


@pytest.mark.parametrize("setting, value, message", [
    ("min_hessian", -1.0, r"min_hessian must be a number in the range \[0.0, inf\)"),
    ("min_hessian", np.nan, "min_hessian must be a number"),
    ("min_samples_leaf", 0, r"min_samples_leaf must be an integer in the range \[1, inf\)"),
    ("max_interaction_bins", 1, r"max_interaction_bins must be an integer in the range \[2, 253\]"),
    ("max_interaction_bins", 1000, "max_interaction_bins must be an integer"),
    ("max_interaction_bins", 2.5, "max_interaction_bins must be an integer"),
])
def test_measure_interactions_holds_its_settings_to_the_fits_ranges(setting, value,
                                                                    message) -> None:
    """The settings the strengths depend on get the fit's checks. (They were once taken as
    given: a NaN min_hessian or one bin per feature gave numbers.)"""
    with pytest.raises(ValueError, match=message):
        ExplainableBoostingClassifier(**{setting: value}).fit(X, Y)
    with pytest.raises(ValueError, match=message):
        utils.measure_interactions(X, Y, **{setting: value})
