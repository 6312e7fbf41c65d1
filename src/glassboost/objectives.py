"""Objectives: names, links, starting scores and inverse links (the kernels hold the math)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit, logsumexp, softmax

from .kernels.loss import LOG_LOSS, MULTICLASS_LOG_LOSS, POISSON_DEVIANCE, SQUARED_ERROR


@dataclass(frozen=True)
class Objective:
    """An objective as the booster sees it: kernel code, link name, number of scores per row."""

    name: str
    code: int
    link: str
    n_scores: int


CLASSIFICATION_OBJECTIVES = ("log_loss",)
REGRESSION_OBJECTIVES = {
    "rmse": "rmse",
    "squared_error": "rmse",
    "poisson_deviance": "poisson_deviance",
    "poisson": "poisson_deviance",
}


def classification_objective(name: str, n_classes: int) -> Objective:
    if name not in CLASSIFICATION_OBJECTIVES:
        raise ValueError(
            f"objective={name!r} is not a classification objective; use one of "
            f"{CLASSIFICATION_OBJECTIVES}"
        )
    if n_classes == 2:
        return Objective("log_loss", LOG_LOSS, "logit", 1)
    return Objective("log_loss", MULTICLASS_LOG_LOSS, "mlogit", n_classes)


def regression_objective(name: str) -> Objective:
    canonical = REGRESSION_OBJECTIVES.get(name) if isinstance(name, str) else None
    if canonical is None:
        raise ValueError(
            f"objective={name!r} is not a regression objective; use one of "
            f"{sorted(REGRESSION_OBJECTIVES)}"
        )
    if canonical == "poisson_deviance":
        return Objective(canonical, POISSON_DEVIANCE, "log", 1)
    return Objective(canonical, SQUARED_ERROR, "identity", 1)


#: Largest total weight, and largest total weight times the largest |y|, that a fit accepts.
#: Gradient sums reach about that much and the splits square them, so staying below 2**500
#: keeps every sum, square and loss of a fit finite in float64 (its limit is about 2**1024).
SCALE_LIMIT = 2.0**500


def check_weight_scale(weights: np.ndarray) -> None:
    """Reject sample weights whose total is too large for the loss's sums (see SCALE_LIMIT)."""
    with np.errstate(over="ignore"):
        total = float(np.sum(weights))
    if total > SCALE_LIMIT:
        raise ValueError(
            f"sample_weight: the weights total {total:.3g}, above {SCALE_LIMIT:.3g}, where the "
            "sums of squared gradients overflow float64; weights are relative, so divide them by "
            "a constant (such as their mean)"
        )


def check_target_scale(objective: Objective, y: np.ndarray, weights: np.ndarray) -> None:
    """Reject regression targets whose scale would overflow the loss's sums: the largest |y|
    times the total weight must stay below SCALE_LIMIT (and |y| itself, whose square the
    squared error sums)."""
    if objective.code not in (SQUARED_ERROR, POISSON_DEVIANCE) or len(y) == 0:
        return
    largest = float(np.max(np.abs(y)))
    total = float(np.sum(weights))
    if largest > SCALE_LIMIT / max(total, 1.0):
        remedy = ("the model's intercept moves by the log of the divisor" if objective.link == "log"
                  else "the model scales by the same divisor")
        raise ValueError(
            f"y: targets up to {largest:.3g} with a total weight of {total:.3g} would overflow "
            f"the {objective.name} loss's sums in float64 (max |y| x max(total weight, 1) must "
            f"stay below {SCALE_LIMIT:.3g}); divide y by a constant ({remedy}) and multiply the "
            "predictions back"
        )


def _log_weighted_mean(y: np.ndarray, weights: np.ndarray) -> float:
    """log(sum(w * y) / sum(w)) for y >= 0, summed in log space: no overflow for huge targets
    or weights, no underflow for tiny ones; -inf when every weighted target is zero."""
    used = weights > 0
    positive = used & (y > 0)
    if not positive.any():
        return -np.inf
    return float(logsumexp(np.log(weights[positive]) + np.log(y[positive]))
                 - logsumexp(np.log(weights[used])))


def initial_scores(objective: Objective, y: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """The constant score that minimizes the loss: where boosting starts.

    The log link's score (Poisson) is computed in log space, so a mean target near the float64
    limit gives its log (about 709 for 1e308) instead of infinity. An all-zero target's log
    would be -inf: it starts from log(1e-12).
    """
    total = weights.sum()
    if objective.code == MULTICLASS_LOG_LOSS:
        priors = np.bincount(y.astype(np.int64), weights=weights, minlength=objective.n_scores)
        logs = np.log(np.clip(priors / total, 1e-12, None))
        return logs - logs.mean()
    if objective.code == POISSON_DEVIANCE:
        log_mean = _log_weighted_mean(y, weights)
        return np.array([log_mean if np.isfinite(log_mean) else np.log(1e-12)])
    mean = float(np.dot(y, weights) / total)
    if objective.code == LOG_LOSS:
        p = min(max(mean, 1e-12), 1 - 1e-12)
        return np.array([np.log(p / (1 - p))])
    return np.array([mean])


def inverse_link(link: str, scores: np.ndarray) -> np.ndarray:
    """Map decision scores to predictions: probabilities for classifiers, means for regressors."""
    if link == "logit":
        p = expit(scores)
        return np.column_stack([1.0 - p, p])
    if link == "mlogit":
        return softmax(scores, axis=1)
    if link == "log":
        return np.exp(scores)
    return scores
