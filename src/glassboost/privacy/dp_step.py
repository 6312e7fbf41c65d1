"""The DP step rule (numba): cyclic boosting of main terms with random splits and noisy sums.

Every step of a term draws its cuts independently of the data (``cut_draws``), sums the
clipped gradients of the training rows in each leaf, adds Gaussian noise to the
learning-rate-scaled sum (``noise``, standard normals times ``noise_scale``) and divides by the
leaf's noisy bin weight from private binning: nothing about the rows enters an update except
through a noisy sum. The missing bin is a leaf of its own when private binning kept it (a
positive noisy weight): each row is in one leaf either way, so the sums' sensitivity is
unchanged. There is no early stopping; every term takes exactly ``n_rounds`` steps.

For log loss, rows with identical codes may come as one group (``counts`` rows, ``y`` their
summed targets): they share a score, so their summed gradient ``count * p - sum(y)`` is the sum
of their rows' gradients, the same released sum up to the order of additions. Squared error's
clip acts row by row, so its rows come one by one (``counts`` 1).
"""

from __future__ import annotations

import numpy as np
from numba import njit

LOG_LOSS, SQUARED_ERROR = 0, 1


@njit(cache=True, nogil=True)
def _gradient(score: float, y: float, count: float, objective: int, clip: float) -> float:
    """The summed gradient of ``count`` rows sharing ``score`` whose targets sum to ``y``."""
    if objective == LOG_LOSS:
        return count / (1.0 + np.exp(-score)) - y  # each row's in [-1, 1]
    bound = count * clip  # count * clip(score - y / count) without a division
    return min(max(count * score - y, -bound), bound)


@njit(cache=True, nogil=True)
def _leaf_update(histogram, weights, n_bins, draws, noise, noise_scale, learning_rate,
                 edges, update):
    """The noisy step of one term: ``update[b]`` for every bin from the random leaves; the
    missing bin (0) takes the last noise draw when its weight is positive. The cuts are
    distinct, drawn without replacement (as InterpretML draws them), so a step has
    ``max_leaves`` leaves whenever the bins allow."""
    n_positions = n_bins - 2  # cuts at 2 .. n_bins - 1 split the bins 1 .. n_bins - 1
    edges[0] = 1
    n_edges = 1
    for c in range(draws.shape[0]):
        free = n_positions - c
        if free <= 0:
            break
        position = 2 + int(draws[c] * free)  # the k-th cut not drawn yet: step over the
        for e in range(1, n_edges):  # drawn ones, which edges[1:n_edges] keep sorted
            if edges[e] <= position:
                position += 1
        e = n_edges
        while e > 1 and edges[e - 1] > position:
            edges[e] = edges[e - 1]
            e -= 1
        edges[e] = position
        n_edges += 1
    edges[n_edges] = n_bins
    n_edges += 1
    update[:] = 0.0
    leaf = 0
    for e in range(n_edges - 1):
        lo, hi = edges[e], edges[e + 1]
        if hi <= lo:  # no value bins (a feature of one value): no leaf
            continue
        gradient_sum = 0.0
        weight = 0.0
        for b in range(lo, hi):
            gradient_sum += histogram[b]
            weight += weights[b]
        noisy = learning_rate * gradient_sum + noise_scale * noise[leaf]
        leaf += 1
        step = -noisy / weight if weight > 0.0 else 0.0
        for b in range(lo, hi):
            update[b] = step
    if weights[0] > 0.0:
        noisy = learning_rate * histogram[0] + noise_scale * noise[noise.shape[0] - 1]
        update[0] = -noisy / weights[0]


@njit(cache=True, nogil=True)
def dp_boost(codes, rows, split_bins, bin_weights, y, counts, scores, tables, cut_draws, noise,
             noise_scale, learning_rate, clip, objective):
    """Boost every term for ``cut_draws.shape[0]`` rounds; updates ``scores`` and ``tables``.

    codes (n_terms, n_rows) bin codes; rows: the training rows; y, counts: each row's target
    and row count (a group's summed targets and size, see above); split_bins[t]: the leaves
    cover bins 1 .. split_bins[t] - 1, and bin 0 (missing) is a leaf of its own where its
    weight is positive; bin_weights (n_terms, max_bins): noisy weights; tables (n_terms,
    max_bins): the terms' scores, added to; cut_draws (n_rounds, n_terms, max_leaves - 1)
    uniform in [0, 1); noise (n_rounds, n_terms, max_leaves + 1) standard normal, the last
    for the missing leaf. One pass over the rows per step:
    it applies the step's update and sums the next term's gradients at the new scores.
    """
    n_rounds, n_terms, n_cuts = cut_draws.shape
    max_bins = tables.shape[1]
    histogram = np.zeros(max_bins)
    update = np.zeros(max_bins)
    edges = np.zeros(n_cuts + 2, dtype=np.int64)
    for i in rows:
        histogram[codes[0, i]] += _gradient(scores[i], y[i], counts[i], objective, clip)
    n_steps = n_rounds * n_terms
    for step in range(n_steps):
        r, t = step // n_terms, step % n_terms
        _leaf_update(histogram, bin_weights[t], split_bins[t], cut_draws[r, t], noise[r, t],
                     noise_scale, learning_rate, edges, update)
        for b in range(max_bins):
            tables[t, b] += update[b]
        histogram[:] = 0.0
        if step + 1 < n_steps:
            following = (t + 1) % n_terms
            for i in rows:
                score = scores[i] + update[codes[t, i]]
                scores[i] = score
                histogram[codes[following, i]] += _gradient(score, y[i], counts[i], objective,
                                                            clip)
        else:
            for i in rows:
                scores[i] += update[codes[t, i]]
