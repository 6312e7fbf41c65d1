"""Boosting of a set of terms for one bag (numba, releases the GIL): cyclic rounds, greedy steps.

*Cyclic rounds* visit the terms in *blocks*. One pass over the rows does three things at once: add
the current block's updates to every row's score, compute the row's gradient and hessian once at
the new score, and accumulate them into the histograms of every term of the next block. Inside a
block all terms step from the same gradients; the block is kept small enough
(``block_size * learning_rate <= BLOCK_STEP_BUDGET``) that even perfectly collinear terms cannot
overshoot, so the path stays that of cyclic boosting while the costly per-row work (the gradient,
an ``exp`` for most losses) is paid once per block instead of once per term.

*Greedy steps* (after the smoothing rounds, when ``greedy_ratio > 0``) spend the boosting budget
where it pays: a sweep computes every term's next tree and its gain, then each step takes the term
with the largest gain, recomputes its tree at the current scores, records the new gain and applies
the tree; ``greedy_ratio * n_terms`` steps follow each sweep. A sweep applies its trees (a cyclic
round) only as often as ``cyclic_progress`` says. One pass per step applies the previous step's
tree and fills the next term's histogram.

Early stopping counts steps (a cyclic round is one step per term): boosting stops when the
validation loss has not improved by more than ``max(early_stopping_tolerance * best loss,
min_improvement)`` for ``early_stopping_rounds * n_terms`` steps, and keeps the best tables.
The steps are counted from the start when ``stop_in_smoothing`` is set, so a stage whose loss
stopped improving during the smoothing rounds ends there, after ``SMOOTHING_WINDOW_FACTOR``
windows (a random cut's gain varies a lot, and a stage with few terms has a short window);
otherwise (InterpretML's rule) the window starts after the smoothing rounds, which always run
to the end. Losses are compared as
means over the validation weight (squared error as its root, RMSE); ``min_improvement`` is an
absolute amount on that scale (the caller sets it and the tolerance from the validation set's
size: see ``booster.noise_floor``).

Rows outside the bag's training set carry a training weight of zero: they are skipped by the
histograms but still scored for the validation loss.

A *control* array (``control``; None when nothing watches the fit, which numba prunes) lets the
caller stop boosting from outside: after every counted step (a greedy step, or a cyclic round)
the kernel reports it to the Python callable registered under ``control[CONTROL_HANDLE]`` (if
>= 0; it returns True to stop) and stops when ``control[CONTROL_STOP]`` is set (another thread
sets it when a time budget ends). A stopped stage keeps its best tables, as early stopping does.
"""

import inspect
from typing import Callable

import numpy as np
from numba import njit, objmode

from .loss import (LOG_LOSS, NO_PARAMS, PSEUDO_HUBER, RMSE_LOG, SQUARED_ERROR, add_group_loss,
                   cox_risk_factors, finish_loss, float_params, group_gradient_from_exponential,
                   group_loss, group_softmax_gradient, score_exponential, softmax_class_gradient,
                   softmax_exponentials)
from .exchange import scalar_across, sum_across
from .bin_space import apply_in_bins, cell_sums, cooccurrence_layout, cooccurrence_prefix
from .split import (FIXED_HESSIAN_ARRAYS, main_term_update, nominal_order, pair_hessian_tables,
                    pair_term_update)
from .step_passes import (log_loss_step_pass, pseudo_huber_step_pass, row_targets,
                          squared_error_step_pass)
from .tensor_split import tensor_term_update

BLOCK_STEP_BUDGET = 0.5
#: Early stopping inside the smoothing rounds waits this many windows (``_boost_terms``).
SMOOTHING_WINDOW_FACTOR = 2
#: Rounds the validation loss must stay above its best by the rise margin to stop a stage
#: (``_count_steps``): a single step's jump is not a trend.
RISE_ROUNDS = 2
#: Class counts whose softmax passes are compiled with the count as a constant
#: (``_softmax_step_pass``, ``_softmax_block_pass``); other counts take the passes that read it
#: from the scores.
FIXED_CLASS_COUNTS = (3, 4, 5, 6)


def _by_class_count(make: Callable):
    """One compiled function that calls ``make(n)``'s pass for the scores' class count ``n``
    in ``FIXED_CLASS_COUNTS``, else ``make(0)``'s, which reads the count from the scores."""
    n1, n2, n3, n4 = FIXED_CLASS_COUNTS
    pass1, pass2, pass3, pass4 = (make(n) for n in FIXED_CLASS_COUNTS)
    any_count = make(0)

    @njit(no_cpython_wrapper=True, no_cfunc_wrapper=True)
    def by_class_count(n_scores, args):
        if n_scores == n1:
            return pass1(*args)
        if n_scores == n2:
            return pass2(*args)
        if n_scores == n3:
            return pass3(*args)
        if n_scores == n4:
            return pass4(*args)
        return any_count(*args)

    return by_class_count


#: Positions in a control array: the stop flag, and the handle of the step reporter (-1: none).
CONTROL_STOP, CONTROL_HANDLE = 0, 1
#: Python callables ``(steps run, term, validation metric) -> stop?`` by control handle.
STEP_REPORTERS: dict[int, Callable[[int, int, float], bool]] = {}
#: Most memory one bag's fixed-hessian pair tables (``split.pair_hessian_tables``) may take.
HESSIAN_TABLE_BYTES = 64 * 2**20


@njit(no_cpython_wrapper=True, no_cfunc_wrapper=True)
def block_bounds(n_terms, learning_rate):
    """Start index of every block and the end (n_blocks + 1 values), blocks of even size."""
    largest = max(1, int(BLOCK_STEP_BUDGET / learning_rate))
    n_blocks = (n_terms + largest - 1) // largest
    bounds = np.empty(n_blocks + 1, dtype=np.int64)
    for b in range(n_blocks + 1):
        bounds[b] = (b * n_terms) // n_blocks
    return bounds


#: Rows per chunk of a pass: a chunk's gradients stay in cache while each term's histogram is
#: filled from them (one term at a time, so that its histogram stays in the first-level cache).
PASS_CHUNK = 4096


@njit(no_cpython_wrapper=True, no_cfunc_wrapper=True)
def _add_updates(term_codes, offsets, lo, hi, updates, scores, start, end):
    """Add the updates of terms [lo, hi) to the scores of rows [start, end).

    Four terms share a sweep over the rows (a quarter of the loads and stores of the scores);
    each row adds them in term order, as one term per sweep would.
    """
    t = lo
    while hi - t >= 4:
        u0, c0 = updates[offsets[t]:offsets[t + 1]], term_codes[t]
        u1, c1 = updates[offsets[t + 1]:offsets[t + 2]], term_codes[t + 1]
        u2, c2 = updates[offsets[t + 2]:offsets[t + 3]], term_codes[t + 2]
        u3, c3 = updates[offsets[t + 3]:offsets[t + 4]], term_codes[t + 3]
        for row in range(start, end):
            scores[row] = scores[row] + u0[c0[row]] + u1[c1[row]] + u2[c2[row]] + u3[c3[row]]
        t += 4
    for t in range(t, hi):
        update, codes = updates[offsets[t]:offsets[t + 1]], term_codes[t]
        for row in range(start, end):
            scores[row] += update[codes[row]]


@njit(no_cpython_wrapper=True, no_cfunc_wrapper=True)
def _chunk_gradients(objective, scores, train_w, train_wy, start, end, gradients, hessians,
                     exponentials, params):
    """Gradients and hessians of rows [start, end) (and each row's ``score_exponential``).

    Squared error gets a loop of its own, without the other objectives' branches, which
    vectorizes; its hessians are not needed (constant).
    """
    if objective == SQUARED_ERROR:
        for row in range(start, end):
            gradients[row - start] = train_w[row] * scores[row] - train_wy[row]
        return
    for row in range(start, end):
        score = scores[row]
        exponential = score_exponential(objective, score, params)
        g, h = group_gradient_from_exponential(objective, score, exponential, train_w[row],
                                               train_wy[row], params)
        gradients[row - start] = g
        hessians[row - start] = h
        exponentials[row - start] = exponential


@njit(no_cpython_wrapper=True, no_cfunc_wrapper=True)
def _chunk_loss(objective, scores, val_w, val_wy, start, end, exponentials, loss, product,
                length, params):
    """Add the validation loss of rows [start, end) to the running (loss, product, length).

    Squared error sums every row without a branch (a training row's validation weights are
    zero, so it adds exactly zero); the other objectives skip training rows.
    """
    if objective == SQUARED_ERROR:
        for row in range(start, end):
            # with ``params`` (unused here): the signature the booster compiles for its
            # reference loss, which this reuses instead of compiling another
            loss += group_loss(objective, scores[row], val_w[row], val_wy[row], params)
        return loss, product, length
    for row in range(start, end):
        if val_w[row] > 0.0:
            loss, product, length = add_group_loss(objective, scores[row],
                                                   exponentials[row - start], val_w[row],
                                                   val_wy[row], loss, product, length, params)
    return loss, product, length


@njit(no_cpython_wrapper=True, no_cfunc_wrapper=True)
def _pass_single_score(term_codes, offsets, current_lo, current_hi, next_lo, next_hi, updates,
                       scores, train_w, train_wy, val_w, val_wy, objective, grad_hist, hess_hist,
                       want_loss, params, inner):
    """One pass for one-score objectives; returns the validation loss if wanted.

    The rows go by in chunks, and each chunk term by term: add the current terms' updates to the
    chunk's scores, compute every row's gradient and hessian once, then fill one histogram at a
    time. Each term's codes are contiguous, and the table or histogram a loop touches is small,
    so the loops read memory in order and hit the cache (the sums are the same, in the same
    order, as a row-by-row pass). Every row's gradient is weighted by its training weight (zero
    for validation rows): no branch in the hot loops. Squared error has a constant hessian: its
    histogram is the training weight per bin, filled once per bag, so the pass leaves it alone.
    With inner bags (``inner``, see ``_inner_bags``) it fills their histograms instead.
    """
    constant_hessian = objective == SQUARED_ERROR
    for t in range(next_lo, next_hi):
        if inner is not None:
            _clear_inner(inner, offsets[t], offsets[t + 1], constant_hessian)
            continue
        grad_hist[offsets[t]:offsets[t + 1]] = 0.0
        if not constant_hessian:
            hess_hist[offsets[t]:offsets[t + 1]] = 0.0
    gradients = np.empty(PASS_CHUNK)
    hessians = np.empty(PASS_CHUNK)
    exponentials = np.empty(PASS_CHUNK)
    loss, product, length = 0.0, 1.0, np.int64(0)
    for start in range(0, scores.shape[0], PASS_CHUNK):
        end = min(start + PASS_CHUNK, scores.shape[0])
        _add_updates(term_codes, offsets, current_lo, current_hi, updates, scores, start, end)
        _chunk_gradients(objective, scores, train_w, train_wy, start, end, gradients, hessians,
                         exponentials, params)
        if want_loss:
            loss, product, length = _chunk_loss(objective, scores, val_w, val_wy, start, end,
                                                exponentials, loss, product, length, params)
        for t in range(next_lo, next_hi):
            if inner is not None:
                _fill_inner(inner, offsets[t], offsets[t + 1], term_codes[t], gradients,
                            hessians, start, end, constant_hessian)
                continue
            grad, codes = grad_hist[offsets[t]:offsets[t + 1]], term_codes[t]
            for row in range(start, end):
                grad[codes[row]] += gradients[row - start]
            if not constant_hessian:
                hess = hess_hist[offsets[t]:offsets[t + 1]]
                for row in range(start, end):
                    hess[codes[row]] += hessians[row - start]
    return finish_loss(loss, product)


@njit(no_cpython_wrapper=True, no_cfunc_wrapper=True)
def _clear_inner(inner, lo, hi, constant_hessian):
    """Zero cells [lo, hi) of every inner bag's histograms (flat one-score positions). A function
    only the inner-bag variant compiles: the passes zero their own histograms inline."""
    _, inner_grad, inner_hess, _, _ = inner
    for k in range(inner_grad.shape[0]):
        inner_grad[k, lo:hi] = 0.0
        if not constant_hessian:
            inner_hess[k, lo:hi] = 0.0


@njit(no_cpython_wrapper=True, no_cfunc_wrapper=True)
def _fill_inner(inner, lo, hi, codes, gradients, hessians, start, end, constant_hessian):
    """Add the gradients (and hessians) of rows [start, end) to one term's cells [lo, hi) of
    every inner bag's histogram, each row weighted by its occurrences in that bag."""
    occurrences, inner_grad, inner_hess, _, _ = inner
    for k in range(occurrences.shape[0]):
        grad, weights = inner_grad[k, lo:hi], occurrences[k]
        for row in range(start, end):
            grad[codes[row]] += weights[row] * gradients[row - start]
        if not constant_hessian:
            hess = inner_hess[k, lo:hi]
            for row in range(start, end):
                hess[codes[row]] += weights[row] * hessians[row - start]


def _softmax_block_pass(fixed_scores: int):
    """The multiclass counterpart of ``_pass_single_score`` (softmax over class scores),
    compiled for ``fixed_scores`` classes (0: any count), as ``_softmax_step_pass``."""

    @njit(no_cpython_wrapper=True, no_cfunc_wrapper=True)
    def block_pass(term_codes, offsets, current_lo, current_hi, next_lo, next_hi, updates,
                   scores, train_w, train_wy, val_w, val_wy, grad_hist, hess_hist, want_loss,
                   inner):
        n_scores = fixed_scores if fixed_scores > 0 else scores.shape[1]
        for t in range(next_lo, next_hi):
            if inner is not None:
                _clear_inner(inner, offsets[t] * n_scores, offsets[t + 1] * n_scores, False)
                continue
            grad_hist[offsets[t]:offsets[t + 1]] = 0.0
            hess_hist[offsets[t]:offsets[t + 1]] = 0.0
        gradient = np.empty(n_scores)
        hessian = np.empty(n_scores)
        loss = 0.0
        for row in range(scores.shape[0]):
            for t in range(current_lo, current_hi):
                cell = offsets[t] + term_codes[t, row]
                for k in range(n_scores):
                    scores[row, k] += updates[cell, k]
            if train_w[row] > 0.0:
                group_softmax_gradient(scores[row], train_w[row], train_wy[row], gradient,
                                       hessian)
                for t in range(next_lo, next_hi):
                    cell = offsets[t] + term_codes[t, row]
                    if inner is None:
                        for k in range(n_scores):
                            grad_hist[cell, k] += gradient[k]
                            hess_hist[cell, k] += hessian[k]
                    else:
                        _add_row_to_inner(inner, row, cell * n_scores, gradient, hessian)
            if want_loss and val_w[row] > 0.0:
                loss += group_softmax_gradient(scores[row], val_w[row], val_wy[row], gradient,
                                               hessian)
        return loss

    return block_pass


_softmax_block_pass_by_count = _by_class_count(_softmax_block_pass)


@njit(no_cpython_wrapper=True, no_cfunc_wrapper=True)
def _add_row_to_inner(inner, row, first, gradient, hessian):
    """Add one row's gradients and hessians (one per score) to every inner bag's cells from
    ``first`` on, weighted by the row's occurrences in the bag."""
    occurrences, inner_grad, inner_hess, _, _ = inner
    for b in range(occurrences.shape[0]):
        weight = occurrences[b, row]
        for k in range(gradient.shape[0]):
            inner_grad[b, first + k] += weight * gradient[k]
            inner_hess[b, first + k] += weight * hessian[k]


@njit(no_cpython_wrapper=True, no_cfunc_wrapper=True)
def _add_one_to_inner(inner, row, cell, g, h, constant_hessian):
    """``_add_row_to_inner`` of one score's gradient ``g`` and hessian ``h`` at ``cell``."""
    occurrences, inner_grad, inner_hess, _, _ = inner
    for b in range(occurrences.shape[0]):
        inner_grad[b, cell] += occurrences[b, row] * g
        if not constant_hessian:
            inner_hess[b, cell] += occurrences[b, row] * h


@njit(no_cpython_wrapper=True, no_cfunc_wrapper=True)
def _pass(term_codes, offsets, current_lo, current_hi, next_lo, next_hi, updates, scores,
          train_w, train_wy, val_w, val_wy, objective, grad_hist, hess_hist, want_loss,
          multi_score, params, survival, inner):
    if survival is not None:
        return _pass_survival(term_codes, offsets, current_lo, current_hi, next_lo, next_hi,
                              updates.reshape(-1), scores.reshape(-1), train_w,
                              train_wy.reshape(-1), val_w, val_wy.reshape(-1), objective,
                              grad_hist.reshape(-1), hess_hist.reshape(-1), want_loss, params,
                              survival, inner)
    if multi_score is None or scores.shape[1] == 1:
        return _pass_single_score(term_codes, offsets, current_lo, current_hi, next_lo, next_hi,
                                  updates.reshape(-1), scores.reshape(-1), train_w,
                                  train_wy.reshape(-1), val_w, val_wy.reshape(-1), objective,
                                  grad_hist.reshape(-1), hess_hist.reshape(-1), want_loss,
                                  params, inner)
    return _softmax_block_pass_by_count(scores.shape[1], (
        term_codes, offsets, current_lo, current_hi, next_lo, next_hi, updates, scores, train_w,
        train_wy, val_w, val_wy, grad_hist, hess_hist, want_loss, inner))


@njit(no_cpython_wrapper=True, no_cfunc_wrapper=True)
def _pass_survival(term_codes, offsets, current_lo, current_hi, next_lo, next_hi, updates,
                   scores, train_w, train_wy, val_w, val_wy, objective, grad_hist, hess_hist,
                   want_loss, params, survival, inner):
    """``_pass_single_score`` for Cox: a row's gradient depends on every row at risk, so the
    updates move all the scores first, then ``loss.cox_risk_factors`` gives each row the factor
    its gradient takes. ``survival`` is (rows by time, their times)."""
    order, times = survival
    n_rows = scores.shape[0]
    for start in range(0, n_rows, PASS_CHUNK):
        _add_updates(term_codes, offsets, current_lo, current_hi, updates, scores, start,
                     min(start + PASS_CHUNK, n_rows))
    factors = np.empty(n_rows)
    cox_risk_factors(order, times, scores, train_w, train_wy, factors)
    loss = 0.0
    if want_loss:
        loss = cox_risk_factors(order, times, scores, val_w, val_wy, np.empty(n_rows))
    gradients, hessians = np.empty(n_rows), np.empty(n_rows)
    for row in range(n_rows):
        gradients[row], hessians[row] = group_gradient_from_exponential(
            objective, scores[row], factors[row], train_w[row], train_wy[row], params)
    for t in range(next_lo, next_hi):
        if inner is not None:
            _clear_inner(inner, offsets[t], offsets[t + 1], False)
            _fill_inner(inner, offsets[t], offsets[t + 1], term_codes[t], gradients, hessians,
                        0, n_rows, False)
            continue
        grad, hess = grad_hist[offsets[t]:offsets[t + 1]], hess_hist[offsets[t]:offsets[t + 1]]
        grad[:] = 0.0
        hess[:] = 0.0
        codes = term_codes[t]
        for row in range(n_rows):
            grad[codes[row]] += gradients[row]
            hess[codes[row]] += hessians[row]
    return loss


@njit(no_cpython_wrapper=True, no_cfunc_wrapper=True)
def _refresh_exponentials(objective, scores, exponentials, params):
    """Recompute every row's ``score_exponential`` (greedy steps then keep it up to date)."""
    for row in range(scores.shape[0]):
        exponentials[row] = score_exponential(objective, scores[row], params)


@njit(no_cpython_wrapper=True, no_cfunc_wrapper=True)
def _refresh_softmax(multi_score, scores, exponentials, shifts):
    """Recompute every row's class exponentials (``loss.softmax_exponentials``, flat in
    ``exponentials``) and their shift; nothing in the variant without several scores
    (``multi_score`` None)."""
    if multi_score is None:
        return
    n_rows, n_scores = scores.shape
    kept = exponentials[:n_rows * n_scores].reshape(n_rows, n_scores)
    for row in range(n_rows):
        _refresh_row(scores[row], kept[row], shifts, row)


#: Kept class exponentials are recomputed from the scores when their sum leaves this range.
KEPT_LOW, KEPT_HIGH = 1e-150, 1e150


@njit(no_cpython_wrapper=True, no_cfunc_wrapper=True)
def _refresh_row(scores, kept, shifts, row):
    """Refresh one row's kept class exponentials and shift; return their sum. A call of its
    own, made only when the sum left [KEPT_LOW, KEPT_HIGH] (the scores moved by hundreds since
    the last refresh)."""
    shifts[row] = softmax_exponentials(scores, kept)
    total = 0.0
    for k in range(kept.shape[0]):
        total += kept[k]
    return total


@njit(no_cpython_wrapper=True, no_cfunc_wrapper=True)
def _advance(in_bins, space, current_lo, current_hi, next_lo, next_hi, want_loss, rows):
    """Apply the updates of terms [current_lo, current_hi) and make the histograms of terms
    [next_lo, next_hi) current; return the validation loss. In bin space (``bin_space``) every
    histogram is always current and the loss is kept up to date, so only the updates move.

    ``rows`` is (term_codes, offsets, n_bins, updates, scores, train_w, train_wy, val_w, val_wy,
    objective, grad_hist, hess_hist, multi_score, objective_params, survival, inner, remote).
    """
    (term_codes, offsets, n_bins, updates, scores, train_w, train_wy, val_w, val_wy, objective,
     grad_hist, hess_hist, multi_score, params, survival, inner, _) = rows
    if in_bins is None or not in_bins:
        return _pass(term_codes, offsets, current_lo, current_hi, next_lo, next_hi, updates,
                     scores, train_w, train_wy, val_w, val_wy, objective, grad_hist, hess_hist,
                     want_loss, multi_score, params, survival, inner)
    layout, train_cum, val_cum, val_weight, val_grad, loss = space
    for p in range(current_lo, current_hi):
        # one score: the flat views are contiguous, which the kernel's loops vectorize on
        loss[0] += apply_in_bins(p, updates.reshape(-1)[offsets[p]:offsets[p + 1]], n_bins,
                                 offsets, layout, train_cum, val_cum, hess_hist.reshape(-1),
                                 val_weight, grad_hist.reshape(-1), val_grad)
    return loss[0]


@njit(no_cpython_wrapper=True, no_cfunc_wrapper=True)
def _bin_space(in_bins, term_codes, n_bins, offsets, scores, train_w, train_wy, val_w, val_wy,
               grad_hist):
    """The state of bin-space boosting, None in the variant without it (``in_bins`` None: the
    row passes never read it, and nothing is allocated or compiled for it); fills
    ``grad_hist``."""
    if in_bins is None:
        return None
    layout = cooccurrence_layout(n_bins)
    s, val_wy = scores[:, 0], val_wy[:, 0]
    grad_hist[:, 0] = cell_sums(term_codes, offsets, train_w * s - train_wy[:, 0])
    loss = np.zeros(1)
    loss[0] = np.sum(val_w * s * s - 2.0 * val_wy * s)  # group_loss of squared error
    return (layout, cooccurrence_prefix(term_codes, n_bins, train_w, layout),
            cooccurrence_prefix(term_codes, n_bins, val_w, layout),
            cell_sums(term_codes, offsets, val_w),
            cell_sums(term_codes, offsets, val_w * s - val_wy), loss)


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
        _clear_inner(inner, hist_lo, hist_hi, constant_hessian)
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
            _add_one_to_inner(inner, row, cell, g, h, constant_hessian)
    if want_loss:
        for row in val_rows:
            loss, product, length = add_group_loss(objective, scores[row], exponentials[row],
                                                   val_w[row], val_wy[row], loss, product, length,
                                                   params)
    return finish_loss(loss, product)


@njit(inline="always")
def _step_pass(applied, histogrammed, want_loss, in_bins, space, rows, factors, exponentials,
               shifts, val_rows, targets):
    """A greedy step's pass: apply term ``applied`` (-1: none), histogram term ``histogrammed``.

    Row passes of one score and of softmax use the kept exponentials; bin space and Cox (whose
    gradients change with every row's score) use ``_advance``.
    """
    scores, survival = rows[4], rows[14]
    if (in_bins is not None and in_bins) or survival is not None:
        return _advance(in_bins, space, max(applied, 0), applied + 1, histogrammed,
                        histogrammed + 1, want_loss, rows)
    if scores.shape[1] > 1:
        return _multi_score_step_pass(rows[12], applied, histogrammed, want_loss, rows, factors,
                                      exponentials, shifts, val_rows)
    return _single_score_step_pass(applied, histogrammed, want_loss, rows, factors, exponentials,
                                   val_rows, targets)


@njit(no_cpython_wrapper=True, no_cfunc_wrapper=True)
def _multi_score_step_pass(multi_score, applied, histogrammed, want_loss, rows, factors,
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
            _clear_inner(inner, hist_lo * n_scores, hist_hi * n_scores, False)
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
                total = _refresh_row(scores[row], kept[row], shifts, row)
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
                    _add_row_to_inner(inner, row, cell * n_scores, gradient, hessian)
        loss = 0.0
        if want_loss:
            for row in val_rows:  # every row's sum is in range: the loop above checked it
                total = 0.0
                for k in range(n_scores):
                    total += kept[row, k]
                loss += val_w[row] * (np.log(total) + shifts[row])
                for k in range(n_scores):
                    loss -= val_wy[row, k] * scores[row, k]
        return loss

    return step_pass


_softmax_step_pass_by_count = _by_class_count(_softmax_step_pass)


# compiled ahead: see ``_pair_update``
@njit(cache=True, no_cpython_wrapper=True, no_cfunc_wrapper=True)
def _single_score_step_pass(applied, histogrammed, want_loss, rows, factors, exponentials,
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


@njit(no_cpython_wrapper=True, no_cfunc_wrapper=True)
def _fixed_hessian_tables(fixed_hessian, objective, n_scores, term_n1, term_n2, offsets,
                          hess_hist, counts, min_samples_leaf, min_hessian):
    """(tables, table offsets): ``pair_hessian_tables`` of every pair term when the hessians
    never change (squared error, one score) and they fit in HESSIAN_TABLE_BYTES; else empty
    (None in the variant without ``fixed_hessian``)."""
    n_terms = term_n2.shape[0]
    table_offsets = np.zeros(n_terms + 1, dtype=np.int64)
    if fixed_hessian is None:
        return None, table_offsets
    for t in range(n_terms):
        size = FIXED_HESSIAN_ARRAYS * term_n1[t] * term_n2[t] if term_n2[t] > 1 else 0
        table_offsets[t + 1] = table_offsets[t] + size
    if objective != SQUARED_ERROR or n_scores != 1 \
            or 8 * table_offsets[-1] > HESSIAN_TABLE_BYTES:
        return np.zeros(0), np.zeros(n_terms + 1, dtype=np.int64)
    tables = np.empty(table_offsets[-1])
    for t in range(n_terms):
        if term_n2[t] > 1:
            lo, hi = offsets[t], offsets[t + 1]
            tables[table_offsets[t]:table_offsets[t + 1]] = pair_hessian_tables(
                hess_hist[lo:hi], counts[lo:hi], term_n1[t], term_n2[t], min_samples_leaf,
                min_hessian)
    return tables, table_offsets


@njit(no_cpython_wrapper=True, no_cfunc_wrapper=True)
def _term_update(t, random_split, terms, inner):
    """Fill term ``t``'s slice of ``updates`` with its next tree; return the tree's gain.

    With inner bags (``inner``, see ``_inner_bags``; None without) the update is the mean of
    one tree per inner bag, each grown on that bag's histograms, and the gain their mean gain.
    """
    if inner is None:
        return _one_update(t, random_split, terms)
    _, inner_grad, inner_hess, inner_counts, inner_updates = inner
    updates = terms[14]
    n_cells, n_scores = updates.shape
    lo, hi = terms[3][t], terms[3][t + 1]
    n_inner = inner_grad.shape[0]
    gain = 0.0
    for cell in range(lo, hi):
        for k in range(n_scores):
            updates[cell, k] = 0.0
    for b in range(n_inner):
        bag_terms = ((inner_grad[b].reshape(n_cells, n_scores),
                      inner_hess[b].reshape(n_cells, n_scores), inner_counts[b])
                     + terms[3:14] + (inner_updates[b],) + terms[15:])
        gain += _one_update(t, random_split, bag_terms)
        for cell in range(lo, hi):
            for k in range(n_scores):
                updates[cell, k] += inner_updates[b, cell, k] / n_inner
    return gain / n_inner


@njit(inline="always")
def _one_update(t, random_split, terms):
    """``_term_update`` from one set of histograms.

    ``terms`` is (grad_hist, hess_hist, counts, offsets, term_n1, term_n2, term_nominal,
    term_monotone, learning_rate, min_samples_leaf, min_hessian, max_leaves, cat_smooth,
    nominal_gain_scale, updates, hessian_tables, table_offsets, multi_score, options,
    tensor_shapes). A nominal main term's gain is multiplied by ``nominal_gain_scale``;
    ``options`` are the split options (``split.split_options``) or None; ``tensor_shapes`` (see
    ``_tensor_update``) or None.
    """
    (grad_hist, hess_hist, counts, offsets, term_n1, term_n2, term_nominal, term_monotone,
     learning_rate, min_samples_leaf, min_hessian, max_leaves, cat_smooth, nominal_gain_scale,
     updates, hessian_tables, table_offsets, multi_score, options, tensor_shapes) = terms
    tensor_gain = _tensor_update(t, random_split, terms, tensor_shapes)
    if tensor_gain >= 0.0:
        return tensor_gain
    lo, hi = offsets[t], offsets[t + 1]
    if term_n2[t] == 1:
        gain = main_term_update(grad_hist[lo:hi], hess_hist[lo:hi], counts[lo:hi], term_n1[t],
                                term_nominal[t], term_monotone[t], learning_rate,
                                min_samples_leaf, min_hessian, max_leaves, random_split,
                                cat_smooth, updates[lo:hi], options)
        return gain * nominal_gain_scale if term_nominal[t] else gain
    return _pair_update(t, random_split, terms)


@njit(cache=True, no_cpython_wrapper=True, no_cfunc_wrapper=True)
def _pair_update(t, random_split, terms):
    """``_term_update`` of a pair term: a function of its own, cached, so that a second process
    can compile it while the first compiles the rest (``compile_ahead``)."""
    (grad_hist, hess_hist, counts, offsets, term_n1, term_n2, _, _, learning_rate,
     min_samples_leaf, min_hessian, _, _, _, updates, hessian_tables, table_offsets, multi_score,
     options, _) = terms
    lo, hi = offsets[t], offsets[t + 1]
    return pair_term_update(grad_hist[lo:hi], hess_hist[lo:hi], counts[lo:hi], term_n1[t],
                            term_n2[t], learning_rate, min_samples_leaf, min_hessian,
                            random_split, updates[lo:hi],
                            _pair_part(hessian_tables, table_offsets[t], table_offsets[t + 1]),
                            multi_score, options)


@njit(no_cpython_wrapper=True, no_cfunc_wrapper=True)
def _tensor_update(t, random_split, terms, tensor_shapes):
    """The gain of term ``t``'s chain tree (``tensor_split``) when it has three or more
    features, else -1. Row ``t`` of ``tensor_shapes`` is (number of features, bins of each);
    0 features for mains and pairs. None in the variant without such terms (numba prunes)."""
    if tensor_shapes is None:
        return -1.0
    n_features = tensor_shapes[t, 0]
    if n_features == 0:
        return -1.0
    lo, hi = terms[3][t], terms[3][t + 1]
    return tensor_term_update(terms[0][lo:hi], terms[1][lo:hi], terms[2][lo:hi],
                              tensor_shapes[t, 1:1 + n_features], terms[8], terms[9], terms[10],
                              random_split, terms[14][lo:hi], terms[18])


@njit(no_cpython_wrapper=True, no_cfunc_wrapper=True)
def _pair_part(hessian_tables, lo, hi):
    """One pair's part of ``_fixed_hessian_tables`` (None in the variant without them)."""
    if hessian_tables is None:
        return None
    return hessian_tables[lo:hi]


@njit(inline="always")
def _apply(t, offsets, updates, tables, dirty):
    """Add term ``t``'s update to its table (rows get it in the next pass). A plain loop: the
    slice expression ``tables[t, :n] += updates[lo:hi]`` compiled to a helper of its own and ran
    slower (pair stages 12-16% slower in all)."""
    lo = offsets[t]
    for cell in range(offsets[t + 1] - lo):
        for k in range(updates.shape[1]):
            tables[t, cell, k] += updates[lo + cell, k]
    dirty[t] = True


@njit(no_cpython_wrapper=True, no_cfunc_wrapper=True)
def _exchanged(remote, rows, loss, next_lo, next_hi):
    """After a pass over a share of the rows (``remote``, ``rows[16]``, not None): sum the
    histograms of terms [next_lo, next_hi) it filled and its validation loss over every share
    (``exchange``) and return the total loss. A pass over every row returns ``loss`` as is
    (``remote`` a None argument, which numba prunes: as a tuple item it would not be)."""
    if remote is None:
        return loss
    offsets, objective, grad_hist, hess_hist = rows[1], rows[9], rows[10], rows[11]
    lo, hi = offsets[next_lo] * grad_hist.shape[1], offsets[next_hi] * grad_hist.shape[1]
    n = hi - lo
    # squared error's hessians are the bins' training weights, summed once by ``_setup``
    hessians = objective != SQUARED_ERROR
    values = np.empty(n * (2 if hessians else 1) + 1)
    grad, hess = grad_hist.reshape(-1), hess_hist.reshape(-1)
    for i in range(n):  # loops, not slice assignments: see ``_copy_cells``
        values[i] = grad[lo + i]
        if hessians:
            values[n + i] = hess[lo + i]
    values[-1] = loss
    sum_across(remote, values)
    for i in range(n):
        grad[lo + i] = values[i]
        if hessians:
            hess[lo + i] = values[n + i]
    return values[-1]


@njit(inline="always")
def _cyclic_round(random_split, blocks, terms, gains, tables, dirty, in_bins, space, want_loss,
                  rows, inner):
    """One cyclic round in block passes, from the first block's histograms; the last pass fills
    them again for the next round. Records each term's gain; returns the validation loss."""
    offsets, updates = terms[3], terms[14]
    n_blocks = blocks.shape[0] - 1
    loss = 0.0
    for b in range(n_blocks):
        for t in range(blocks[b], blocks[b + 1]):
            gains[t] = _term_update(t, random_split, terms, inner)
            _apply(t, offsets, updates, tables, dirty)
        following = (b + 1) % n_blocks
        loss = _advance(in_bins, space, blocks[b], blocks[b + 1], blocks[following],
                        blocks[following + 1], want_loss and b == n_blocks - 1, rows)
        loss = _exchanged(rows[16], rows, loss, blocks[following], blocks[following + 1])
    return loss


@njit(cache=True)
def offset_intercept(objective, offsets, w, wy, start, params):
    """The constant score (per class) that, added to every row's ``offsets`` (n_rows,
    n_scores), minimizes the summed loss of rows weighted ``w`` with weighted targets ``wy``:
    Newton steps (each class its own) from ``start``, until a step moves less than 1e-12."""
    n_scores = offsets.shape[1]
    base = start.copy()
    gradient = np.empty(n_scores)
    hessian = np.empty(n_scores)
    row_scores = np.empty(n_scores)
    for _ in range(200):
        g_sum = np.zeros(n_scores)
        h_sum = np.zeros(n_scores)
        for row in range(offsets.shape[0]):
            if w[row] <= 0.0:
                continue
            if n_scores > 1:
                for k in range(n_scores):
                    row_scores[k] = offsets[row, k] + base[k]
                group_softmax_gradient(row_scores, w[row], wy[row], gradient, hessian)
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
            step = step if np.isfinite(step) else 0.0
            base[k] -= step
            largest = max(largest, abs(step))
        if largest < 1e-12:
            break
    return base


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
            total += group_softmax_gradient(scores[row], w[row], wy[row], gradient, hessian)
        else:
            total += group_loss(objective, scores[row, 0], w[row], wy[row, 0], params)
    return total


@njit(cache=True)  # booster calls it too
def mean_validation_loss(raw_loss, val_loss_offset, val_total, objective):
    """The validation loss on the scale early stopping compares: the mean loss, or for squared
    error and rmse_log its root (RMSE), so that relative tolerances mean the same for every
    objective."""
    loss = (raw_loss + val_loss_offset) / val_total
    return np.sqrt(max(loss, 0.0)) if objective == SQUARED_ERROR or objective == RMSE_LOG \
        else loss


@njit(inline="always")
def _copy_cells(target, source, n_cells):
    """``target[:n_cells] = source[:n_cells]`` of a table (n_cells, n_scores) as a loop: numba
    compiles an array-to-array slice assignment with an error path that formats both shapes, a
    second of compiling (string code) per distinct pair of ranks."""
    for cell in range(n_cells):
        for k in range(target.shape[1]):
            target[cell, k] = source[cell, k]


@njit(no_cpython_wrapper=True, no_cfunc_wrapper=True)
def _count_steps(raw_loss, n_steps, early_stopping, state, tables, best_tables, dirty, n_bins,
                 val_loss_offset, val_total, objective, tolerance, min_improvement, window, rise,
                 rise_window, smoothing_steps):
    """Count ``n_steps`` more steps that scored ``raw_loss``; True means early stopping stops.

    ``state`` holds (best loss, steps since it, best step, steps run, steps the loss has stayed
    more than ``rise`` (relative) above the best). On an improvement the tables changed since
    the last best (``dirty``) are copied into ``best_tables``: their first ``n_bins`` cells, the
    rest of a table's row is padding. A stage stops after ``window`` steps without an
    improvement, or sooner once the loss has stayed above the margin for ``rise_window`` steps
    after a best found past the ``smoothing_steps``: then it is overfitting, and the rest of the
    window would only confirm that.
    """
    state[3] += n_steps
    if not early_stopping:
        return False
    loss = mean_validation_loss(raw_loss, val_loss_offset, val_total, objective)
    if loss < state[0] - max(tolerance * abs(state[0]), min_improvement):
        state[0] = loss
        state[1] = 0.0
        state[2] = state[3]
        state[4] = 0.0
        for t in range(dirty.shape[0]):
            if dirty[t]:
                _copy_cells(best_tables[t], tables[t], n_bins[t])
                dirty[t] = False
    else:
        state[1] += n_steps
        state[4] = state[4] + n_steps if loss > state[0] + rise * abs(state[0]) else 0.0
    risen = rise > 0.0 and state[2] > smoothing_steps and state[4] >= rise_window
    return state[1] >= window or risen


def _report_step(handle, steps, term, metric):
    """Call the step reporter registered under ``handle`` (from compiled code, with the GIL)."""
    return bool(STEP_REPORTERS[handle](steps, term, metric))


@njit(no_cpython_wrapper=True, no_cfunc_wrapper=True)
def _reported(handle, steps, term, metric):
    with objmode(stop="boolean"):
        stop = _report_step(handle, steps, term, metric)
    return stop


@njit(no_cpython_wrapper=True, no_cfunc_wrapper=True)
def _halted(control, term, raw_loss, count):
    """After steps were counted (the last on ``term``): report them to the step reporter, if
    any, with the validation metric (NaN without early stopping); True when boosting stops."""
    if control is None:
        return False
    early_stopping, state = count[0], count[1]
    if control[CONTROL_HANDLE] >= 0.0:
        metric = mean_validation_loss(raw_loss, count[6], count[7], count[8]) \
            if early_stopping else np.nan
        if _reported(np.int64(control[CONTROL_HANDLE]), np.int64(state[3]), np.int64(term),
                     metric):
            control[CONTROL_STOP] = 1.0
    return control[CONTROL_STOP] != 0.0


@njit(inline="always")
def _setup(term_codes, term_n1, term_n2, term_nominal, term_monotone, train_count, train_w,
           train_wy, val_w, val_wy, objective, scores, tables, learning_rate, min_samples_leaf,
           min_hessian, max_leaves, cat_smooth, nominal_gain_scale, in_bins, options,
           objective_params, survival, fixed_hessian, multi_score, tensor_shapes, occurrences,
           remote):
    """The histograms and the argument tuples of ``_boost_terms`` (and of ``_ahead``, which
    must type them the same way): (offsets, n_bins, updates, space, start_tables, rows, terms,
    inner)."""
    n_terms = term_n1.shape[0]
    n_scores = scores.shape[1]
    n_bins = term_n1 * term_n2
    offsets = np.zeros(n_terms + 1, dtype=np.uint64)
    for t in range(n_terms):  # loops, not slice assignments: see ``_copy_cells``
        offsets[t + 1] = offsets[t] + np.uint64(n_bins[t])
    n_cells = np.int64(offsets[-1])  # int64 sizes: the allocations numba compiled already
    counts = np.zeros(n_cells)
    weight_sums = np.zeros(n_cells)
    for row in range(scores.shape[0]):
        if train_w[row] > 0.0:
            for t in range(n_terms):
                cell = offsets[t] + term_codes[t, row]
                counts[cell] += train_count[row]
                weight_sums[cell] += train_w[row]
    sum_across(remote, counts)
    sum_across(remote, weight_sums)
    grad_hist = np.zeros((n_cells, n_scores))
    hess_hist = np.zeros((n_cells, n_scores))
    if objective == SQUARED_ERROR:
        for cell in range(weight_sums.shape[0]):
            hess_hist[cell, 0] = weight_sums[cell]
    updates = np.zeros((n_cells, n_scores))
    inner = _inner_bags(occurrences, term_codes, offsets, train_count, train_w, objective,
                        n_scores)
    space = _bin_space(in_bins, term_codes, n_bins, offsets, scores, train_w, train_wy, val_w,
                       val_wy, grad_hist)
    start_tables = tables[:0] if in_bins is None or not in_bins else tables.copy()
    rows = (term_codes, offsets, n_bins, updates, scores, train_w, train_wy, val_w, val_wy,
            objective, grad_hist, hess_hist, multi_score, objective_params, survival, inner,
            remote)
    hessian_tables, table_offsets = _fixed_hessian_tables(
        fixed_hessian, objective, n_scores, term_n1, term_n2, offsets, hess_hist, counts,
        min_samples_leaf, min_hessian)
    terms = (grad_hist, hess_hist, counts, offsets, term_n1, term_n2, term_nominal,
             term_monotone, learning_rate, min_samples_leaf, min_hessian, max_leaves, cat_smooth,
             nominal_gain_scale, updates, hessian_tables, table_offsets, multi_score, options,
             tensor_shapes)
    return offsets, n_bins, updates, space, start_tables, rows, terms, inner


@njit(no_cpython_wrapper=True, no_cfunc_wrapper=True)
def _inner_bags(occurrences, term_codes, offsets, train_count, train_w, objective, n_scores):
    """The state of inner bagging, None without it (``occurrences`` None).

    ``occurrences`` (n_inner, n_rows) counts how often each training row was drawn into each
    inner bag. Returns (occurrences, gradient histograms, hessian histograms, sample counts,
    updates): one flat histogram row per inner bag, each row's training weight multiplied by
    its occurrences. Squared error's constant hessians are filled here, once.
    """
    if occurrences is None:
        return None
    n_inner, n_terms = occurrences.shape[0], term_codes.shape[0]
    n_cells = np.int64(offsets[-1])
    inner_grad = np.zeros((n_inner, n_cells * n_scores))
    inner_hess = np.zeros((n_inner, n_cells * n_scores))
    inner_counts = np.zeros((n_inner, n_cells))
    for b in range(n_inner):
        for row in range(term_codes.shape[1]):
            drawn = occurrences[b, row]
            if train_w[row] > 0.0 and drawn > 0.0:
                for t in range(n_terms):
                    cell = offsets[t] + term_codes[t, row]
                    inner_counts[b, cell] += train_count[row] * drawn
                    if objective == SQUARED_ERROR:
                        inner_hess[b, cell] += train_w[row] * drawn
    return (occurrences, inner_grad, inner_hess, inner_counts,
            np.zeros((n_inner, n_cells, n_scores)))


@njit
def _ahead(term_codes, term_n1, term_n2, term_nominal, term_monotone, train_count, train_w,
           train_wy, val_w, val_wy, objective, scores, tables, learning_rate, min_samples_leaf,
           min_hessian, max_leaves, cat_smooth, nominal_gain_scale, in_bins, options,
           objective_params, survival, fixed_hessian, multi_score, tensor_shapes, occurrences,
           remote):
    """Never run, only typed (``compile_ahead``): typing it compiles ``nominal_order``,
    ``_pair_update`` and ``_single_score_step_pass`` into the cache with the types
    ``_boost_terms`` calls them with, so that a second process can compile them while the first
    compiles the rest. Takes ``_setup``'s arguments."""
    _, _, _, space, _, rows, terms, _ = _setup(
        term_codes, term_n1, term_n2, term_nominal, term_monotone, train_count, train_w, train_wy,
        val_w, val_wy, objective, scores, tables, learning_rate, min_samples_leaf, min_hessian,
        max_leaves, cat_smooth, nominal_gain_scale, in_bins, options, objective_params, survival,
        fixed_hessian, multi_score, tensor_shapes, occurrences, remote)
    grad_hist, hess_hist, counts, offsets, term_n1 = terms[0], terms[1], terms[2], terms[3], \
        terms[4]
    t = np.int64(0)
    lo, hi = offsets[t], offsets[t + 1]  # the slices ``_term_update`` passes
    order = nominal_order(grad_hist[lo:hi], hess_hist[lo:hi], counts[lo:hi], term_n1[t],
                          cat_smooth)
    gain = _pair_update(t, np.bool_(False), terms)
    loss = _single_score_step_pass(t, t, np.bool_(False), rows, np.empty(1), np.empty(1),
                                   np.nonzero(val_w > 0.0)[0], np.empty(0))
    return gain + loss + order[0]


@njit(nogil=True, cache=True)
def _boost_terms(term_codes, term_n1, term_n2, term_nominal, term_monotone, train_count, train_w,
                 train_wy, val_w, val_wy, val_loss_offset, objective, scores, tables,
                 learning_rate, max_rounds, early_stopping_rounds, early_stopping_tolerance,
                 min_improvement, min_samples_leaf, min_hessian, max_leaves, smoothing_rounds,
                 greedy_ratio, cyclic_progress, cat_smooth, nominal_gain_scale, in_bins, seed,
                 stop_in_smoothing, rise, options, control, objective_params,
                 survival, fixed_hessian, multi_score, tensor_shapes, occurrences, remote):
    """The compiled body of ``boost_terms`` (see there), which picks the variant: ``in_bins``,
    ``fixed_hessian`` and ``multi_score`` are None in the variants without those paths, and
    ``options``, ``control``, ``tensor_shapes``, ``occurrences`` and ``remote`` when unused."""
    np.random.seed(seed)
    n_terms = term_n1.shape[0]
    n_scores = scores.shape[1]
    offsets, n_bins, updates, space, start_tables, rows, terms, inner = _setup(
        term_codes, term_n1, term_n2, term_nominal, term_monotone, train_count, train_w, train_wy,
        val_w, val_wy, objective, scores, tables, learning_rate, min_samples_leaf, min_hessian,
        max_leaves, cat_smooth, nominal_gain_scale, in_bins, options, objective_params, survival,
        fixed_hessian, multi_score, tensor_shapes, occurrences, remote)
    blocks = block_bounds(n_terms, learning_rate)
    val_total = scalar_across(remote, val_w.sum())
    early_stopping = val_total > 0.0 and early_stopping_rounds > 0
    window = early_stopping_rounds * n_terms
    max_steps = max_rounds * n_terms
    best_tables = tables.copy()
    dirty = np.zeros(n_terms, dtype=np.bool_)
    gains = np.zeros(n_terms)

    # nothing to apply yet: this pass histograms the first block and scores the start
    loss = _advance(in_bins, space, np.int64(0), np.int64(0), blocks[0], blocks[1], np.bool_(True),
                    rows)
    loss = _exchanged(rows[16], rows, loss, blocks[0], blocks[1])
    state = np.zeros(5)  # see ``_count_steps``
    state[0] = (mean_validation_loss(loss, val_loss_offset, val_total, objective)
                if val_total > 0.0 else 0.0)
    count = (early_stopping, state, tables, best_tables, dirty, n_bins, val_loss_offset,
             val_total, objective, early_stopping_tolerance, min_improvement, window,
             rise, RISE_ROUNDS * n_terms, smoothing_rounds * n_terms)
    cyclic_rounds = max_rounds if greedy_ratio <= 0.0 else min(smoothing_rounds, max_rounds)
    stopped = False
    for round_index in range(cyclic_rounds):
        random_split = round_index < smoothing_rounds
        loss = _cyclic_round(random_split, blocks, terms, gains, tables, dirty, in_bins, space,
                             early_stopping, rows, inner)
        stop = _count_steps(loss, n_terms, *count)
        if _halted(control, n_terms - 1, loss, count):
            stopped = True
            break
        # random cuts' gains vary: inside the smoothing rounds the window is longer
        if stop and (not random_split or (stop_in_smoothing and
                                          state[1] >= SMOOTHING_WINDOW_FACTOR * window)):
            stopped = True
            break
        if round_index + 1 == smoothing_rounds and not stop_in_smoothing:
            state[1] = 0.0  # the patience window starts after smoothing

    greedy_steps = max(1, int(np.ceil(greedy_ratio * n_terms - 1e-9)))  # 1/3 * 3 is 1
    credit = cyclic_progress
    pending = np.int64(-1)  # the term whose update the next pass applies
    # kept per row (and class) between the sweeps: see ``_step_pass``
    exponentials = np.empty(scores.shape[0] * n_scores)
    shifts = np.empty(scores.shape[0] if n_scores > 1 else 0)
    val_rows = np.nonzero(val_w > 0.0)[0]
    targets = row_targets(objective, train_w, train_wy[:, 0])
    factors = np.empty(int(n_bins.max()) * n_scores)
    while greedy_ratio > 0.0 and not stopped and state[3] < max_steps:
        # a sweep: every term's tree at the current scores, applied only when it makes progress
        progress = credit >= 1.0
        credit += cyclic_progress - (1.0 if progress else 0.0)
        first, last = (blocks[0], blocks[1]) if progress else (0, n_terms)
        loss = _advance(in_bins, space, max(pending, 0), pending + 1, first, last,
                        early_stopping and pending >= 0, rows)
        loss = _exchanged(rows[16], rows, loss, first, last)
        if pending >= 0:
            done, pending = pending, np.int64(-1)
            stop = _count_steps(loss, 1, *count)
            if _halted(control, done, loss, count) or stop or state[3] >= max_steps:
                break
        if progress:
            loss = _cyclic_round(np.bool_(False), blocks, terms, gains, tables, dirty, in_bins,
                                 space, early_stopping, rows, inner)
            stop = _count_steps(loss, n_terms, *count)
            if _halted(control, n_terms - 1, loss, count) or stop:
                break
        else:
            for t in range(n_terms):
                gains[t] = _term_update(t, np.bool_(False), terms, inner)
        if n_scores > 1:
            _refresh_softmax(multi_score, scores, exponentials, shifts)
        elif in_bins is None or not in_bins:
            _refresh_exponentials(objective, scores[:, 0], exponentials, objective_params)
        fresh = not progress  # the sweep's trees fit the current scores until one is applied
        for _ in range(greedy_steps):
            if state[3] + (pending >= 0) >= max_steps:
                break
            t = np.argmax(gains)
            if not fresh:
                loss = _step_pass(pending, t, early_stopping and pending >= 0, in_bins, space,
                                  rows, factors, exponentials, shifts, val_rows, targets)
                loss = _exchanged(rows[16], rows, loss, t, t + 1)
                if pending >= 0:
                    done, pending = pending, np.int64(-1)
                    stopped = _count_steps(loss, 1, *count)
                    if _halted(control, done, loss, count):
                        stopped = True
                    if stopped:
                        break
                gains[t] = _term_update(t, np.bool_(False), terms, inner)
            fresh = False
            _apply(t, offsets, updates, tables, dirty)
            pending = t
    if pending >= 0:
        loss = _advance(in_bins, space, pending, pending + 1, np.int64(0), np.int64(0),
                        early_stopping, rows)
        loss = _exchanged(rows[16], rows, loss, np.int64(0), np.int64(0))
        _count_steps(loss, 1, *count)
        _halted(control, pending, loss, count)
    if in_bins is not None and in_bins:  # the rows' scores, which bin space did not move
        for row in range(scores.shape[0]):
            for t in range(n_terms):
                code = term_codes[t, row]
                scores[row, 0] += tables[t, code, 0] - start_tables[t, code, 0]
    if early_stopping:
        for t in range(n_terms):
            _copy_cells(tables[t], best_tables[t], tables.shape[1])
    else:
        state[2] = state[3]
    return int(state[2]), int(state[3]), state[0]


#: uint8 code matrices up to this many cells are widened to uint16 before boosting (a copy of at
#: most 8 MiB, about a millisecond): a small fit's main stage then runs the kernel its pair stage
#: compiles anyway (pair cells are uint16), instead of compiling a uint8 copy of it.
WIDEN_CODES_CELLS = 2**22
_ALL_PARAMETERS = tuple(inspect.signature(_boost_terms.py_func).parameters)
#: ``_boost_terms``' parameters without ``stop_in_smoothing``, ``rise``, the
#: options, the control, the variant switches and ``remote``.
_PARAMETERS = _ALL_PARAMETERS[:-11]
_SETUP_PARAMETERS = tuple(inspect.signature(_setup.py_func).parameters)
#: The compiled kernel ``boost_arguments`` are for.
boost_kernel = _boost_terms


def boost_arguments(*args, stop_in_smoothing=False, rise=0.0, options=None, control=None,
                    objective_params=NO_PARAMS, survival=None, tensor_shapes=None,
                    occurrences=None, remote=None) -> tuple:
    """The arguments of ``boost_kernel`` that boost ``tables`` (n_terms, max_bins, n_scores),
    updating ``scores`` in place (``boost_terms`` runs it).

    Row ``t`` of ``term_codes`` (n_terms, n_rows) is every row's cell in term ``t``'s table (a
    pair's cell is ``code1 * n2 + code2``). Rows are weighted groups (see ``loss``):
    ``train_count`` rows of total training weight ``train_w`` and weighted target sums
    ``train_wy`` (n_rows, n_scores), and the same for validation; ``val_loss_offset`` is the
    loss's constant part. The first
    ``smoothing_rounds`` rounds are cyclic with random cuts; then cyclic rounds continue when
    ``greedy_ratio`` is 0, greedy steps otherwise. At most ``max_rounds * n_terms`` steps.
    ``in_bins`` boosts squared error in bin space (see ``bin_space``): same path, no row passes.
    ``stop_in_smoothing``: early stopping may end the smoothing rounds (module docstring).
    ``rise``: a stage also stops once its validation loss has stayed this much (relative) above
    a best found past the smoothing rounds for ``RISE_ROUNDS`` rounds (``_count_steps``); 0 never.
    Returns (best_step, steps_run, best_validation_loss), the loss as
    ``mean_validation_loss`` gives it.

    ``options``: the split options (``split.split_options``), None for the plain Newton steps;
    ``control``: a control array (module docstring), None when nothing can stop the fit early.

    ``objective_params``: the objective's ``params`` pair (``loss``; Tweedie's variance power,
    pseudo-Huber's delta, the quantile's alpha and scale); ``survival``: for Cox, the rows in
    order of time and their times (see ``_pass_survival``), None otherwise.

    ``tensor_shapes`` (n_terms, 1 + most features): per term its number of features and each
    one's bins when it has three or more (``tensor_split``; cells are their row-major
    combination and ``term_n1`` their count, ``term_n2`` 1), 0 for mains and pairs; None
    when no term has three or more features.

    ``occurrences`` (n_inner, n_rows): InterpretML's inner bags, each training row's count of
    draws into each; every step's tree is then the mean of one tree per inner bag (see
    ``_term_update``). None for none. Bin space and the fixed-hessian pair tables are off then.

    ``remote``: the handle array (``exchange``) of a sum across processes when the rows are a share
    of the bag's rows held by each of several processes, which all boost the same terms at
    once; None when they are every row. Every share then takes the same steps. Not with
    ``occurrences`` or ``survival``, and bin space is off.

    The arguments are ``_boost_terms``' without its last eleven. numba compiles the kernel only in
    the variant the objective needs, each once: bin space and fixed-hessian pair tables for
    squared error, the passes and pair trees of several scores for multiclass (switched off by
    passing None, which numba prunes before compiling). A binary classifier's first fit thus
    compiles none of them.
    """
    values = dict(zip(_PARAMETERS, args))
    term_codes, scores = values["term_codes"], values["scores"]
    squared_error, one_score = values["objective"] == SQUARED_ERROR, scores.shape[1] == 1
    args = list(args)
    if term_codes.dtype == np.uint8 and term_codes.size <= WIDEN_CODES_CELLS:
        args[0] = term_codes.astype(np.uint16)
    plain = occurrences is None
    if remote is not None and not (plain and survival is None):
        raise ValueError("boosting a share of the rows supports neither inner bags nor Cox")
    args[_PARAMETERS.index("in_bins")] = \
        True if values["in_bins"] and squared_error and plain and remote is None else None
    return (*args, bool(stop_in_smoothing), float(rise), options, control,
            float_params(objective_params),
            survival, True if squared_error and one_score and plain else None,
            None if one_score else True, tensor_shapes,
            None if plain else np.ascontiguousarray(occurrences, dtype=np.float64),
            remote)


def boost_terms(*args, **kwargs) -> tuple[int, int, float]:
    """Boost with ``boost_arguments(*args, **kwargs)``; see there."""
    return _boost_terms(*boost_arguments(*args, **kwargs))


def ahead_jobs(arguments: tuple) -> list[tuple[Callable, tuple, tuple[Callable, ...]]]:
    """What a second process can compile while this one compiles ``boost_kernel`` for
    ``arguments`` (``compile_ahead``): the driver ``_ahead``, its arguments, and the
    functions typing it compiles."""
    values = dict(zip(_ALL_PARAMETERS, arguments))
    return [(_ahead, tuple(values[name] for name in _SETUP_PARAMETERS),
             (nominal_order, _pair_update, _single_score_step_pass))]
