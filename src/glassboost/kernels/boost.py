"""Cyclic boosting of a set of terms for one bag (numba, releases the GIL).

One pass over the rows does three things at once: add the last step's update to every row's
score, compute the row's gradient and hessian at the new score, and accumulate them into the
histogram of the next term. Rows outside the bag's training set carry a training weight of zero,
so they are skipped by the histogram but still scored for the validation loss.
"""

import numpy as np
from numba import njit

from .loss import scalar_gradient, scalar_loss, softmax_gradient
from .split import main_term_update, pair_term_update


@njit(inline="always")
def _term_code(codes, f1, f2, n2, row):
    code = np.int64(codes[f1, row])
    if f2 >= 0:
        code = code * n2 + np.int64(codes[f2, row])
    return code


@njit
def _count_bins(codes, f1, f2, n2, train_w, counts):
    counts[:] = 0.0
    for row in range(codes.shape[1]):
        if train_w[row] > 0.0:
            counts[_term_code(codes, f1, f2, n2, row)] += 1.0


@njit
def _step_and_histogram(codes, f1, f2, n2, update, next_f1, next_f2, next_n2, scores, y, train_w,
                        val_w, objective, grad_hist, hess_hist, want_loss):
    """Apply ``update`` of term (f1, f2) (skipped when f1 < 0), then histogram the next term.

    Returns the weighted validation loss when ``want_loss`` is set, else 0.
    """
    n_rows, n_scores = scores.shape
    grad_hist[:] = 0.0
    hess_hist[:] = 0.0
    gradient = np.empty(n_scores)
    hessian = np.empty(n_scores)
    loss = 0.0
    for row in range(n_rows):
        if f1 >= 0:
            code = _term_code(codes, f1, f2, n2, row)
            for k in range(n_scores):
                scores[row, k] += update[code, k]
        tw = train_w[row]
        vw = val_w[row]
        next_code = _term_code(codes, next_f1, next_f2, next_n2, row)
        if n_scores == 1:
            if tw > 0.0:
                g, h = scalar_gradient(objective, scores[row, 0], y[row])
                grad_hist[next_code, 0] += g * tw
                hess_hist[next_code, 0] += h * tw
            if want_loss and vw > 0.0:
                loss += vw * scalar_loss(objective, scores[row, 0], y[row])
        elif tw > 0.0 or (want_loss and vw > 0.0):
            row_loss = softmax_gradient(scores[row], y[row], gradient, hessian)
            for k in range(n_scores):
                grad_hist[next_code, k] += gradient[k] * tw
                hess_hist[next_code, k] += hessian[k] * tw
            if want_loss:
                loss += vw * row_loss
    return loss


@njit(nogil=True, cache=True)
def boost_terms(codes, term_f1, term_f2, term_n1, term_n2, term_nominal, term_monotone, y,
                train_w, val_w, objective, scores, tables, learning_rate, max_rounds,
                early_stopping_rounds, early_stopping_tolerance, min_samples_leaf, min_hessian,
                max_leaves, smoothing_rounds, cat_smooth, seed):
    """Boost ``tables`` (n_terms, max_bins, n_scores) cyclically, updating ``scores`` in place.

    Stops when the validation loss has not improved by a relative ``early_stopping_tolerance``
    for ``early_stopping_rounds`` rounds; ``tables`` then hold the best round's values.
    Returns (best_round, rounds_run, best_validation_loss).
    """
    np.random.seed(seed)
    n_terms = term_f1.shape[0]
    max_bins = tables.shape[1]
    n_scores = scores.shape[1]
    counts = np.zeros((n_terms, max_bins))
    for t in range(n_terms):
        _count_bins(codes, term_f1[t], term_f2[t], term_n2[t], train_w, counts[t])
    grad_hist = np.zeros((max_bins, n_scores))
    hess_hist = np.zeros((max_bins, n_scores))
    update = np.zeros((max_bins, n_scores))
    val_total = val_w.sum()
    early_stopping = val_total > 0.0 and early_stopping_rounds > 0

    loss = _step_and_histogram(codes, -1, -1, 1, update, term_f1[0], term_f2[0], term_n2[0],
                               scores, y, train_w, val_w, objective, grad_hist, hess_hist, True)
    best_loss = loss / val_total if val_total > 0.0 else 0.0
    best_tables = tables.copy()
    best_round = 0
    stale_rounds = 0
    rounds_run = 0
    for round_index in range(max_rounds):
        random_split = round_index < smoothing_rounds
        for t in range(n_terms):
            n_bins = term_n1[t] * term_n2[t]
            if term_f2[t] < 0:
                main_term_update(grad_hist, hess_hist, counts[t], n_bins, term_nominal[t],
                                 term_monotone[t], learning_rate, min_samples_leaf, min_hessian,
                                 max_leaves, random_split, cat_smooth, update)
            else:
                pair_term_update(grad_hist, hess_hist, counts[t], term_n1[t], term_n2[t],
                                 learning_rate, min_samples_leaf, min_hessian, random_split,
                                 update)
            for b in range(n_bins):
                for k in range(n_scores):
                    tables[t, b, k] += update[b, k]
            following = (t + 1) % n_terms
            loss = _step_and_histogram(codes, term_f1[t], term_f2[t], term_n2[t], update,
                                       term_f1[following], term_f2[following],
                                       term_n2[following], scores, y, train_w, val_w, objective,
                                       grad_hist, hess_hist, early_stopping and t == n_terms - 1)
        rounds_run = round_index + 1
        if not early_stopping:
            continue
        loss /= val_total
        if loss < best_loss - early_stopping_tolerance * abs(best_loss):
            best_loss = loss
            best_round = rounds_run
            stale_rounds = 0
            for t in range(n_terms):
                n_bins = term_n1[t] * term_n2[t]
                best_tables[t, :n_bins] = tables[t, :n_bins]
        else:
            stale_rounds += 1
            if stale_rounds >= early_stopping_rounds:
                break
    if early_stopping:
        tables[:] = best_tables
    else:
        best_round = rounds_run
    return best_round, rounds_run, best_loss
