"""Per-row gradients, hessians and losses of every objective (numba)."""

import numpy as np
from numba import njit

SQUARED_ERROR = 0
LOG_LOSS = 1
MULTICLASS_LOG_LOSS = 2
POISSON_DEVIANCE = 3

_MIN_HESSIAN = 1e-16


@njit(inline="always")
def _sigmoid(score):
    # branch-free: exp overflows to inf for very negative scores, giving exactly 0
    return 1.0 / (1.0 + np.exp(-score))


@njit(inline="always")
def _softplus(score):
    if score > 0.0:
        return score + np.log1p(np.exp(-score))
    return np.log1p(np.exp(score))


@njit(inline="always")
def scalar_gradient(objective, score, target):
    """(gradient, hessian) of a single-score objective at one row."""
    if objective == LOG_LOSS:
        p = _sigmoid(score)
        return p - target, max(p * (1.0 - p), _MIN_HESSIAN)
    if objective == POISSON_DEVIANCE:
        mu = np.exp(score)
        return mu - target, max(mu, _MIN_HESSIAN)
    return score - target, 1.0


@njit(inline="always")
def scalar_loss(objective, score, target):
    """Loss of a single-score objective at one row (up to a constant)."""
    if objective == LOG_LOSS:
        return _softplus(score) - target * score
    if objective == POISSON_DEVIANCE:
        return np.exp(score) - target * score
    diff = score - target
    return diff * diff


@njit(inline="always")
def softmax_gradient(scores, target, gradient, hessian):
    """Fill gradient/hessian (per class) of the multiclass log loss; return the row's loss."""
    n_classes = scores.shape[0]
    top = scores[0]
    for k in range(1, n_classes):
        top = max(top, scores[k])
    total = 0.0
    for k in range(n_classes):
        gradient[k] = np.exp(scores[k] - top)
        total += gradient[k]
    label = int(target)
    for k in range(n_classes):
        p = gradient[k] / total
        gradient[k] = p - (1.0 if k == label else 0.0)
        hessian[k] = max(p * (1.0 - p), _MIN_HESSIAN)
    return np.log(total) + top - scores[label]
