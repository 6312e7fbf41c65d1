"""Sums across processes that each hold some of the rows (exact data-parallel boosting).

A kernel that boosts or ranks on a share of the rows calls ``sum_across`` wherever it has
summed something over its rows that a decision reads (histograms, counts, the validation loss).
``remote`` is a one-element int64 array naming the Python callable registered in
``ROW_SUMMERS``; that callable replaces the values, in place, by their sum over every share, the
same on every share, so that every share takes the same decisions. ``remote`` None (one process
holds every row) is the variant without any of this: numba prunes it.
"""

from typing import Callable

import numpy as np
from numba import njit, objmode

#: Python callables ``(values) -> None`` by handle: each sums ``values`` across the shares, in
#: place.
ROW_SUMMERS: dict[int, Callable[[np.ndarray], None]] = {}


def _sum_registered(handle: int, values: np.ndarray) -> None:
    ROW_SUMMERS[handle](values)


@njit(no_cpython_wrapper=True, no_cfunc_wrapper=True)
def sum_across(remote, values):
    """Replace the 1-D float64 ``values`` by their sum over every share (nothing when
    ``remote`` is None)."""
    if remote is None:
        return
    with objmode():
        _sum_registered(remote[0], values)


@njit(no_cpython_wrapper=True, no_cfunc_wrapper=True)
def scalar_across(remote, value):
    """``value`` summed over every share (``value`` itself when ``remote`` is None)."""
    if remote is None:
        return value
    buffer = np.full(1, value)
    sum_across(remote, buffer)
    return buffer[0]
