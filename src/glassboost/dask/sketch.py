"""Mergeable summaries of one partition's feature values, from which the ordinary binning code
(``binning.fit_continuous`` / ``fit_categorical``) computes the bins on the client.

A continuous feature's summary is its weighted distinct values. A partition with at most
``size`` distinct finite values sends them exactly; a larger one sends a bounded weighted
quantile summary: its sorted distinct values are cut into runs by where their cumulative weight
starts (run ``j`` holds the values whose preceding weight lies in ``[j W_p / size, (j + 1) W_p /
size)``, ``W_p`` the partition's weight), and each run is sent as its largest value carrying the
run's weight. Merging adds the summaries' weights per value.

Error bound. A summarized value only moves up, to the end of its run, and the values of a run
other than its last weigh less than ``W_p / size`` together. So for every threshold ``t`` the
merged summary's weight at or below ``t`` is below the exact weight by less than
``sum_p W_p / size = W / size``, and never above it. The cuts are chosen on that weight, so a cut's
exact weighted rank is within ``W / size`` of the rank the exact single-machine rule aims it at;
with every partition below ``size`` distinct values the summary is the data and the bins are the
single-machine ones. Infinite values are always kept exactly (they are the ends of the range).

Merge tree. The client does not merge thousands of summaries itself: the workers merge them
``MERGE_FAN_IN`` at a time, level by level, until at most ``MERGE_FAN_IN`` remain, which the
client merges. A worker's merge of more than ``MERGE_FAN_IN * size`` finite values is summarized
again, in runs of its own weight ``W_m / (MERGE_FAN_IN * size)``, by the same rule. The first
level never needs it (``MERGE_FAN_IN`` summaries of at most ``size`` values each), so up to
``MERGE_FAN_IN**2`` partitions merge as exactly as one flat merge. Each further level adds less
than ``W / (MERGE_FAN_IN * size)`` to the bound (its merges' weights add up to ``W``): with
``L`` such levels the bound is ``W / size * (1 + L / MERGE_FAN_IN)``, and the client receives at
most ``MERGE_FAN_IN**2 * size`` values per feature, however many partitions there are.

Distinct counts. Typing's ID and near-unique warnings (``schema.integer_id_message``,
``category_message``) need a column's count of present values and of distinct ones, over the
whole column. Each partition sends a ``DistinctCount``: its present values' count and range,
and, for the ``DISTINCT_SKETCH_SIZE`` distinct values of smallest 64-bit hash, the hash and
the rows holding the value. Merging adds the rows per hash and keeps the smallest hashes
again; the rows of a kept hash are every partition's, since a value among the merge's
smallest hashes is among the smallest of each partition that holds it. Up to
``DISTINCT_SKETCH_SIZE`` distinct values in the whole column the count is exact (hash
collisions aside, about ``d**2 / 2**65`` for ``d`` values); above it the kept values are a
uniform sample of the distinct values, and ``n / mean rows per kept value`` estimates the
count: exact for a column of unique values, within a few percent otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..schema import Column
from ..training_summary import doane_cut_count_for

#: Distinct values a partition sends exactly before it sends a quantile summary instead.
DEFAULT_SUMMARY_SIZE = 16_384
#: Summaries one worker task merges (see "Merge tree").
MERGE_FAN_IN = 8
#: Distinct values whose rows a ``DistinctCount`` keeps (see "Distinct counts").
DISTINCT_SKETCH_SIZE = 4096


@dataclass
class Moments:
    """Count, mean and central moment sums (2nd, 3rd) of finite values: Doane's histogram rule
    needs the standard deviation and skewness, and these merge exactly (Chan et al.)."""

    n: int = 0
    mean: float = 0.0
    m2: float = 0.0
    m3: float = 0.0

    @classmethod
    def of(cls, values: np.ndarray) -> "Moments":
        if not len(values):
            return cls()
        mean = float(values.mean())
        centred = values - mean
        return cls(len(values), mean, float(centred @ centred), float(np.sum(centred**3)))

    def merge(self, other: "Moments") -> "Moments":
        if not other.n:
            return self
        if not self.n:
            return other
        n = self.n + other.n
        delta = other.mean - self.mean
        mean = self.mean + delta * other.n / n
        m2 = self.m2 + other.m2 + delta**2 * self.n * other.n / n
        m3 = (self.m3 + other.m3 + delta**3 * self.n * other.n * (self.n - other.n) / n**2
              + 3.0 * delta * (self.n * other.m2 - other.n * self.m2) / n)
        return Moments(n, mean, m2, m3)


@dataclass
class ContinuousSummary:
    """Weighted distinct values (exact, or a quantile summary), and what the training
    summaries need: moments and range of the finite values, range of the present ones."""

    values: np.ndarray
    weights: np.ndarray
    exact: bool
    moments: Moments
    low: float = np.nan  # present values, infinities included
    high: float = np.nan
    finite_low: float = np.nan
    finite_high: float = np.nan

    @property
    def n_distinct(self) -> int:
        """Distinct present values: exact when ``exact``, else a lower bound."""
        return len(self.values)


def summarize_continuous(column: Column, weights: np.ndarray,
                         size: int = DEFAULT_SUMMARY_SIZE) -> ContinuousSummary:
    """One partition's summary of a continuous column (values that are not numbers are left
    out, as binning leaves them out)."""
    present = ~np.isnan(column.values)
    if column.not_number is not None:
        present &= ~column.not_number
    values, w = column.values[present], weights[present]
    finite = np.isfinite(values)
    uniques, inverse = np.unique(values[finite], return_inverse=True)
    sums = np.bincount(inverse, weights=w[finite], minlength=len(uniques))
    exact = len(uniques) <= size
    if not exact:
        uniques, sums = _quantile_summary(uniques, sums, size)
    infinite, infinite_inverse = np.unique(values[~finite], return_inverse=True)
    infinite_sums = np.bincount(infinite_inverse, weights=w[~finite], minlength=len(infinite))
    summary = ContinuousSummary(np.concatenate((infinite[infinite < 0], uniques,
                                                infinite[infinite > 0])),
                                np.concatenate((infinite_sums[infinite < 0], sums,
                                                infinite_sums[infinite > 0])),
                                exact, Moments.of(values[finite]))
    if len(values):
        summary.low, summary.high = float(values.min()), float(values.max())
    if finite.any():
        summary.finite_low = float(values[finite].min())
        summary.finite_high = float(values[finite].max())
    return summary


def _quantile_summary(uniques: np.ndarray, sums: np.ndarray,
                      size: int) -> tuple[np.ndarray, np.ndarray]:
    """Runs of sorted distinct values by where their cumulative weight starts; each run as its
    largest value with the run's weight (see the module's error bound)."""
    total = sums.sum()
    if total <= 0:  # nothing weighs: the values cannot move a cut
        return uniques[-1:], np.zeros(1)
    starts = np.cumsum(sums) - sums
    run = np.minimum((starts * size / total).astype(np.int64), size - 1)
    last = np.flatnonzero(np.r_[run[1:] != run[:-1], True])
    return uniques[last], np.add.reduceat(sums, np.r_[0, last[:-1] + 1])


def merge_continuous(summaries: list[ContinuousSummary],
                     size: int | None = None) -> ContinuousSummary:
    """The summary of all partitions: weights added per value, moments and ranges merged. With
    ``size``, a merge of more than ``size`` finite values is summarized again into ``size``
    runs (the merge tree's levels, see the module's error bound)."""
    values = np.concatenate([s.values for s in summaries])
    weights = np.concatenate([s.weights for s in summaries])
    uniques, inverse = np.unique(values, return_inverse=True)
    sums = np.bincount(inverse, weights=weights, minlength=len(uniques))
    exact = all(s.exact for s in summaries)
    finite = np.isfinite(uniques)
    if size is not None and finite.sum() > size:
        kept, kept_sums = _quantile_summary(uniques[finite], sums[finite], size)
        low, high = uniques < 0, uniques > 0  # the infinities, kept exactly
        uniques = np.concatenate((uniques[~finite & low], kept, uniques[~finite & high]))
        sums = np.concatenate((sums[~finite & low], kept_sums, sums[~finite & high]))
        exact = False
    moments = Moments()
    for s in summaries:
        moments = moments.merge(s.moments)
    return ContinuousSummary(
        uniques, sums, exact, moments,
        np.nanmin([s.low for s in summaries] + [np.nan]) if _any(summaries, "low") else np.nan,
        np.nanmax([s.high for s in summaries]) if _any(summaries, "high") else np.nan,
        np.nanmin([s.finite_low for s in summaries]) if _any(summaries, "finite_low")
        else np.nan,
        np.nanmax([s.finite_high for s in summaries]) if _any(summaries, "finite_high")
        else np.nan)


def _any(summaries: list[ContinuousSummary], name: str) -> bool:
    return any(not np.isnan(getattr(s, name)) for s in summaries)


def summarize_categories(column: Column, weights: np.ndarray) -> pd.Series:
    """Weight of every category among rows of positive weight (the categories binning sees)."""
    present = pd.notna(column.values) & (weights > 0)
    return pd.Series(weights[present]).groupby(
        pd.Series(column.values[present], dtype=object), sort=False).sum()


def merge_categories(counts: list[pd.Series]) -> pd.Series:
    merged = pd.concat(counts)
    return merged.groupby(level=0, sort=False).sum() if len(merged) else merged


def merge_features(parts: list[list], size: int | None = None) -> list:
    """Feature by feature, the merge of several partitions' (or merged groups') summaries,
    each part a list of per-feature summaries; continuous merges above ``size`` values are
    summarized again into ``size`` runs."""
    return [merge_continuous(list(column), size) if isinstance(column[0], ContinuousSummary)
            else merge_categories(list(column)) for column in zip(*parts)]


def doane_cut_count(moments: Moments) -> int:
    """Doane's number of equal-width histogram bins minus one from merged moments, as
    ``training_summary.histogram_cut_count`` computes it from the values themselves."""
    n = moments.n
    spread = np.sqrt(moments.m2 / n) if n else 0.0
    if n < 3 or not spread > 0:
        return 0
    return doane_cut_count_for(n, abs(moments.m3 / n) / spread**3)


def histogram_cuts(summary: ContinuousSummary) -> np.ndarray:
    """The inner edges of the feature's training histogram (``histogram_edges_`` without its
    ends), equal-width over the finite range."""
    if np.isnan(summary.finite_low):
        return np.empty(0)
    return np.linspace(summary.finite_low, summary.finite_high,
                       doane_cut_count(summary.moments) + 2)[1:-1]


@dataclass
class DistinctCount:
    """Present values of a column and a bounded sketch of its distinct ones (see "Distinct
    counts"): the smallest hashes of distinct values, sorted, with the rows holding each."""

    n: int
    hashes: np.ndarray  # uint64
    rows: np.ndarray  # int64
    complete: bool  # the hashes are every distinct value's
    integers: bool  # every present value is a finite integer
    low: float = np.nan
    high: float = np.nan

    @property
    def n_distinct(self) -> int:
        """Distinct present values: exact when ``complete``, else estimated."""
        if self.complete:
            return len(self.hashes)
        return int(round(self.n * len(self.rows) / self.rows.sum()))


def count_distinct(values: np.ndarray, size: int = DISTINCT_SKETCH_SIZE) -> DistinctCount:
    """The ``DistinctCount`` of one partition's column: floats (NaN missing), or labels
    (None missing)."""
    if values.dtype.kind == "f":
        present = values[~np.isnan(values)]
        uniques, rows = np.unique(present + 0.0, return_counts=True)  # -0.0 is 0.0
        integers = bool(np.all(np.isfinite(present)) and np.array_equal(present,
                                                                        np.round(present)))
        low, high = (float(present.min()), float(present.max())) if len(present) else (np.nan,
                                                                                        np.nan)
    else:
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        present = codes[codes >= 0]
        rows = np.bincount(present, minlength=len(uniques))
        uniques = np.asarray(uniques, dtype=object)
        integers, low, high = False, np.nan, np.nan
    return _kept(DistinctCount(len(present), pd.util.hash_array(uniques), rows.astype(np.int64),
                               True, integers, low, high), size)


def merge_distinct(counts: list[DistinctCount | None],
                   size: int = DISTINCT_SKETCH_SIZE) -> DistinctCount | None:
    """The ``DistinctCount`` of several partitions' column (None: a column not judged)."""
    if any(c is None for c in counts):
        return None
    hashes, inverse = np.unique(np.concatenate([c.hashes for c in counts]), return_inverse=True)
    rows = np.bincount(inverse, weights=np.concatenate([c.rows for c in counts]),
                       minlength=len(hashes)).astype(np.int64)
    low = [c.low for c in counts if c.n]
    high = [c.high for c in counts if c.n]
    return _kept(DistinctCount(sum(c.n for c in counts), hashes, rows,
                               all(c.complete for c in counts),
                               all(c.integers for c in counts),
                               min(low) if low else np.nan, max(high) if high else np.nan), size)


def _kept(count: DistinctCount, size: int) -> DistinctCount:
    """The count with its ``size`` smallest hashes, sorted."""
    if len(count.hashes) > size:
        order = np.argpartition(count.hashes, size - 1)[:size]
        count.hashes, count.rows, count.complete = count.hashes[order], count.rows[order], False
    order = np.argsort(count.hashes)
    count.hashes, count.rows = count.hashes[order], count.rows[order]
    return count
