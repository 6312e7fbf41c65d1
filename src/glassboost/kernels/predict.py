"""Scoring kernels (numba, release the GIL): bin raw values, gather every term's table values."""

import numpy as np
from numba import njit


_LANES = 16
_BLOCK = 2048  # rows per block of term gathering


@njit(nogil=True, cache=True)
def bin_values(values, cuts, codes):
    """``codes[i]`` = 1 + number of cuts <= values[i] (a value bin), or 0 for NaN (missing).

    The same as ``np.searchsorted(cuts, values, side="right") + 1``, but 4x faster: a
    fixed-step, branch-free binary search over the cuts padded with +inf to 2^k - 1 entries, run
    for 16 values side by side so that their chains of dependent loads overlap.
    """
    n_cuts = cuts.shape[0]
    size = 1
    steps = 0
    while size - 1 < n_cuts:
        size *= 2
        steps += 1
    padded = np.full(size - 1, np.inf)
    for i in range(n_cuts):  # a slice assignment compiles a costly error path (string code)
        padded[i] = cuts[i]
    n = values.shape[0]
    base = np.zeros(_LANES, dtype=np.int64)
    for start in range(0, n, _LANES):
        lanes = min(_LANES, n - start)
        base[:] = 0
        half = size >> 1
        for _ in range(steps):
            for j in range(lanes):
                base[j] += half * (padded[base[j] + half - 1] <= values[start + j])
            half >>= 1
        for j in range(lanes):
            value = values[start + j]
            codes[start + j] = 0 if np.isnan(value) else min(base[j], n_cuts) + 1


@njit(inline="always")
def _cell(fine, coarse, first, second, n2, offsets, t, r):
    """Row r's cell of term t in the flat tables (main: its fine code; pair: coarse codes)."""
    if second[t] < 0:
        return offsets[t] + fine[first[t], r]
    return offsets[t] + coarse[first[t], r] * n2[t] + coarse[second[t], r]


@njit(nogil=True, cache=True)
def gather_terms(fine, coarse, first, second, n2, offsets, flat_table, out, row_lo, row_hi):
    """``out[t, r]`` = term t's table value at row r's cell, for rows [row_lo, row_hi).

    ``fine``/``coarse`` are (n_features, n_rows) codes; a main term (``second < 0``) reads
    ``fine[first]``, a pair reads cell ``coarse[first] * n2 + coarse[second]``; term t's table
    starts at ``offsets[t]`` of the 1-D ``flat_table`` (one score; call once per class). Rows go
    in blocks small enough that their codes stay in cache while every term reads them.
    """
    for start in range(row_lo, row_hi, _BLOCK):
        for t in range(first.shape[0]):
            for r in range(start, min(start + _BLOCK, row_hi)):
                out[t, r] = flat_table[_cell(fine, coarse, first, second, n2, offsets, t, r)]


@njit(nogil=True, cache=True)
def sum_terms(fine, coarse, first, second, n2, offsets, flat_table, out, row_lo, row_hi):
    """``out[r]`` += the sum over terms of ``gather_terms``' values, for rows [row_lo, row_hi).

    The sum without the (n_terms, n_rows) table of contributions: what predictions need.
    """
    for start in range(row_lo, row_hi, _BLOCK):
        for t in range(first.shape[0]):
            for r in range(start, min(start + _BLOCK, row_hi)):
                out[r] += flat_table[_cell(fine, coarse, first, second, n2, offsets, t, r)]


@njit(inline="always")
def _wide_cell(coarse, positions, starts, strides, offsets, t, r):
    """Row r's cell of wide term t: its table start plus each feature's coarse code times the
    table's stride along that feature (a C-ordered table of any number of dimensions)."""
    cell = offsets[t]
    for j in range(starts[t], starts[t + 1]):
        cell += coarse[positions[j], r] * strides[j]
    return cell


@njit(nogil=True, cache=True)
def gather_wide_terms(coarse, positions, starts, strides, offsets, flat_table, out, row_lo,
                      row_hi):
    """``out[t, r]`` = wide term t's table value at row r's cell, for rows [row_lo, row_hi).

    Terms of three or more features (InterpretML models can have them): term t's features are
    rows ``positions[starts[t]:starts[t + 1]]`` of ``coarse``, with the table's ``strides`` (in
    cells) along them; its table starts at ``offsets[t]`` of ``flat_table`` (one score).
    Mains and pairs take ``gather_terms``, which this leaves as fast as it was.
    """
    for start in range(row_lo, row_hi, _BLOCK):
        for t in range(offsets.shape[0]):
            for r in range(start, min(start + _BLOCK, row_hi)):
                out[t, r] = flat_table[_wide_cell(coarse, positions, starts, strides, offsets,
                                                  t, r)]


@njit(nogil=True, cache=True)
def sum_wide_terms(coarse, positions, starts, strides, offsets, flat_table, out, row_lo,
                   row_hi):
    """``out[r]`` += the sum over wide terms of ``gather_wide_terms``' values."""
    for start in range(row_lo, row_hi, _BLOCK):
        for t in range(offsets.shape[0]):
            for r in range(start, min(start + _BLOCK, row_hi)):
                out[r] += flat_table[_wide_cell(coarse, positions, starts, strides, offsets,
                                                t, r)]
