"""Summaries of the training data that InterpretML's EBMs keep as fitted attributes.

``histogram_edges_``, ``histogram_weights_``, ``unique_val_counts_`` and ``feature_bounds_`` describe
each feature's training values (for density plots and reports); ``bag_weights_`` is the training
weight of each outer bag. They do not take part in scoring.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from .booster import Booster
from .schema import CONTINUOUS, Column


def histogram_cut_count(values: np.ndarray) -> int:
    """Doane's number of equal-width bins for the finite ``values``, minus one (the number of
    cuts), as InterpretML's ``GetHistogramCutCount``; 0 for fewer than 3 values or no spread."""
    finite = values[np.isfinite(values)]
    n = len(finite)
    spread = finite.std() if n else 0.0
    if n < 3 or not spread > 0:
        return 0
    return doane_cut_count_for(n, abs(np.mean(((finite - finite.mean()) / spread) ** 3)))


def doane_cut_count_for(n: int, skew: float) -> int:
    """Doane's number of bins minus one for ``n`` values of absolute skewness ``skew`` (the
    rule's one formula, shared with summaries merged from partitions)."""
    sigma = np.sqrt(6.0 * (n - 2) / ((n + 1.0) * (n + 3.0)))
    bins = np.ceil(1.0 + np.log2(n) + np.log2(1.0 + skew / sigma))
    if not np.isfinite(bins):
        bins = np.ceil(1.0 + np.log2(n))
    return int(bins) - 1


def _continuous_summary(column: Column, weights: np.ndarray):
    values = column.values
    numeric = ~np.isnan(values)
    if column.not_number is not None:
        numeric &= ~column.not_number
    present = values[numeric]
    if not len(present):  # only missing values and non-numbers: bin 0 and the unseen bin
        unseen = column.not_number if column.not_number is not None else np.zeros(len(values),
                                                                                    dtype=bool)
        histogram = np.array([weights[np.isnan(values) & ~unseen].sum(), 0.0,
                              weights[unseen].sum()])
        return None, histogram, 0, (np.nan, np.nan)
    low, high = float(present.min()), float(present.max())
    finite = present[np.isfinite(present)]
    n_cuts = histogram_cut_count(present)
    edges = np.linspace(finite.min(), finite.max(), n_cuts + 2) if len(finite) else \
        np.array([low, high])
    cuts = edges[1:-1]
    # bin 0 is missing, then the value bins (a value on a cut goes above it), last the unseen
    codes = np.searchsorted(cuts, values, side="right") + 1
    codes[np.isnan(values)] = 0
    if column.not_number is not None:
        codes[column.not_number] = len(cuts) + 2
    histogram = np.bincount(codes, weights=weights, minlength=len(cuts) + 3).astype(np.float64)
    return (np.concatenate(([low], cuts, [high])), histogram, len(np.unique(present)),
            (low, high))


def feature_summaries(columns: Sequence[Column], types: Sequence[str],
                      bin_weights: Sequence[np.ndarray], weights: np.ndarray) -> dict:
    """The four per-feature attributes. ``bin_weights`` are each feature's main-effect bin
    weights (a categorical feature's histogram is its bins: missing, categories, unseen)."""
    edges, histograms, uniques = [], [], []
    bounds = np.full((len(columns), 2), np.nan)
    for f, (column, kind) in enumerate(zip(columns, types)):
        if kind == CONTINUOUS:
            edge, histogram, n_unique, bounds[f] = _continuous_summary(column, weights)
        else:
            edge, histogram = None, np.asarray(bin_weights[f], dtype=np.float64)
            n_unique = len(histogram) - 2
        edges.append(edge)
        histograms.append(histogram)
        uniques.append(n_unique)
    return {"histogram_edges_": edges, "histogram_weights_": histograms,
            "unique_val_counts_": np.array(uniques, dtype=np.int64), "feature_bounds_": bounds}


def bag_weights(booster: Booster, kept: Sequence[int] | None = None) -> np.ndarray:
    """The training weight of every outer bag in the model (``kept``: the bags a stopped fit
    kept, else all): the rows of its sample (``max_bag_rows``) outside its validation split,
    or with a bag matrix (InterpretML's ``bags``) each row's weight times the times it trains
    in that bag."""
    data = booster.data
    matrix = getattr(booster, "bags", None)
    totals = []
    for bag in range(booster.outer_bags) if kept is None else kept:
        if matrix is not None:
            totals.append(float(np.maximum(matrix[:, bag], 0) @ data.weights))
            continue
        rows, held_out = booster.bag_split(bag)
        weights = data.weights if rows is None else data.weights[rows]
        totals.append(float(weights[~held_out].sum()))
    return np.array(totals)
