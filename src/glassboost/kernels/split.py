"""Tree growing on one term's histogram (numba): the update a boosting step adds to a table.

Main effects: the missing bin is always its own leaf (updated only when it holds at least
``min_samples_leaf`` training rows, so that a handful of missing values cannot run away); the
value bins (in bin order, or sorted by gradient ratio for nominal features) are split greedily
into at most ``max_leaves`` leaves. Pairs:
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


@njit(inline="always")
def _cut_allowed(cum_h, cum_n, start, cut, end, min_samples_leaf, min_hessian):
    """Both sides of ``cut`` in [start, end) have enough samples and hessian."""
    if cum_n[cut] - cum_n[start] < min_samples_leaf or cum_n[end] - cum_n[cut] < min_samples_leaf:
        return False
    for k in range(cum_h.shape[1]):
        h_left = cum_h[cut, k] - cum_h[start, k]
        h_right = cum_h[end, k] - cum_h[cut, k]
        if h_left < min_hessian or h_right < min_hessian or h_left <= 0.0 or h_right <= 0.0:
            return False
    return True


@njit(error_model="numpy")
def _segment_best_cut(cum_g, cum_h, cum_n, start, end, monotone, min_samples_leaf,
                      min_hessian, gains):
    """Best allowed cut of ordered positions [start, end); returns (cut or -1, gain).

    Every cut's gain goes into ``gains`` first (-inf where not allowed), in a loop without
    branches that vectorizes; then the first largest gain wins.
    """
    parent, _ = segment_score(cum_g, cum_h, cum_n, start, end, 0.0, 0.0)
    for cut in range(start + 1, end):
        ok = (cum_n[cut] - cum_n[start] >= min_samples_leaf) \
            & (cum_n[end] - cum_n[cut] >= min_samples_leaf)
        left = 0.0
        right = 0.0
        for k in range(cum_g.shape[1]):
            g_left, h_left = cum_g[cut, k] - cum_g[start, k], cum_h[cut, k] - cum_h[start, k]
            g_right, h_right = cum_g[end, k] - cum_g[cut, k], cum_h[end, k] - cum_h[cut, k]
            ok &= (h_left >= min_hessian) & (h_right >= min_hessian) & (h_left > 0.0) \
                & (h_right > 0.0)
            left += g_left * g_left / h_left
            right += g_right * g_right / h_right
        if monotone != 0:  # one score; leaf values are -G/H
            ok &= ((cum_g[cut, 0] - cum_g[start, 0]) / (cum_h[cut, 0] - cum_h[start, 0])
                   - (cum_g[end, 0] - cum_g[cut, 0]) / (cum_h[end, 0] - cum_h[cut, 0])) \
                * monotone >= 0.0
        gains[cut] = left + right - parent if ok else -np.inf
    best_cut = -1
    best_gain = 0.0
    for cut in range(start + 1, end):
        if gains[cut] > best_gain:
            best_cut, best_gain = cut, gains[cut]
    return best_cut, best_gain


@njit
def _segment_random_cut(cum_h, cum_n, start, end, min_samples_leaf, min_hessian):
    """A cut drawn uniformly among the allowed cuts of [start, end), or -1 (smoothing rounds)."""
    n_allowed = 0
    for cut in range(start + 1, end):
        if _cut_allowed(cum_h, cum_n, start, cut, end, min_samples_leaf, min_hessian):
            n_allowed += 1
    if n_allowed == 0:
        return -1
    pick = np.random.randint(0, n_allowed)
    for cut in range(start + 1, end):
        if _cut_allowed(cum_h, cum_n, start, cut, end, min_samples_leaf, min_hessian):
            if pick == 0:
                return cut
            pick -= 1
    return -1


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
    """Fill ``update[:n_bins]`` with one tree's leaf values for a main-effect term.

    Returns the tree's gain: how much its cuts raise the sum of ``G^2 / H`` over the value bins
    (what greedy boosting ranks terms by).
    """
    n_scores = grad.shape[1]
    update[:n_bins, :] = 0.0
    if counts[0] >= min_samples_leaf and hessian_ok(hess[0], n_scores, min_hessian):
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
        return 0.0

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
    total_gain = 0.0
    gains = np.empty(n_positions + 1)
    for _ in range(max_leaves - 1):
        best_segment = -1
        best_cut = -1
        best_gain = 0.0
        first = np.random.randint(0, n_segments) if random_split else 0
        for offset in range(n_segments):
            s = (first + offset) % n_segments
            if random_split:  # a token gain
                cut, gain = _segment_random_cut(cum_h, cum_n, bounds[s], bounds[s + 1],
                                                min_samples_leaf, min_hessian), 1.0
            else:
                cut, gain = _segment_best_cut(cum_g, cum_h, cum_n, bounds[s], bounds[s + 1],
                                              monotone, min_samples_leaf, min_hessian, gains)
            if cut >= 0 and gain > best_gain:
                best_segment, best_cut, best_gain = s, cut, gain
        if best_segment < 0:
            break
        for s in range(n_segments, best_segment, -1):
            bounds[s + 1] = bounds[s]
        bounds[best_segment + 1] = best_cut
        n_segments += 1
        total_gain += best_gain
    if n_segments == 1:
        return 0.0

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
    return total_gain


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
def pair_prefix_sums(grad, hess, counts, n1, n2):
    """2-D prefix sums over the cells that are not unseen: p[i, j] sums rows < i, columns < j.

    Each row of cells is summed left to right and added to the row above, so a sum depends on
    one running total instead of three neighbours; the three running totals of a row (gradient,
    hessian, count) advance side by side.
    """
    n_scores = grad.shape[1]
    pg = np.empty((n1, n2, n_scores))
    ph = np.empty((n1, n2, n_scores))
    pn = np.empty((n1, n2))
    pg[0] = 0.0
    ph[0] = 0.0
    pn[0] = 0.0
    for i in range(n1 - 1):
        pn[i + 1, 0] = 0.0
        pg[i + 1, 0] = 0.0
        ph[i + 1, 0] = 0.0
        for k in range(n_scores):
            run_n = 0.0
            run_g = 0.0
            run_h = 0.0
            for j in range(n2 - 1):
                cell = i * n2 + j
                run_g += grad[cell, k]
                run_h += hess[cell, k]
                pg[i + 1, j + 1, k] = pg[i, j + 1, k] + run_g
                ph[i + 1, j + 1, k] = ph[i, j + 1, k] + run_h
                if k == 0:  # the counts are the same for every score
                    run_n += counts[cell]
                    pn[i + 1, j + 1] = pn[i, j + 1] + run_n
    return pg, ph, pn


@njit
def _random_side_cut(pg, ph, pn, lo_row, hi_row, min_samples_leaf, min_hessian, side_h, side_n):
    """A random allowed cut of the second feature within rows [lo_row, hi_row), or -1."""
    a2 = pg.shape[1] - 1
    for j in range(a2 + 1):
        side_n[j] = pn[hi_row, j] - pn[lo_row, j]
        for k in range(pg.shape[2]):
            side_h[j, k] = ph[hi_row, j, k] - ph[lo_row, j, k]
    return _segment_random_cut(side_h, side_n, 0, a2, min_samples_leaf, min_hessian)


@njit
def _random_pair_tree(pg, ph, pn, min_samples_leaf, min_hessian):
    """(first cut, low-side cut, high-side cut, 1.0) drawn at random (smoothing rounds)."""
    a1 = pg.shape[0] - 1
    a2 = pg.shape[1] - 1
    cut = _segment_random_cut(ph[:, a2], pn[:, a2], 0, a1, min_samples_leaf, min_hessian)
    if cut < 0:
        return -1, -1, -1, 0.0
    side_h = np.empty((a2 + 1, pg.shape[2]))
    side_n = np.empty(a2 + 1)
    low_cut = _random_side_cut(pg, ph, pn, 0, cut, min_samples_leaf, min_hessian, side_h, side_n)
    high_cut = _random_side_cut(pg, ph, pn, cut, a1, min_samples_leaf, min_hessian, side_h,
                                side_n)
    return cut, low_cut, high_cut, 1.0


@njit(inline="always")
def _parts_score(g_part, h_part, g_total, h_total, min_hessian):
    """G^2/H of a part and of the rest of its side; -1 when a hessian is too small."""
    h_rest = h_total - h_part
    if h_part < min_hessian or h_rest < min_hessian or h_part <= 0.0 or h_rest <= 0.0:
        return -1.0
    g_rest = g_total - g_part
    return g_part * g_part / h_part + g_rest * g_rest / h_rest


@njit
def _best_pair_tree(pg, ph, pn, min_samples_leaf, min_hessian):
    """Best (first cut, low-side cut, high-side cut, gain) in one orientation.

    For each first cut, one scan over the second feature scores both sides at once.
    """
    a1 = pg.shape[0] - 1
    a2 = pg.shape[1] - 1
    n_scores = pg.shape[2]
    parent, _ = rect_score(pg, ph, pn, 0, a1, 0, a2, 0.0, 0.0)
    best_cut, best_low, best_high, best_gain = -1, -1, -1, 0.0
    for cut in range(1, a1):
        if not _cut_allowed(ph[:, a2], pn[:, a2], 0, cut, a1, min_samples_leaf, min_hessian):
            continue
        low_best, _ = rect_score(pg, ph, pn, 0, cut, 0, a2, 0.0, 0.0)
        high_best, _ = rect_score(pg, ph, pn, cut, a1, 0, a2, 0.0, 0.0)
        low_cut, high_cut = -1, -1
        n_low_total = pn[cut, a2]
        n_high_total = pn[a1, a2] - n_low_total
        for j in range(1, a2):
            n_low = pn[cut, j]
            n_high = pn[a1, j] - n_low
            low_ok = n_low >= min_samples_leaf and n_low_total - n_low >= min_samples_leaf
            high_ok = n_high >= min_samples_leaf and n_high_total - n_high >= min_samples_leaf
            low_score = 0.0
            high_score = 0.0
            for k in range(n_scores):
                if low_ok:
                    part = _parts_score(pg[cut, j, k], ph[cut, j, k], pg[cut, a2, k],
                                        ph[cut, a2, k], min_hessian)
                    low_ok = part >= 0.0
                    low_score += part
                if high_ok:
                    part = _parts_score(pg[a1, j, k] - pg[cut, j, k], ph[a1, j, k] - ph[cut, j, k],
                                        pg[a1, a2, k] - pg[cut, a2, k],
                                        ph[a1, a2, k] - ph[cut, a2, k], min_hessian)
                    high_ok = part >= 0.0
                    high_score += part
            if low_ok and low_score > low_best:
                low_best, low_cut = low_score, j
            if high_ok and high_score > high_best:
                high_best, high_cut = high_score, j
        if low_best + high_best - parent > best_gain:
            best_cut, best_low, best_high = cut, low_cut, high_cut
            best_gain = low_best + high_best - parent
    return best_cut, best_low, best_high, best_gain


@njit(inline="always")
def _newton_score(g, h):
    return g * g / h if h > 0.0 else 0.0


@njit(error_model="numpy")
def _side_cut_scores(pg, ph, pn, cut, min_samples_leaf, min_hessian, low, high):
    """Fill low[j] / high[j]: the score of cutting the low / high side of ``cut`` at column j.

    -inf marks a cut that is not allowed. Branch-free, so that the loop vectorizes; divisions
    by a zero hessian give inf or nan there, which the mask discards.
    """
    a1 = pg.shape[0] - 1
    a2 = pg.shape[1] - 1
    g_low, h_low, n_low = pg[cut, a2], ph[cut, a2], pn[cut, a2]
    g_high, h_high, n_high = pg[a1, a2] - g_low, ph[a1, a2] - h_low, pn[a1, a2] - n_low
    for j in range(1, a2):
        g1, h1, n1 = pg[cut, j], ph[cut, j], pn[cut, j]
        g2, h2, n2 = g_low - g1, h_low - h1, n_low - n1
        ok = (n1 >= min_samples_leaf) & (n2 >= min_samples_leaf) & (h1 >= min_hessian) \
            & (h2 >= min_hessian) & (h1 > 0.0) & (h2 > 0.0)
        score = g1 * g1 / h1 + g2 * g2 / h2
        low[j] = score if ok else -np.inf
        g1, h1, n1 = pg[a1, j] - g1, ph[a1, j] - h1, pn[a1, j] - n1
        g2, h2, n2 = g_high - g1, h_high - h1, n_high - n1
        ok = (n1 >= min_samples_leaf) & (n2 >= min_samples_leaf) & (h1 >= min_hessian) \
            & (h2 >= min_hessian) & (h1 > 0.0) & (h2 > 0.0)
        score = g1 * g1 / h1 + g2 * g2 / h2
        high[j] = score if ok else -np.inf


@njit(error_model="numpy")
def _side_cut_scores_fixed(pg, reciprocals, cut, low, high):
    """``_side_cut_scores`` from a fixed hessian's reciprocals (``pair_hessian_tables``): a cut
    that is not allowed scores 0, which never beats the side left whole."""
    a1 = pg.shape[0] - 1
    a2 = pg.shape[1] - 1
    g_low = pg[cut, a2]
    g_high = pg[a1, a2] - g_low
    for j in range(1, a2):
        g1 = pg[cut, j]
        g2 = g_low - g1
        low[j] = g1 * g1 * reciprocals[0, cut, j] + g2 * g2 * reciprocals[1, cut, j]
        g1 = pg[a1, j] - g1
        g2 = g_high - g1
        high[j] = g1 * g1 * reciprocals[2, cut, j] + g2 * g2 * reciprocals[3, cut, j]


@njit
def _best_pair_tree_one_score(pg, ph, pn, reciprocals, min_samples_leaf, min_hessian):
    """``_best_pair_tree`` for one score, on contiguous 2-D prefix sums (the common case).

    ``reciprocals`` holds a fixed hessian's precomputed side tables (``pair_hessian_tables``),
    so that every score is two multiplications instead of two divisions; empty, the scores
    and the checks on counts and hessians are computed here.
    """
    a1 = pg.shape[0] - 1
    a2 = pg.shape[1] - 1
    fixed = reciprocals.shape[0] > 0
    parent = _newton_score(pg[a1, a2], ph[a1, a2])
    low = np.empty(a2 + 1)
    high = np.empty(a2 + 1)
    best_cut, best_low, best_high, best_gain = -1, -1, -1, 0.0
    for cut in range(1, a1):
        g_low, g_high = pg[cut, a2], pg[a1, a2] - pg[cut, a2]
        if fixed:
            if reciprocals[0, cut, a2] == 0.0:  # the first cut is not allowed
                continue
            low_best = g_low * g_low * reciprocals[0, cut, a2]
            high_best = g_high * g_high * reciprocals[2, cut, a2]
            _side_cut_scores_fixed(pg, reciprocals, cut, low, high)
        else:
            h_low, h_high = ph[cut, a2], ph[a1, a2] - ph[cut, a2]
            if pn[cut, a2] < min_samples_leaf or pn[a1, a2] - pn[cut, a2] < min_samples_leaf \
                    or h_low < min_hessian or h_high < min_hessian or h_low <= 0.0 \
                    or h_high <= 0.0:
                continue
            low_best = _newton_score(g_low, h_low)
            high_best = _newton_score(g_high, h_high)
            _side_cut_scores(pg, ph, pn, cut, min_samples_leaf, min_hessian, low, high)
        # the best side cuts are searched only when this cut can beat the best tree so far;
        # their scores' maxima are a reduction, which vectorizes
        low_top, high_top = low_best, high_best
        for j in range(1, a2):
            low_top = max(low_top, low[j])
            high_top = max(high_top, high[j])
        if low_top + high_top - parent <= best_gain:
            continue
        low_cut, high_cut = -1, -1
        for j in range(1, a2):
            if low[j] > low_best:
                low_best, low_cut = low[j], j
            if high[j] > high_best:
                high_best, high_cut = high[j], j
        if low_best + high_best - parent > best_gain:
            best_cut, best_low, best_high = cut, low_cut, high_cut
            best_gain = low_best + high_best - parent
    return best_cut, best_low, best_high, best_gain


#: Arrays per orientation in ``pair_hessian_tables``: the hessian prefix sums and 4 reciprocals.
FIXED_HESSIAN_ARRAYS = 5


@njit
def _orientation_hessian_tables(ph, pn, min_samples_leaf, min_hessian, out):
    """Fill ``out`` (5, n1, n2) for one orientation: [0] the hessian prefix sums; for every first
    cut and column j, the reciprocal hessians of the parts of a side cut at j: [1] low side
    below j, [2] low side from j, [3] high side below j, [4] high side from j, zero where that
    cut is not allowed. Column a2 holds the whole sides of an allowed first cut: [1] low,
    [3] high (zero: the first cut is not allowed)."""
    a1 = ph.shape[0] - 1
    a2 = ph.shape[1] - 1
    out[0] = ph
    out[1:] = 0.0
    for cut in range(1, a1):
        h_low, h_high = ph[cut, a2], ph[a1, a2] - ph[cut, a2]
        n_low, n_high = pn[cut, a2], pn[a1, a2] - pn[cut, a2]
        if n_low < min_samples_leaf or n_high < min_samples_leaf or h_low < min_hessian \
                or h_high < min_hessian or h_low <= 0.0 or h_high <= 0.0:
            continue
        out[1, cut, a2] = 1.0 / h_low
        out[3, cut, a2] = 1.0 / h_high
        for j in range(1, a2):
            for side in range(2):
                if side == 0:
                    h1, n1, h_side, n_side = ph[cut, j], pn[cut, j], h_low, n_low
                else:
                    h1, n1 = ph[a1, j] - ph[cut, j], pn[a1, j] - pn[cut, j]
                    h_side, n_side = h_high, n_high
                h2, n2 = h_side - h1, n_side - n1
                if n1 >= min_samples_leaf and n2 >= min_samples_leaf and h1 >= min_hessian \
                        and h2 >= min_hessian and h1 > 0.0 and h2 > 0.0:
                    out[1 + 2 * side, cut, j] = 1.0 / h1
                    out[2 + 2 * side, cut, j] = 1.0 / h2


@njit
def pair_hessian_tables(hess, counts, n1, n2, min_samples_leaf, min_hessian):
    """What every tree search of a pair would recompute when its hessians never change (squared
    error: they are the weights): both orientations' ``_orientation_hessian_tables``, flat
    (2 * FIXED_HESSIAN_ARRAYS * n1 * n2 values)."""
    _, ph, pn = pair_prefix_sums(hess, hess, counts, n1, n2)
    size = FIXED_HESSIAN_ARRAYS * n1 * n2
    tables = np.empty(2 * size)
    _orientation_hessian_tables(np.ascontiguousarray(ph[:, :, 0]), pn, min_samples_leaf,
                                min_hessian, tables[:size].reshape(FIXED_HESSIAN_ARRAYS, n1, n2))
    _orientation_hessian_tables(np.ascontiguousarray(ph[:, :, 0].T), np.ascontiguousarray(pn.T),
                                min_samples_leaf, min_hessian,
                                tables[size:].reshape(FIXED_HESSIAN_ARRAYS, n2, n1))
    return tables


@njit
def _gradient_prefix(grad, n1, n2):
    """The gradient part of ``pair_prefix_sums`` for one score, as a 2-D array."""
    pg = np.zeros((n1, n2))
    for i in range(n1 - 1):
        run = 0.0
        for j in range(n2 - 1):
            run += grad[i * n2 + j]
            pg[i + 1, j + 1] = pg[i, j + 1] + run
    return pg


@njit
def _fill_pair_leaves(pg, ph, cut, low_cut, high_cut, transpose, n2, learning_rate, update):
    """Write the leaf values of a pair tree found on prefix sums ``pg``/``ph`` (n1', n2',
    n_scores) of one orientation into ``update`` (cells of the untransposed table)."""
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
            for k in range(pg.shape[2]):
                h = rect_value(ph, i0, i1, j0, j1, k)
                value = -learning_rate * rect_value(pg, i0, i1, j0, j1, k) / h if h > 0.0 else 0.0
                for i in range(i0, i1):
                    for j in range(j0, j1):
                        cell = j * n2 + i if transpose else i * n2 + j
                        update[cell, k] = value


@njit
def _fixed_hessian_pair_update(grad, n1, n2, learning_rate, hessian_tables, update):
    """``pair_term_update``'s greedy tree for one score and a fixed hessian."""
    pg_rows = _gradient_prefix(grad[:, 0], n1, n2)
    size = FIXED_HESSIAN_ARRAYS * n1 * n2
    no_counts = np.zeros((0, 0))
    cut, low_cut, high_cut, gain, best_transpose = -1, -1, -1, 0.0, False
    for transpose in (False, True):
        pg = np.ascontiguousarray(pg_rows.T) if transpose else pg_rows
        tables = hessian_tables[size * int(transpose):size * (int(transpose) + 1)].reshape(
            FIXED_HESSIAN_ARRAYS, pg.shape[0], pg.shape[1])
        c, lo, hi, g = _best_pair_tree_one_score(pg, tables[0], no_counts, tables[1:], 0.0, 0.0)
        if c >= 0 and g > gain:
            cut, low_cut, high_cut, gain, best_transpose = c, lo, hi, g, transpose
    if cut < 0:
        return 0.0
    pg = np.ascontiguousarray(pg_rows.T) if best_transpose else pg_rows
    ph = hessian_tables[size * int(best_transpose):size * (int(best_transpose) + 1)].reshape(
        FIXED_HESSIAN_ARRAYS, pg.shape[0], pg.shape[1])[0]
    _fill_pair_leaves(pg.reshape(pg.shape[0], pg.shape[1], 1),
                      ph.reshape(pg.shape[0], pg.shape[1], 1), cut, low_cut, high_cut,
                      best_transpose, n2, learning_rate, update)
    return gain


@njit
def pair_term_update(grad, hess, counts, n1, n2, learning_rate, min_samples_leaf, min_hessian,
                     random_split, update, hessian_tables):
    """Fill ``update[:n1*n2]`` (cell i*n2+j) with one 2-D tree's leaf values for a pair.

    Greedy steps try both features first and keep the better tree; smoothing steps draw the
    orientation and every cut at random. ``hessian_tables`` is ``pair_hessian_tables`` when the
    hessians never change (one score), else empty. Returns the tree's gain over the undivided
    table.
    """
    n_scores = grad.shape[1]
    update[:n1 * n2, :] = 0.0
    if hessian_tables.shape[0] > 0 and not random_split:
        return _fixed_hessian_pair_update(grad, n1, n2, learning_rate, hessian_tables, update)
    best_transpose = False
    cut, low_cut, high_cut, gain = -1, -1, -1, 0.0
    first = np.random.randint(0, 2) == 1 if random_split else False
    no_reciprocals = np.zeros((0, 0, 0))
    # the prefix sums of the transposed table are the transposed prefix sums
    pg_rows, ph_rows, pn_rows = pair_prefix_sums(grad, hess, counts, n1, n2)
    for transpose in (first, not first):
        pg = pg_rows.transpose(1, 0, 2) if transpose else pg_rows
        ph = ph_rows.transpose(1, 0, 2) if transpose else ph_rows
        pn = pn_rows.T if transpose else pn_rows
        if random_split:
            c, lo, hi, g = _random_pair_tree(pg, ph, pn, min_samples_leaf, min_hessian)
        elif n_scores == 1:
            c, lo, hi, g = _best_pair_tree_one_score(
                np.ascontiguousarray(pg[:, :, 0]), np.ascontiguousarray(ph[:, :, 0]),
                np.ascontiguousarray(pn), no_reciprocals, min_samples_leaf, min_hessian)
        else:
            c, lo, hi, g = _best_pair_tree(pg, ph, pn, min_samples_leaf, min_hessian)
        if c >= 0 and g > gain:
            cut, low_cut, high_cut, gain = c, lo, hi, g
            best_transpose = transpose
        if random_split and cut >= 0:
            break
    if cut < 0:
        return 0.0
    _fill_pair_leaves(pg_rows.transpose(1, 0, 2) if best_transpose else pg_rows,
                      ph_rows.transpose(1, 0, 2) if best_transpose else ph_rows, cut, low_cut,
                      high_cut, best_transpose, n2, learning_rate, update)
    return gain
