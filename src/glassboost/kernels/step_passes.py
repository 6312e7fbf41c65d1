"""Greedy step passes specialised for the two commonest one-score objectives (numba).

A greedy step's pass (``boost._step_pass_single_score``) applies one term's update to every row
and fills the next term's histogram. Its general form serves every objective through
per-row branches on the objective and on whether an update is applied, and keeps an
exponential per row even where none is needed. For squared error and log loss these passes
do the same arithmetic in the same order, so they give the same bits, with the branches
taken once per pass: squared error keeps no exponential at all and needs no hessian
(its hessians are the weights, filled once per bag).
"""

from numba import njit

from .loss import (_MIN_HESSIAN, LOG_LOSS, SQUARED_ERROR, add_group_loss, finish_loss,
                   group_gradient_from_exponential, group_loss)


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
