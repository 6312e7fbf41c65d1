"""Private binning: bins chosen from noisy counts, and the noisy bin weights boosting divides by.

Continuous features: values are clipped to the feature's bounds, counted in ``2 * (max_bins -
1)`` uniform cells, Gaussian noise is added to every count (a record is in one cell, so the
histogram has sensitivity 1), and neighbouring cells are merged from the left until each bin
holds about ``1 / (max_bins - 1)`` of the noisy total (InterpretML's rule). Categorical
features: every category's count gets noise, and categories below that share are merged into
the unseen bin ("other"); a declared ordinal keeps every level of its order (an ordinal
without declared levels reads them from the data, so its rare levels are merged as a
nominal's). Every feature also counts its missing values in one more noisy cell (still
sensitivity 1: a record is in one cell), always, so that the release does not depend on
whether the data have missing values; the missing bin is kept (boosted, with that weight) when
its noisy count reaches the same share as a category, else its weight is 0 and it scores 0.
The cuts and weights are functions of the noisy counts only. The bins then plug into the
engine's :class:`~glassboost.binning.FeatureBins` and bin codes unchanged.
"""

from __future__ import annotations

import warnings

import numpy as np

from ..binning import FeatureBins
from ..schema import CONTINUOUS, Column


def _merge_cells(noisy: np.ndarray, edges: np.ndarray, n_target: int):
    """Cuts and weights of runs of cells, each run holding at least 1/n_target of the total."""
    noisy = np.clip(noisy, 0.0, None)
    target = noisy.sum() / n_target
    cuts, weights, running = [], [], 0.0
    for cell, right in enumerate(edges[1:-1]):
        running += noisy[cell]
        if running >= target and running > 0.0:
            cuts.append(right)
            weights.append(running)
            running = 0.0
    weights.append(running + noisy[-1])
    if len(weights) > 1 and weights[-1] < target:  # a thin last bin joins its neighbour
        last = weights.pop()
        weights[-1] += last
        cuts.pop()
    return np.array(cuts, dtype=np.float64), np.array(weights, dtype=np.float64)


def _missing_weight(n_missing: int, total: float, max_bins: int, noise_scale: float,
                    rng: np.random.Generator) -> float:
    """The missing bin's noisy count, or 0 when it is below a category's share of ``total``."""
    noisy = max(n_missing + noise_scale * rng.standard_normal(), 0.0)
    return noisy if noisy > 0.0 and noisy >= (total + noisy) / (max_bins - 1) else 0.0


def private_continuous(column: Column, bounds: tuple[float, float], max_bins: int,
                       noise_scale: float, rng: np.random.Generator):
    """(FeatureBins, noisy weight of every bin) of a continuous feature; NaN is missing."""
    low, high = bounds
    present = ~np.isnan(column.values)
    values = np.clip(column.values[present], low, high)
    n_cells = 2 * (max_bins - 1)
    counts, edges = np.histogram(values, bins=n_cells, range=(low, high))
    noisy = counts + noise_scale * rng.standard_normal(n_cells)
    cuts, weights = _merge_cells(noisy, edges, max_bins - 1)
    # the bins' floor: a bin's weight divides its leaf sums, so it must not be ~0
    weights = np.maximum(weights, 1.0)
    missing = _missing_weight(int((~present).sum()), weights.sum(), max_bins, noise_scale, rng)
    return (FeatureBins(CONTINUOUS, cuts=cuts, interaction_cuts=cuts),
            np.concatenate(([missing], weights, [0.0])))


def private_categorical(kind: str, column: Column, order: list[str] | None, max_bins: int,
                        noise_scale: float, rng: np.random.Generator):
    """(FeatureBins, noisy weight of every bin) of a nominal or ordinal feature; rare
    categories share the unseen bin unless ``order`` declares them (public levels)."""
    present = np.array([v is not None for v in column.values], dtype=bool)
    labels, counts = np.unique(column.values[present].astype(str), return_counts=True)
    if order is not None:
        extra = sorted(set(labels.tolist()) - set(order))
        if extra:
            raise ValueError(f"values {extra[:5]} are not among the declared ordinal "
                             f"categories {order[:10]}")
        known = dict(zip(labels, counts))
        labels = np.array(order, dtype=object)
        counts = np.array([known.get(label, 0) for label in order], dtype=np.float64)
    noisy = np.clip(counts + noise_scale * rng.standard_normal(len(counts)), 0.0, None)
    if order is not None:  # declared levels are public; levels read from the data are not
        keep = np.ones(len(labels), dtype=bool)
    else:
        keep = noisy >= noisy.sum() / (max_bins - 1)
    kept = [str(label) for label in labels[keep]]
    categories = dict(zip(kept, range(1, len(kept) + 1)))
    weights = np.concatenate(([0.0], np.maximum(noisy[keep], 1.0), [noisy[~keep].sum()]))
    weights[0] = _missing_weight(int((~present).sum()), weights.sum(), max_bins, noise_scale,
                                 rng)
    if not len(labels):  # no category in the data (as read above): every row is missing
        weights[0] = max(weights[0], 1.0)
    return FeatureBins(kind, categories=categories), weights


def public_bounds(privacy_bounds, names: list[str], types: list[str], columns: list[Column]):
    """Every continuous feature's (min, max): from ``privacy_bounds`` (a dict by name or index,
    or a sequence in feature order), else from the data with a warning that names the leak."""
    given: dict[int, tuple] = {}
    if isinstance(privacy_bounds, dict):
        for key, value in privacy_bounds.items():
            if key in names:
                given[names.index(key)] = value
            elif isinstance(key, (int, np.integer)) and 0 <= key < len(names):
                given[int(key)] = value
            else:
                raise ValueError(f"privacy_bounds: {key!r} is not a feature name or index "
                                 f"(features: {names[:10]})")
    elif privacy_bounds is not None:
        if isinstance(privacy_bounds, str) or not hasattr(privacy_bounds, "__iter__"):
            raise ValueError("privacy_bounds must be a dict of (min, max) by feature name or "
                             f"index, or one (min, max) per feature; got {privacy_bounds!r}")
        entries = list(privacy_bounds)
        if len(entries) != len(names):
            raise ValueError(f"privacy_bounds has {len(entries)} entries for {len(names)} "
                             "features; pass one (min, max) per feature or a dict by name")
        given = {i: b for i, b in enumerate(entries) if b is not None}
    bounds: dict[int, tuple[float, float]] = {}
    leaked = []
    for i, (name, ftype, column) in enumerate(zip(names, types, columns)):
        if ftype != CONTINUOUS:
            continue
        if i in given:
            try:
                low, high = (float(v) for v in given[i])
            except (TypeError, ValueError):
                raise ValueError(f"privacy_bounds for feature {name!r} must be (min, max) "
                                 f"numbers, got {given[i]!r}") from None
            if not (np.isfinite(low) and np.isfinite(high)) or low >= high:
                raise ValueError(f"privacy_bounds for feature {name!r}: min must be below max "
                                 f"and both finite, got ({low!r}, {high!r})")
        else:
            present = column.values[~np.isnan(column.values)]
            if not len(present):
                raise ValueError(f"Feature {name!r} has no values: pass its public range in "
                                 "privacy_bounds")
            low, high = float(np.min(present)), float(np.max(present))
            if not (np.isfinite(low) and np.isfinite(high)):
                raise ValueError(f"Feature {name!r} has infinite values: pass its public "
                                 "range in privacy_bounds (values outside are clipped to it)")
            if low == high:
                high = low + 1.0
            leaked.append(name)
        bounds[i] = (low, high)
    if leaked:
        warnings.warn(
            f"Possible privacy violation: the min and max of features {leaked[:10]} were read "
            "from the training data, and the fitted bins reveal them; this is not counted in "
            "epsilon. Pass public ranges as privacy_bounds={name: (min, max)} to avoid it.",
            UserWarning, stacklevel=4)
    return bounds
