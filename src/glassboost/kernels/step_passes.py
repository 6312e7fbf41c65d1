"""The row passes of greedy steps (numba): one pass per step.

A greedy step's pass applies the previous step's update (one term's) to every row and fills the
next term's histogram. Each row keeps its ``score_exponential`` (softmax: one per class) between
the sweeps (``refresh_exponentials``, ``refresh_softmax``); a step multiplies it by the update's
per-cell factor, so the gradient needs no ``exp`` per row.

``_step_pass_single_score`` serves every one-score objective through per-row branches on the
objective and on whether an update is applied, and keeps an exponential per row even where none
is needed. For squared error and log loss the passes below it do the same arithmetic in the same
order, so they give the same bits, with the branches taken once per pass: squared error keeps no
exponential at all and needs no hessian (its hessians are the weights, filled once per bag).
Pseudo-Huber's pass reads each row's target from an array made once per stage (``row_targets``)
and takes one division and one square root per row instead of four divisions and a root: the same
gradients to rounding.
"""

import numpy as np
from numba import njit

from .block_passes import add_one_to_inner, add_row_to_inner, clear_inner
from .class_counts import by_class_count
from .loss import (_MIN_HESSIAN, LOG_LOSS, PSEUDO_HUBER, SQUARED_ERROR, add_group_loss,
                   finish_loss, group_gradient_from_exponential, group_loss, score_exponential,
                   softmax_class_gradient, softmax_exponentials, softmax_loss)


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


@njit(no_cpython_wrapper=True, no_cfunc_wrapper=True)
def refresh_exponentials(objective, scores, exponentials, params):
    """Recompute every row's ``score_exponential`` (greedy steps then keep it up to date)."""
    for row in range(scores.shape[0]):
        exponentials[row] = score_exponential(objective, scores[row], params)


@njit(no_cpython_wrapper=True, no_cfunc_wrapper=True)
def refresh_softmax(multi_score, scores, exponentials, shifts):
    """Recompute every row's class exponentials (``loss.softmax_exponentials``, flat in
    ``exponentials``) and their shift; nothing in the variant without several scores
    (``multi_score`` None)."""
    if multi_score is None:
        return
    for row in range(scores.shape[0]):
        _refresh_row(scores, exponentials, shifts, row, scores.shape[1])


#: Kept class exponentials are recomputed from the scores when their sum leaves this range.
KEPT_LOW, KEPT_HIGH = 1e-150, 1e150


@njit(no_cpython_wrapper=True, no_cfunc_wrapper=True)
def _refresh_row(scores, exponentials, shifts, row, n_scores):
    """Refresh row ``row``'s kept class exponentials (``exponentials``, flat, rows x classes)
    and shift; return their sum. A call of its own, made only when the sum left
    [KEPT_LOW, KEPT_HIGH] (the scores moved by hundreds since the last refresh)."""
    first = row * n_scores
    shifts[row] = softmax_exponentials(scores, row, n_scores, exponentials, first)
    total = 0.0
    for k in range(n_scores):
        total += exponentials[first + k]
    return total


@njit(no_cpython_wrapper=True, no_cfunc_wrapper=True)
def _exponential_factors(objective, update, factors, params):
    """``score_exponential`` of every cell of an update; one ``exp`` per run of equal cells."""
    previous, factor = np.nan, 1.0
    for cell in range(update.shape[0]):
        if update[cell] != previous:
            previous, factor = update[cell], score_exponential(objective, update[cell], params)
        factors[cell] = factor


@njit(no_cpython_wrapper=True, no_cfunc_wrapper=True)
def _step_pass_single_score(term_codes, applied, applied_lo, applied_hi, histogrammed, hist_lo,
                            hist_hi, updates, factors, scores, exponentials, train_w, train_wy,
                            val_w, val_wy, val_rows, objective, grad_hist, hess_hist, want_loss,
                            params, inner, targets):
    """A greedy step's pass for one-score objectives: apply term ``applied``'s update (cells
    [applied_lo, applied_hi); -1: none) and fill term ``histogrammed``'s histogram.

    Each row keeps its ``score_exponential``; a step multiplies it by the update's factor, so the
    gradient needs no ``exp`` per row. The validation loss is summed afterwards over the
    validation rows ``val_rows`` alone, in row order: a branch on every row of the main loop
    (one in seven taken, at random) cost more than the loss itself. Squared error, log loss and
    pseudo-Huber take their own passes (``step_passes``) without per-row branches; pseudo-Huber's
    reads the rows' ``targets`` (``step_passes.row_targets``).
    """
    if inner is None:
        if objective == SQUARED_ERROR:
            return squared_error_step_pass(term_codes, applied, applied_lo, histogrammed,
                                           hist_lo, hist_hi, updates, scores, train_w, train_wy,
                                           val_w, val_wy, val_rows, grad_hist, want_loss)
        if objective == LOG_LOSS:
            if applied >= 0:
                _exponential_factors(objective, updates[applied_lo:applied_hi], factors, params)
            return log_loss_step_pass(term_codes, applied, applied_lo, histogrammed, hist_lo,
                                      hist_hi, updates, factors, scores, exponentials, train_w,
                                      train_wy, val_w, val_wy, val_rows, grad_hist, hess_hist,
                                      want_loss)
        if objective == PSEUDO_HUBER:
            return pseudo_huber_step_pass(term_codes, applied, applied_lo, histogrammed, hist_lo,
                                          hist_hi, updates, scores, targets, train_w, val_w,
                                          val_wy, val_rows, grad_hist, hess_hist, want_loss,
                                          params)
    constant_hessian = objective == SQUARED_ERROR
    if inner is not None:
        clear_inner(inner, hist_lo, hist_hi, constant_hessian)
    else:
        grad_hist[hist_lo:hist_hi] = 0.0
        if not constant_hessian:
            hess_hist[hist_lo:hist_hi] = 0.0
    if applied >= 0:
        _exponential_factors(objective, updates[applied_lo:applied_hi], factors, params)
    loss, product, length = 0.0, 1.0, 0
    for row in range(scores.shape[0]):
        score = scores[row]
        exponential = exponentials[row]
        if applied >= 0:
            code = term_codes[applied, row]
            score += updates[applied_lo + code]
            exponential *= factors[code]
            scores[row] = score
            exponentials[row] = exponential
        g, h = group_gradient_from_exponential(objective, score, exponential, train_w[row],
                                               train_wy[row], params)
        cell = hist_lo + term_codes[histogrammed, row]
        if inner is None:
            grad_hist[cell] += g
            if not constant_hessian:
                hess_hist[cell] += h
        else:
            add_one_to_inner(inner, row, cell, g, h, constant_hessian)
    if want_loss:
        for row in val_rows:
            loss, product, length = add_group_loss(objective, scores[row], exponentials[row],
                                                   val_w[row], val_wy[row], loss, product, length,
                                                   params)
    return finish_loss(loss, product)


@njit(no_cpython_wrapper=True, no_cfunc_wrapper=True)
def multi_score_step_pass(multi_score, applied, histogrammed, want_loss, rows, factors,
                           exponentials, shifts, val_rows):
    """``_step_pass`` for softmax; nothing in the variant without several scores
    (``multi_score`` None)."""
    if multi_score is None:
        return 0.0
    (term_codes, offsets, _, updates, scores, train_w, train_wy, val_w, val_wy, _, grad_hist,
     hess_hist, _, _, _, inner, _) = rows
    return _softmax_step_pass_by_count(scores.shape[1], (
        term_codes, offsets, applied, histogrammed, updates, factors, scores, exponentials,
        shifts, train_w, train_wy, val_w, val_wy, val_rows, grad_hist, hess_hist, want_loss,
        inner))


def _softmax_step_pass(fixed_scores: int):
    """The greedy step's pass for softmax, compiled for ``fixed_scores`` classes (0: any count).

    With the count a constant the class loops unroll and vectorize: 20-21 -> 16 ns per row for
    five classes on 49k rows (docs/architecture.md); the arithmetic and its order are the same.
    """

    @njit(no_cpython_wrapper=True, no_cfunc_wrapper=True)
    def step_pass(term_codes, offsets, applied, histogrammed, updates, factors, scores,
                  exponentials, shifts, train_w, train_wy, val_w, val_wy, val_rows, grad_hist,
                  hess_hist, want_loss, inner):
        """Apply term ``applied``'s update (-1: none) and fill term ``histogrammed``'s
        histograms.

        Each row keeps its class exponentials (``_refresh_softmax``); a step multiplies them by
        the update's factors, one ``exp`` per cell and class instead of one per row and class,
        which was most of a step's cost. The validation loss is summed afterwards over
        ``val_rows``.
        """
        n_rows = scores.shape[0]
        n_scores = fixed_scores if fixed_scores > 0 else scores.shape[1]
        kept = exponentials[:n_rows * n_scores].reshape(n_rows, n_scores)
        hist_lo, hist_hi = offsets[histogrammed], offsets[histogrammed + 1]
        if inner is not None:
            clear_inner(inner, hist_lo * n_scores, hist_hi * n_scores, False)
        else:
            grad_hist[hist_lo:hist_hi] = 0.0
            hess_hist[hist_lo:hist_hi] = 0.0
        applied_lo = offsets[max(applied, 0)]
        n_cells = np.int64(offsets[max(applied, 0) + 1] - applied_lo)
        step_factors = factors[:n_cells * n_scores].reshape(n_cells, n_scores)
        if applied >= 0:
            for cell in range(n_cells):
                for k in range(n_scores):
                    step_factors[cell, k] = np.exp(updates[applied_lo + cell, k])
        gradient = np.empty(n_scores)
        hessian = np.empty(n_scores)
        codes = term_codes[histogrammed]
        # 2-D indexing throughout: a view of a row (``scores[row]``) costs reference counting, and
        # per row it tripled the time of this loop
        for row in range(n_rows):
            if applied >= 0:
                code = term_codes[applied, row]
                for k in range(n_scores):
                    scores[row, k] += updates[applied_lo + code, k]
                    kept[row, k] *= step_factors[code, k]
            total = 0.0
            for k in range(n_scores):
                total += kept[row, k]
            if not KEPT_LOW < total < KEPT_HIGH:
                total = _refresh_row(scores, exponentials, shifts, row, n_scores)
            w = train_w[row]
            if w > 0.0:
                cell = hist_lo + codes[row]
                for k in range(n_scores):
                    g, h = softmax_class_gradient(kept[row, k], total, w, train_wy[row, k])
                    if inner is None:
                        grad_hist[cell, k] += g
                        hess_hist[cell, k] += h
                    else:
                        gradient[k], hessian[k] = g, h
                if inner is not None:
                    add_row_to_inner(inner, row, cell * n_scores, gradient, hessian)
        loss = 0.0
        if want_loss:
            for row in val_rows:  # every row's sum is in range: the loop above checked it
                total = 0.0
                for k in range(n_scores):
                    total += kept[row, k]
                loss = softmax_loss(scores, val_wy, row, n_scores, shifts[row], total,
                                    val_w[row], loss)
        return loss

    return step_pass


_softmax_step_pass_by_count = by_class_count(_softmax_step_pass)


# compiled ahead: see ``_pair_update``
@njit(cache=True, no_cpython_wrapper=True, no_cfunc_wrapper=True)
def single_score_step_pass(applied, histogrammed, want_loss, rows, factors, exponentials,
                            val_rows, targets):
    """``_step_pass`` of the one-score row passes."""
    (term_codes, offsets, _, updates, scores, train_w, train_wy, val_w, val_wy, objective,
     grad_hist, hess_hist, _, params, _, inner, _) = rows
    return _step_pass_single_score(
        term_codes, applied, offsets[max(applied, 0)], offsets[max(applied, 0) + 1],
        histogrammed, offsets[histogrammed], offsets[histogrammed + 1], updates.reshape(-1),
        factors, scores.reshape(-1), exponentials, train_w, train_wy.reshape(-1), val_w,
        val_wy.reshape(-1), val_rows, objective, grad_hist.reshape(-1), hess_hist.reshape(-1),
        want_loss, params, inner, targets)
