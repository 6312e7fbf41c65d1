"""Squared-error boosting of main effects without passes over the rows (numba).

For squared error a row's gradient, ``w * s - w * y``, is linear in its score. When a step adds
``delta[c]`` to the rows in bin ``c`` of term ``p``, the gradient histogram of another term ``t``
changes by ``sum_c C[b, c] * delta[c]``, where ``C[b, c]`` is the weight of the rows that fall in
bin ``b`` of ``t`` and bin ``c`` of ``p``. A step's update takes one value per run of bins (two or
three runs for a tree of up to three leaves), and ``C`` is stored as prefix sums over ``c``; summed
by parts, the change is one contiguous prefix row per edge of a run, scaled by the jump there.
The validation loss moves through ``p``'s validation gradient histogram the same way. Every
histogram thus stays current for every term at a cost set by the bin counts, not the row count;
the co-occurrence sums cost one pass over the rows.

The co-occurrence sums are float32, which halves the memory a step reads: the caller uses bin
space only for integer weights whose total stays below 2**24, where float32 sums are exact.
"""

import numpy as np
from numba import njit


@njit
def cooccurrence_layout(n_bins):
    """Start of the prefix matrix of each ordered pair (t, p), t != p, at ``layout[t * T + p]``.

    The matrix is ``(n_bins[p] + 1) x n_bins[t]``: its row ``c`` sums the bins of ``p`` below
    ``c``, for every bin of ``t``.
    """
    n_terms = n_bins.shape[0]
    layout = np.zeros(n_terms * n_terms + 1, dtype=np.int64)
    for t in range(n_terms):
        for p in range(n_terms):
            size = (n_bins[p] + 1) * n_bins[t] if t != p else 0
            layout[t * n_terms + p + 1] = layout[t * n_terms + p] + size
    return layout


@njit
def cooccurrence_prefix(term_codes, n_bins, weights, layout):
    """Prefix sums (over the bins of ``p``) of the weight in each pair of bins of t and p.

    float32: exact for integer weights whose total is below 2**24.
    """
    n_terms = n_bins.shape[0]
    cum = np.zeros(layout[-1], dtype=np.float32)
    for row in range(term_codes.shape[1]):
        w = weights[row]
        if w == 0.0:
            continue
        for t in range(n_terms):
            b = term_codes[t, row]
            for p in range(n_terms):
                if p != t:
                    cum[layout[t * n_terms + p] + (term_codes[p, row] + 1) * n_bins[t] + b] += w
    for t in range(n_terms):
        for p in range(n_terms):
            if p != t:
                start, width = layout[t * n_terms + p], n_bins[t]
                for c in range(1, n_bins[p] + 1):
                    for b in range(width):
                        cum[start + c * width + b] += cum[start + (c - 1) * width + b]
    return cum


@njit
def cell_sums(term_codes, offsets, values):
    """Per-cell sums of one value per row, for every term (weights, or gradients ``w*s - wy``)."""
    sums = np.zeros(offsets[-1])
    for t in range(term_codes.shape[0]):
        codes, lo = term_codes[t], offsets[t]
        for row in range(values.shape[0]):
            sums[lo + codes[row]] += values[row]
    return sums


@njit(no_cpython_wrapper=True, no_cfunc_wrapper=True)
def _add_scaled(target, scale, values):
    """target += scale * values, on slices (a loop that vectorizes)."""
    for i in range(target.shape[0]):
        target[i] += scale * values[i]


@njit
def apply_in_bins(p, update, n_bins, offsets, layout, train_cum, val_cum, train_weight,
                  val_weight, grad, val_grad):
    """Add term ``p``'s ``update`` (per bin) to every histogram; return the change of the
    validation loss ``sum(w * s^2 - 2 * wy * s)``."""
    n_terms = n_bins.shape[0]
    lo = offsets[p]
    loss_change = 0.0
    for c in range(n_bins[p]):
        delta = update[c]
        loss_change += delta * (2.0 * val_grad[lo + c] + delta * val_weight[lo + c])
        grad[lo + c] += train_weight[lo + c] * delta
        val_grad[lo + c] += val_weight[lo + c] * delta
    # sum_c C[b, c] * delta[c] = sum over c of P[c] * (delta[c - 1] - delta[c]), where P are
    # the prefix rows and delta[n_bins] = 0: only the edges of the update's runs count
    for c in range(1, n_bins[p] + 1):
        step = update[c - 1] - (update[c] if c < n_bins[p] else 0.0)
        if step == 0.0:
            continue
        for t in range(n_terms):
            if t == p:
                continue
            width, t_lo = n_bins[t], offsets[t]
            row = layout[t * n_terms + p] + c * width
            _add_scaled(grad[t_lo:t_lo + width], step, train_cum[row:row + width])
            _add_scaled(val_grad[t_lo:t_lo + width], step, val_cum[row:row + width])
    return loss_change
