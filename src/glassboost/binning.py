"""Cut points and category maps, and the mapping of typed columns to bin codes.

Bin layout of every feature, at every resolution: bin 0 is *missing*, bins 1..k hold values, and the
last bin is *unseen* (a category never seen in training, or text in a continuous column).
Every feature has two resolutions: fine bins for main effects and coarse bins for interactions,
each coarse bin a union of fine bins. Continuous features take a coarse subset of their cuts.
Categorical features with more categories than ``max_interaction_bins`` are coarsened too, since a
pair's tables grow with the product of its bin counts (two features of 20,000 categories would need
400 million cells per table): a nominal feature keeps its ``max_interaction_bins - 1`` heaviest
categories and the others share one *other* bin; an ordinal feature merges neighbouring levels into
``max_interaction_bins`` runs of about equal weight.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .kernels.predict import bin_values
from .schema import CONTINUOUS, ORDINAL, Column, TypedTable
from .schema import _warn as warn_data


@dataclass(frozen=True)
class FeatureBins:
    """The bins of one feature at both resolutions (derived from InterpretML-style ``bins_``)."""

    kind: str
    cuts: np.ndarray | None = None
    interaction_cuts: np.ndarray | None = None
    categories: dict[str, int] | None = None
    #: category -> coarse bin (1..m), when the categories are coarsened for pairs
    interaction_categories: dict[str, int] | None = None

    def __post_init__(self) -> None:
        coarse = self.interaction_categories
        if coarse is None:
            return
        if coarse.keys() != self.categories.keys():
            raise ValueError("interaction categories must map exactly the feature's categories")
        if set(coarse.values()) != set(range(1, len(set(coarse.values())) + 1)):
            raise ValueError("interaction category bins must be the integers 1..m, each used")

    @property
    def n_bins(self) -> int:
        """Number of fine bins, including missing and unseen."""
        return len(self.cuts) + 3 if self.kind == CONTINUOUS else len(self.categories) + 2

    @property
    def n_interaction_bins(self) -> int:
        if self.kind == CONTINUOUS:
            return len(self.interaction_cuts) + 3
        if self.interaction_categories is not None:
            return max(self.interaction_categories.values(), default=0) + 2
        return len(self.categories) + 2

    def levels(self) -> list:
        """This feature's entry of ``bins_``: [fine cuts, coarse cuts], or [category map] with
        the coarse category map after it when the categories are coarsened for pairs."""
        if self.kind == CONTINUOUS:
            return [self.cuts, self.interaction_cuts]
        if self.interaction_categories is None:
            return [self.categories]
        return [self.categories, self.interaction_categories]

    def fine_to_coarse(self) -> np.ndarray:
        """For each fine bin, the coarse bin that contains it (ValueError when a coarse bin is not
        a union of fine bins)."""
        if self.kind != CONTINUOUS:
            if self.interaction_categories is None:
                return np.arange(self.n_bins)
            mapping = np.empty(self.n_bins, dtype=np.int64)
            mapping[0], mapping[-1] = 0, self.n_interaction_bins - 1
            for label, fine in self.categories.items():
                mapping[fine] = self.interaction_categories[label]
            return mapping
        if not np.isin(self.interaction_cuts, self.cuts).all():  # e.g. InterpretML's bins
            raise ValueError("the interaction cuts are not all among the cuts, so interaction "
                             "bins are not unions of main-effect bins")
        inner = np.searchsorted(self.interaction_cuts, self.cuts, side="right") + 1
        return np.concatenate(([0, 1], inner, [len(self.interaction_cuts) + 2]))

    def _coarse_category_labels(self) -> list[str]:
        """One label per coarse category bin: the category, its first and last level for a run
        of ordinal levels, or a count for a nominal feature's shared *other* bin."""
        members: dict[int, list[str]] = {}
        for label, _ in sorted(self.categories.items(), key=lambda item: item[1]):
            members.setdefault(self.interaction_categories[label], []).append(label)
        labels = []
        for coarse in range(1, self.n_interaction_bins - 1):
            group = members[coarse]
            if len(group) == 1:
                labels.append(group[0])
            elif self.kind == ORDINAL:
                labels.append(f"{group[0]} to {group[-1]}")
            else:
                labels.append(f"(other: {len(group)} categories)")
        return labels

    def bin_labels(self, interaction: bool = False) -> list[str]:
        """Human-readable label of every bin, for explanations."""
        if self.kind != CONTINUOUS:
            if interaction and self.interaction_categories is not None:
                return ["(missing)"] + self._coarse_category_labels() + ["(unseen)"]
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
    coarse = dict(levels[1]) if len(levels) > 1 else None
    return FeatureBins(kind, categories=dict(levels[0]), interaction_categories=coarse)


def _weighted_unique(values: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    uniques, inverse = np.unique(values, return_inverse=True)
    return uniques, np.bincount(inverse, weights=weights, minlength=len(uniques))


def _positive_finite(values: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct finite values of rows with positive weight, and their weights (what moves cuts)."""
    used = np.isfinite(values) & (weights > 0)
    return _weighted_unique(values[used], weights[used])


def equal_weight_groups(weights: np.ndarray, n_groups: int) -> np.ndarray:
    """Split consecutive units of ``weights`` (distinct values, or bins) into at most
    ``n_groups`` runs of about equal weight; the index of the last unit of every run but the
    last.

    A unit at least as heavy as an equal share of the weight the other units leave takes a run
    of its own. The light units between heavy ones share the remaining runs in proportion to
    their weight (a stretch too light for one joins its heavy neighbour's run), split evenly
    within each stretch. So ties on a few values do not leave the budget unused, as
    equal-weight targets on the cumulative weight would (many of them fall inside one heavy
    value), and the light units on either side of a heavy one get runs of the same weight.
    """
    n = len(weights)
    if n <= n_groups:
        return np.arange(n - 1)
    heavy = np.zeros(n, dtype=bool)
    while True:
        share = weights[~heavy].sum() / (n_groups - heavy.sum())
        grown = heavy | ((weights >= share) & (weights > 0))
        if np.array_equal(grown, heavy) or n_groups - grown.sum() < 1:
            break
        heavy = grown
    heavy_units = np.flatnonzero(heavy)
    starts = np.concatenate(([0], heavy_units + 1))
    stops = np.concatenate((heavy_units, [n]))
    quotas = np.array([weights[lo:hi].sum() for lo, hi in zip(starts, stops)]) / share
    runs = np.floor(quotas).astype(np.int64)
    spare = int(n_groups - len(heavy_units) - runs.sum())
    runs[np.argsort(runs - quotas, kind="stable")[:max(spare, 0)]] += 1
    ends: list[int] = []
    for i, (lo, hi) in enumerate(zip(starts, stops)):
        count = min(int(runs[i]), hi - lo)
        if count >= 1:
            ends.extend(lo + _spread(weights[lo:hi], count))
            ends.append(hi - 1)
        elif hi > lo and i == len(starts) - 1 and ends:
            ends.pop()  # a last stretch too light for a run of its own joins the heavy unit
        if i < len(heavy_units):
            ends.append(int(heavy_units[i]))
    return np.array([e for e in ends if e < n - 1], dtype=np.int64)


def _spread(weights: np.ndarray, n_groups: int) -> np.ndarray:
    """``equal_weight_groups`` of units none of which is heavy: each run ends at the unit whose
    cumulative weight comes closest to an equal share of what is left."""
    n = len(weights)
    cumulative = np.cumsum(weights)
    total = cumulative[-1]
    ends, start, before, left = [], 0, 0.0, n_groups
    while left > 1 and start < n - 1:
        if n - start <= left:  # a run for every unit that is left
            ends.extend(range(start, n - 1))
            break
        target = before + (total - before) / left
        end = max(int(np.searchsorted(cumulative, target, side="left")), start)
        if end > start and target - cumulative[end - 1] <= cumulative[end] - target:
            end -= 1
        end = min(end, n - 2)
        ends.append(end)
        before, start, left = cumulative[end], end + 1, left - 1
    return np.asarray(ends, dtype=np.int64)


def quantile_cuts(values: np.ndarray, weights: np.ndarray, max_bins: int) -> np.ndarray:
    """Cut points giving at most ``max_bins`` value bins of about equal weight
    (``equal_weight_groups`` of the distinct values).

    Cuts sit halfway between consecutive distinct values, so every distinct value stays whole.
    Infinite and missing values, and values whose rows all have zero weight, do not move the cuts.
    """
    uniques, counts = _positive_finite(values, weights)
    if len(uniques) <= 1:
        return np.empty(0, dtype=np.float64)
    ends = equal_weight_groups(counts, max_bins)
    lower, upper = uniques[ends], uniques[ends + 1]
    with np.errstate(over="ignore"):
        cuts = lower + (upper - lower) / 2.0
    # Values near the float64 limit overflow the difference; halving first stays finite.
    cuts = np.where(np.isfinite(cuts), cuts, lower / 2.0 + upper / 2.0)
    return np.unique(np.where(cuts > lower, cuts, upper))


def uniform_cuts(values: np.ndarray, weights: np.ndarray, max_bins: int) -> np.ndarray:
    """``max_bins - 1`` cuts of equal width between the smallest and largest value.

    Bins may be empty. Infinite and missing values, and rows of zero weight, do not move them.
    """
    uniques, _ = _positive_finite(values, weights)
    if len(uniques) <= 1:
        return np.empty(0, dtype=np.float64)
    low, high = uniques[0], uniques[-1]
    half = high / 2.0 - low / 2.0  # finite even when high - low overflows
    steps = np.arange(1, max_bins)
    # from the nearer end, as libebm's CutUniform, so that the ends are exact
    cuts = np.where(steps <= (max_bins - 1) // 2,
                    low + (2.0 * steps / max_bins) * half,
                    high - (2.0 * (max_bins - steps) / max_bins) * half)
    return np.unique(cuts[(cuts > low) & (cuts <= high)])


def _weighted_end(uniques: np.ndarray, counts: np.ndarray, share: float) -> int:
    """Index of the first distinct value at which the cumulative weight reaches ``share`` of the
    total (with unit weights: the value of rank ceil(n * share) - 1, counted from 0)."""
    cumulative = np.cumsum(counts)
    return min(int(np.searchsorted(cumulative, share * cumulative[-1], side="left")),
               len(uniques) - 1)


def winsorized_cuts(values: np.ndarray, weights: np.ndarray, max_bins: int) -> np.ndarray:
    """Cuts of equal width between the values just inside the ``1 / max_bins`` and
    ``1 - 1 / max_bins`` weighted quantiles, at most ``max_bins - 1`` of them.

    The lowest bin holds the values up to the lower quantile, the highest bin those from the
    upper quantile on (libebm's CutWinsorized): outliers widen only the two end bins. Infinite and
    missing values, and rows of zero weight, do not move the cuts.
    """
    uniques, counts = _positive_finite(values, weights)
    if len(uniques) <= 1:
        return np.empty(0, dtype=np.float64)
    lower = _weighted_end(uniques, counts, 1.0 / max_bins)
    upper = len(uniques) - 1 - _weighted_end(uniques[::-1], counts[::-1], 1.0 / max_bins)
    if max_bins == 2 or upper - lower <= 2:
        # no inner range to divide: cut halfway between the values at and next to the ends
        if max_bins == 2:  # one cut: at the transition nearest the weighted median
            pairs = [min(_weighted_end(uniques, counts, 0.5), len(uniques) - 2)]
        else:
            start, stop = (lower - 1, upper + 1) if lower == upper else (lower, upper)
            pairs = range(max(start, 0), min(stop, len(uniques) - 1))
        below, above = uniques[np.array(pairs, dtype=np.int64)], uniques[np.array(pairs) + 1]
        halfway = below / 2.0 + above / 2.0
        return np.where(halfway > below, halfway, above)
    first = uniques[lower + 1]  # the lowest bin ends below it
    last = np.nextafter(uniques[upper - 1], np.inf)  # the highest bin starts above that value
    inner = first + (last - first) / (max_bins - 2) * np.arange(1, max_bins - 2)
    return np.unique(np.concatenate(([first], inner[inner < last], [last])))


def _short_decimal(low: float, high: float) -> float:
    """The number with the fewest significant digits in ``(low, high]``, nearest to their middle;
    0 when they differ in sign."""
    if low < 0.0 <= high:
        return 0.0
    middle = low / 2.0 + high / 2.0
    for digits in range(1, 18):
        candidate = float(f"{middle:.{digits - 1}e}")
        if low < candidate <= high:
            return candidate
    return high


def rounded_quantile_cuts(values: np.ndarray, weights: np.ndarray, max_bins: int) -> np.ndarray:
    """``quantile_cuts``, each moved to the shortest decimal number between the two values it
    separates (libebm's rounded quantiles): the same bins of the training values, rounder cuts."""
    cuts = quantile_cuts(values, weights, max_bins)
    uniques, _ = _positive_finite(values, weights)
    above = np.searchsorted(uniques, cuts, side="left")  # the first value in the bin above
    return np.array([_short_decimal(uniques[i - 1], uniques[i]) for i in above],
                    dtype=np.float64)


#: The cut rule of every strategy name ``feature_types`` accepts ('continuous' is 'quantile').
CUT_STRATEGIES = {"quantile": quantile_cuts, "rounded_quantile": rounded_quantile_cuts,
                  "uniform": uniform_cuts, "winsorized": winsorized_cuts}


def continuous_cuts(binning: str | np.ndarray, values: np.ndarray, weights: np.ndarray,
                    max_bins: int) -> np.ndarray:
    """The cuts a feature's binning gives: explicit cut points as they are, else those of the
    strategy it names (``CUT_STRATEGIES``)."""
    if isinstance(binning, str):
        return CUT_STRATEGIES[binning](values, weights, max_bins)
    return np.asarray(binning, dtype=np.float64)


def coarsen_cuts(cuts: np.ndarray, bin_weights: np.ndarray, max_bins: int) -> np.ndarray:
    """A subset of ``cuts`` giving at most ``max_bins`` value bins of about equal weight
    (``equal_weight_groups`` of the bins).

    ``bin_weights`` holds the weight of each of the ``len(cuts) + 1`` value bins.
    """
    if len(cuts) + 1 <= max_bins:
        return cuts.copy()
    if bin_weights.sum() <= 0:
        picks = np.linspace(0, len(cuts) - 1, max_bins - 1).round().astype(int)
        return cuts[np.unique(picks)]
    return cuts[equal_weight_groups(bin_weights, max_bins)]


def fit_continuous(
    column: Column,
    weights: np.ndarray,
    max_bins: int,
    max_interaction_bins: int,
    binning: str | np.ndarray = "quantile",
) -> FeatureBins:
    """Bins of a continuous feature: ``binning`` is a strategy name or the user's cut points
    (``continuous_cuts``); the interaction cuts are a subset of the cuts (``coarsen_cuts``)."""
    cuts = continuous_cuts(binning, column.values, weights, max_bins)
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


def coarsen_categories(kind: str, labels: list[str], label_weights: np.ndarray,
                       max_bins: int) -> dict[str, int] | None:
    """Coarse bin (1..m, m <= ``max_bins``) of every category, or None when there are few enough.

    A nominal feature keeps its ``max_bins - 1`` heaviest categories (ties: the first), in their
    order, and the rest share the last bin; an ordinal feature merges runs of neighbouring levels
    of about equal weight (``coarsen_cuts`` on cuts between the levels).
    """
    if len(labels) <= max_bins:
        return None
    if kind == ORDINAL:
        cuts = np.arange(1, len(labels)) + 0.5
        kept = coarsen_cuts(cuts, label_weights, max_bins)
        coarse = np.searchsorted(kept, np.arange(1, len(labels) + 1)) + 1
    else:
        heaviest = np.sort(np.argsort(-label_weights, kind="stable")[:max_bins - 1])
        coarse = np.full(len(labels), max_bins)
        coarse[heaviest] = np.arange(1, max_bins)
    return dict(zip(labels, coarse.tolist()))


def fit_categorical(kind: str, column: Column, order: list[str] | None = None,
                    weights: np.ndarray | None = None,
                    max_interaction_bins: int | None = None) -> FeatureBins:
    """Category map of a nominal/ordinal feature: each category seen gets its own bin.

    With ``weights``, categories seen only in rows of zero weight are not seen. With
    ``max_interaction_bins``, more categories than that are coarsened for pairs
    (``coarsen_categories``).
    """
    present = pd.notna(column.values)
    if weights is not None:
        present &= weights > 0
    codes, seen = pd.factorize(column.values[present])
    seen = [str(s) for s in seen]
    if order is None:
        labels = _sort_labels(seen)
    else:
        extra = sorted(set(seen) - set(order))
        if extra:
            raise ValueError(
                f"values {extra[:5]} are not among the declared ordinal categories {order[:10]}"
            )
        labels = list(order)
    categories = dict(zip(labels, range(1, len(labels) + 1)))
    coarse = None
    if max_interaction_bins is not None and len(labels) > max_interaction_bins:
        seen_weights = np.bincount(codes, minlength=len(seen),
                                   weights=None if weights is None else weights[present])
        label_weights = np.zeros(len(labels))
        label_weights[pd.Index(labels).get_indexer(seen)] = seen_weights
        coarse = coarsen_categories(kind, labels, label_weights, max_interaction_bins)
    return FeatureBins(kind, categories=categories, interaction_categories=coarse)


def table_bins(table: TypedTable, weights: np.ndarray, max_bins: int,
               max_interaction_bins: int) -> list[FeatureBins]:
    """The bins of every feature of a typed table (continuous ones by their declared binning);
    a feature that cannot be binned is named in the error."""
    bins = []
    for name, ftype, column, order, binning in zip(table.names, table.types, table.columns,
                                                   table.orders, table.binnings):
        try:
            if ftype == CONTINUOUS:
                bins.append(fit_continuous(column, weights, max_bins, max_interaction_bins,
                                           binning))
            else:
                bins.append(fit_categorical(ftype, column, order, weights, max_interaction_bins))
        except ValueError as error:
            raise ValueError(f"Feature {name!r}: {error}") from None
    return bins


def smallest_code_dtype(max_code: int) -> np.dtype:
    for dtype in (np.uint8, np.uint16, np.uint32):
        if max_code <= np.iinfo(dtype).max:
            return np.dtype(dtype)
    return np.dtype(np.uint64)


#: Columns up to this many values are binned with numpy's ``searchsorted`` (well under a
#: millisecond), longer ones with the ``bin_values`` kernel (4x faster, but its first use on a
#: machine compiles it for 0.7 s): the same codes either way.
KERNEL_BINNING_VALUES = 2**16


def continuous_codes(values: np.ndarray, cuts: np.ndarray) -> np.ndarray:
    """``1 + number of cuts <= value`` (int64) for every float64 value, 0 for NaN."""
    if len(values) <= KERNEL_BINNING_VALUES:
        codes = np.searchsorted(cuts, values, side="right") + 1
        codes[np.isnan(values)] = 0
        return codes.astype(np.int64, copy=False)
    codes = np.empty(len(values), dtype=np.int64)
    bin_values(values, cuts, codes)
    return codes


def bin_column(column: Column, bins: FeatureBins, interaction: bool = False) -> np.ndarray:
    """Bin codes (int64) of one typed column at the main or interaction resolution."""
    if bins.kind == CONTINUOUS:
        cuts = bins.interaction_cuts if interaction else bins.cuts
        codes = continuous_codes(np.ascontiguousarray(column.values, dtype=np.float64),
                                 np.ascontiguousarray(cuts, dtype=np.float64))
        if column.not_number is not None:
            codes[column.not_number] = len(cuts) + 2
        return codes
    # look up each distinct value once, not each row
    value_codes, distinct = pd.factorize(column.values, use_na_sentinel=True)
    categories = bins.categories
    if interaction and bins.interaction_categories is not None:
        categories = bins.interaction_categories
    unseen = (bins.n_interaction_bins if interaction else bins.n_bins) - 1
    lookup = np.array([categories.get(value, unseen) for value in distinct] + [0],
                      dtype=np.int64)
    return lookup[value_codes]  # the sentinel -1 (missing) reads the trailing 0


def unseen_categories(column: Column, bins: FeatureBins) -> list[str]:
    """The distinct present values of a categorical column when there are two or more and none
    is a category of ``bins`` (else []): the whole column scores as unseen, which a changed
    encoding (booleans as 0/1, 'yes'/'no' for True/False) causes more often than new data."""
    if bins.kind == CONTINUOUS:
        return []
    # scoring calls this on every batch: the first present value, usually a known category,
    # settles it without a pass over the column
    first = next((value for value in column.values if value is not None), None)
    if first is None or first in bins.categories:
        return []
    present = pd.unique(column.values[pd.notna(column.values)])
    if len(present) < 2 or any(value in bins.categories for value in present):
        return []
    return [str(value) for value in present]


def warn_only_unseen(columns: list[Column], bins: list[FeatureBins],
                     term_features: list[tuple[int, ...]], names: list[str]) -> None:
    """A DataWarning for every feature some term reads whose batch holds only unseen
    categories (``unseen_categories``): every row scores 0 on its terms."""
    for f in sorted({f for features in term_features for f in features}):
        unseen = unseen_categories(columns[f], bins[f])
        if unseen:
            warn_data(f"Feature {names[f]!r}: none of its values {unseen[:5]} is a category "
                      f"seen in training ({list(bins[f].categories)[:5]}), so every row scores "
                      "0 on its terms; check the column's encoding")


def code_matrix(columns: list[Column], bins: list[FeatureBins], interaction: bool) -> np.ndarray:
    """Every column's fine (or, with ``interaction``, coarse) bin codes in one matrix of the
    smallest unsigned type that holds them."""
    n_bins = [b.n_interaction_bins if interaction else b.n_bins for b in bins]
    dtype = smallest_code_dtype(max(n_bins))
    # column-major: the booster reads one feature's codes at a time
    codes = np.empty((len(columns[0].values), len(bins)), dtype=dtype, order="F")
    for i, (column, feature_bins) in enumerate(zip(columns, bins)):
        codes[:, i] = bin_column(column, feature_bins, interaction)
    return codes


def fine_to_coarse_maps(bins: list[FeatureBins]) -> list[np.ndarray] | None:
    """Every feature's ``fine_to_coarse`` map, or None when some feature's coarse bins are not
    unions of its fine bins (then only the values give the coarse codes)."""
    try:
        return [b.fine_to_coarse() for b in bins]
    except ValueError:
        return None


def coarse_code_matrix(codes: np.ndarray, bins: list[FeatureBins],
                       maps: list[np.ndarray]) -> np.ndarray:
    """The coarse (interaction) codes of a fine ``code_matrix``, read off ``maps``
    (``fine_to_coarse_maps``): the matrix ``code_matrix(..., interaction=True)`` gives."""
    dtype = smallest_code_dtype(max(b.n_interaction_bins for b in bins))
    coarse = np.empty(codes.shape, dtype=dtype, order="F")
    for f, mapping in enumerate(maps):
        coarse[:, f] = mapping.astype(dtype)[codes[:, f]]
    return coarse


def interaction_code_matrix(columns: list[Column], bins: list[FeatureBins],
                            codes: np.ndarray) -> np.ndarray:
    """``code_matrix(columns, bins, interaction=True)``, read off the fine ``codes`` when every
    feature's coarse bins are unions of its fine bins (a lookup per row instead of binning
    every value again)."""
    maps = fine_to_coarse_maps(bins)
    if maps is None:
        return code_matrix(columns, bins, True)
    return coarse_code_matrix(codes, bins, maps)
