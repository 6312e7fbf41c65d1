"""What a worker does with one row partition: type it, summarize it for binning, and bin it
into compact codes that stay in the worker's memory. Every function here runs in a Dask task
on the partition's rows; only summaries (no rows) go back to the client."""

from __future__ import annotations

import copy
import warnings
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from ..binning import FeatureBins, code_matrix, fine_to_coarse_maps
from ..parameters import bag_values, clean_init_score
from ..resources import typed_bytes
from ..schema import CONTINUOUS, NOMINAL, DataWarning, TypedTable, type_table
from .sketch import (DistinctCount, count_distinct, merge_distinct, merge_features,
                     summarize_categories, summarize_continuous)


@dataclass
class PartitionSummary:
    """One partition's types, row count and weight (and rows of positive weight), target
    labels or range (and weight of positive targets), and per-feature value summaries
    and distinct counts (``sketch``)."""

    names: list[str]
    types: list[str]
    orders: list[list[str] | None]
    conversions: list[dict]
    n_rows: int
    weight: float
    classes: np.ndarray | None  # a classifier's labels in this partition
    target_range: tuple[float, float] | None  # a regressor's
    features: list  # ContinuousSummary or category weights (pd.Series), per feature
    warnings: list[str]  # typing's column warnings but the ID-like ones, on this partition
    typed_bytes: int = 0  # what typing allocated beyond the partition (``resources``)
    class_weights: np.ndarray | None = None  # a classifier's weight per label of ``classes``
    n_weighted: int = 0  # rows of weight > 0
    positive_weight: float = 0.0  # a regressor's weight of the rows with y > 0
    #: per feature, for typing's ID and near-unique warnings; None for a feature not judged
    distinct: list[DistinctCount | None] = field(default_factory=list)


class MergedSummaries(NamedTuple):
    """Per feature, the value summary and the distinct count over several partitions."""

    features: list
    distinct: list[DistinctCount | None]


@dataclass
class BinnedPartition:
    """One partition as the booster reads it (``booster.BinnedData``'s row arrays), and its
    per-feature bin weights and training histograms."""

    codes: np.ndarray
    #: None when the shard reads them off ``codes`` (``binning.coarse_code_matrix``): the
    #: partition then holds, sends and spills a third less
    interaction_codes: np.ndarray | None
    y: np.ndarray
    weights: np.ndarray
    strata: np.ndarray | None
    bin_weights: list[np.ndarray]
    histograms: dict[int, np.ndarray]  # continuous features' histogram weights
    init_score: np.ndarray | None = None  # starting scores (n_rows, n_scores), or None
    bags: np.ndarray | None = None  # the rows of ``fit``'s bag matrix (int8), or None


def _typed(X: Any, estimator: Any, index: int) -> tuple[TypedTable, list[str]]:
    """The typed partition, and the column warnings (``DataWarning``) typing gave, which the
    client shows (a worker's warnings reach no user). Whether a column looks like an ID is
    judged on the client, over every partition (``PartitionSummary.distinct``)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DataWarning)
        try:
            table = type_table(X, estimator.feature_names, estimator.feature_types,
                               estimator.datetime_features, estimator.exclude,
                               judge_uniqueness=False)
        except (TypeError, ValueError) as error:
            raise type(error)(f"partition {index} of X: {error}") from None
    return table, [str(w.message) for w in caught if issubclass(w.category, DataWarning)]


def partition_weights(sample_weight: Any, n_rows: int, index: int) -> np.ndarray:
    """The partition's sample weights, checked as the single-machine fit checks them (that
    the total is positive is checked over all partitions)."""
    if sample_weight is None:
        return np.ones(n_rows)
    try:
        weights = np.asarray(sample_weight, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError) as error:
        raise ValueError(f"partition {index}: sample_weight must be numbers: {error}") from None
    if len(weights) != n_rows:
        raise ValueError(f"partition {index}: sample_weight has {len(weights)} values but X has "
                         f"{n_rows} rows; partition sample_weight like X")
    if not np.all(np.isfinite(weights)):
        raise ValueError(f"partition {index}: sample_weight contains NaN or infinity")
    if np.any(weights < 0):
        raise ValueError(f"partition {index}: Negative values in data passed to sample_weight")
    return weights


def _target(y: Any, n_rows: int, index: int) -> Any:
    # a column vector: the client warned about it once (``fit.fit_distributed``)
    if isinstance(y, pd.DataFrame) and y.shape[1] == 1:
        y = y.iloc[:, 0]
    elif isinstance(y, np.ndarray) and y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if len(y) != n_rows:
        raise ValueError(f"partition {index}: y has {len(y)} values but X has {n_rows} rows; "
                         "partition y like X")
    return y


def summarize_partition(X: Any, y: Any, sample_weight: Any, index: int, estimator: Any,
                        summary_size: int) -> PartitionSummary:
    """Types, target and value summaries of partition ``index`` (``estimator``: the plain
    single-machine estimator whose parameters the fit uses); y None (``estimate_mem``
    without a target) has no labels or range."""
    table, column_warnings = _typed(X, estimator, index)
    n_rows = len(table.columns[0].values)
    if y is not None:
        y = _target(y, n_rows, index)
    if not n_rows:  # nothing to summarize; the fit leaves the partition out
        return PartitionSummary(table.names, table.types, table.orders, [], 0, 0.0, None, None,
                                [], [])
    weights = partition_weights(sample_weight, n_rows, index)
    working = copy.copy(estimator)
    try:
        encoded = None if y is None else working._encode_target(y, n_rows)[0]
    except ValueError as error:  # its row numbers are the partition's
        raise ValueError(f"partition {index} of y: {error}") from None
    classes = getattr(working, "_classes", None)
    class_weights = None if classes is None or encoded is None else np.bincount(
        encoded.astype(np.intp), weights=weights, minlength=len(classes))
    positive = 0.0 if classes is not None or encoded is None else \
        float(weights[encoded > 0].sum())
    features = [summarize_continuous(column, weights, summary_size) if kind == CONTINUOUS
                else summarize_categories(column, weights)
                for column, kind in zip(table.columns, table.types)]
    judged = set(table.judged)
    distinct = [count_distinct(column.values) if name in judged and kind in (CONTINUOUS, NOMINAL)
                else None for name, kind, column in zip(table.names, table.types, table.columns)]
    return PartitionSummary(table.names, table.types, table.orders,
                            [c.to_dict() for c in table.conversions], n_rows,
                            float(weights.sum()), classes,
                            getattr(working, "_target_range", None), features,
                            column_warnings, typed_bytes(X, table), class_weights,
                            int(np.count_nonzero(weights > 0)), positive, distinct)


def summary_header(summary: PartitionSummary) -> PartitionSummary:
    """The summary without its feature summaries: what the client checks per partition."""
    return replace(summary, features=[], distinct=[])


def merge_partition_features(*parts: PartitionSummary | MergedSummaries,
                             size: int | None = None) -> MergedSummaries:
    """The feature summaries and distinct counts of several partitions or of groups merged
    before, merged (``sketch.merge_features``, ``merge_distinct``)."""
    return MergedSummaries(merge_features([p.features for p in parts], size),
                           [merge_distinct(list(c)) for c in zip(*(p.distinct for p in parts))])


def bin_partition(X: Any, y: Any, sample_weight: Any, init_score: Any, bags: Any, index: int,
                  estimator: Any, names: list[str], types: list[str], bins: list[FeatureBins],
                  classes: np.ndarray | None, histogram_cuts: dict[int, np.ndarray],
                  score_shape: tuple[str, int, bool]) -> BinnedPartition:
    """Partition ``index`` binned with the shared ``bins``, its target encoded against all the
    partitions' ``classes`` (classifiers), its bin weights and histograms, its starting
    scores from ``init_score`` (its block, or a fitted model) for the model's ``score_shape``
    (link, scores per row, whether the objective exponentiates them: see
    ``clean_init_score``), and its rows of the bag matrix ``bags`` (its block, or None)."""
    table, _ = _typed(X, estimator, index)
    if table.names != names or table.types != types:
        raise ValueError(f"partition {index} of X types its columns differently from the others "
                         f"({table.names}, {table.types} against {names}, {types}); pass "
                         "feature_types")
    n_rows = len(table.columns[0].values)
    weights = partition_weights(sample_weight, n_rows, index)
    working = copy.copy(estimator)
    encoded, strata = working._encode_target(_target(y, n_rows, index), n_rows)
    if classes is not None:
        global_index = np.searchsorted(classes, working._classes)
        encoded = global_index[encoded.astype(np.int64)].astype(np.float64)
        strata = encoded.astype(np.min_scalar_type(len(classes)))
    codes = code_matrix(table.columns, bins, False)
    histograms = {f: _histogram(table.columns[f], weights, cuts)
                  for f, cuts in histogram_cuts.items()}
    try:
        link, n_scores, exponentiated = score_shape
        scores = clean_init_score(init_score, X, n_rows, link, n_scores,
                                  exponentiated=exponentiated)
        bag_matrix = bag_values(bags, n_rows, estimator.outer_bags)
    except ValueError as error:
        raise ValueError(f"partition {index}: {error}") from None
    coarse = None if fine_to_coarse_maps(bins) is not None else code_matrix(table.columns,
                                                                            bins, True)
    return BinnedPartition(
        codes, coarse, encoded, weights, strata,
        [np.bincount(codes[:, f], weights=weights, minlength=b.n_bins)
         for f, b in enumerate(bins)], histograms, scores, bag_matrix)


def _histogram(column, weights: np.ndarray, cuts: np.ndarray) -> np.ndarray:
    """Training histogram weights of a continuous column: missing, the value bins between
    ``cuts`` (a value on a cut goes above it), values that are not numbers."""
    codes = np.searchsorted(cuts, column.values, side="right") + 1
    codes[np.isnan(column.values)] = 0
    if column.not_number is not None:
        codes[column.not_number] = len(cuts) + 2
    return np.bincount(codes, weights=weights, minlength=len(cuts) + 3).astype(np.float64)


class PartitionStatistics(NamedTuple):
    """The small part of a binned partition the client merges."""

    n_rows: int
    bin_weights: list[np.ndarray]
    histograms: dict[int, np.ndarray]
    bags_train: np.ndarray | None  # per bag of the bag matrix: trains on some row here


def partition_statistics(part: BinnedPartition) -> PartitionStatistics:
    """``PartitionStatistics`` of a binned partition."""
    trains = None if part.bags is None else np.any(part.bags > 0, axis=0)
    return PartitionStatistics(len(part.y), part.bin_weights, part.histograms, trains)
