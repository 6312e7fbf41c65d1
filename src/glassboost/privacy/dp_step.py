"""The DP step rule (numba): cyclic boosting of main terms with random splits and noisy sums.

Every step of a term draws its cuts independently of the data (``cut_draws``), sums the
clipped gradients of the training rows in each leaf, adds Gaussian noise to the
learning-rate-scaled sum (``noise``, standard normals times ``noise_scale``) and divides by the
leaf's noisy bin weight from private binning: nothing about the rows enters an update except
through a noisy sum. There is no early stopping; every term takes exactly ``n_rounds`` steps.
"""

from __future__ import annotations

import numpy as np
from numba import njit

LOG_LOSS, SQUARED_ERROR = 0, 1


@njit(cache=True, nogil=True)
def _gradient(score: float, y: float, objective: int, clip: float) -> float:
    if objective == LOG_LOSS:
        return 1.0 / (1.0 + np.exp(-score)) - y  # in [-1, 1]
    g = score - y
    return min(max(g, -clip), clip)


@njit(cache=True, nogil=True)
def dp_boost(codes, rows, split_bins, bin_weights, y, scores, tables, cut_draws, noise,
             noise_scale, learning_rate, clip, objective):
    """Boost every term for ``cut_draws.shape[0]`` rounds; updates ``scores`` and ``tables``.

    codes (n_terms, n_rows) bin codes; rows: the training rows; split_bins[t]: the leaves
    cover bins 1 .. split_bins[t] - 1 (bin 0 is missing, which private binning refuses);
    bin_weights (n_terms, max_bins): noisy weights; tables (n_terms, max_bins): the terms'
    scores, added to; cut_draws (n_rounds, n_terms, max_leaves - 1) uniform in [0, 1);
    noise (n_rounds, n_terms, max_leaves) standard normal.
    """
    n_rounds, n_terms, n_cuts = cut_draws.shape
    max_bins = tables.shape[1]
    histogram = np.zeros(max_bins)
    update = np.zeros(max_bins)
    edges = np.zeros(n_cuts + 2, dtype=np.int64)
    for r in range(n_rounds):
        for t in range(n_terms):
            histogram[:] = 0.0
            for i in rows:
                histogram[codes[t, i]] += _gradient(scores[i], y[i], objective, clip)
            # data-independent cuts among the positions 2 .. split_bins[t] - 1
            n_positions = split_bins[t] - 2
            edges[0] = 1
            n_edges = 1
            for c in range(n_cuts):
                if n_positions > 0:
                    edges[n_edges] = 2 + int(cut_draws[r, t, c] * n_positions)
                    n_edges += 1
            edges[n_edges] = split_bins[t]
            n_edges += 1
            edges[:n_edges].sort()
            update[:] = 0.0
            leaf = 0
            for e in range(n_edges - 1):
                lo, hi = edges[e], edges[e + 1]
                if hi <= lo:  # a repeated cut: no leaf
                    continue
                gradient_sum = 0.0
                weight = 0.0
                for b in range(lo, hi):
                    gradient_sum += histogram[b]
                    weight += bin_weights[t, b]
                noisy = learning_rate * gradient_sum + noise_scale * noise[r, t, leaf]
                leaf += 1
                step = -noisy / weight if weight > 0.0 else 0.0
                for b in range(lo, hi):
                    update[b] = step
            for b in range(max_bins):
                tables[t, b] += update[b]
            for i in rows:
                scores[i] += update[codes[t, i]]
