"""Boosting of a set of terms for one bag (numba, releases the GIL): cyclic rounds, greedy steps.

*Cyclic rounds* visit the terms in blocks, one row pass per block (``block_passes``). Inside a
block all terms step from the same gradients; the block is kept small enough
(``block_size * learning_rate <= BLOCK_STEP_BUDGET``) that even perfectly collinear terms cannot
overshoot, so the path stays that of cyclic boosting while the costly per-row work is paid once
per block instead of once per term.

*Greedy steps* (after the smoothing rounds, when ``greedy_ratio > 0``) spend the boosting budget
where it pays: a sweep computes every term's next tree and its gain, then each step takes the term
with the largest gain, recomputes its tree at the current scores, records the new gain and applies
the tree; ``greedy_ratio * n_terms`` steps follow each sweep. A sweep applies its trees (a cyclic
round) only as often as ``cyclic_progress`` says. One pass per step applies the previous step's
tree and fills the next term's histogram (``step_passes``).

After every round or step, ``stopping.count_steps`` decides whether early stopping ends the stage
and keeps its best tables, and ``control.halted`` reports the step to whoever watches the fit and
stops it when asked. Squared error may boost in bin space (``bin_space``) instead of passing over
the rows.
"""

import inspect
from typing import Callable

import numpy as np
from numba import njit

from .bin_space import apply_in_bins, cell_sums, cooccurrence_layout, cooccurrence_prefix
from .block_passes import block_pass
from .control import halted
from .exchange import scalar_across, sum_across
from .loss import NO_PARAMS, SQUARED_ERROR, float_params
from .row_sample import row_sample, weigh_rows
from .split import (FIXED_HESSIAN_ARRAYS, main_term_update, nominal_order, pair_hessian_tables,
                    pair_term_update)
from .step_passes import (multi_score_step_pass, refresh_exponentials, refresh_softmax,
                          row_targets, single_score_step_pass)
from .stopping import (RISE_ROUNDS, SMOOTHING_RISE_ROUNDS, SMOOTHING_WINDOW_FACTOR, copy_cells,
                       count_steps, mean_validation_loss)
from .tensor_split import tensor_term_update

BLOCK_STEP_BUDGET = 0.5

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


@njit(no_cpython_wrapper=True, no_cfunc_wrapper=True)
def _advance(in_bins, space, current_lo, current_hi, next_lo, next_hi, want_loss, rows,
             sparse=False):
    """Apply the updates of terms [current_lo, current_hi) and make the histograms of terms
    [next_lo, next_hi) current; return the validation loss. In bin space (``bin_space``) every
    histogram is always current and the loss is kept up to date, so only the updates move.
    ``sparse``: the training weights hold a row sample (``row_sample``), whose left-out rows
    the histograms skip.

    ``rows`` is (term_codes, offsets, n_bins, updates, scores, train_w, train_wy, val_w, val_wy,
    objective, grad_hist, hess_hist, multi_score, objective_params, survival, inner, remote).
    """
    (term_codes, offsets, n_bins, updates, scores, train_w, train_wy, val_w, val_wy, objective,
     grad_hist, hess_hist, multi_score, params, survival, inner, _) = rows
    if in_bins is None or not in_bins:
        return block_pass(term_codes, offsets, current_lo, current_hi, next_lo, next_hi, updates,
                     scores, train_w, train_wy, val_w, val_wy, objective, grad_hist, hess_hist,
                     want_loss, multi_score, params, survival, inner, sparse)
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
        return multi_score_step_pass(rows[12], applied, histogrammed, want_loss, rows, factors,
                                      exponentials, shifts, val_rows)
    return single_score_step_pass(applied, histogrammed, want_loss, rows, factors, exponentials,
                                   val_rows, targets)


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
    for i in range(n):  # loops, not slice assignments: see ``stopping.copy_cells``
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
                  rows, inner, sample, next_round, sampled_rounds):
    """One cyclic round in block passes, from the first block's histograms; the last pass fills
    them again for the next round (round ``next_round``, with its row sample: ``row_sample``).
    Records each term's gain; returns the validation loss."""
    offsets, updates = terms[3], terms[14]
    n_blocks = blocks.shape[0] - 1
    loss = 0.0
    for b in range(n_blocks):
        for t in range(blocks[b], blocks[b + 1]):
            gains[t] = _term_update(t, random_split, terms, inner)
            _apply(t, offsets, updates, tables, dirty)
        following = (b + 1) % n_blocks
        if following == 0:
            weigh_rows(sample, rows[5], rows[6], next_round, sampled_rounds)
        loss = _advance(in_bins, space, blocks[b], blocks[b + 1], blocks[following],
                        blocks[following + 1], want_loss and b == n_blocks - 1, rows,
                        sample[4][0])
        loss = _exchanged(rows[16], rows, loss, blocks[following], blocks[following + 1])
    return loss


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
    for t in range(n_terms):  # loops, not slice assignments: see ``stopping.copy_cells``
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
    ``_pair_update`` and ``single_score_step_pass`` into the cache with the types
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
    loss = single_score_step_pass(t, t, np.bool_(False), rows, np.empty(1), np.empty(1),
                                   np.nonzero(val_w > 0.0)[0], np.empty(0))
    return gain + loss + order[0]


@njit(nogil=True, cache=True)
def _boost_terms(term_codes, term_n1, term_n2, term_nominal, term_monotone, train_count, train_w,
                 train_wy, val_w, val_wy, val_loss_offset, objective, scores, tables,
                 learning_rate, max_rounds, early_stopping_rounds, early_stopping_tolerance,
                 min_improvement, min_samples_leaf, min_hessian, max_leaves, smoothing_rounds,
                 greedy_ratio, cyclic_progress, cat_smooth, nominal_gain_scale, in_bins, seed,
                 stop_in_smoothing, rise, smoothing_rows, options, control, objective_params,
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

    # bin space has no row passes to sample (and shares take no sample: ``check_shareable``)
    max_rows = smoothing_rows if in_bins is None or not in_bins else 0
    sample = row_sample(train_w, train_wy, max_rows, seed)
    weigh_rows(sample, train_w, train_wy, 0, smoothing_rounds)
    # nothing to apply yet: this pass histograms the first block and scores the start
    loss = _advance(in_bins, space, np.int64(0), np.int64(0), blocks[0], blocks[1], np.bool_(True),
                    rows, sample[4][0])
    loss = _exchanged(rows[16], rows, loss, blocks[0], blocks[1])
    state = np.zeros(5)  # see ``stopping.count_steps``
    state[0] = (mean_validation_loss(loss, val_loss_offset, val_total, objective)
                if val_total > 0.0 else 0.0)
    # random cuts' losses vary: inside the smoothing rounds both waits are longer
    count = (early_stopping, state, tables, best_tables, dirty, n_bins, val_loss_offset,
             val_total, objective, early_stopping_tolerance, min_improvement, window,
             rise, RISE_ROUNDS * n_terms, smoothing_rounds * n_terms,
             SMOOTHING_WINDOW_FACTOR * window if stop_in_smoothing else 0,
             SMOOTHING_RISE_ROUNDS * n_terms if stop_in_smoothing else 0)
    cyclic_rounds = max_rounds if greedy_ratio <= 0.0 else min(smoothing_rounds, max_rounds)
    stopped = False
    for round_index in range(cyclic_rounds):
        random_split = round_index < smoothing_rounds
        loss = _cyclic_round(random_split, blocks, terms, gains, tables, dirty, in_bins, space,
                             early_stopping, rows, inner, sample, round_index + 1,
                             smoothing_rounds)
        stop = count_steps(loss, n_terms, *count)
        if halted(control, n_terms - 1, loss, count) or stop:
            stopped = True
            break
        if round_index + 1 == smoothing_rounds and not stop_in_smoothing:
            state[1] = 0.0  # the patience window starts after smoothing
    weigh_rows(sample, train_w, train_wy, smoothing_rounds, smoothing_rounds)  # every row again

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
            stop = count_steps(loss, 1, *count)
            if halted(control, done, loss, count) or stop or state[3] >= max_steps:
                break
        if progress:
            loss = _cyclic_round(np.bool_(False), blocks, terms, gains, tables, dirty, in_bins,
                                 space, early_stopping, rows, inner, sample, smoothing_rounds,
                                 smoothing_rounds)
            stop = count_steps(loss, n_terms, *count)
            if halted(control, n_terms - 1, loss, count) or stop:
                break
        else:
            for t in range(n_terms):
                gains[t] = _term_update(t, np.bool_(False), terms, inner)
        if n_scores > 1:
            refresh_softmax(multi_score, scores, exponentials, shifts)
        elif in_bins is None or not in_bins:
            refresh_exponentials(objective, scores[:, 0], exponentials, objective_params)
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
                    stopped = count_steps(loss, 1, *count)
                    if halted(control, done, loss, count):
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
        count_steps(loss, 1, *count)
        halted(control, pending, loss, count)
    if in_bins is not None and in_bins:  # the rows' scores, which bin space did not move
        for row in range(scores.shape[0]):
            for t in range(n_terms):
                code = term_codes[t, row]
                scores[row, 0] += tables[t, code, 0] - start_tables[t, code, 0]
    if early_stopping:
        for t in range(n_terms):
            copy_cells(tables[t], best_tables[t], tables.shape[1])
    else:
        state[2] = state[3]
    return int(state[2]), int(state[3]), state[0]


#: uint8 code matrices up to this many cells are widened to uint16 before boosting (a copy of at
#: most 8 MiB, about a millisecond): a small fit's main stage then runs the kernel its pair stage
#: compiles anyway (pair cells are uint16), instead of compiling a uint8 copy of it.
WIDEN_CODES_CELLS = 2**22
_ALL_PARAMETERS = tuple(inspect.signature(_boost_terms.py_func).parameters)
#: ``_boost_terms``' parameters without ``stop_in_smoothing``, ``rise``, ``smoothing_rows``,
#: the options, the control, the variant switches and ``remote``.
_PARAMETERS = _ALL_PARAMETERS[:-12]
_SETUP_PARAMETERS = tuple(inspect.signature(_setup.py_func).parameters)
#: The compiled kernel ``boost_arguments`` are for.
boost_kernel = _boost_terms


def boost_arguments(*args, stop_in_smoothing=False, rise=0.0, smoothing_rows=0, options=None,
                    control=None,
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
    a best found past the smoothing rounds for ``RISE_ROUNDS`` rounds, or inside the smoothing
    rounds (with ``stop_in_smoothing``) for ``SMOOTHING_RISE_ROUNDS`` rounds
    (``stopping.count_steps``); 0 never.
    ``smoothing_rows``: on more training rows than this, each smoothing round fills its
    histograms from a random sample of about this many (``row_sample``); 0 every row. The
    kernel then rewrites ``train_w`` and ``train_wy`` during the smoothing rounds and restores
    them after: ``boost_arguments`` passes copies.
    Returns (best_step, steps_run, best_validation_loss), the loss as
    ``mean_validation_loss`` gives it.

    ``options``: the split options (``split.split_options``), None for the plain Newton steps;
    ``control``: a control array (module docstring), None when nothing can stop the fit early.

    ``objective_params``: the objective's ``params`` pair (``loss``; Tweedie's variance power,
    pseudo-Huber's delta, the quantile's alpha and scale); ``survival``: for Cox, the rows in
    order of time and their times (see ``block_passes._pass_survival``), None otherwise.

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

    The arguments are ``_boost_terms``' without its last twelve. numba compiles the kernel only in
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
    if smoothing_rows > 0:  # the kernel reweighs its own copies, never the caller's arrays
        for name in ("train_w", "train_wy"):
            args[_PARAMETERS.index(name)] = np.array(values[name], dtype=np.float64, order="C")
    return (*args, bool(stop_in_smoothing), float(rise), int(smoothing_rows), options, control,
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
             (nominal_order, _pair_update, single_score_step_pass))]
