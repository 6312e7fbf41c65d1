"""Cut points and category maps, and the mapping of typed columns to bin codes.

Bin layout of every feature, at every resolution: bin 0 is *missing*, bins 1..k hold values, and the
last bin is *unseen* (a category never seen in training, or text in a continuous column).
Continuous features have two resolutions: fine cuts for main effects and a coarse subset of those
cuts for interactions, so that every coarse bin is a union of fine bins.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .kernels.predict import bin_values
from .schema import CONTINUOUS, Column


@dataclass(frozen=True)
class FeatureBins:
    """The bins of one feature at both resolutions (derived from InterpretML-style ``bins_``)."""

    kind: str
    cuts: np.ndarray | None = None
    interaction_cuts: np.ndarray | None = None
    categories: dict[str, int] | None = None

    @property
    def n_bins(self) -> int:
        """Number of fine bins, including missing and unseen."""
        return len(self.cuts) + 3 if self.kind == CONTINUOUS else len(self.categories) + 2

    @property
    def n_interaction_bins(self) -> int:
        if self.kind == CONTINUOUS:
            return len(self.interaction_cuts) + 3
        return len(self.categories) + 2

    def levels(self) -> list:
        """This feature's entry of ``bins_``: [fine cuts, coarse cuts] or [category map]."""
        if self.kind == CONTINUOUS:
            return [self.cuts, self.interaction_cuts]
        return [self.categories]

    def fine_to_coarse(self) -> np.ndarray:
        """For each fine bin, the coarse bin that contains it."""
        if self.kind != CONTINUOUS:
            return np.arange(self.n_bins)
        inner = np.searchsorted(self.interaction_cuts, self.cuts, side="right") + 1
        return np.concatenate(([0, 1], inner, [len(self.interaction_cuts) + 2]))

    def bin_labels(self, interaction: bool = False) -> list[str]:
        """Human-readable label of every bin, for explanations."""
        if self.kind != CONTINUOUS:
            return ["(missing)"] + list(self.categories) + ["(unseen)"]
        cuts = self.interaction_cuts if interaction else self.cuts
        edges = np.concatenate(([-np.inf], cuts, [np.inf]))
        inner = [f"[{lo:.6g}, {hi:.6g})" for lo, hi in zip(edges[:-1], edges[1:])]
        return ["(missing)"] + inner + ["(unseen)"]


def feature_bins_from_levels(kind: str, levels: list) -> FeatureBins:
    """Rebuild FeatureBins from one entry of ``bins_``."""
    if kind == CONTINUOUS:
        cuts = np.asarray(levels[0], dtype=np.float64)
        coarse = np.asarray(levels[-1], dtype=np.float64)
        return FeatureBins(kind, cuts=cuts, interaction_cuts=coarse)
    return FeatureBins(kind, categories=dict(levels[0]))


def _weighted_unique(values: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    uniques, inverse = np.unique(values, return_inverse=True)
    return uniques, np.bincount(inverse, weights=weights, minlength=len(uniques))


def quantile_cuts(values: np.ndarray, weights: np.ndarray, max_bins: int) -> np.ndarray:
    """Cut points giving at most ``max_bins`` value bins of about equal weight.

    Cuts sit halfway between consecutive distinct values, so every distinct value stays whole.
    Infinite and missing values, and values whose rows all have zero weight, do not move the cuts.
    """
    used = np.isfinite(values) & (weights > 0)
    uniques, counts = _weighted_unique(values[used], weights[used])
    if len(uniques) <= 1:
        return np.empty(0, dtype=np.float64)
    if len(uniques) <= max_bins:
        ends = np.arange(len(uniques) - 1)
    else:
        cumulative = np.cumsum(counts)
        targets = cumulative[-1] * np.arange(1, max_bins) / max_bins
        ends = np.unique(np.searchsorted(cumulative, targets, side="left"))
        ends = ends[ends < len(uniques) - 1]
    lower, upper = uniques[ends], uniques[ends + 1]
    with np.errstate(over="ignore"):
        cuts = lower + (upper - lower) / 2.0
    # Values near the float64 limit overflow the difference; halving first stays finite.
    cuts = np.where(np.isfinite(cuts), cuts, lower / 2.0 + upper / 2.0)
    return np.unique(np.where(cuts > lower, cuts, upper))


def coarsen_cuts(cuts: np.ndarray, bin_weights: np.ndarray, max_bins: int) -> np.ndarray:
    """A subset of ``cuts`` giving at most ``max_bins`` value bins of about equal weight.

    ``bin_weights`` holds the weight of each of the ``len(cuts) + 1`` value bins.
    """
    if len(cuts) + 1 <= max_bins:
        return cuts.copy()
    cumulative = np.cumsum(bin_weights)[:-1]  # weight below each cut
    total = bin_weights.sum()
    if total <= 0:
        picks = np.linspace(0, len(cuts) - 1, max_bins - 1).round().astype(int)
    else:
        targets = total * np.arange(1, max_bins) / max_bins
        picks = np.searchsorted(cumulative, targets, side="left")
        picks = picks[picks < len(cuts)]
    return cuts[np.unique(picks)]


def fit_continuous(
    column: Column,
    weights: np.ndarray,
    max_bins: int,
    max_interaction_bins: int,
    cuts: np.ndarray | None = None,
) -> FeatureBins:
    """Bins of a continuous feature; ``cuts`` may be given by the user."""
    if cuts is None:
        cuts = quantile_cuts(column.values, weights, max_bins)
    codes = np.searchsorted(cuts, column.values, side="right")
    present = np.isfinite(column.values) | np.isinf(column.values)
    value_weights = np.bincount(codes[present], weights=weights[present], minlength=len(cuts) + 1)
    coarse = coarsen_cuts(cuts, value_weights, max_interaction_bins)
    return FeatureBins(CONTINUOUS, cuts=cuts, interaction_cuts=coarse)


def _sort_labels(labels: list[str]) -> list[str]:
    """Numeric-looking labels sort by value, others alphabetically."""
    numeric = pd.to_numeric(pd.Series(labels, dtype=object), errors="coerce")
    if len(labels) and not numeric.isna().any():
        return [labels[i] for i in np.argsort(numeric.to_numpy(dtype=float), kind="stable")]
    return sorted(labels)


def fit_categorical(kind: str, column: Column, order: list[str] | None = None,
                    weights: np.ndarray | None = None) -> FeatureBins:
    """Category map of a nominal/ordinal feature: each category seen gets its own bin.

    With ``weights``, categories seen only in rows of zero weight are not seen.
    """
    present = pd.notna(column.values)
    if weights is not None:
        present &= weights > 0
    seen = pd.unique(column.values[present])
    if order is None:
        labels = _sort_labels([str(s) for s in seen])
    else:
        extra = sorted(set(seen) - set(order))
        if extra:
            raise ValueError(
                f"values {extra[:5]} are not among the declared ordinal categories {order[:10]}"
            )
        labels = list(order)
    return FeatureBins(kind, categories={label: i + 1 for i, label in enumerate(labels)})


def smallest_code_dtype(max_code: int) -> np.dtype:
    for dtype in (np.uint8, np.uint16, np.uint32):
        if max_code <= np.iinfo(dtype).max:
            return np.dtype(dtype)
    return np.dtype(np.uint64)


def bin_column(column: Column, bins: FeatureBins, interaction: bool = False) -> np.ndarray:
    """Bin codes (int64) of one typed column at the main or interaction resolution."""
    if bins.kind == CONTINUOUS:
        cuts = bins.interaction_cuts if interaction else bins.cuts
        codes = np.empty(len(column.values), dtype=np.int64)
        bin_values(np.ascontiguousarray(column.values, dtype=np.float64),
                   np.ascontiguousarray(cuts, dtype=np.float64), codes)
        if column.not_number is not None:
            codes[column.not_number] = len(cuts) + 2
        return codes
    # look up each distinct value once, not each row
    value_codes, distinct = pd.factorize(column.values, use_na_sentinel=True)
    unseen = len(bins.categories) + 1
    lookup = np.array([bins.categories.get(value, unseen) for value in distinct] + [0],
                      dtype=np.int64)
    return lookup[value_codes]  # the sentinel -1 (missing) reads the trailing 0
