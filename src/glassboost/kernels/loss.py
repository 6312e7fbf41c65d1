"""Gradients, hessians and losses of every objective over weighted row groups (numba).

The kernels see a *group* of rows that share every bin code, and so share one score: its total
weight ``w`` and weighted target sum ``wy`` are all the loss needs, because every objective here
is linear in the target once the score is fixed (log loss: ``w * softplus(s) - s * wy``). A plain
row is the group ``w = weight, wy = weight * y``. Squared error's constant ``sum(w * y^2)`` is
left out of the per-group loss; the caller adds it once.
"""

import numpy as np
from numba import njit

SQUARED_ERROR = 0
LOG_LOSS = 1
MULTICLASS_LOG_LOSS = 2
POISSON_DEVIANCE = 3

_MIN_HESSIAN = 1e-16


@njit(inline="always")
def _softplus(score):
    if score > 0.0:
        return score + np.log1p(np.exp(-score))
    return np.log1p(np.exp(score))


@njit(inline="always")
def score_exponential(objective, score):
    """The exponential a one-score gradient needs: exp(-s) for log loss, exp(s) for Poisson.

    Greedy steps keep it per row and multiply it by ``score_exponential(delta)`` when a step adds
    ``delta``, which costs a multiplication instead of an ``exp`` per row.
    """
    if objective == LOG_LOSS:
        return np.exp(-score)
    if objective == POISSON_DEVIANCE:
        return np.exp(score)
    return 1.0


@njit(inline="always")
def group_gradient_from_exponential(objective, score, exponential, w, wy):
    """``group_gradient`` given ``score_exponential(objective, score)``."""
    if objective == LOG_LOSS:
        p = 1.0 / (1.0 + exponential)  # exp(-s) overflows to inf for very negative s: p = 0
        return w * p - wy, w * max(p * (1.0 - p), _MIN_HESSIAN)
    if objective == POISSON_DEVIANCE:
        return w * exponential - wy, w * max(exponential, _MIN_HESSIAN)
    return w * score - wy, w


@njit(inline="always")
def group_gradient(objective, score, w, wy):
    """(gradient, hessian) of a single-score objective summed over a group."""
    return group_gradient_from_exponential(objective, score, score_exponential(objective, score),
                                           w, wy)


@njit(inline="always", cache=True)  # booster calls it too
def group_loss(objective, score, w, wy):
    """Loss of a single-score objective summed over a group (squared error: less its constant).

    Squared error's loss is (s - y)^2, twice the loss whose gradient ``group_gradient`` gives;
    that keeps it the mean squared error, and leaves every Newton step unchanged.
    """
    if objective == LOG_LOSS:
        return w * _softplus(score) - wy * score
    if objective == POISSON_DEVIANCE:
        return w * np.exp(score) - wy * score
    return w * score * score - 2.0 * wy * score


# Log loss adds unit-weight groups' log1p(exp(-s)) as a product of (1 + exp(-s)), taking one
# log per PRODUCT_LENGTH factors; factors stay below PRODUCT_FACTOR_LIMIT so no product overflows.
PRODUCT_LENGTH = 16
PRODUCT_FACTOR_LIMIT = 2.0 ** 60


@njit(inline="always")
def add_group_loss(objective, score, exponential, w, wy, loss, product, length):
    """Add a group's ``group_loss`` to the running ``(loss, product, length)``; return them.

    ``exponential`` is ``score_exponential(objective, score)``. Log loss is
    ``w * log1p(exp(-s)) + (w - wy) * s``: for a unit-weight group the log1p goes into
    ``product``, whose log ``loss`` takes every ``PRODUCT_LENGTH`` factors, so a validation row
    costs a multiplication instead of an ``exp`` and a ``log``. Poisson reuses ``exp(s)``.
    The total is ``finish_loss(loss, product)``.
    """
    if objective == LOG_LOSS:
        if w == 1.0 and exponential < PRODUCT_FACTOR_LIMIT:
            product *= 1.0 + exponential
            length += 1
            if length == PRODUCT_LENGTH:
                loss += np.log(product)
                product, length = 1.0, 0
            return loss + (1.0 - wy) * score, product, length
        return loss + group_loss(objective, score, w, wy), product, length
    if objective == POISSON_DEVIANCE:
        return loss + w * exponential - wy * score, product, length
    return loss + group_loss(objective, score, w, wy), product, length


@njit(inline="always")
def finish_loss(loss, product):
    """The total of a loss run by ``add_group_loss``."""
    return loss + np.log(product)


@njit(inline="always")
def group_softmax_gradient(scores, w, wy, gradient, hessian):
    """Fill per-class gradient/hessian of the multiclass log loss summed over a group.

    ``wy[k]`` is the group's weight of class ``k``. Returns the group's loss.
    """
    n_classes = scores.shape[0]
    top = scores[0]
    for k in range(1, n_classes):
        top = max(top, scores[k])
    total = 0.0
    for k in range(n_classes):
        gradient[k] = np.exp(scores[k] - top)
        total += gradient[k]
    loss = w * (np.log(total) + top)
    for k in range(n_classes):
        p = gradient[k] / total
        gradient[k] = w * p - wy[k]
        hessian[k] = w * max(p * (1.0 - p), _MIN_HESSIAN)
        loss -= wy[k] * scores[k]
    return loss
