"""The booster's early-stopping scale: constant-model losses, loss offsets, the noise floor."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import logsumexp, softplus, xlogy

from glassboost.booster import constant_loss, loss_offset, min_improvement
from glassboost.kernels.boost import mean_validation_loss
from glassboost.objectives import classification_objective, initial_scores, regression_objective


def _weights(n: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).uniform(0.5, 2.0, n)


@pytest.mark.parametrize("objective", ["rmse", "poisson_deviance", "binary", "multiclass"])
def test_constant_loss_is_the_mean_loss_of_the_constant_score(objective) -> None:
    rng = np.random.default_rng(3)
    n, w = 500, _weights(500, 4)
    if objective == "binary":
        obj, y = classification_objective("log_loss", 2), (rng.random(n) < 0.3).astype(float)
    elif objective == "multiclass":
        obj, y = classification_objective("log_loss", 4), rng.integers(0, 4, n).astype(float)
    else:
        obj = regression_objective(objective)
        y = rng.poisson(3.0, n).astype(float)
    base = initial_scores(obj, y, w)
    targets = np.eye(4)[y.astype(int)] if objective == "multiclass" else y[:, None]
    got = constant_loss(obj, base, w, w[:, None] * targets, loss_offset(obj, y, w))

    if objective == "rmse":  # compared as RMSE
        want = np.sqrt(np.average((y - base[0]) ** 2, weights=w))
    elif objective == "poisson_deviance":  # half the mean deviance
        mu = np.exp(base[0])
        want = np.average(xlogy(y, y / mu) - (y - mu), weights=w)
    elif objective == "binary":
        want = np.average(softplus(base[0]) - y * base[0], weights=w)
    else:
        want = np.average(logsumexp(base) - base[y.astype(int)], weights=w)
    assert got == pytest.approx(want, rel=1e-12)


def test_a_perfect_poisson_fit_has_zero_loss() -> None:
    """The offset makes Poisson's loss half the deviance: zero when every mean equals y."""
    y = np.array([1.0, 2.0, 5.0, 0.5])
    w = np.ones(4)
    obj = regression_objective("poisson_deviance")
    raw = float(np.sum(w * np.exp(np.log(y)) - w * y * np.log(y)))  # the kernels' group loss
    assert mean_validation_loss(raw, loss_offset(obj, y, w), w.sum(), obj.code) == \
        pytest.approx(0.0, abs=1e-12)


def test_min_improvement_shrinks_with_the_validation_set() -> None:
    assert min_improvement(0.6, 100.0, 0.0) == 0.0
    small, large = min_improvement(0.6, 100.0, 0.01), min_improvement(0.6, 10_000.0, 0.01)
    assert small == pytest.approx(0.01 * 0.6 / 10) and large == pytest.approx(small / 10)
    assert min_improvement(0.6, 0.0, 0.01) == 0.0  # no validation rows: no early stopping
