"""Greedy step passes specialised for the commonest one-score objectives (numba).

A greedy step's pass (``boost._step_pass_single_score``) applies one term's update to every row
and fills the next term's histogram. Its general form serves every objective through
per-row branches on the objective and on whether an update is applied, and keeps an
exponential per row even where none is needed. For squared error and log loss these passes
do the same arithmetic in the same order, so they give the same bits, with the branches
taken once per pass: squared error keeps no exponential at all and needs no hessian
(its hessians are the weights, filled once per bag). Pseudo-Huber's pass reads each row's
target from an array made once per stage (``row_targets``) and takes one division and one
square root per row instead of four divisions and a root: the same gradients to rounding.
"""

import numpy as np
from numba import njit

from .loss import (_MIN_HESSIAN, LOG_LOSS, PSEUDO_HUBER, SQUARED_ERROR, add_group_loss,
                   finish_loss, group_gradient_from_exponential, group_loss)


@njit(no_cpython_wrapper=True, no_cfunc_wrapper=True)
def squared_error_step_pass(term_codes, applied, applied_lo, histogrammed, hist_lo, hist_hi,
                            updates, scores, train_w, train_wy, val_w, val_wy, val_rows,
                            grad_hist, want_loss):
    """Apply term ``applied``'s update (cells from ``applied_lo``; -1: none), fill term
    ``histogrammed``'s gradient histogram (cells [hist_lo, hist_hi)); return the validation
    loss ``sum(w * s^2 - 2 * wy * s)`` over ``val_rows`` when ``want_loss``."""
    grad_hist[hist_lo:hist_hi] = 0.0
    codes = term_codes[histogrammed]
    n_rows = scores.shape[0]
    if applied >= 0:
        applied_codes = term_codes[applied]
        for row in range(n_rows):
            score = scores[row] + updates[applied_lo + applied_codes[row]]
            scores[row] = score
            grad_hist[hist_lo + codes[row]] += _squared_error(score, train_w[row], train_wy[row])
    else:
        for row in range(n_rows):
            grad_hist[hist_lo + codes[row]] += _squared_error(scores[row], train_w[row],
                                                              train_wy[row])
    loss = 0.0
    if want_loss:
        for row in val_rows:
            loss += group_loss(SQUARED_ERROR, scores[row], val_w[row], val_wy[row])
    return loss


@njit(no_cpython_wrapper=True, no_cfunc_wrapper=True)
def log_loss_step_pass(term_codes, applied, applied_lo, histogrammed, hist_lo, hist_hi, updates,
                       factors, scores, exponentials, train_w, train_wy, val_w, val_wy, val_rows,
                       grad_hist, hess_hist, want_loss):
    """``squared_error_step_pass`` for log loss: each row's kept ``exp(-s)`` is multiplied by
    the update's ``factors`` (per cell), and the hessian histogram is filled too."""
    grad_hist[hist_lo:hist_hi] = 0.0
    hess_hist[hist_lo:hist_hi] = 0.0
    codes = term_codes[histogrammed]
    n_rows = scores.shape[0]
    if applied >= 0:
        applied_codes = term_codes[applied]
        for row in range(n_rows):
            code = applied_codes[row]
            score = scores[row] + updates[applied_lo + code]
            exponential = exponentials[row] * factors[code]
            scores[row] = score
            exponentials[row] = exponential
            _add_log_loss(grad_hist, hess_hist, hist_lo + codes[row], exponential, train_w[row],
                          train_wy[row])
    else:
        for row in range(n_rows):
            _add_log_loss(grad_hist, hess_hist, hist_lo + codes[row], exponentials[row],
                          train_w[row], train_wy[row])
    loss, product, length = 0.0, 1.0, 0
    if want_loss:
        for row in val_rows:
            loss, product, length = add_group_loss(LOG_LOSS, scores[row], exponentials[row],
                                                   val_w[row], val_wy[row], loss, product,
                                                   length)
    return finish_loss(loss, product)


@njit(no_cpython_wrapper=True, no_cfunc_wrapper=True)
def row_targets(objective, train_w, train_wy):
    """Each training row's target ``wy / w`` (0 where the weight is 0) for the objectives whose
    pass reads it (pseudo-Huber); an empty array for the others."""
    if objective != PSEUDO_HUBER:
        return np.empty(0)
    targets = np.zeros(train_w.shape[0])
    for row in range(train_w.shape[0]):
        if train_w[row] > 0.0:
            targets[row] = train_wy[row] / train_w[row]
    return targets


@njit(no_cpython_wrapper=True, no_cfunc_wrapper=True)
def pseudo_huber_step_pass(term_codes, applied, applied_lo, histogrammed, hist_lo, hist_hi,
                           updates, scores, targets, train_w, val_w, val_wy, val_rows, grad_hist,
                           hess_hist, want_loss, params):
    """``squared_error_step_pass`` for pseudo-Huber with ``delta = params[0]``: a row's gradient
    is ``w * e / r`` and its hessian ``w / r``, with ``e`` the score less the row's target
    (``row_targets``) and ``r = sqrt(1 + (e / delta)^2)``."""
    grad_hist[hist_lo:hist_hi] = 0.0
    hess_hist[hist_lo:hist_hi] = 0.0
    codes = term_codes[histogrammed]
    inverse_delta = 1.0 / params[0]
    n_rows = scores.shape[0]
    if applied >= 0:
        applied_codes = term_codes[applied]
        for row in range(n_rows):
            score = scores[row] + updates[applied_lo + applied_codes[row]]
            scores[row] = score
            _add_pseudo_huber(grad_hist, hess_hist, hist_lo + codes[row], score - targets[row],
                              train_w[row], inverse_delta)
    else:
        for row in range(n_rows):
            _add_pseudo_huber(grad_hist, hess_hist, hist_lo + codes[row],
                              scores[row] - targets[row], train_w[row], inverse_delta)
    loss = 0.0
    if want_loss:
        for row in val_rows:
            loss += group_loss(PSEUDO_HUBER, scores[row], val_w[row], val_wy[row], params)
    return loss


@njit(inline="always")
def _add_pseudo_huber(grad_hist, hess_hist, cell, error, w, inverse_delta):
    """Add a row's pseudo-Huber gradient and hessian at ``cell``: no branch, since a row out of
    the training set has weight 0 and adds zeros."""
    scaled = error * inverse_delta
    weight = w / np.sqrt(1.0 + scaled * scaled)
    grad_hist[cell] += weight * error
    hess_hist[cell] += weight


@njit(inline="always")
def _squared_error(score, w, wy):
    """A row's squared-error gradient."""
    return group_gradient_from_exponential(SQUARED_ERROR, score, 1.0, w, wy)[0]


@njit(inline="always")
def _add_log_loss(grad_hist, hess_hist, cell, exponential, w, wy):
    """Add a row's log-loss gradient and hessian, from its ``exp(-s)``, at ``cell``: the
    arithmetic of ``loss.group_gradient_from_exponential``, written out because calling it
    here, even with the objective fixed, made the pass four times slower."""
    p = 1.0 / (1.0 + exponential)
    grad_hist[cell] += w * p - wy
    hess_hist[cell] += w * max(p * (1.0 - p), _MIN_HESSIAN)
