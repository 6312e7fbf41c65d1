"""The constant score of a model without terms, and its loss (numba), from per-row offsets.

The booster starts every bag from the intercept these give (and from ``init_score`` offsets when
the user passes them); ``objectives`` fits a regressor's starting score with them too.
"""

import numpy as np
from numba import njit

from .loss import SURVIVAL_COX, group_gradient_from_exponential, group_loss, \
    group_softmax_gradient, score_exponential


#: Relative rise of the loss that a Newton step of ``offset_intercept`` may bring (rounding).
LOSS_RISE_TOLERANCE = 1e-12


@njit(cache=True)
def offset_intercept(objective, offsets, w, wy, start, params):
    """The constant score (per class) that, added to every row's ``offsets`` (n_rows,
    n_scores), minimizes the summed loss of rows weighted ``w`` with weighted targets ``wy``:
    Newton steps (each class its own) from ``start``, until a step moves less than 1e-12.
    A step that raises the loss is halved until it does not: far from the minimum a full
    step overshoots (log loss's hessian vanishes where p nears 0 or 1, so from 3 logits away
    the steps grew to 1e15). Cox's partial likelihood ignores a constant (its gradient in it
    is zero): ``start`` stays."""
    n_scores = offsets.shape[1]
    base = start.copy()
    if objective == SURVIVAL_COX:
        return base
    steps = np.empty(n_scores)
    loss = _shifted_loss(objective, offsets, w, wy, base, params)
    for _ in range(200):
        largest = _newton_step(objective, offsets, w, wy, base, params, steps)
        if largest < 1e-12:
            break
        for _ in range(60):
            moved = base - steps
            moved_loss = _shifted_loss(objective, offsets, w, wy, moved, params)
            if moved_loss <= loss + LOSS_RISE_TOLERANCE * abs(loss):
                break
            steps *= 0.5
        else:
            break  # no step lowers the loss: the minimum, to rounding
        base, loss = moved, moved_loss
    return base


@njit(cache=True)
def _shifted_loss(objective, offsets, w, wy, base, params):
    """The summed loss of the rows scored ``offsets + base``."""
    return offset_loss(objective, offsets + base.reshape(1, -1), w, wy, params)


@njit(cache=True)
def _newton_step(objective, offsets, w, wy, base, params, steps):
    """Fill ``steps`` with the Newton step of every class at ``base`` (0 where it is not
    finite) and return the largest of their sizes."""
    n_scores = offsets.shape[1]
    gradient = np.empty(n_scores)
    hessian = np.empty(n_scores)
    row_scores = np.empty((1, n_scores))
    row_wy = np.empty((1, n_scores))
    g_sum = np.zeros(n_scores)
    h_sum = np.zeros(n_scores)
    for row in range(offsets.shape[0]):
        if w[row] <= 0.0:
            continue
        if n_scores > 1:
            for k in range(n_scores):
                row_scores[0, k] = offsets[row, k] + base[k]
                row_wy[0, k] = wy[row, k]
            group_softmax_gradient(row_scores, row_wy, 0, w[row], gradient, hessian)
            g_sum += gradient
            h_sum += hessian
        else:
            score = offsets[row, 0] + base[0]
            g, h = group_gradient_from_exponential(
                objective, score, score_exponential(objective, score, params), w[row],
                wy[row, 0], params)
            g_sum[0] += g
            h_sum[0] += h
    largest = 0.0
    for k in range(n_scores):
        step = g_sum[k] / h_sum[k] if h_sum[k] > 0.0 else 0.0
        steps[k] = step if np.isfinite(step) else 0.0
        largest = max(largest, abs(steps[k]))
    return largest


@njit(cache=True)
def offset_loss(objective, scores, w, wy, params):
    """The summed loss (``group_loss``, multiclass: ``group_softmax_gradient``) of rows scored
    ``scores`` (n_rows, n_scores), skipping rows of weight zero."""
    n_scores = scores.shape[1]
    gradient = np.empty(n_scores)
    hessian = np.empty(n_scores)
    total = 0.0
    for row in range(scores.shape[0]):
        if w[row] <= 0.0:
            continue
        if n_scores > 1:
            total += group_softmax_gradient(scores, wy, row, w[row], gradient, hessian)
        else:
            total += group_loss(objective, scores[row, 0], w[row], wy[row, 0], params)
    return total

