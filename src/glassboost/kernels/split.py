"""Tree growing on one term's histogram (numba): the update a boosting step adds to a table.

Main effects: the missing bin is always its own leaf; the value bins (in bin order, or sorted by
gradient ratio for nominal features) are split greedily into at most ``max_leaves`` leaves. Pairs:
a cut on one feature, then at most one cut of the other feature on each side (up to 4 leaves).
Every leaf gets the Newton step ``-learning_rate * G / H``. The unseen bin is never updated.
"""

import numpy as np
from numba import njit


@njit(inline="always")
def hessian_ok(h, n_scores, min_hessian):
    for k in range(n_scores):
        if h[k] < min_hessian or h[k] <= 0.0:
            return False
    return True


@njit(inline="always")
def segment_score(cum_g, cum_h, cum_n, start, end, min_samples_leaf, min_hessian):
    """(sum over scores of G^2/H, allowed) of ordered positions [start, end)."""
    if cum_n[end] - cum_n[start] < min_samples_leaf:
        return 0.0, False
    score = 0.0
    for k in range(cum_g.shape[1]):
        h = cum_h[end, k] - cum_h[start, k]
        if h < min_hessian or h <= 0.0:
            return 0.0, False
        g = cum_g[end, k] - cum_g[start, k]
        score += g * g / h
    return score, True


@njit
def _segment_best_cut(cum_g, cum_h, cum_n, start, end, monotone, min_samples_leaf, min_hessian,
                      random_split):
    """Best (or a random valid) cut of ordered positions [start, end); returns (cut, gain)."""
    parent, _ = segment_score(cum_g, cum_h, cum_n, start, end, 0.0, 0.0)
    best_cut = -1
    best_gain = 0.0
    n_valid = 0
    for cut in range(start + 1, end):
        left, left_ok = segment_score(cum_g, cum_h, cum_n, start, cut, min_samples_leaf,
                                      min_hessian)
        if not left_ok:
            continue
        right, right_ok = segment_score(cum_g, cum_h, cum_n, cut, end, min_samples_leaf,
                                        min_hessian)
        if not right_ok:
            continue
        if monotone != 0:
            value_left = (cum_g[cut, 0] - cum_g[start, 0]) / (cum_h[cut, 0] - cum_h[start, 0])
            value_right = (cum_g[end, 0] - cum_g[cut, 0]) / (cum_h[end, 0] - cum_h[cut, 0])
            if (value_left - value_right) * monotone < 0.0:  # leaf values are -G/H
                continue
        gain = left + right - parent
        if random_split:
            n_valid += 1
            if np.random.randint(0, n_valid) == 0:  # reservoir sampling: uniform over valid cuts
                best_cut = cut
                best_gain = max(gain, 1e-300)
        elif gain > best_gain:
            best_cut = cut
            best_gain = gain
    return best_cut, best_gain


@njit
def _pool_adjacent_violators(values, weights, increasing):
    """Weighted isotonic regression of a short vector in place (used on leaf values)."""
    n = values.shape[0]
    sign = 1.0 if increasing else -1.0
    level_value = np.empty(n)
    level_weight = np.empty(n)
    level_size = np.empty(n, dtype=np.int64)
    n_levels = 0
    for i in range(n):
        level_value[n_levels] = values[i] * sign
        level_weight[n_levels] = max(weights[i], 1e-300)
        level_size[n_levels] = 1
        n_levels += 1
        while n_levels > 1 and level_value[n_levels - 2] > level_value[n_levels - 1]:
            w = level_weight[n_levels - 2] + level_weight[n_levels - 1]
            level_value[n_levels - 2] = (level_value[n_levels - 2] * level_weight[n_levels - 2]
                                         + level_value[n_levels - 1] * level_weight[n_levels - 1]) / w
            level_weight[n_levels - 2] = w
            level_size[n_levels - 2] += level_size[n_levels - 1]
            n_levels -= 1
    i = 0
    for level in range(n_levels):
        for _ in range(level_size[level]):
            values[i] = level_value[level] * sign
            i += 1


@njit
def main_term_update(grad, hess, counts, n_bins, nominal, monotone, learning_rate,
                     min_samples_leaf, min_hessian, max_leaves, random_split, cat_smooth, update):
    """Fill ``update[:n_bins]`` with one tree's leaf values for a main-effect term."""
    n_scores = grad.shape[1]
    update[:n_bins, :] = 0.0
    if counts[0] > 0 and hessian_ok(hess[0], n_scores, min_hessian):
        for k in range(n_scores):
            update[0, k] = -learning_rate * grad[0, k] / hess[0, k]

    # value bins 1 .. n_bins-2 in the order they may be split
    if nominal:
        n_order = 0
        order = np.empty(n_bins - 2, dtype=np.int64)
        ratio = np.empty(n_bins - 2)
        for b in range(1, n_bins - 1):
            if counts[b] > 0:
                g_sum = 0.0
                h_sum = 0.0
                for k in range(n_scores):
                    g_sum += grad[b, k]
                    h_sum += hess[b, k]
                order[n_order] = b
                ratio[n_order] = g_sum / (h_sum + cat_smooth)
                n_order += 1
        order = order[:n_order][np.argsort(ratio[:n_order], kind="mergesort")]
    else:
        order = np.arange(1, n_bins - 1)
    n_positions = order.shape[0]
    if n_positions < 2:
        return

    cum_g = np.zeros((n_positions + 1, n_scores))
    cum_h = np.zeros((n_positions + 1, n_scores))
    cum_n = np.zeros(n_positions + 1)
    for i in range(n_positions):
        b = order[i]
        cum_n[i + 1] = cum_n[i] + counts[b]
        for k in range(n_scores):
            cum_g[i + 1, k] = cum_g[i, k] + grad[b, k]
            cum_h[i + 1, k] = cum_h[i, k] + hess[b, k]

    bounds = np.empty(max_leaves + 1, dtype=np.int64)  # segment i is [bounds[i], bounds[i+1])
    bounds[0] = 0
    bounds[1] = n_positions
    n_segments = 1
    for _ in range(max_leaves - 1):
        best_segment = -1
        best_cut = -1
        best_gain = 0.0
        for s in range(n_segments):
            cut, gain = _segment_best_cut(cum_g, cum_h, cum_n, bounds[s], bounds[s + 1], monotone,
                                          min_samples_leaf, min_hessian, random_split)
            if cut >= 0 and gain > best_gain:
                best_segment, best_cut, best_gain = s, cut, gain
        if best_segment < 0:
            break
        for s in range(n_segments, best_segment, -1):
            bounds[s + 1] = bounds[s]
        bounds[best_segment + 1] = best_cut
        n_segments += 1
    if n_segments == 1:
        return

    values = np.empty((n_segments, n_scores))
    weights = np.empty(n_segments)
    for s in range(n_segments):
        g = cum_g[bounds[s + 1]] - cum_g[bounds[s]]
        h = cum_h[bounds[s + 1]] - cum_h[bounds[s]]
        weights[s] = h.sum()
        for k in range(n_scores):
            values[s, k] = -learning_rate * g[k] / h[k] if h[k] > 0.0 else 0.0
    if monotone != 0:
        _pool_adjacent_violators(values[:, 0], weights, monotone > 0)
    for s in range(n_segments):
        for i in range(bounds[s], bounds[s + 1]):
            for k in range(n_scores):
                update[order[i], k] = values[s, k]


@njit(inline="always")
def rect_value(prefix, i0, i1, j0, j1, k):
    """Sum of score k over the cells [i0, i1) x [j0, j1) of a 2-D prefix-sum array."""
    return prefix[i1, j1, k] - prefix[i0, j1, k] - prefix[i1, j0, k] + prefix[i0, j0, k]


@njit(inline="always")
def rect_score(pg, ph, pn, i0, i1, j0, j1, min_samples_leaf, min_hessian):
    """(sum over scores of G^2/H, allowed) of the cells [i0, i1) x [j0, j1)."""
    if pn[i1, j1] - pn[i0, j1] - pn[i1, j0] + pn[i0, j0] < min_samples_leaf:
        return 0.0, False
    score = 0.0
    for k in range(pg.shape[2]):
        h = rect_value(ph, i0, i1, j0, j1, k)
        if h < min_hessian or h <= 0.0:
            return 0.0, False
        g = rect_value(pg, i0, i1, j0, j1, k)
        score += g * g / h
    return score, True


@njit
def pair_prefix_sums(grad, hess, counts, n1, n2, transpose):
    """2-D prefix sums over the non-unseen cells, optionally with the two features swapped."""
    n_scores = grad.shape[1]
    a1 = (n2 if transpose else n1) - 1
    a2 = (n1 if transpose else n2) - 1
    pg = np.zeros((a1 + 1, a2 + 1, n_scores))
    ph = np.zeros((a1 + 1, a2 + 1, n_scores))
    pn = np.zeros((a1 + 1, a2 + 1))
    for i in range(a1):
        for j in range(a2):
            cell = j * n2 + i if transpose else i * n2 + j
            pn[i + 1, j + 1] = pn[i, j + 1] + pn[i + 1, j] - pn[i, j] + counts[cell]
            for k in range(n_scores):
                pg[i + 1, j + 1, k] = pg[i, j + 1, k] + pg[i + 1, j, k] - pg[i, j, k] + grad[cell, k]
                ph[i + 1, j + 1, k] = ph[i, j + 1, k] + ph[i + 1, j, k] - ph[i, j, k] + hess[cell, k]
    return pg, ph, pn


@njit
def _side_best_cut(pg, ph, pn, i0, i1, min_samples_leaf, min_hessian, random_split):
    """Best cut of the second feature inside rows [i0, i1); returns (cut or -1, score)."""
    a2 = pg.shape[1] - 1
    best_score, _ = rect_score(pg, ph, pn, i0, i1, 0, a2, 0.0, 0.0)
    best_cut = -1
    n_valid = 0
    for cut in range(1, a2):
        low, low_ok = rect_score(pg, ph, pn, i0, i1, 0, cut, min_samples_leaf, min_hessian)
        if not low_ok:
            continue
        high, high_ok = rect_score(pg, ph, pn, i0, i1, cut, a2, min_samples_leaf, min_hessian)
        if not high_ok:
            continue
        if random_split:
            n_valid += 1
            if np.random.randint(0, n_valid) == 0:
                best_cut, best_score = cut, low + high
        elif low + high > best_score:
            best_cut, best_score = cut, low + high
    return best_cut, best_score


@njit
def _best_pair_tree(pg, ph, pn, min_samples_leaf, min_hessian, random_split):
    """Best (first cut, low-side cut, high-side cut, gain) in one orientation."""
    a1 = pg.shape[0] - 1
    a2 = pg.shape[1] - 1
    parent, _ = rect_score(pg, ph, pn, 0, a1, 0, a2, 0.0, 0.0)
    best_cut, best_low, best_high, best_gain = -1, -1, -1, 0.0
    n_valid = 0
    for cut in range(1, a1):
        _, low_ok = rect_score(pg, ph, pn, 0, cut, 0, a2, min_samples_leaf, min_hessian)
        _, high_ok = rect_score(pg, ph, pn, cut, a1, 0, a2, min_samples_leaf, min_hessian)
        if not (low_ok and high_ok):
            continue
        low_cut, low_score = _side_best_cut(pg, ph, pn, 0, cut, min_samples_leaf, min_hessian,
                                            random_split)
        high_cut, high_score = _side_best_cut(pg, ph, pn, cut, a1, min_samples_leaf, min_hessian,
                                              random_split)
        gain = low_score + high_score - parent
        if random_split:
            n_valid += 1
            if np.random.randint(0, n_valid) == 0:
                best_cut, best_low, best_high, best_gain = cut, low_cut, high_cut, max(gain, 1e-300)
        elif gain > best_gain:
            best_cut, best_low, best_high, best_gain = cut, low_cut, high_cut, gain
    return best_cut, best_low, best_high, best_gain


@njit
def pair_term_update(grad, hess, counts, n1, n2, learning_rate, min_samples_leaf, min_hessian,
                     random_split, update):
    """Fill ``update[:n1*n2]`` (cell i*n2+j) with one 2-D tree's leaf values for a pair."""
    n_scores = grad.shape[1]
    update[:n1 * n2, :] = 0.0
    best_transpose = False
    cut, low_cut, high_cut, gain = -1, -1, -1, 0.0
    for transpose in (False, True):
        pg, ph, pn = pair_prefix_sums(grad, hess, counts, n1, n2, transpose)
        c, lo, hi, g = _best_pair_tree(pg, ph, pn, min_samples_leaf, min_hessian, random_split)
        take = g > gain
        if random_split and c >= 0 and cut >= 0:
            take = np.random.randint(0, 2) == 1
        if c >= 0 and take:
            cut, low_cut, high_cut, gain = c, lo, hi, g
            best_transpose = transpose
    if cut < 0:
        return
    pg, ph, pn = pair_prefix_sums(grad, hess, counts, n1, n2, best_transpose)
    a1 = pg.shape[0] - 1
    a2 = pg.shape[1] - 1
    for side in range(2):
        i0 = 0 if side == 0 else cut
        i1 = cut if side == 0 else a1
        side_cut = low_cut if side == 0 else high_cut
        n_parts = 1 if side_cut < 0 else 2
        for part in range(n_parts):
            j0 = 0 if part == 0 else side_cut
            j1 = a2 if n_parts == 1 or part == 1 else side_cut
            for k in range(n_scores):
                h = rect_value(ph, i0, i1, j0, j1, k)
                value = -learning_rate * rect_value(pg, i0, i1, j0, j1, k) / h if h > 0.0 else 0.0
                for i in range(i0, i1):
                    for j in range(j0, j1):
                        cell = j * n2 + i if best_transpose else i * n2 + j
                        update[cell, k] = value
