"""Tests of objectives, links, starting scores and inverse links."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import minimize_scalar

from glassboost.kernels.loss import LOG_LOSS, MULTICLASS_LOG_LOSS, POISSON_DEVIANCE, SQUARED_ERROR
from glassboost.objectives import (SCALE_LIMIT, check_target_scale, check_weight_scale,
                                   classification_objective, initial_scores, inverse_link,
                                   regression_objective)


def test_objective_names_and_links() -> None:
    binary = classification_objective("log_loss", 2)
    assert (binary.code, binary.link, binary.n_scores) == (LOG_LOSS, "logit", 1)
    multi = classification_objective("log_loss", 4)
    assert (multi.code, multi.link, multi.n_scores) == (MULTICLASS_LOG_LOSS, "mlogit", 4)
    for name in ("rmse", "squared_error"):
        assert regression_objective(name).code == SQUARED_ERROR
        assert regression_objective(name).link == "identity"
    for name in ("poisson", "poisson_deviance"):
        assert regression_objective(name).code == POISSON_DEVIANCE
        assert regression_objective(name).link == "log"
    with pytest.raises(ValueError, match="objective='gamma'"):
        regression_objective("gamma")
    with pytest.raises(ValueError, match="objective='rmse'"):
        classification_objective("rmse", 2)


def _weighted_loss(code: int, score: float, y: np.ndarray, w: np.ndarray) -> float:
    if code == LOG_LOSS:
        return float(np.sum(w * (np.logaddexp(0, score) - y * score)))
    if code == POISSON_DEVIANCE:
        return float(np.sum(w * (np.exp(score) - y * score)))
    return float(np.sum(w * (score - y) ** 2))


@pytest.mark.parametrize("name, n_classes, make_y", [
    ("log_loss", 2, lambda rng, n: (rng.random(n) < 0.3).astype(float)),
    ("rmse", None, lambda rng, n: rng.normal(3.0, 1.0, n)),
    ("poisson", None, lambda rng, n: rng.poisson(2.0, n).astype(float)),
])
def test_initial_score_minimises_the_weighted_loss(name, n_classes, make_y) -> None:
    rng = np.random.default_rng(0)
    y = make_y(rng, 300)
    w = rng.uniform(0.1, 3.0, 300)
    objective = (classification_objective(name, n_classes) if n_classes
                 else regression_objective(name))
    start = initial_scores(objective, y, w)
    best = minimize_scalar(lambda s: _weighted_loss(objective.code, s, y, w),
                           bounds=(-10, 10), method="bounded", options={"xatol": 1e-10})
    assert start.shape == (1,)
    assert abs(start[0] - best.x) < 1e-5


def test_initial_multiclass_scores_give_weighted_priors() -> None:
    y = np.array([0, 0, 1, 2, 2, 2], dtype=float)
    w = np.array([1, 1, 2, 1, 1, 2], dtype=float)
    scores = initial_scores(classification_objective("log_loss", 3), y, w)
    np.testing.assert_allclose(inverse_link("mlogit", scores[None, :])[0], [0.25, 0.25, 0.5])
    assert abs(scores.sum()) < 1e-12


def test_inverse_links() -> None:
    scores = np.array([-50.0, 0.0, 2.0, 50.0])
    p = inverse_link("logit", scores)
    assert p.shape == (4, 2)
    np.testing.assert_allclose(p[:, 1], 1 / (1 + np.exp(-scores)))
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    multi = inverse_link("mlogit", np.array([[1000.0, 0.0, -1000.0], [0.0, 0.0, 0.0]]))
    np.testing.assert_allclose(multi, [[1, 0, 0], [1 / 3, 1 / 3, 1 / 3]])
    np.testing.assert_allclose(inverse_link("log", np.log([1.0, 5.0])), [1.0, 5.0])
    assert inverse_link("identity", scores) is scores


@pytest.mark.parametrize("y, w, expected", [
    (np.full(5, 1e308), np.ones(5), np.log(1e308)),  # the mean overflowed: intercept was inf
    (np.array([0.0, 1e308]), np.array([1.0, 1.0]), np.log(1e308) - np.log(2.0)),
    (np.full(4, 3.0), np.full(4, 1e300), np.log(3.0)),  # the weights' total overflowed
    (np.full(4, 1e-300), np.ones(4), np.log(1e-300)),  # was clipped to log(1e-12)
    (np.array([0.0, 2.0, 6.0]), np.array([1.0, 0.0, 1.0]), np.log(3.0)),
])
def test_poisson_intercept_is_computed_in_log_space(y, w, expected) -> None:
    start = initial_scores(regression_objective("poisson"), y, w)
    assert np.isfinite(start[0])
    assert abs(start[0] - expected) < 1e-9 * max(1.0, abs(expected))


def test_poisson_intercept_of_an_all_zero_target_is_finite() -> None:
    start = initial_scores(regression_objective("poisson"), np.zeros(3), np.ones(3))
    assert start[0] == np.log(1e-12)


def test_weights_whose_total_overflows_the_loss_are_rejected() -> None:
    check_weight_scale(np.full(10, SCALE_LIMIT / 20))
    for weights in (np.full(10, SCALE_LIMIT / 5), np.full(3, 1e308)):
        with pytest.raises(ValueError, match=r"sample_weight: the weights total .* divide them"):
            check_weight_scale(weights)


@pytest.mark.parametrize("name", ["rmse", "poisson"])
def test_regression_targets_whose_scale_overflows_the_loss_are_rejected(name) -> None:
    objective = regression_objective(name)
    check_target_scale(objective, np.array([0.0, 1e140]), np.ones(2))
    with pytest.raises(ValueError, match=rf"y: targets up to 1e\+308 .*{objective.name}"):
        check_target_scale(objective, np.array([0.0, 1e308]), np.ones(2))
    # the product with the total weight counts: the same targets with heavy weights overflow
    with pytest.raises(ValueError, match=r"y: targets up to 1e\+140 with a total weight of 2e\+20"):
        check_target_scale(objective, np.array([0.0, 1e140]), np.full(2, 1e20))
    # tiny weights do not make a target near the float64 limit safe: its square overflows
    with pytest.raises(ValueError, match="y: targets up to"):
        check_target_scale(objective, np.array([1e300]), np.array([1e-300]))


def test_classification_targets_are_not_scale_checked() -> None:
    check_target_scale(classification_objective("log_loss", 3), np.array([0.0, 2.0]),
                       np.full(2, 1e100))
