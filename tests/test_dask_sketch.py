"""The partition summaries behind distributed binning: exact below the summary size, within
the documented weight bound above it, and moments that merge to numpy's."""

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("dask")

from glassboost.binning import fit_categorical, fit_continuous, quantile_cuts  # noqa: E402
from glassboost.dask.sketch import (Moments, doane_cut_count, merge_categories,  # noqa: E402
                                    merge_continuous, summarize_categories,
                                    summarize_continuous)
from glassboost.schema import NOMINAL, Column  # noqa: E402
from glassboost.training_summary import histogram_cut_count  # noqa: E402


def _parts(values, weights, n_parts):
    return [(Column(v), w) for v, w in zip(np.array_split(values, n_parts),
                                            np.array_split(weights, n_parts))]


def _merged_bins(values, weights, n_parts, size, max_bins=64):
    merged = merge_continuous([summarize_continuous(c, w, size)
                               for c, w in _parts(values, weights, n_parts)])
    return merged, fit_continuous(Column(merged.values), merged.weights, max_bins, 16)


def test_exact_below_summary_size_gives_single_machine_bins():
    rng = np.random.default_rng(0)
    values = np.round(rng.normal(size=5000), 2)  # about 700 distinct values
    values[rng.random(5000) < 0.05] = np.nan
    values[:3] = [np.inf, -np.inf, np.inf]
    weights = rng.uniform(0, 2, 5000).round(1)  # some zero weights
    merged, bins = _merged_bins(values, weights, 8, size=4096)
    local = fit_continuous(Column(values), weights, 64, 16)
    assert merged.exact
    np.testing.assert_array_equal(bins.cuts, local.cuts)
    np.testing.assert_array_equal(bins.interaction_cuts, local.interaction_cuts)
    present = values[~np.isnan(values)]
    assert merged.n_distinct == len(np.unique(present))
    assert (merged.low, merged.high) == (-np.inf, np.inf)


@pytest.mark.parametrize("size", [32, 100])
def test_quantile_summary_distribution_within_bound(size):
    """For every threshold, the summary's weight at or below it is at most the exact weight
    and more than the exact weight minus W / size."""
    rng = np.random.default_rng(1)
    values = rng.lognormal(size=20_000)
    weights = rng.uniform(0.1, 3, 20_000)
    merged, bins = _merged_bins(values, weights, 8, size)
    assert not merged.exact and len(merged.values) <= 8 * size
    bound = weights.sum() / size
    order = np.argsort(values)
    exact_cdf = np.cumsum(weights[order])
    thresholds = np.concatenate([bins.cuts, np.quantile(values, np.linspace(0, 1, 501))])
    exact = np.concatenate(([0.0], exact_cdf))[np.searchsorted(values[order], thresholds,
                                                               side="right")]
    summary = np.concatenate(([0.0], np.cumsum(merged.weights)))[
        np.searchsorted(merged.values, thresholds, side="right")]
    assert np.all(summary <= exact + 1e-6 * bound)
    assert np.all(exact - summary < bound)
    # each cut splits the rows within the bound (plus one exact bin's spread) of the
    # single-machine cut with the same index
    local = quantile_cuts(values, weights, 64)
    assert len(bins.cuts) == len(local)
    rank = lambda cuts: np.concatenate(([0.0], exact_cdf))[  # noqa: E731
        np.searchsorted(values[order], cuts, side="right")]
    assert np.max(np.abs(rank(bins.cuts) - rank(local))) < bound + weights.sum() / 64


def test_categories_merge_to_single_machine_map():
    rng = np.random.default_rng(2)
    labels = rng.choice([f"c{i}" for i in range(40)], 3000).astype(object)
    labels[rng.random(3000) < 0.1] = None
    weights = rng.uniform(0, 1, 3000)
    weights[:50] = 0.0
    counts = merge_categories([summarize_categories(c, w) for c, w in _parts(labels, weights, 8)])
    merged = fit_categorical(NOMINAL, Column(np.array(list(counts.index), dtype=object)), None,
                             counts.to_numpy(), 16)
    local = fit_categorical(NOMINAL, Column(labels), None, weights, 16)
    assert merged.categories == local.categories
    assert merged.interaction_categories == local.interaction_categories


def test_moments_merge_to_numpy_and_doane():
    rng = np.random.default_rng(3)
    values = rng.gamma(2.0, size=3001)
    merged = Moments()
    for part in np.array_split(values, 7):
        merged = merged.merge(Moments.of(part))
    assert merged.n == len(values)
    np.testing.assert_allclose(merged.mean, values.mean(), rtol=1e-12)
    np.testing.assert_allclose(merged.m2, ((values - values.mean()) ** 2).sum(), rtol=1e-10)
    np.testing.assert_allclose(merged.m3, ((values - values.mean()) ** 3).sum(), rtol=1e-8)
    assert doane_cut_count(merged) == histogram_cut_count(values)


def test_empty_and_weightless_partitions():
    empty = summarize_continuous(Column(np.array([np.nan, np.nan])), np.ones(2), 4)
    weightless = summarize_continuous(Column(np.arange(10.0)), np.zeros(10), 4)
    merged = merge_continuous([empty, weightless])
    assert merged.weights.sum() == 0 and merged.low == 0.0 and merged.high == 9.0
    assert pd.Series(merged.values).is_monotonic_increasing
