"""One boosting step's tree over the histogram of a term of three or more features (numba).

A term of ``k`` features has a tensor of cells, the row-major combination of each feature's
interaction bins (cell ``(c_1 * n_2 + c_2) * n_3 + c_3`` for three), as ``predict`` gathers it.
Its tree is InterpretML's (libebm's ``PartitionMultiDimensionalTree``): a chain that cuts every
feature once, in some order; each cut leaves one side as a leaf and goes on cutting the other,
and the last cut leaves both sides as leaves, so ``k`` cuts make ``k + 1`` leaves. The best tree
is searched exhaustively over the order of the features, the side that goes on at each level
and every cut, each leaf holding at least ``min_samples_leaf`` rows and ``min_hessian`` hessian
(``max_leaves`` does not apply, as in libebm). Box sums come from ``k``-dimensional prefix sums.
The unseen bin (each feature's last) is left out of every leaf and gets no update; a feature
with a single seen bin is not cut. Smoothing steps draw the order, the sides and every cut at
random among the allowed ones.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .split import leaf_gain, leaf_step


@njit(no_cpython_wrapper=True, no_cfunc_wrapper=True)
def tensor_prefix_sums(grad, hess, counts, shape):
    """(n_cells, 1 + 2 * n_scores) prefix sums: row ``i`` (a multi-index) holds the count,
    gradients and hessians of the seen cells ``c < i`` in every dimension."""
    k = shape.shape[0]
    n_scores = grad.shape[1]
    n_cells = grad.shape[0]
    strides = _strides(shape)
    shift = strides.sum()
    prefix = np.zeros((n_cells, 1 + 2 * n_scores))
    for cell in range(n_cells):
        seen = True
        for d in range(k):
            if (cell // strides[d]) % shape[d] == shape[d] - 1:
                seen = False
                break
        if seen:
            target = cell + shift
            prefix[target, 0] = counts[cell]
            for s in range(n_scores):
                prefix[target, 1 + s] = grad[cell, s]
                prefix[target, 1 + n_scores + s] = hess[cell, s]
    for d in range(k):
        for cell in range(n_cells):
            if (cell // strides[d]) % shape[d] > 0:
                for c in range(prefix.shape[1]):
                    prefix[cell, c] += prefix[cell - strides[d], c]
    return prefix


@njit(inline="always")
def _strides(shape):
    k = shape.shape[0]
    strides = np.ones(k, dtype=np.int64)
    for d in range(k - 2, -1, -1):
        strides[d] = strides[d + 1] * shape[d + 1]
    return strides


@njit(no_cpython_wrapper=True, no_cfunc_wrapper=True)
def _box_sums(prefix, strides, lo, hi, sums):
    """Sums over the cells ``lo <= c < hi`` (inclusion-exclusion over the box's corners;
    corners at a lower bound of zero hold nothing and are skipped)."""
    k = lo.shape[0]
    sums[:] = 0.0
    for mask in range(1 << k):
        cell = 0
        negative = False
        empty = False
        for d in range(k):
            if (mask >> d) & 1:
                if lo[d] == 0:
                    empty = True
                    break
                cell += lo[d] * strides[d]
                negative = not negative
            else:
                cell += hi[d] * strides[d]
        if empty:
            continue
        if negative:
            for c in range(sums.shape[0]):
                sums[c] -= prefix[cell, c]
        else:
            for c in range(sums.shape[0]):
                sums[c] += prefix[cell, c]


@njit(no_cpython_wrapper=True, no_cfunc_wrapper=True)
def _leaf_score(sums, min_samples_leaf, min_hessian, options):
    """Sum over scores of G^2/H of a leaf (``leaf_gain`` with split ``options``), or -1 when
    it has too few rows or too little hessian."""
    if sums[0] < min_samples_leaf:
        return -1.0
    n_scores = (sums.shape[0] - 1) // 2
    score = 0.0
    for s in range(n_scores):
        g = sums[1 + s]
        h = sums[1 + n_scores + s]
        if h < min_hessian or h <= 0.0:
            return -1.0
        score += g * g / h if options is None else leaf_gain(g, h, options)
    return score


@njit(no_cpython_wrapper=True, no_cfunc_wrapper=True)
def _next_permutation(order):
    """Advance ``order`` to its next lexicographic permutation; False after the last."""
    i = order.shape[0] - 2
    while i >= 0 and order[i] >= order[i + 1]:
        i -= 1
    if i < 0:
        return False
    j = order.shape[0] - 1
    while order[j] <= order[i]:
        j -= 1
    order[i], order[j] = order[j], order[i]
    order[i + 1:] = order[i + 1:][::-1].copy()
    return True


@njit(no_cpython_wrapper=True, no_cfunc_wrapper=True)
def _level_boxes(lo, hi, level, d, cut, low, high):
    """The two halves of level ``level``'s box cut at ``cut`` along dimension ``d``."""
    low[0] = lo[level]
    low[1] = hi[level]
    low[1, d] = cut
    high[0] = lo[level]
    high[1] = hi[level]
    high[0, d] = cut


@njit(no_cpython_wrapper=True, no_cfunc_wrapper=True)
def _best_last_cut(prefix, strides, lo, hi, d, min_samples_leaf, min_hessian, options, line,
                   rest):
    """(cut, score) of the best cut of the box [lo, hi) along ``d`` (not cut yet, so the box
    spans all of it) into two allowed leaves, the first of equal ones; (-1, 0) when none is
    allowed. ``line[c]`` gathers the sums of the box's cells below ``c`` along ``d`` from the
    prefix lines at the box's corners in the other dimensions; the high side is the rest."""
    k = lo.shape[0]
    end = hi[d]
    line[:end + 1] = 0.0
    for mask in range(1 << k):
        if (mask >> d) & 1:
            continue
        base = 0
        negative = False
        empty = False
        for e in range(k):
            if e == d:
                continue
            if (mask >> e) & 1:
                if lo[e] == 0:
                    empty = True
                    break
                base += lo[e] * strides[e]
                negative = not negative
            else:
                base += hi[e] * strides[e]
        if empty:
            continue
        sign = -1.0 if negative else 1.0
        for c in range(1, end + 1):
            cell = base + c * strides[d]
            for column in range(line.shape[1]):
                line[c, column] += sign * prefix[cell, column]
    best_cut, best_score = -1, 0.0
    for cut in range(1, end):
        low_score = _leaf_score(line[cut], min_samples_leaf, min_hessian, options)
        if low_score < 0.0:
            continue
        for column in range(line.shape[1]):
            rest[column] = line[end, column] - line[cut, column]
        high_score = _leaf_score(rest, min_samples_leaf, min_hessian, options)
        if high_score >= 0.0 and (best_cut < 0 or low_score + high_score > best_score):
            best_cut, best_score = cut, low_score + high_score
    return best_cut, best_score


@njit(no_cpython_wrapper=True, no_cfunc_wrapper=True)
def _best_chain(prefix, shape, real, min_samples_leaf, min_hessian, options):
    """(order, sides, cuts, gain) of the best chain tree; gain 0 when no tree is allowed.

    ``order`` lists the real dimensions in cutting order; bit ``l`` of ``sides`` set means the
    high side of level ``l`` goes on (the low side is a leaf)."""
    k = shape.shape[0]
    r = real.shape[0]
    strides = _strides(shape)
    sums = np.empty(prefix.shape[1])
    lo = np.zeros((r + 1, k), dtype=np.int64)
    hi = np.zeros((r + 1, k), dtype=np.int64)
    hi[0] = shape - 1
    _box_sums(prefix, strides, lo[0], hi[0], sums)
    parent = _leaf_score(sums, 0.0, 0.0, options)
    best_order = real.copy()
    best_cuts = np.full(r, -1, dtype=np.int64)
    best_sides = 0
    best_gain = 0.0
    if parent < 0.0:  # no hessian to step with
        return best_order, best_sides, best_cuts, best_gain
    perm = np.arange(r)
    order = real.copy()
    cuts = np.zeros(r, dtype=np.int64)
    partial = np.zeros(r + 1)
    low = np.empty((2, k), dtype=np.int64)
    high = np.empty((2, k), dtype=np.int64)
    high_sums = np.empty(prefix.shape[1])
    line = np.empty((int(shape.max()), prefix.shape[1]))
    while True:
        for p in range(r):
            order[p] = real[perm[p]]
        for sides in range(1 << (r - 1)):
            level = 0
            cuts[0] = 0
            while level >= 0:
                d = order[level]
                if level == r - 1:  # the last cut: both sides are leaves
                    cut, score = _best_last_cut(prefix, strides, lo[level], hi[level], d,
                                                min_samples_leaf, min_hessian, options, line,
                                                high_sums)
                    if cut > 0 and partial[level] + score - parent > best_gain:
                        best_gain = partial[level] + score - parent
                        best_order[:] = order
                        best_cuts[:] = cuts
                        best_cuts[level] = cut
                        best_sides = sides
                    level -= 1
                    continue
                cuts[level] += 1
                if cuts[level] >= shape[d] - 1:
                    level -= 1
                    continue
                _level_boxes(lo, hi, level, d, cuts[level], low, high)
                goes_high = (sides >> level) & 1
                leaf, rest = (low, high) if goes_high else (high, low)
                _box_sums(prefix, strides, leaf[0], leaf[1], sums)
                score = _leaf_score(sums, min_samples_leaf, min_hessian, options)
                if score < 0.0:
                    continue
                partial[level + 1] = partial[level] + score
                lo[level + 1] = rest[0]
                hi[level + 1] = rest[1]
                level += 1
                cuts[level] = 0
        if not _next_permutation(perm):
            break
    return best_order, best_sides, best_cuts, best_gain


@njit(no_cpython_wrapper=True, no_cfunc_wrapper=True)
def _random_chain(prefix, shape, real, min_samples_leaf, min_hessian):
    """(order, sides, cuts, gain) drawn at random: a random order and sides, then at every
    level a random cut among those whose leaves are allowed (a level without one ends the
    chain: its box is a leaf). Gain 1 when anything was cut."""
    k = shape.shape[0]
    r = real.shape[0]
    strides = _strides(shape)
    sums = np.empty(prefix.shape[1])
    order = real[np.random.permutation(r)]
    sides = np.random.randint(0, 1 << max(r - 1, 0)) if r > 1 else 0
    cuts = np.full(r, -1, dtype=np.int64)
    lo = np.zeros((r + 1, k), dtype=np.int64)
    hi = np.zeros((r + 1, k), dtype=np.int64)
    hi[0] = shape - 1
    low = np.empty((2, k), dtype=np.int64)
    high = np.empty((2, k), dtype=np.int64)
    allowed = np.empty(int(shape.max()), dtype=np.int64)
    for level in range(r):
        d = order[level]
        goes_high = (sides >> level) & 1
        n_allowed = 0
        for cut in range(1, shape[d] - 1):
            _level_boxes(lo, hi, level, d, cut, low, high)
            ok = True
            for half in range(2):
                box = low if half == 0 else high
                is_leaf = level == r - 1 or (half == 0) == (goes_high == 1)
                if is_leaf:
                    _box_sums(prefix, strides, box[0], box[1], sums)
                    if _leaf_score(sums, min_samples_leaf, min_hessian, None) < 0.0:
                        ok = False
            if ok:
                allowed[n_allowed] = cut
                n_allowed += 1
        if n_allowed == 0:
            break
        cuts[level] = allowed[np.random.randint(0, n_allowed)]
        _level_boxes(lo, hi, level, d, cuts[level], low, high)
        rest = high if goes_high else low
        lo[level + 1] = rest[0]
        hi[level + 1] = rest[1]
    return order, sides, cuts, 1.0 if cuts[0] >= 0 else 0.0


@njit(no_cpython_wrapper=True, no_cfunc_wrapper=True)
def _leaf_of(cell, strides, shape, order, sides, cuts):
    """The leaf a seen cell falls in: level ``l``'s leaf is ``l``, the last cut's high side
    is the number of cuts; -1 for a cell in an unseen bin."""
    k = shape.shape[0]
    for d in range(k):
        if (cell // strides[d]) % shape[d] == shape[d] - 1:
            return -1
    n_cuts = 0
    while n_cuts < cuts.shape[0] and cuts[n_cuts] >= 0:
        n_cuts += 1
    for level in range(n_cuts):
        d = order[level]
        is_high = (cell // strides[d]) % shape[d] >= cuts[level]
        if level == n_cuts - 1 and n_cuts == cuts.shape[0]:
            return level + 1 if is_high else level
        goes_high = (sides >> level) & 1 == 1
        if is_high != goes_high:
            return level
    return n_cuts


@njit
def tensor_term_update(grad, hess, counts, shape, learning_rate, min_samples_leaf, min_hessian,
                       random_split, update, options):
    """Fill ``update`` (one row per cell) with one chain tree's Newton steps (regularized by
    the split ``options`` unless None) and return its gain over the undivided tensor."""
    n_cells = grad.shape[0]
    n_scores = grad.shape[1]
    update[:n_cells, :] = 0.0
    prefix = tensor_prefix_sums(grad, hess, counts, shape)
    real = np.nonzero(shape - 1 >= 2)[0]
    if real.shape[0] == 0:
        return 0.0
    if random_split:
        order, sides, cuts, gain = _random_chain(prefix, shape, real, min_samples_leaf,
                                                 min_hessian)
    else:
        order, sides, cuts, gain = _best_chain(prefix, shape, real, min_samples_leaf,
                                               min_hessian, options)
    if cuts[0] < 0:
        return 0.0
    strides = _strides(shape)
    n_leaves = cuts.shape[0] + 1
    g = np.zeros((n_leaves, n_scores))
    h = np.zeros((n_leaves, n_scores))
    for cell in range(n_cells):
        leaf = _leaf_of(cell, strides, shape, order, sides, cuts)
        if leaf >= 0:
            for s in range(n_scores):
                g[leaf, s] += grad[cell, s]
                h[leaf, s] += hess[cell, s]
    for cell in range(n_cells):
        leaf = _leaf_of(cell, strides, shape, order, sides, cuts)
        if leaf >= 0:
            for s in range(n_scores):
                if h[leaf, s] > 0.0:
                    if options is None:
                        update[cell, s] = -learning_rate * g[leaf, s] / h[leaf, s]
                    else:
                        update[cell, s] = learning_rate * leaf_step(g[leaf, s], h[leaf, s],
                                                                    options)
    return gain
