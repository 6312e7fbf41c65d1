"""Tree growing on one term's histogram (numba): the update a boosting step adds to a table.

Main effects: the missing bin is always its own leaf (updated only when it holds at least
``min_samples_leaf`` training rows, so that a handful of missing values cannot run away); the
value bins (in bin order, or in ``category_order`` for nominal features) are split greedily
into at most ``max_leaves`` leaves. Pairs:
a cut on one feature, then at most one cut of the other feature on each side (up to 4 leaves).
Every leaf gets the Newton step ``-learning_rate * G / H``. The unseen bin is never updated.

*Split options* (``options``, an array; None when every option is off, which numba prunes, so the
default path compiles and computes exactly as without them) are InterpretML's: ``options[REG_ALPHA]``
(L1) and ``options[REG_LAMBDA]`` (L2) regularize every leaf's sums as libebm does,
``T(G) = sign(G) max(|G| - alpha, 0)`` over ``H + lambda``; ``options[MAX_DELTA_STEP]`` (> 0) caps
``|T(G) / (H + lambda)|`` before the learning rate; a leaf's gain is then libebm's partial gain
``u (2 T(G) - u (H + lambda))`` of its capped step ``u`` (``T(G)^2 / (H + lambda)`` uncapped).
``options[MISSING]`` places the missing bin of a main term (``MISSING_SEPARATE``: its own leaf;
``MISSING_LOW`` / ``MISSING_HIGH``: before the first / after the last value bin of a continuous or
ordinal feature, so it shares that end's leaf; ``MISSING_GAIN``: whichever end gives the tree the
larger gain; for a nominal feature any of the three makes missing one more category).
``options[MIN_CAT_SAMPLES]``: categories of a nominal main term with fewer training rows than that
are pooled into one category while the term's tree is grown (libebm's "dregs").
"""

import numpy as np
from numba import njit

#: Positions in a split options array (``split_options``).
REG_ALPHA, REG_LAMBDA, MAX_DELTA_STEP, MISSING, MIN_CAT_SAMPLES = 0, 1, 2, 3, 4
#: Values of ``options[MISSING]``.
MISSING_SEPARATE, MISSING_LOW, MISSING_HIGH, MISSING_GAIN = 0.0, 1.0, 2.0, 3.0


def split_options(reg_alpha: float = 0.0, reg_lambda: float = 0.0, max_delta_step: float = 0.0,
                  missing: float = MISSING_SEPARATE, min_cat_samples: int = 0):
    """The options array of the kernels, or None when every option is off (the default path)."""
    values = np.array([reg_alpha, reg_lambda, max_delta_step, missing, min_cat_samples],
                      dtype=np.float64)
    return None if not values.any() else values


@njit(inline="always")
def _l1(g, alpha):
    """libebm's ApplyL1: ``g`` moved towards zero by ``alpha``, and zero within it."""
    shrunk = abs(g) - alpha
    shrunk = shrunk if shrunk > 0.0 else 0.0
    return -shrunk if g < 0.0 else shrunk


@njit(inline="always")
def leaf_step(g, h, options):
    """The regularized Newton step ``-T(G) / (H + lambda)`` of a leaf, capped at
    ``max_delta_step`` when that is positive (before the learning rate)."""
    step = _l1(g, options[REG_ALPHA]) / (h + options[REG_LAMBDA])
    cap = options[MAX_DELTA_STEP]
    if cap > 0.0 and abs(step) > cap:
        step = cap if step > 0.0 else -cap
    return -step


@njit(inline="always")
def leaf_gain(g, h, options):
    """libebm's partial gain of a leaf: ``u (2 T(G) - u (H + lambda))`` with ``u`` the capped
    step; ``T(G)^2 / (H + lambda)`` when the step is not capped."""
    t = _l1(g, options[REG_ALPHA])
    h_reg = h + options[REG_LAMBDA]
    u = t / h_reg
    cap = options[MAX_DELTA_STEP]
    if cap > 0.0 and abs(u) > cap:
        u = cap if u > 0.0 else -cap
    return u * (2.0 * t - u * h_reg)


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
    """Both sides of ``cut`` in [start, end) have enough samples and hessian. Without branches,
    so that a loop over the cuts (``_segment_random_cut``) compiles without them."""
    ok = (cum_n[cut] - cum_n[start] >= min_samples_leaf) \
        & (cum_n[end] - cum_n[cut] >= min_samples_leaf)
    for k in range(cum_h.shape[1]):
        h_left = cum_h[cut, k] - cum_h[start, k]
        h_right = cum_h[end, k] - cum_h[cut, k]
        ok &= (h_left >= min_hessian) & (h_right >= min_hessian) & (h_left > 0.0) \
            & (h_right > 0.0)
    return ok


@njit(error_model="numpy", no_cpython_wrapper=True, no_cfunc_wrapper=True)
def _segment_best_cut(cum_g, cum_h, cum_n, start, end, monotone, min_samples_leaf,
                      min_hessian, gains):
    """Best allowed cut of ordered positions [start, end); returns (cut or -1, gain).

    Every cut's gain goes into ``gains`` first (-inf where not allowed), in a loop without
    branches that vectorizes; then the first largest gain wins. The loop repeats
    ``_cut_allowed``'s test beside the gain sums on purpose: calling it, with its own loop over
    the scores, made a 1,026-bin tree 12% slower (15.0 -> 16.9 us).
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


@njit(no_cpython_wrapper=True, no_cfunc_wrapper=True)
def _segment_random_cut(cum_h, cum_n, start, end, min_samples_leaf, min_hessian):
    """A cut drawn uniformly among the allowed cuts of [start, end), or -1 (smoothing rounds).
    One pass without branches lists the allowed cuts: two passes that branched on every test
    took most of a smoothing step's time."""
    allowed = np.empty(max(end - start - 1, 0), dtype=np.int64)
    n_allowed = 0
    for cut in range(start + 1, end):
        allowed[n_allowed] = cut
        n_allowed += _cut_allowed(cum_h, cum_n, start, cut, end, min_samples_leaf, min_hessian)
    if n_allowed == 0:
        return -1
    return allowed[np.random.randint(0, n_allowed)]


@njit(no_cpython_wrapper=True, no_cfunc_wrapper=True)
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


@njit(error_model="numpy", no_cpython_wrapper=True, no_cfunc_wrapper=True)
def _segment_best_cut_options(cum_g, cum_h, cum_n, start, end, monotone, min_samples_leaf,
                              min_hessian, options, gains):
    """``_segment_best_cut`` with the leaves' gains and steps of the split ``options``."""
    parent = 0.0
    for k in range(cum_g.shape[1]):
        parent += leaf_gain(cum_g[end, k] - cum_g[start, k], cum_h[end, k] - cum_h[start, k],
                            options)
    for cut in range(start + 1, end):
        ok = (cum_n[cut] - cum_n[start] >= min_samples_leaf) \
            & (cum_n[end] - cum_n[cut] >= min_samples_leaf)
        total = 0.0
        for k in range(cum_g.shape[1]):
            g_left, h_left = cum_g[cut, k] - cum_g[start, k], cum_h[cut, k] - cum_h[start, k]
            g_right, h_right = cum_g[end, k] - cum_g[cut, k], cum_h[end, k] - cum_h[cut, k]
            ok &= (h_left >= min_hessian) & (h_right >= min_hessian) & (h_left > 0.0) \
                & (h_right > 0.0)
            total += leaf_gain(g_left, h_left, options) + leaf_gain(g_right, h_right, options)
        if monotone != 0 and ok:  # one score
            ok = (leaf_step(cum_g[cut, 0] - cum_g[start, 0], cum_h[cut, 0] - cum_h[start, 0],
                            options)
                  - leaf_step(cum_g[end, 0] - cum_g[cut, 0], cum_h[end, 0] - cum_h[cut, 0],
                              options)) * monotone <= 0.0
        gains[cut] = total - parent if ok else -np.inf
    best_cut = -1
    best_gain = 0.0
    for cut in range(start + 1, end):
        if gains[cut] > best_gain:
            best_cut, best_gain = cut, gains[cut]
    return best_cut, best_gain


@njit(no_cpython_wrapper=True, no_cfunc_wrapper=True)
def _option_positions(grad, hess, counts, n_bins, nominal, cat_smooth, missing_at,
                      min_cat_samples):
    """(position of every bin in the order the tree splits, -1 for bins outside it; number of
    positions). Continuous and ordinal: the value bins in order, with the missing bin first
    (``MISSING_LOW``) or last (``MISSING_HIGH``). Nominal: categories with training rows, the
    missing bin among them unless ``MISSING_SEPARATE``, those with fewer than
    ``min_cat_samples`` rows sharing one position, in ``category_order``."""
    position = np.full(n_bins, -1, dtype=np.int64)
    n = 0
    if not nominal:
        if missing_at == MISSING_LOW:
            position[0] = 0
            n = 1
        for b in range(1, n_bins - 1):
            position[b] = n
            n += 1
        if missing_at == MISSING_HIGH:
            position[0] = n
            n += 1
        return position, n
    pooled = -1
    for b in range(0 if missing_at != MISSING_SEPARATE else 1, n_bins - 1):
        if counts[b] <= 0:
            continue
        if counts[b] < min_cat_samples:
            if pooled < 0:
                pooled = n
                n += 1
            position[b] = pooled
        else:
            position[b] = n
            n += 1
    g_sum = np.zeros(n)
    h_sum = np.zeros(n)
    for b in range(n_bins - 1):
        if position[b] >= 0:
            g_sum[position[b]] += grad[b, 0]
            h_sum[position[b]] += hess[b, 0]
    rank = np.empty(n, dtype=np.int64)
    rank[category_order(g_sum, h_sum, cat_smooth, grad.shape[1])] = np.arange(n)
    for b in range(n_bins - 1):
        if position[b] >= 0:
            position[b] = rank[position[b]]
    return position, n


@njit(no_cpython_wrapper=True, no_cfunc_wrapper=True)
def _options_tree(grad, hess, counts, n_bins, nominal, monotone, learning_rate,
                  min_samples_leaf, min_hessian, max_leaves, random_split, options, missing_at,
                  position, n_positions, update):
    """``main_term_update``'s tree over the given bin positions, with the split ``options``."""
    n_scores = grad.shape[1]
    update[:n_bins, :] = 0.0
    if missing_at == MISSING_SEPARATE and counts[0] >= min_samples_leaf \
            and hessian_ok(hess[0], n_scores, min_hessian):
        for k in range(n_scores):
            update[0, k] = learning_rate * leaf_step(grad[0, k], hess[0, k], options)
    if n_positions < 2:
        return 0.0
    pos_g = np.zeros((n_positions, n_scores))
    pos_h = np.zeros((n_positions, n_scores))
    pos_n = np.zeros(n_positions)
    for b in range(n_bins - 1):
        p = position[b]
        if p >= 0:
            pos_n[p] += counts[b]
            for k in range(n_scores):
                pos_g[p, k] += grad[b, k]
                pos_h[p, k] += hess[b, k]
    cum_g = np.zeros((n_positions + 1, n_scores))
    cum_h = np.zeros((n_positions + 1, n_scores))
    cum_n = np.zeros(n_positions + 1)
    for i in range(n_positions):
        cum_n[i + 1] = cum_n[i] + pos_n[i]
        for k in range(n_scores):
            cum_g[i + 1, k] = cum_g[i, k] + pos_g[i, k]
            cum_h[i + 1, k] = cum_h[i, k] + pos_h[i, k]
    bounds = np.empty(max_leaves + 1, dtype=np.int64)
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
            if random_split:
                cut, gain = _segment_random_cut(cum_h, cum_n, bounds[s], bounds[s + 1],
                                                min_samples_leaf, min_hessian), 1.0
            else:
                cut, gain = _segment_best_cut_options(cum_g, cum_h, cum_n, bounds[s],
                                                      bounds[s + 1], monotone, min_samples_leaf,
                                                      min_hessian, options, gains)
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
    segment_of = np.empty(n_positions, dtype=np.int64)
    for s in range(n_segments):
        lo, hi = bounds[s], bounds[s + 1]
        segment_of[lo:hi] = s
        weights[s] = 0.0
        for k in range(n_scores):
            g, h = cum_g[hi, k] - cum_g[lo, k], cum_h[hi, k] - cum_h[lo, k]
            weights[s] += h
            values[s, k] = learning_rate * leaf_step(g, h, options) if h > 0.0 else 0.0
    if monotone != 0:
        _pool_adjacent_violators(values[:, 0], weights, monotone > 0)
    for b in range(n_bins - 1):
        if position[b] >= 0 and (b > 0 or counts[0] > 0):  # a missing bin without rows: 0
            for k in range(n_scores):
                update[b, k] = values[segment_of[position[b]], k]
    return total_gain


@njit(no_cpython_wrapper=True, no_cfunc_wrapper=True)
def _main_term_update_options(grad, hess, counts, n_bins, nominal, monotone, learning_rate,
                              min_samples_leaf, min_hessian, max_leaves, random_split,
                              cat_smooth, update, options):
    """``main_term_update`` with the split ``options`` (see the module docstring)."""
    missing_at = options[MISSING]
    min_cat = options[MIN_CAT_SAMPLES]
    if nominal or missing_at != MISSING_GAIN:
        position, n = _option_positions(grad, hess, counts, n_bins, nominal, cat_smooth,
                                        missing_at, min_cat)
        return _options_tree(grad, hess, counts, n_bins, nominal, monotone, learning_rate,
                             min_samples_leaf, min_hessian, max_leaves, random_split, options,
                             missing_at, position, n, update)
    # the missing bin at whichever end gives the larger gain (ties: low)
    position, n = _option_positions(grad, hess, counts, n_bins, nominal, cat_smooth,
                                    MISSING_LOW, min_cat)
    low_gain = _options_tree(grad, hess, counts, n_bins, nominal, monotone, learning_rate,
                             min_samples_leaf, min_hessian, max_leaves, random_split, options,
                             MISSING_LOW, position, n, update)
    if random_split:
        return low_gain
    high = np.empty_like(update[:n_bins])
    position, n = _option_positions(grad, hess, counts, n_bins, nominal, cat_smooth,
                                    MISSING_HIGH, min_cat)
    high_gain = _options_tree(grad, hess, counts, n_bins, nominal, monotone, learning_rate,
                              min_samples_leaf, min_hessian, max_leaves, random_split, options,
                              MISSING_HIGH, position, n, high)
    if high_gain > low_gain:
        update[:n_bins] = high
        return high_gain
    return low_gain


@njit(cache=True)  # compiled ahead (``kernels.boost._ahead``)
def nominal_order(grad, hess, counts, n_bins, cat_smooth):
    """A nominal main term's value bins that hold rows, in ``category_order``: the order cuts are
    made in."""
    n_order = 0
    order = np.empty(n_bins - 2, dtype=np.int64)
    g_sum = np.empty(n_bins - 2)
    h_sum = np.empty(n_bins - 2)
    for b in range(1, n_bins - 1):
        if counts[b] > 0:
            order[n_order] = b
            g_sum[n_order] = grad[b, 0]
            h_sum[n_order] = hess[b, 0]
            n_order += 1
    return order[:n_order][category_order(g_sum[:n_order], h_sum[:n_order], cat_smooth,
                                          grad.shape[1])]


@njit(no_cpython_wrapper=True, no_cfunc_wrapper=True)
def category_order(g, h, cat_smooth, n_scores):
    """The order in which a tree cuts a nominal's categories (indices into them), from each
    category's gradient and hessian sums of the first score.

    One score: by the smoothed Newton ratio ``G / (H + cat_smooth)``, in whose order the best
    two-leaf cut lies (ties keep bin order). Several scores (softmax): a random permutation from
    the bag's random stream. No one order fits every class: the ratios summed over the classes
    are rounding noise (a row's softmax gradients sum to zero), and an order along the
    categories' per-class ratios overfits (``docs/architecture.md``). A drawn order makes that
    arbitrariness explicit: the same for a given seed whatever the order of the sums, so on
    every share of a distributed fit.
    """
    if n_scores > 1:
        return np.random.permutation(g.shape[0])
    return np.argsort(g / (h + cat_smooth), kind="mergesort")


@njit
def main_term_update(grad, hess, counts, n_bins, nominal, monotone, learning_rate,
                     min_samples_leaf, min_hessian, max_leaves, random_split, cat_smooth, update,
                     options=None):
    """Fill ``update[:n_bins]`` with one tree's leaf values for a main-effect term.

    Returns the tree's gain: how much its cuts raise the sum of ``G^2 / H`` over the value bins
    (what greedy boosting ranks terms by). ``options``: the split options (module docstring).
    """
    if options is not None:
        return _main_term_update_options(grad, hess, counts, n_bins, nominal, monotone,
                                         learning_rate, min_samples_leaf, min_hessian,
                                         max_leaves, random_split, cat_smooth, update, options)
    n_scores = grad.shape[1]
    update[:n_bins, :] = 0.0
    if counts[0] >= min_samples_leaf and hessian_ok(hess[0], n_scores, min_hessian):
        for k in range(n_scores):
            update[0, k] = -learning_rate * grad[0, k] / hess[0, k]

    # value bins 1 .. n_bins-2 in the order they may be split
    order = nominal_order(grad, hess, counts, n_bins, cat_smooth) if nominal \
        else np.arange(1, n_bins - 1)
    n_positions = order.shape[0]
    if n_positions < 2:
        return 0.0

    # running sums stay in registers (a sum read back from memory would wait on its store)
    cum_g = np.zeros((n_positions + 1, n_scores))
    cum_h = np.zeros((n_positions + 1, n_scores))
    cum_n = np.zeros(n_positions + 1)
    run_n = 0.0
    for i in range(n_positions):
        run_n += counts[order[i]]
        cum_n[i + 1] = run_n
    for k in range(n_scores):
        run_g, run_h = 0.0, 0.0
        for i in range(n_positions):
            run_g += grad[order[i], k]
            run_h += hess[order[i], k]
            cum_g[i + 1, k] = run_g
            cum_h[i + 1, k] = run_h

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
        lo, hi = bounds[s], bounds[s + 1]
        weights[s] = 0.0
        for k in range(n_scores):
            g, h = cum_g[hi, k] - cum_g[lo, k], cum_h[hi, k] - cum_h[lo, k]
            weights[s] += h
            values[s, k] = -learning_rate * g / h if h > 0.0 else 0.0
    if monotone != 0:
        _pool_adjacent_violators(values[:, 0], weights, monotone > 0)
    # ordered position i is bin order[i]: bin i + 1 when the bins keep their order
    for s in range(n_segments):
        for k in range(n_scores):
            value = values[s, k]
            if nominal:
                for i in range(bounds[s], bounds[s + 1]):
                    update[order[i], k] = value
            else:
                for b in range(bounds[s] + 1, bounds[s + 1] + 1):
                    update[b, k] = value
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


@njit(inline="always")
def _swap_axes(prefix):
    """``prefix.transpose(1, 0, 2)``, a view: numba compiles ``transpose`` with explicit axes
    through a checker of the axes (a set, string errors) that costs a second of compiling."""
    return np.lib.stride_tricks.as_strided(
        prefix, shape=(prefix.shape[1], prefix.shape[0], prefix.shape[2]),
        strides=(prefix.strides[1], prefix.strides[0], prefix.strides[2]))


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


@njit(no_cpython_wrapper=True, no_cfunc_wrapper=True)
def _random_side_cut(pg, ph, pn, lo_row, hi_row, min_samples_leaf, min_hessian, side_h, side_n):
    """A random allowed cut of the second feature within rows [lo_row, hi_row), or -1."""
    a2 = pg.shape[1] - 1
    for j in range(a2 + 1):
        side_n[j] = pn[hi_row, j] - pn[lo_row, j]
        for k in range(pg.shape[2]):
            side_h[j, k] = ph[hi_row, j, k] - ph[lo_row, j, k]
    return _segment_random_cut(side_h, side_n, np.int64(0), a2, min_samples_leaf, min_hessian)


@njit(no_cpython_wrapper=True, no_cfunc_wrapper=True)
def _random_pair_tree(pg, ph, pn, min_samples_leaf, min_hessian):
    """(first cut, low-side cut, high-side cut, 1.0) drawn at random (smoothing rounds)."""
    a1 = pg.shape[0] - 1
    a2 = pg.shape[1] - 1
    # the last column copied into contiguous arrays, as the sides are: one compiled copy of
    # _segment_random_cut serves both (and main effects), instead of one per array layout
    first_h = np.empty((a1 + 1, pg.shape[2]))
    first_n = np.empty(a1 + 1)
    for i in range(a1 + 1):
        first_n[i] = pn[i, a2]
        for k in range(pg.shape[2]):
            first_h[i, k] = ph[i, a2, k]
    cut = _segment_random_cut(first_h, first_n, np.int64(0), a1, min_samples_leaf, min_hessian)
    if cut < 0:
        return -1, -1, -1, 0.0
    side_h = np.empty((a2 + 1, pg.shape[2]))
    side_n = np.empty(a2 + 1)
    low_cut = _random_side_cut(pg, ph, pn, np.int64(0), cut, min_samples_leaf, min_hessian,
                               side_h, side_n)
    high_cut = _random_side_cut(pg, ph, pn, cut, a1, min_samples_leaf, min_hessian, side_h,
                                side_n)
    return cut, low_cut, high_cut, 1.0


@njit(inline="always")
def _rect_gain(pg, ph, pn, i0, i1, j0, j1, options):
    """``rect_score`` without limits, or the sum of ``leaf_gain`` with split ``options``."""
    if options is None:
        score, _ = rect_score(pg, ph, pn, i0, i1, j0, j1, 0.0, 0.0)
        return score
    score = 0.0
    for k in range(pg.shape[2]):
        h = rect_value(ph, i0, i1, j0, j1, k)
        if h > 0.0:
            score += leaf_gain(rect_value(pg, i0, i1, j0, j1, k), h, options)
    return score


@njit(error_model="numpy", no_cpython_wrapper=True, no_cfunc_wrapper=True)
def _side_cut_scores(g, h, n, lo, hi, min_samples_leaf, min_hessian, options, ok, scores):
    """For every cut ``j`` of the second feature within the first feature's rows [lo, hi):
    whether both parts have enough samples and hessian (``ok[j]``), and the sum over scores of
    both parts' G^2/H, or of their ``leaf_gain`` with split ``options`` (``scores[j]``).

    ``g`` and ``h`` are the prefix sums laid out (row, score, column), so that the loop over
    the cuts reads memory in order and, without ``options``, vectorizes: every part is computed
    and the disallowed cuts are masked by ``ok`` afterwards.
    """
    a2 = g.shape[2] - 1
    n_total = n[hi, a2] - n[lo, a2]
    for j in range(1, a2):
        n_part = n[hi, j] - n[lo, j]
        ok[j] = (n_part >= min_samples_leaf) & (n_total - n_part >= min_samples_leaf)
        scores[j] = 0.0
    for k in range(g.shape[1]):
        g_total = g[hi, k, a2] - g[lo, k, a2]
        h_total = h[hi, k, a2] - h[lo, k, a2]
        for j in range(1, a2):
            g_part = g[hi, k, j] - g[lo, k, j]
            h_part = h[hi, k, j] - h[lo, k, j]
            g_rest = g_total - g_part
            h_rest = h_total - h_part
            ok[j] &= (h_part >= min_hessian) & (h_rest >= min_hessian) & (h_part > 0.0) \
                & (h_rest > 0.0)
            if options is None:  # a cut that is not ok may add inf or nan here: masked
                scores[j] += g_part * g_part / h_part + g_rest * g_rest / h_rest
            elif ok[j]:
                scores[j] += leaf_gain(g_part, h_part, options) + leaf_gain(g_rest, h_rest,
                                                                          options)


@njit
def _best_pair_tree(pg, ph, pn, min_samples_leaf, min_hessian, options):
    """Best (first cut, low-side cut, high-side cut, gain) in one orientation.

    For each first cut, each side's cuts of the second feature are scored in one loop
    (``_side_cut_scores``, on a copy of the prefix sums laid out for it: a five-score 64 x 64
    pair tree, both orientations, 248 -> 181 us), and the first best of each side wins.
    ``options``: the split options, or None.
    """
    a1 = pg.shape[0] - 1
    a2 = pg.shape[1] - 1
    n_scores = pg.shape[2]
    g = np.empty((a1 + 1, n_scores, a2 + 1))
    h = np.empty((a1 + 1, n_scores, a2 + 1))
    n = np.empty((a1 + 1, a2 + 1))
    for i in range(a1 + 1):
        for j in range(a2 + 1):
            n[i, j] = pn[i, j]
            for k in range(n_scores):
                g[i, k, j] = pg[i, j, k]
                h[i, k, j] = ph[i, j, k]
    parent = _rect_gain(pg, ph, pn, 0, a1, 0, a2, options)
    best_cut, best_low, best_high, best_gain = -1, -1, -1, 0.0
    low_ok = np.empty(a2, dtype=np.bool_)
    high_ok = np.empty(a2, dtype=np.bool_)
    low_scores = np.empty(a2)
    high_scores = np.empty(a2)
    for cut in range(1, a1):
        if not _cut_allowed(ph[:, a2], pn[:, a2], 0, cut, a1, min_samples_leaf, min_hessian):
            continue
        low_best = _rect_gain(pg, ph, pn, 0, cut, 0, a2, options)
        high_best = _rect_gain(pg, ph, pn, cut, a1, 0, a2, options)
        _side_cut_scores(g, h, n, 0, cut, min_samples_leaf, min_hessian, options, low_ok,
                         low_scores)
        _side_cut_scores(g, h, n, cut, a1, min_samples_leaf, min_hessian, options, high_ok,
                         high_scores)
        low_cut, high_cut = -1, -1
        for j in range(1, a2):
            if low_ok[j] and low_scores[j] > low_best:
                low_best, low_cut = low_scores[j], j
            if high_ok[j] and high_scores[j] > high_best:
                high_best, high_cut = high_scores[j], j
        if low_best + high_best - parent > best_gain:
            best_cut, best_low, best_high = cut, low_cut, high_cut
            best_gain = low_best + high_best - parent
    return best_cut, best_low, best_high, best_gain


@njit(inline="always")
def _newton_score(g, h):
    return g * g / h if h > 0.0 else 0.0


#: Arrays in ``pair_hessian_tables``: the hessian prefix sums and one reciprocal per quadrant.
FIXED_HESSIAN_ARRAYS = 5


@njit(error_model="numpy", no_cpython_wrapper=True, no_cfunc_wrapper=True)
def _quadrant_row(pg, ph, pn, reciprocals, i, min_samples_leaf, min_hessian, scores):
    """Fill ``scores`` (4, a2 + 1) at the points (i, j), j = 1 .. a2, with G^2/H of the four
    quadrants a point cuts the table into: [0] rows < i, columns < j; [1] rows < i, columns >= j;
    [2] rows >= i, columns < j; [3] rows >= i, columns >= j. -inf marks a quadrant that is not
    allowed (fewer than ``min_samples_leaf`` rows, or too little hessian).

    ``reciprocals`` (``pair_hessian_tables``: 1/H per quadrant and point, zero where not
    allowed) turns the divisions into multiplications; empty, the hessians and counts come from
    the prefix sums. Branch-free loops, which vectorize.
    """
    a1 = pg.shape[0] - 1
    a2 = pg.shape[1] - 1
    g_row, g_total = pg[i, a2], pg[a1, a2]
    s0, s1, s2, s3 = scores[0], scores[1], scores[2], scores[3]
    if reciprocals.shape[0] > 0:
        for j in range(1, a2 + 1):
            g0 = pg[i, j]
            g1 = g_row - g0
            g2 = pg[a1, j] - g0
            g3 = g_total - g_row - g2
            r0, r1 = reciprocals[0, i, j], reciprocals[1, i, j]
            r2, r3 = reciprocals[2, i, j], reciprocals[3, i, j]
            s0[j] = g0 * g0 * r0 if r0 > 0.0 else -np.inf
            s1[j] = g1 * g1 * r1 if r1 > 0.0 else -np.inf
            s2[j] = g2 * g2 * r2 if r2 > 0.0 else -np.inf
            s3[j] = g3 * g3 * r3 if r3 > 0.0 else -np.inf
        return
    h_row, h_total = ph[i, a2], ph[a1, a2]
    n_row, n_total = pn[i, a2], pn[a1, a2]
    for j in range(1, a2 + 1):
        g0, h0, n0 = pg[i, j], ph[i, j], pn[i, j]
        g1, h1, n1 = g_row - g0, h_row - h0, n_row - n0
        g2, h2, n2 = pg[a1, j] - g0, ph[a1, j] - h0, pn[a1, j] - n0
        g3, h3, n3 = g_total - g_row - g2, h_total - h_row - h2, n_total - n_row - n2
        ok = (n0 >= min_samples_leaf) & (h0 >= min_hessian) & (h0 > 0.0)
        s0[j] = g0 * g0 / h0 if ok else -np.inf
        ok = (n1 >= min_samples_leaf) & (h1 >= min_hessian) & (h1 > 0.0)
        s1[j] = g1 * g1 / h1 if ok else -np.inf
        ok = (n2 >= min_samples_leaf) & (h2 >= min_hessian) & (h2 > 0.0)
        s2[j] = g2 * g2 / h2 if ok else -np.inf
        ok = (n3 >= min_samples_leaf) & (h3 >= min_hessian) & (h3 > 0.0)
        s3[j] = g3 * g3 / h3 if ok else -np.inf


@njit(no_cpython_wrapper=True, no_cfunc_wrapper=True)
def _best_pair_tree_one_score(pg, ph, pn, reciprocals, min_samples_leaf, min_hessian):
    """Best one-score pair tree in both orientations, in one pass over the rows of the table:
    (transposed, first cut, low-side cut, high-side cut, gain), cut -1 when none gains.

    Every tree is a sum of quadrant scores (``_quadrant_row``): a first cut at row i with a side
    cut at column j scores [0] + [1] on its low side and [2] + [3] on its high side; a first cut
    at column j with a side cut at row i scores [0] + [2] and [1] + [3]. So each quadrant's
    G^2/H is computed once for both orientations. Ties go to rows before columns and to the
    first cut, as a search of one orientation, cut by cut, would have it.
    """
    a1 = pg.shape[0] - 1
    a2 = pg.shape[1] - 1
    parent = _newton_score(pg[a1, a2], ph[a1, a2])
    scores = np.empty((4, a2 + 1))
    s0, s1, s2, s3 = scores[0], scores[1], scores[2], scores[3]
    # columns as first cuts: the best row cut so far on each side of every column
    column_low = np.full(a2 + 1, -np.inf)
    column_high = np.full(a2 + 1, -np.inf)
    column_low_cut = np.full(a2 + 1, -1)
    column_high_cut = np.full(a2 + 1, -1)
    best_transpose, best_cut, best_low, best_high, best_gain = False, -1, -1, -1, 0.0
    for i in range(1, a1 + 1):
        _quadrant_row(pg, ph, pn, reciprocals, i, min_samples_leaf, min_hessian, scores)
        if i == a1:  # this row's quadrants [0] and [1] are the columns' whole sides
            break
        # columns as first cuts: each column keeps its best row cut so far (selects, which
        # vectorize; the first best row wins)
        for j in range(1, a2):
            low = s0[j] + s2[j]
            high = s1[j] + s3[j]
            better_low = low > column_low[j]
            better_high = high > column_high[j]
            column_low[j] = low if better_low else column_low[j]
            column_low_cut[j] = i if better_low else column_low_cut[j]
            column_high[j] = high if better_high else column_high[j]
            column_high_cut[j] = i if better_high else column_high_cut[j]
        # row i as the first cut: its sides' best scores are maxima (a reduction, which
        # vectorizes); the side cuts are looked up only when the tree beats the best so far
        low_whole, high_whole = s0[a2], s2[a2]
        if low_whole == -np.inf or high_whole == -np.inf:
            continue
        low_best, high_best = low_whole, high_whole
        for j in range(1, a2):
            low, high = s0[j] + s1[j], s2[j] + s3[j]
            low_best = low if low > low_best else low_best
            high_best = high if high > high_best else high_best
        if low_best + high_best - parent <= best_gain:
            continue
        best_transpose, best_cut, best_low, best_high = False, i, -1, -1
        best_gain = low_best + high_best - parent
        for j in range(a2 - 1, 0, -1):  # the first column that reaches each maximum
            if low_best > low_whole and s0[j] + s1[j] == low_best:
                best_low = j
            if high_best > high_whole and s2[j] + s3[j] == high_best:
                best_high = j
    for j in range(1, a2):
        low_best, high_best = s0[j], s1[j]
        if low_best == -np.inf or high_best == -np.inf:
            continue
        low_cut, high_cut = -1, -1
        if column_low[j] > low_best:
            low_best, low_cut = column_low[j], column_low_cut[j]
        if column_high[j] > high_best:
            high_best, high_cut = column_high[j], column_high_cut[j]
        if low_best + high_best - parent > best_gain:
            best_transpose, best_cut, best_low, best_high = True, j, low_cut, high_cut
            best_gain = low_best + high_best - parent
    return best_transpose, best_cut, best_low, best_high, best_gain


@njit
def pair_hessian_tables(hess, counts, n1, n2, min_samples_leaf, min_hessian):
    """What every tree search of a pair would recompute when its hessians never change (squared
    error: they are the weights), flat (FIXED_HESSIAN_ARRAYS, n1, n2): [0] the hessian prefix
    sums, [1 + q] at every point the reciprocal hessian of its quadrant q (``_quadrant_row``),
    zero where the quadrant is not allowed."""
    _, ph3, pn = pair_prefix_sums(hess, hess, counts, n1, n2)
    ph = ph3.reshape(n1, n2)
    tables = np.zeros((FIXED_HESSIAN_ARRAYS, n1, n2))
    tables[0] = ph
    a1, a2 = n1 - 1, n2 - 1
    for i in range(1, a1 + 1):
        for j in range(1, a2 + 1):
            h0, n0 = ph[i, j], pn[i, j]
            h1, n1_ = ph[i, a2] - h0, pn[i, a2] - n0
            h2, n2_ = ph[a1, j] - h0, pn[a1, j] - n0
            h3, n3 = ph[a1, a2] - ph[i, a2] - h2, pn[a1, a2] - pn[i, a2] - n2_
            for q, h, n in ((0, h0, n0), (1, h1, n1_), (2, h2, n2_), (3, h3, n3)):
                if n >= min_samples_leaf and h >= min_hessian and h > 0.0:
                    tables[1 + q, i, j] = 1.0 / h
    return tables.reshape(-1)


@njit(no_cpython_wrapper=True, no_cfunc_wrapper=True)
def _gradient_prefix(grad, n1, n2):
    """The gradient part of ``pair_prefix_sums`` for one score, as a 2-D array."""
    pg = np.zeros((n1, n2))
    for i in range(n1 - 1):
        run = 0.0
        for j in range(n2 - 1):
            run += grad[i * n2 + j]
            pg[i + 1, j + 1] = pg[i, j + 1] + run
    return pg


@njit(no_cpython_wrapper=True, no_cfunc_wrapper=True)
def _fill_pair_leaves(pg, ph, cut, low_cut, high_cut, transpose, n2, learning_rate, update,
                      options):
    """Write the leaf values of a pair tree found on prefix sums ``pg``/``ph`` (n1', n2',
    n_scores) of one orientation into ``update`` (cells of the untransposed table); steps
    regularized by the split ``options`` unless None."""
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
                if options is not None:
                    value = learning_rate * leaf_step(rect_value(pg, i0, i1, j0, j1, k), h,
                                                      options) if h > 0.0 else 0.0
                else:
                    value = -learning_rate * rect_value(pg, i0, i1, j0, j1, k) / h \
                        if h > 0.0 else 0.0
                for i in range(i0, i1):
                    for j in range(j0, j1):
                        cell = j * n2 + i if transpose else i * n2 + j
                        update[cell, k] = value


@njit
def pair_term_update(grad, hess, counts, n1, n2, learning_rate, min_samples_leaf, min_hessian,
                     random_split, update, hessian_tables, multi_score=True, options=None):
    """Fill ``update[:n1*n2]`` (cell i*n2+j) with one 2-D tree's leaf values for a pair.

    Greedy steps try both features first and keep the better tree; smoothing steps draw the
    orientation and every cut at random. ``hessian_tables`` is ``pair_hessian_tables`` when the
    hessians never change (one score), else empty. Returns the tree's gain over the undivided
    table. A caller that never has fixed hessians, or never several scores, passes None as
    ``hessian_tables`` or ``multi_score``: numba then leaves that search out of the compiled code.
    With split ``options`` (not None) every tree is searched by ``_best_pair_tree``.
    """
    n_scores = grad.shape[1]
    update[:n1 * n2, :] = 0.0
    if options is not None:
        return _pair_term_update_options(grad, hess, counts, n1, n2, learning_rate,
                                         min_samples_leaf, min_hessian, random_split, update,
                                         options)
    if n_scores == 1 and not random_split:
        if hessian_tables is not None and hessian_tables.shape[0] > 0:
            tables = hessian_tables.reshape(FIXED_HESSIAN_ARRAYS, n1, n2)
            pg, ph, pn = _gradient_prefix(grad[:, 0], n1, n2), tables[0], np.zeros((0, 0))
            reciprocals = tables[1:]
        else:
            pg3, ph3, pn = pair_prefix_sums(grad, hess, counts, n1, n2)
            pg, ph, reciprocals = pg3.reshape(n1, n2), ph3.reshape(n1, n2), np.zeros((0, 0, 0))
        transpose, cut, low_cut, high_cut, gain = _best_pair_tree_one_score(
            pg, ph, pn, reciprocals, min_samples_leaf, min_hessian)
        if cut < 0:
            return 0.0
        pg3, ph3 = pg.reshape(n1, n2, 1), ph.reshape(n1, n2, 1)
        _fill_pair_leaves(_swap_axes(pg3) if transpose else pg3,
                          _swap_axes(ph3) if transpose else ph3, cut, low_cut, high_cut,
                          transpose, n2, learning_rate, update, None)
        return gain
    best_transpose = False
    cut, low_cut, high_cut, gain = -1, -1, -1, 0.0
    first = np.random.randint(0, 2) == 1 if random_split else False
    # the prefix sums of the transposed table are the transposed prefix sums
    pg_rows, ph_rows, pn_rows = pair_prefix_sums(grad, hess, counts, n1, n2)
    for transpose in (first, not first):
        pg = _swap_axes(pg_rows) if transpose else pg_rows
        ph = _swap_axes(ph_rows) if transpose else ph_rows
        pn = pn_rows.T if transpose else pn_rows
        if random_split:
            c, lo, hi, g = _random_pair_tree(pg, ph, pn, min_samples_leaf, min_hessian)
        elif multi_score is not None:
            c, lo, hi, g = _best_pair_tree(pg, ph, pn, min_samples_leaf, min_hessian, None)
        else:  # one score: searched above
            c, lo, hi, g = -1, -1, -1, 0.0
        if c >= 0 and g > gain:
            cut, low_cut, high_cut, gain = c, lo, hi, g
            best_transpose = transpose
        if random_split and cut >= 0:
            break
    if cut < 0:
        return 0.0
    _fill_pair_leaves(_swap_axes(pg_rows) if best_transpose else pg_rows,
                      _swap_axes(ph_rows) if best_transpose else ph_rows, cut, low_cut,
                      high_cut, best_transpose, n2, learning_rate, update, None)
    return gain


@njit(no_cpython_wrapper=True, no_cfunc_wrapper=True)
def _pair_term_update_options(grad, hess, counts, n1, n2, learning_rate, min_samples_leaf,
                              min_hessian, random_split, update, options):
    """``pair_term_update`` with the split ``options``: both orientations by ``_best_pair_tree``
    (random trees in smoothing steps), regularized leaf steps."""
    best_transpose = False
    cut, low_cut, high_cut, gain = -1, -1, -1, 0.0
    first = np.random.randint(0, 2) == 1 if random_split else False
    pg_rows, ph_rows, pn_rows = pair_prefix_sums(grad, hess, counts, n1, n2)
    for transpose in (first, not first):
        pg = _swap_axes(pg_rows) if transpose else pg_rows
        ph = _swap_axes(ph_rows) if transpose else ph_rows
        pn = pn_rows.T if transpose else pn_rows
        if random_split:
            c, lo, hi, g = _random_pair_tree(pg, ph, pn, min_samples_leaf, min_hessian)
        else:
            c, lo, hi, g = _best_pair_tree(pg, ph, pn, min_samples_leaf, min_hessian, options)
        if c >= 0 and g > gain:
            cut, low_cut, high_cut, gain = c, lo, hi, g
            best_transpose = transpose
        if random_split and cut >= 0:
            break
    if cut < 0:
        return 0.0
    _fill_pair_leaves(_swap_axes(pg_rows) if best_transpose else pg_rows,
                      _swap_axes(ph_rows) if best_transpose else ph_rows, cut, low_cut,
                      high_cut, best_transpose, n2, learning_rate, update, options)
    return gain
