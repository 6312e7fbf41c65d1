"""Cyclic boosting of a set of terms for one bag (numba, releases the GIL).

Terms are visited cyclically in *blocks*. One pass over the rows does three things at once: add the
current block's updates to every row's score, compute the row's gradient and hessian once at the
new score, and accumulate them into the histograms of every term of the next block. Inside a
block all terms step from the same gradients; the block is kept small enough
(``block_size * learning_rate <= BLOCK_STEP_BUDGET``) that even perfectly collinear terms cannot
overshoot, so the path stays that of cyclic boosting while the costly per-row work (the gradient,
an ``exp`` for most losses) is paid once per block instead of once per term.

Rows outside the bag's training set carry a training weight of zero: they are skipped by the
histograms but still scored for the validation loss.
"""

import numpy as np
from numba import njit

from .loss import SQUARED_ERROR, group_gradient, group_loss, group_softmax_gradient
from .split import main_term_update, pair_term_update

BLOCK_STEP_BUDGET = 0.5


@njit
def block_bounds(n_terms, learning_rate):
    """Start index of every block and the end (n_blocks + 1 values), blocks of even size."""
    largest = max(1, int(BLOCK_STEP_BUDGET / learning_rate))
    n_blocks = (n_terms + largest - 1) // largest
    bounds = np.empty(n_blocks + 1, dtype=np.int64)
    for b in range(n_blocks + 1):
        bounds[b] = (b * n_terms) // n_blocks
    return bounds


@njit
def _pass_single_score(term_codes, offsets, current_lo, current_hi, next_lo, next_hi, updates,
                       scores, train_w, train_wy, val_w, val_wy, objective, grad_hist, hess_hist,
                       want_loss):
    """One pass for one-score objectives; returns the validation loss if wanted.

    Every row's gradient goes into the histograms, weighted by its training weight (zero for
    validation rows): no branch in the hot loop. Squared error has a constant hessian: its
    histogram is the training weight per bin, filled once per bag, so the pass leaves it alone.
    Cells are unsigned so that indexing needs no negative-index check.
    """
    constant_hessian = objective == SQUARED_ERROR
    for t in range(next_lo, next_hi):
        grad_hist[offsets[t]:offsets[t + 1]] = 0.0
        if not constant_hessian:
            hess_hist[offsets[t]:offsets[t + 1]] = 0.0
    loss = 0.0
    for row in range(scores.shape[0]):
        score = scores[row]
        for t in range(current_lo, current_hi):
            score += updates[offsets[t] + term_codes[row, t]]
        scores[row] = score
        g, h = group_gradient(objective, score, train_w[row], train_wy[row])
        for t in range(next_lo, next_hi):
            cell = offsets[t] + term_codes[row, t]
            grad_hist[cell] += g
            if not constant_hessian:
                hess_hist[cell] += h
        if want_loss and val_w[row] > 0.0:
            loss += group_loss(objective, score, val_w[row], val_wy[row])
    return loss


@njit
def _pass_multi_score(term_codes, offsets, current_lo, current_hi, next_lo, next_hi, updates,
                      scores, train_w, train_wy, val_w, val_wy, grad_hist, hess_hist, want_loss):
    """The multiclass counterpart of ``_pass_single_score`` (softmax over class scores)."""
    n_scores = scores.shape[1]
    for t in range(next_lo, next_hi):
        grad_hist[offsets[t]:offsets[t + 1]] = 0.0
        hess_hist[offsets[t]:offsets[t + 1]] = 0.0
    gradient = np.empty(n_scores)
    hessian = np.empty(n_scores)
    loss = 0.0
    for row in range(scores.shape[0]):
        for t in range(current_lo, current_hi):
            cell = offsets[t] + term_codes[row, t]
            for k in range(n_scores):
                scores[row, k] += updates[cell, k]
        if train_w[row] > 0.0:
            group_softmax_gradient(scores[row], train_w[row], train_wy[row], gradient, hessian)
            for t in range(next_lo, next_hi):
                cell = offsets[t] + term_codes[row, t]
                for k in range(n_scores):
                    grad_hist[cell, k] += gradient[k]
                    hess_hist[cell, k] += hessian[k]
        if want_loss and val_w[row] > 0.0:
            loss += group_softmax_gradient(scores[row], val_w[row], val_wy[row], gradient,
                                           hessian)
    return loss


@njit
def _pass(term_codes, offsets, current_lo, current_hi, next_lo, next_hi, updates, scores,
          train_w, train_wy, val_w, val_wy, objective, grad_hist, hess_hist, want_loss):
    if scores.shape[1] == 1:
        return _pass_single_score(term_codes, offsets, current_lo, current_hi, next_lo, next_hi,
                                  updates.reshape(-1), scores.reshape(-1), train_w,
                                  train_wy.reshape(-1), val_w, val_wy.reshape(-1), objective,
                                  grad_hist.reshape(-1), hess_hist.reshape(-1), want_loss)
    return _pass_multi_score(term_codes, offsets, current_lo, current_hi, next_lo, next_hi,
                             updates, scores, train_w, train_wy, val_w, val_wy, grad_hist,
                             hess_hist, want_loss)


@njit(nogil=True, cache=True)
def boost_terms(term_codes, term_n1, term_n2, term_nominal, term_monotone, train_count, train_w,
                train_wy, val_w, val_wy, val_loss_offset, objective, scores, tables,
                learning_rate, max_rounds, early_stopping_rounds, early_stopping_tolerance,
                min_samples_leaf, min_hessian, max_leaves, smoothing_rounds, cat_smooth, seed):
    """Boost ``tables`` (n_terms, max_bins, n_scores) cyclically, updating ``scores`` in place.

    Column ``t`` of ``term_codes`` is every row's cell in term ``t``'s table (a pair's cell is
    ``code1 * n2 + code2``). Rows are weighted groups (see ``loss``): ``train_count`` rows of
    total training weight ``train_w`` and weighted target sums ``train_wy`` (n_rows, n_scores),
    and the same for validation; ``val_loss_offset`` is the loss's constant part. Stops when the
    validation loss has not improved by a relative ``early_stopping_tolerance`` for
    ``early_stopping_rounds`` rounds; ``tables`` then hold the best round's values.
    Returns (best_round, rounds_run, best_validation_loss).
    """
    np.random.seed(seed)
    n_terms = term_n1.shape[0]
    n_scores = scores.shape[1]
    n_bins = term_n1 * term_n2
    offsets = np.zeros(n_terms + 1, dtype=np.uint64)
    offsets[1:] = np.cumsum(n_bins)
    counts = np.zeros(offsets[-1])
    weight_sums = np.zeros(offsets[-1])
    for row in range(scores.shape[0]):
        if train_w[row] > 0.0:
            for t in range(n_terms):
                cell = offsets[t] + term_codes[row, t]
                counts[cell] += train_count[row]
                weight_sums[cell] += train_w[row]
    grad_hist = np.zeros((offsets[-1], n_scores))
    hess_hist = np.zeros((offsets[-1], n_scores))
    if objective == SQUARED_ERROR:
        hess_hist[:, 0] = weight_sums
    updates = np.zeros((offsets[-1], n_scores))
    blocks = block_bounds(n_terms, learning_rate)
    n_blocks = blocks.shape[0] - 1
    val_total = val_w.sum()
    early_stopping = val_total > 0.0 and early_stopping_rounds > 0

    # nothing to apply yet: this pass histograms the first block and scores the start
    loss = _pass(term_codes, offsets, 0, 0, blocks[0], blocks[1], updates, scores, train_w,
                 train_wy, val_w, val_wy, objective, grad_hist, hess_hist, True)
    best_loss = (loss + val_loss_offset) / val_total if val_total > 0.0 else 0.0
    best_tables = tables.copy()
    best_round = 0
    stale_rounds = 0
    rounds_run = 0
    for round_index in range(max_rounds):
        random_split = round_index < smoothing_rounds
        for b in range(n_blocks):
            for t in range(blocks[b], blocks[b + 1]):
                lo, hi = offsets[t], offsets[t + 1]
                if term_n2[t] == 1:
                    main_term_update(grad_hist[lo:hi], hess_hist[lo:hi], counts[lo:hi],
                                     n_bins[t], term_nominal[t], term_monotone[t],
                                     learning_rate, min_samples_leaf, min_hessian, max_leaves,
                                     random_split, cat_smooth, updates[lo:hi])
                else:
                    pair_term_update(grad_hist[lo:hi], hess_hist[lo:hi], counts[lo:hi],
                                     term_n1[t], term_n2[t], learning_rate, min_samples_leaf,
                                     min_hessian, random_split, updates[lo:hi])
                tables[t, :n_bins[t]] += updates[lo:hi]
            following = (b + 1) % n_blocks
            loss = _pass(term_codes, offsets, blocks[b], blocks[b + 1], blocks[following],
                         blocks[following + 1], updates, scores, train_w, train_wy, val_w,
                         val_wy, objective, grad_hist, hess_hist,
                         early_stopping and b == n_blocks - 1)
        rounds_run = round_index + 1
        if not early_stopping:
            continue
        loss = (loss + val_loss_offset) / val_total
        if loss < best_loss - early_stopping_tolerance * abs(best_loss):
            best_loss = loss
            best_round = rounds_run
            stale_rounds = 0
            for t in range(n_terms):
                best_tables[t, :n_bins[t]] = tables[t, :n_bins[t]]
        else:
            stale_rounds += 1
            if stale_rounds >= early_stopping_rounds:
                break
    if early_stopping:
        tables[:] = best_tables
    else:
        best_round = rounds_run
    return best_round, rounds_run, best_loss
