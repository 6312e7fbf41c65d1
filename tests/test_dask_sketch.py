"""The partition summaries behind distributed binning: exact below the summary size, within
the documented weight bound above it, and moments that merge to numpy's."""

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("dask")

from glassboost.binning import fit_categorical, fit_continuous, quantile_cuts  # noqa: E402
from glassboost.dask.sketch import (Moments, count_distinct, doane_cut_count,  # noqa: E402
                                    merge_categories, merge_continuous, merge_distinct,
                                    summarize_categories, summarize_continuous)
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


class _Now:
    """A future whose value is already there."""

    def __init__(self, value):
        self.value = value


class _SyncClient:
    """Runs what the merge tree submits at once, in this process."""

    def __init__(self):
        self.submitted = 0

    def submit(self, fn, *args, **kwargs):
        self.submitted += 1
        return _Now(fn(*[a.value for a in args], **kwargs))

    def gather(self, futures):
        return [f.value for f in futures]

    def cancel(self, futures):
        for future in futures:
            future.value = None


def _summaries(values, weights, n_parts, size):
    from glassboost.dask.partition import PartitionSummary

    return [_Now(PartitionSummary([], [], [], [], len(c.values), float(w.sum()), None, None,
                                  [summarize_continuous(c, w, size), summarize_categories(
                                      Column(np.where(c.values > 0, "a", "b").astype(object)),
                                      w)], []))
            for c, w in _parts(values, weights, n_parts)]


def _cdf_gap(values, weights, summary):
    """Largest (exact - summary) weight at or below any summary point, and the largest excess."""
    order = np.argsort(values)
    exact = np.concatenate(([0.0], np.cumsum(weights[order])))[
        np.searchsorted(values[order], summary.values, side="right")]
    return np.max(exact - np.cumsum(summary.weights)), np.max(np.cumsum(summary.weights) - exact)


def test_merge_tree_up_to_fan_in_squared_partitions_is_the_flat_merge():
    from glassboost.dask.fit import _merged_features

    rng = np.random.default_rng(4)
    values = np.round(rng.normal(size=6400), 3)
    weights = rng.integers(0, 3, 6400).astype(float)
    futures, client = [], _SyncClient()
    parts = _summaries(values, weights, 64, 4096)
    futures.extend(parts)
    flat = merge_continuous([p.value.features[0] for p in parts])
    continuous, categories = _merged_features(client, futures, parts, 4096).features
    assert client.submitted == 8 and futures == []  # one level of 8 merges; all released
    assert continuous.exact
    np.testing.assert_array_equal(continuous.values, flat.values)
    np.testing.assert_array_equal(continuous.weights, flat.weights)
    np.testing.assert_allclose(categories.sort_index().to_numpy(),
                               [weights[values > 0].sum(), weights[values <= 0].sum()])


@pytest.mark.parametrize("n_parts", [65, 600])
def test_merge_tree_of_many_partitions_stays_within_its_bound(n_parts):
    """Past 64 partitions the tree summarizes its merges again: the client gets at most
    64 x size values, and the distribution stays within W / size x (1 + L / 8)."""
    from glassboost.dask.fit import _merged_features
    from glassboost.dask.sketch import MERGE_FAN_IN

    rng = np.random.default_rng(5)
    size = 16
    values = rng.lognormal(size=n_parts * 40)
    weights = rng.uniform(0.1, 3, len(values))
    parts = _summaries(values, weights, n_parts, size)
    continuous, _ = _merged_features(_SyncClient(), list(parts), parts, size).features
    levels = int(np.ceil(np.log(n_parts) / np.log(MERGE_FAN_IN))) - 1  # worker levels
    compressing = levels - 1
    assert compressing >= 1 and not continuous.exact
    assert len(continuous.values) <= MERGE_FAN_IN**2 * size
    below, above = _cdf_gap(values, weights, continuous)
    bound = weights.sum() / size * (1 + compressing / MERGE_FAN_IN)
    assert above <= 1e-9 * weights.sum() and below < bound
    assert continuous.moments.n == len(values)
    np.testing.assert_allclose(continuous.weights.sum(), weights.sum(), rtol=1e-12)


def _merged_count(values, n_parts, size):
    return merge_distinct([count_distinct(v, size) for v in np.array_split(values, n_parts)],
                          size)


def test_distinct_counts_merge_to_the_whole_columns_count():
    """Below the sketch size the merged count is exact whatever the partitions hold (values
    unique in each partition but repeated across, or the reverse); above it the sample of
    distinct values estimates it, exactly for unique values."""
    repeated = np.tile(np.arange(50.0), 4)  # every part holds 0..49 once
    count = _merged_count(repeated, 4, 64)
    assert (count.n, count.n_distinct, count.complete, count.integers) == (200, 50, True, True)
    assert (count.low, count.high) == (0.0, 49.0)
    ids = np.arange(10_000.0)
    count = _merged_count(ids, 40, 64)
    assert not count.complete and (count.n, count.n_distinct) == (10_000, 10_000)
    rng = np.random.default_rng(11)
    labels = rng.integers(0, 8000, 20_000).astype(str).astype(object)
    labels[rng.random(20_000) < 0.1] = None
    count = _merged_count(labels, 16, 1024)
    present = labels[pd.notna(labels)]
    exact = len(np.unique(present.astype(str)))
    assert count.n == len(present) and not count.integers
    assert abs(count.n_distinct - exact) < 0.05 * exact
    assert _merged_count(labels, 16, 10_000).n_distinct == exact  # a sketch large enough


def test_distinct_counts_see_zero_as_minus_zero_and_non_integers():
    count = merge_distinct([count_distinct(np.array([0.0, np.nan, 1.5])),
                            count_distinct(np.array([-0.0, 2.0]))])
    assert (count.n, count.n_distinct, count.integers) == (4, 3, False)
    assert not count_distinct(np.array([1.0, np.inf])).integers
