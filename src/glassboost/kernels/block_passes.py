"""The row passes of cyclic rounds (numba): one pass per block of terms.

*Cyclic rounds* visit the terms in *blocks*. One pass over the rows does three things at once: add
the current block's updates to every row's score, compute the row's gradient and hessian once at
the new score, and accumulate them into the histograms of every term of the next block. Inside a
block all terms step from the same gradients (``boost.block_bounds`` keeps the block small), so
the costly per-row work (the gradient, an ``exp`` for most losses) is paid once per block
instead of once per term.

Rows outside the bag's training set carry a training weight of zero: they are skipped by the
histograms but still scored for the validation loss.
"""

import numpy as np
from numba import njit

from .class_counts import by_class_count
from .loss import (SQUARED_ERROR, add_group_loss, cox_risk_factors, exponent, finish_loss,
                   group_gradient_from_exponential, group_loss, has_exponential,
                   softmax_class_gradient, softmax_loss, softmax_shift)
from .vector_exp import vector_exp

#: Rows per chunk of a pass: a chunk's gradients stay in cache while each term's histogram is
#: filled from them (one term at a time, so that its histogram stays in the first-level cache).
PASS_CHUNK = 4096
#: Rows per chunk of a softmax pass: its shifted scores, exponentials, gradients and hessians
#: (arrays of rows x classes) stay in the second-level cache beside one term's histograms.
SOFTMAX_CHUNK = 1024


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
                     exponentials, powers, work, params):
    """Gradients and hessians of rows [start, end) (and each row's ``score_exponential``;
    ``powers`` and ``work`` are scratch).

    Squared error gets a loop of its own, without the other objectives' branches, which
    vectorizes; its hessians are not needed (constant).
    """
    if objective == SQUARED_ERROR:
        for row in range(start, end):
            gradients[row - start] = train_w[row] * scores[row] - train_wy[row]
        return
    n = end - start
    if has_exponential(objective):
        # the powers first, then every exp in one vectorized call (``vector_exp``)
        for row in range(start, end):
            powers[row - start] = exponent(objective, scores[row], params)
        vector_exp(powers[:n], exponentials[:n], work[:n])
    else:
        exponentials[:n] = 1.0
    for row in range(start, end):
        g, h = group_gradient_from_exponential(objective, scores[row], exponentials[row - start],
                                               train_w[row], train_wy[row], params)
        gradients[row - start] = g
        hessians[row - start] = h


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
                       want_loss, params, inner, sparse):
    """One pass for one-score objectives; returns the validation loss if wanted.

    The rows go by in chunks, and each chunk term by term: add the current terms' updates to the
    chunk's scores, compute every row's gradient and hessian once, then fill one histogram at a
    time. Each term's codes are contiguous, and the table or histogram a loop touches is small,
    so the loops read memory in order and hit the cache (the sums are the same, in the same
    order, as a row-by-row pass). Every row's gradient is weighted by its training weight (zero
    for validation rows): no branch in the hot loops. Squared error has a constant hessian: its
    histogram is the training weight per bin, filled once per bag, so the pass leaves it alone.
    With inner bags (``inner``, see ``_inner_bags``) it fills their histograms instead.
    ``sparse`` (a smoothing round's row sample, ``row_sample``, has zeroed most training
    weights): only the chunk's rows of positive weight, gathered first, take a gradient and a
    histogram add, and only its validation rows a loss (in the same order, so the sums are the
    same); the left-out rows cost only their score update.
    """
    constant_hessian = objective == SQUARED_ERROR
    for t in range(next_lo, next_hi):
        if inner is not None:
            clear_inner(inner, offsets[t], offsets[t + 1], constant_hessian)
            continue
        grad_hist[offsets[t]:offsets[t + 1]] = 0.0
        if not constant_hessian:
            hess_hist[offsets[t]:offsets[t + 1]] = 0.0
    gradients = np.empty(PASS_CHUNK)
    hessians = np.empty(PASS_CHUNK)
    exponentials = np.empty(PASS_CHUNK)
    powers = np.empty(PASS_CHUNK)
    work = np.empty(PASS_CHUNK)
    kept = np.empty(PASS_CHUNK if sparse else 0, dtype=np.int64)
    val_kept = np.empty(PASS_CHUNK if sparse and want_loss else 0, dtype=np.int64)
    loss, product, length = 0.0, 1.0, np.int64(0)
    for start in range(0, scores.shape[0], PASS_CHUNK):
        end = min(start + PASS_CHUNK, scores.shape[0])
        _add_updates(term_codes, offsets, current_lo, current_hi, updates, scores, start, end)
        if sparse and inner is None:
            n_kept = _kept_rows(train_w, start, end, kept)
            _kept_gradients(objective, scores, train_w, train_wy, start, kept, n_kept,
                            gradients, hessians, exponentials, powers, work, params)
            if want_loss:
                n_val = _kept_rows(val_w, start, end, val_kept)
                loss, product, length = _kept_loss(objective, scores, val_w, val_wy, val_kept,
                                                   n_val, exponentials, powers, work, loss,
                                                   product, length, params)
            _kept_histograms(term_codes, offsets, next_lo, next_hi, gradients, hessians,
                             grad_hist, hess_hist, constant_hessian, start, kept, n_kept)
            continue
        _chunk_gradients(objective, scores, train_w, train_wy, start, end, gradients, hessians,
                         exponentials, powers, work, params)
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
def _kept_rows(train_w, start, end, kept):
    """Gather the rows of [start, end) of positive training weight into ``kept``; return how
    many. Branch-free: a sample keeps rows at random, which a branch would mispredict."""
    n_kept = 0
    for row in range(start, end):
        kept[n_kept] = row
        n_kept += train_w[row] > 0.0
    return n_kept


@njit(no_cpython_wrapper=True, no_cfunc_wrapper=True)
def _kept_exponentials(objective, scores, rows, n_rows, exponentials, powers, work, params):
    """Each gathered row's ``score_exponential`` into ``exponentials[:n_rows]`` (in one
    ``vector_exp`` call; 1 where the objective has none)."""
    if has_exponential(objective):
        for i in range(n_rows):
            powers[i] = exponent(objective, scores[rows[i]], params)
        vector_exp(powers[:n_rows], exponentials[:n_rows], work[:n_rows])
    else:
        exponentials[:n_rows] = 1.0


@njit(no_cpython_wrapper=True, no_cfunc_wrapper=True)
def _kept_gradients(objective, scores, train_w, train_wy, start, kept, n_kept, gradients,
                    hessians, exponentials, powers, work, params):
    """``_chunk_gradients`` of the ``n_kept`` rows in ``kept`` only (the same values, at the
    same positions ``row - start``)."""
    if objective == SQUARED_ERROR:
        for i in range(n_kept):
            row = kept[i]
            gradients[row - start] = train_w[row] * scores[row] - train_wy[row]
        return
    _kept_exponentials(objective, scores, kept, n_kept, exponentials, powers, work, params)
    for i in range(n_kept):
        row = kept[i]
        g, h = group_gradient_from_exponential(objective, scores[row], exponentials[i],
                                               train_w[row], train_wy[row], params)
        gradients[row - start] = g
        hessians[row - start] = h


@njit(no_cpython_wrapper=True, no_cfunc_wrapper=True)
def _kept_loss(objective, scores, val_w, val_wy, rows, n_rows, exponentials, powers, work, loss,
               product, length, params):
    """``_chunk_loss`` of the ``n_rows`` validation rows in ``rows`` only: the same terms
    added in the same order (the rows left out add exactly zero there)."""
    _kept_exponentials(objective, scores, rows, n_rows, exponentials, powers, work, params)
    for i in range(n_rows):
        row = rows[i]
        if objective == SQUARED_ERROR:
            loss += group_loss(objective, scores[row], val_w[row], val_wy[row], params)
        else:
            loss, product, length = add_group_loss(objective, scores[row], exponentials[i],
                                                   val_w[row], val_wy[row], loss, product,
                                                   length, params)
    return loss, product, length


@njit(no_cpython_wrapper=True, no_cfunc_wrapper=True)
def _kept_histograms(term_codes, offsets, next_lo, next_hi, gradients, hessians, grad_hist,
                     hess_hist, constant_hessian, start, kept, n_kept):
    """Add the gradients (and hessians) of the ``n_kept`` rows in ``kept`` to the histograms
    of terms [next_lo, next_hi), in row order as the dense loops add them."""
    for t in range(next_lo, next_hi):
        grad, codes = grad_hist[offsets[t]:offsets[t + 1]], term_codes[t]
        for i in range(n_kept):
            row = kept[i]
            grad[codes[row]] += gradients[row - start]
        if not constant_hessian:
            hess = hess_hist[offsets[t]:offsets[t + 1]]
            for i in range(n_kept):
                row = kept[i]
                hess[codes[row]] += hessians[row - start]


@njit(no_cpython_wrapper=True, no_cfunc_wrapper=True)
def clear_inner(inner, lo, hi, constant_hessian):
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
    compiled for ``fixed_scores`` classes (0: any count), as ``_softmax_step_pass``.

    The rows go by in chunks of ``SOFTMAX_CHUNK``: the current terms' updates, one term at a
    time, and each row's shifted class scores first, then the class exponentials of the whole
    chunk in one ``vector_exp.vector_exp`` call (five ``exp`` calls per row were half a pass),
    then each row's gradients, then the histogram adds one term at a time. Only rows that train
    or whose validation loss is wanted take the exponentials.

    Term by term, a chunk touches one term's table at a time; row by row, it touched every
    term of the block at once (eight 64 x 64 five-class pair histograms are 2.6 MB, more than
    the second-level cache). Every cell and every score still adds the same values in the same
    order, so the sums are the same to the bit.
    """

    @njit(no_cpython_wrapper=True, no_cfunc_wrapper=True)
    def block_pass(term_codes, offsets, current_lo, current_hi, next_lo, next_hi, updates,
                   scores, train_w, train_wy, val_w, val_wy, grad_hist, hess_hist, want_loss,
                   inner):
        n_scores = fixed_scores if fixed_scores > 0 else scores.shape[1]
        for t in range(next_lo, next_hi):
            if inner is not None:
                clear_inner(inner, offsets[t] * n_scores, offsets[t + 1] * n_scores, False)
                continue
            grad_hist[offsets[t]:offsets[t + 1]] = 0.0
            hess_hist[offsets[t]:offsets[t + 1]] = 0.0
        gradients = np.empty((SOFTMAX_CHUNK, n_scores))
        hessians = np.empty((SOFTMAX_CHUNK, n_scores))
        shifted = np.empty(SOFTMAX_CHUNK * n_scores)
        exponentials = np.empty(SOFTMAX_CHUNK * n_scores)
        work = np.empty(SOFTMAX_CHUNK * n_scores)
        chunk_rows = np.empty(SOFTMAX_CHUNK, dtype=np.int64)
        training_rows = np.empty(SOFTMAX_CHUNK, dtype=np.int64)
        tops = np.empty(SOFTMAX_CHUNK)
        loss = 0.0
        for start in range(0, scores.shape[0], SOFTMAX_CHUNK):
            end = min(start + SOFTMAX_CHUNK, scores.shape[0])
            for t in range(current_lo, current_hi):
                table, codes = updates[offsets[t]:offsets[t + 1]], term_codes[t]
                for row in range(start, end):
                    code = codes[row]
                    for k in range(n_scores):
                        scores[row, k] += table[code, k]
            n_kept = 0
            for row in range(start, end):
                if train_w[row] > 0.0 or (want_loss and val_w[row] > 0.0):
                    tops[n_kept] = softmax_shift(scores, row, n_scores, shifted,
                                                 n_kept * n_scores)
                    chunk_rows[n_kept] = row
                    n_kept += 1
            size = n_kept * n_scores
            vector_exp(shifted[:size], exponentials[:size], work[:size])
            n_training = 0
            for i in range(n_kept):
                row = chunk_rows[i]
                first = i * n_scores
                total = 0.0
                for k in range(n_scores):
                    total += exponentials[first + k]
                w = train_w[row]
                if w > 0.0:
                    for k in range(n_scores):
                        g, h = softmax_class_gradient(exponentials[first + k], total, w,
                                                      train_wy[row, k])
                        gradients[n_training, k] = g
                        hessians[n_training, k] = h
                    training_rows[n_training] = row
                    n_training += 1
                if want_loss and val_w[row] > 0.0:
                    loss += softmax_loss(scores, val_wy, row, n_scores, tops[i], total,
                                         val_w[row], 0.0)
            for t in range(next_lo, next_hi):
                codes = term_codes[t]
                if inner is not None:
                    for i in range(n_training):
                        row = training_rows[i]
                        add_row_to_inner(inner, row, (offsets[t] + codes[row]) * n_scores,
                                         gradients[i], hessians[i])
                    continue
                lo, hi = offsets[t], offsets[t + 1]
                grad, hess = grad_hist[lo:hi], hess_hist[lo:hi]
                for i in range(n_training):
                    code = codes[training_rows[i]]
                    for k in range(n_scores):
                        grad[code, k] += gradients[i, k]
                        hess[code, k] += hessians[i, k]
        return loss

    return block_pass


_softmax_block_pass_by_count = by_class_count(_softmax_block_pass)


@njit(no_cpython_wrapper=True, no_cfunc_wrapper=True)
def add_row_to_inner(inner, row, first, gradient, hessian):
    """Add one row's gradients and hessians (one per score) to every inner bag's cells from
    ``first`` on, weighted by the row's occurrences in the bag."""
    occurrences, inner_grad, inner_hess, _, _ = inner
    for b in range(occurrences.shape[0]):
        weight = occurrences[b, row]
        for k in range(gradient.shape[0]):
            inner_grad[b, first + k] += weight * gradient[k]
            inner_hess[b, first + k] += weight * hessian[k]


@njit(no_cpython_wrapper=True, no_cfunc_wrapper=True)
def add_one_to_inner(inner, row, cell, g, h, constant_hessian):
    """``_add_row_to_inner`` of one score's gradient ``g`` and hessian ``h`` at ``cell``."""
    occurrences, inner_grad, inner_hess, _, _ = inner
    for b in range(occurrences.shape[0]):
        inner_grad[b, cell] += occurrences[b, row] * g
        if not constant_hessian:
            inner_hess[b, cell] += occurrences[b, row] * h


@njit(no_cpython_wrapper=True, no_cfunc_wrapper=True)
def block_pass(term_codes, offsets, current_lo, current_hi, next_lo, next_hi, updates, scores,
          train_w, train_wy, val_w, val_wy, objective, grad_hist, hess_hist, want_loss,
          multi_score, params, survival, inner, sparse):
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
                                  params, inner, sparse)
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
            clear_inner(inner, offsets[t], offsets[t + 1], False)
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

