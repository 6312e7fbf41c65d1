"""Objectives: names, links, starting scores and inverse links (the kernels hold the math)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit, softmax

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


def initial_scores(objective: Objective, y: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """The constant score that minimizes the loss: where boosting starts."""
    total = weights.sum()
    if objective.code == MULTICLASS_LOG_LOSS:
        priors = np.bincount(y.astype(np.int64), weights=weights, minlength=objective.n_scores)
        logs = np.log(np.clip(priors / total, 1e-12, None))
        return logs - logs.mean()
    mean = float(np.dot(y, weights) / total)
    if objective.code == LOG_LOSS:
        p = min(max(mean, 1e-12), 1 - 1e-12)
        return np.array([np.log(p / (1 - p))])
    if objective.code == POISSON_DEVIANCE:
        return np.array([np.log(max(mean, 1e-12))])
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
