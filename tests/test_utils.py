"""glassboost.utils: bad arguments get errors that name them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from glassboost import utils

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
