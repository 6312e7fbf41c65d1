"""The vectorized ``exp`` of the cyclic passes against numpy's."""

from __future__ import annotations

import numpy as np
import pytest
from numba import njit

from glassboost.kernels.vector_exp import vector_exp


@njit
def _exp(x):
    out, work = np.empty_like(x), np.empty_like(x)
    vector_exp(x, out, work)
    return out


@pytest.mark.parametrize("low", [-1.0, -40.0, -708.0])
def test_within_four_units_in_the_last_place_of_numpy(low) -> None:
    x = np.random.default_rng(int(-low)).uniform(low, 0.0, 100_003)
    got, want = _exp(x), np.exp(x)
    assert np.all(np.abs(got - want) <= 4 * np.spacing(want))
    assert np.mean(got == want) > 0.8  # most values are the library's to the last bit


def test_exact_at_zero() -> None:
    """The softmax's top class has a shifted score of zero: its term must be exactly 1."""
    np.testing.assert_array_equal(_exp(np.array([0.0, -0.0])), [1.0, 1.0])


@pytest.mark.parametrize("low, high", [(0.0, 1.0), (1.0, 708.0)])
def test_positive_values_within_four_units(low, high) -> None:
    x = np.random.default_rng(7).uniform(low, high, 100_003)
    got, want = _exp(x), np.exp(x)
    assert np.all(np.abs(got - want) <= 4 * np.spacing(want))


def test_beyond_the_normal_range_the_value_is_the_library_s() -> None:
    """Past +/-708 ``exp`` overflows or leaves the normal numbers: the library's result, inf,
    subnormal and zero included, and NaN stays NaN."""
    x = np.array([-708.5, -745.0, -746.0, -1e6, -np.inf, 708.5, 709.7, 710.0, np.inf])
    with np.errstate(over="ignore"):
        want = np.exp(x)
    np.testing.assert_array_equal(_exp(x), want)
    assert np.isnan(_exp(np.array([np.nan, 0.0]))[0])
