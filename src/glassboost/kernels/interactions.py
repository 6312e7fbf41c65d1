"""FAST interaction detection (numba): score candidate pairs on the residuals of a model.

A pair's strength is the largest loss reduction that one 2x2 cut of its 2-D histogram of
gradients achieves (four quadrants, each with its own Newton value).
"""

import numpy as np
from numba import njit

from .exchange import sum_across
from .loss import group_gradient, group_softmax_gradient
from .split import pair_prefix_sums, rect_score


@njit(no_cpython_wrapper=True, no_cfunc_wrapper=True)
def best_quadrant_gain(grad, hess, counts, n1, n2, min_samples_leaf, min_hessian):
    """Largest gain of a 2x2 cut of one pair's histogram (0 when no cut is allowed)."""
    pg, ph, pn = pair_prefix_sums(grad, hess, counts, n1, n2)
    a1 = pg.shape[0] - 1
    a2 = pg.shape[1] - 1
    parent, _ = rect_score(pg, ph, pn, 0, a1, 0, a2, 0.0, 0.0)
    best = 0.0
    for i in range(1, a1):
        for j in range(1, a2):
            s00, ok00 = rect_score(pg, ph, pn, 0, i, 0, j, min_samples_leaf, min_hessian)
            s01, ok01 = rect_score(pg, ph, pn, 0, i, j, a2, min_samples_leaf, min_hessian)
            s10, ok10 = rect_score(pg, ph, pn, i, a1, 0, j, min_samples_leaf, min_hessian)
            s11, ok11 = rect_score(pg, ph, pn, i, a1, j, a2, min_samples_leaf, min_hessian)
            if ok00 and ok01 and ok10 and ok11 and s00 + s01 + s10 + s11 - parent > best:
                best = s00 + s01 + s10 + s11 - parent
    return best


@njit(no_cpython_wrapper=True, no_cfunc_wrapper=True)
def _sum_pair(remote, grad, hess, counts):
    """Sum one pair's histograms over every share of the rows (nothing for every row)."""
    if remote is None:
        return
    n = grad.size
    values = np.concatenate((grad.reshape(-1), hess.reshape(-1), counts))
    sum_across(remote, values)
    grad.reshape(-1)[:] = values[:n]
    hess.reshape(-1)[:] = values[n:2 * n]
    counts[:] = values[2 * n:]


@njit(nogil=True, cache=True)
def pair_strengths(codes, pairs, n_bins, scores, train_count, train_w, train_wy, objective,
                   min_samples_leaf, min_hessian, objective_params, remote):
    """Strength of each candidate pair (rows of ``pairs``) on the bag's training row groups
    (``objective_params``: the objective's ``params``, see ``loss``). ``remote``: when the rows
    are one process's share, the handle that sums each pair's histograms over every share
    (``exchange``); None for every row (passed, not left out: numba prunes only a None
    given)."""
    n_rows, n_scores = scores.shape
    gradients = np.zeros((n_rows, n_scores))
    hessians = np.zeros((n_rows, n_scores))
    for row in range(n_rows):
        if train_w[row] <= 0.0:
            continue
        if n_scores == 1:
            g, h = group_gradient(objective, scores[row, 0], train_w[row], train_wy[row, 0],
                                  objective_params)
            gradients[row, 0] = g
            hessians[row, 0] = h
        else:
            group_softmax_gradient(scores, train_wy, row, train_w[row], gradients[row],
                                   hessians[row])
    strengths = np.zeros(pairs.shape[0])
    for p in range(pairs.shape[0]):
        f1 = pairs[p, 0]
        f2 = pairs[p, 1]
        n1 = n_bins[f1]
        n2 = n_bins[f2]
        grad = np.zeros((n1 * n2, n_scores))
        hess = np.zeros((n1 * n2, n_scores))
        counts = np.zeros(n1 * n2)
        for row in range(n_rows):
            if train_w[row] <= 0.0:
                continue
            cell = np.int64(codes[row, f1]) * n2 + np.int64(codes[row, f2])
            counts[cell] += train_count[row]
            for k in range(n_scores):
                grad[cell, k] += gradients[row, k]
                hess[cell, k] += hessians[row, k]
        _sum_pair(remote, grad, hess, counts)
        strengths[p] = best_quadrant_gain(grad, hess, counts, n1, n2, min_samples_leaf,
                                          min_hessian)
    return strengths
