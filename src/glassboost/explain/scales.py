"""The value axis of a continuous shape plot: linear, log or quantile, chosen for the data.

A long-tailed feature (most of its training weight in a small part of its range, like assets or
debt) squeezes its whole shape into the first few percent of a linear axis. On a *quantile* axis
every bin is as wide as its share of the training weight (plus a sliver, so that empty bins stay
visible): the data fill the width, and the ticks sit at cut points and show their values. A *log*
axis is offered when every cut point is positive. ``"auto"`` picks the quantile axis when the
central 90% of the training weight spans less than a fifth of the linear axis, else linear.

Both plotting backends draw in the coordinates computed here on plain linear axes, with these
ticks, so the interactive and the static plots agree.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SCALES = ("auto", "linear", "log", "quantile")
#: ``"auto"`` uses a quantile axis when the central 90% of the training weight spans less than
#: this share of the linear axis.
LONG_TAIL_SHARE = 0.2
#: Share of a quantile axis spread evenly over the bins, so that bins without weight stay visible.
EVEN_SHARE = 0.05
MAX_TICKS = 7


@dataclass(frozen=True)
class ValueAxis:
    """Plot coordinates of a continuous feature's value-bin edges, with ticks when the axis is
    not linear in the values (``tick_positions`` None: the plotting library picks them)."""

    scale: str
    positions: np.ndarray
    tick_positions: np.ndarray | None = None
    tick_texts: list[str] | None = None

    def title(self, feature: str) -> str:
        """The axis title: the feature, and how the axis is scaled unless it is linear."""
        if self.scale == "log":
            return f"{feature} (log scale)"
        if self.scale == "quantile":
            return f"{feature} (quantile scale: equal widths hold equal training weight)"
        return feature

    def density(self, weights: np.ndarray, n_bins: int = 50) -> tuple[np.ndarray, np.ndarray]:
        """Training weight to draw under the shape, as (heights, edges) in plot coordinates.

        Linear and log axes: the weight over equal-width intervals of the axis (the bins'
        own weights would look flat, since the cuts are quantiles). Quantile axes: each bin's
        weight, since weight per unit of such an axis is flat by construction.
        """
        if self.scale == "quantile":
            return np.asarray(weights, dtype=np.float64), self.positions
        p = self.positions
        return np.histogram((p[:-1] + p[1:]) / 2, bins=n_bins, range=(p[0], p[-1]),
                            weights=weights)


def central_share(edges: np.ndarray, weights: np.ndarray) -> float:
    """Share of the linear axis spanned by the central 90% of the training weight."""
    total = float(np.sum(weights))
    span = float(edges[-1] - edges[0])
    if total <= 0 or span <= 0 or not np.isfinite(span):
        return 1.0
    cumulative = np.concatenate(([0.0], np.cumsum(weights))) / total
    low, high = np.interp([0.05, 0.95], cumulative, edges)
    return float(high - low) / span


def tick_text(value: float) -> str:
    """A tick label: 4 significant digits, or a whole number with separators from 10,000."""
    if 1e4 <= abs(value) < 1e9:
        return f"{value:,.0f}"
    return f"{value:.4g}"


def _quantile_ticks(positions: np.ndarray) -> list[int]:
    """Edge indices to label: the first and the last cut, and cuts near evenly spaced
    positions, at least half a spacing apart."""
    inner = np.arange(1, len(positions) - 1)
    if len(inner) == 0:
        return []
    gap = 0.5 / MAX_TICKS
    wanted = [int(inner[np.argmin(np.abs(positions[inner] - target))])
              for target in np.linspace(0, 1, MAX_TICKS + 2)[1:-1]]
    last = int(inner[-1])
    ticks: list[int] = []
    for i in sorted(set(wanted) | {int(inner[0])}):
        if positions[last] - positions[i] < gap:
            break
        if not ticks or positions[i] - positions[ticks[-1]] >= gap:
            ticks.append(i)
    return ticks + [last]


def _quantile_axis(edges: np.ndarray, weights: np.ndarray) -> ValueAxis:
    n = len(weights)
    total = float(np.sum(weights))
    shares = np.asarray(weights, dtype=np.float64) / total if total > 0 else np.full(n, 1 / n)
    widths = (1 - EVEN_SHARE) * shares + EVEN_SHARE / n
    positions = np.concatenate(([0.0], np.cumsum(widths)))
    positions /= positions[-1]
    ticks = _quantile_ticks(positions)  # at cut points: exact values
    return ValueAxis("quantile", positions, positions[ticks], [tick_text(edges[i]) for i in ticks])


def _log_axis(cuts: np.ndarray, feature: str) -> ValueAxis:
    if len(cuts) == 0 or cuts[0] <= 0:
        raise ValueError(
            f"x_scale='log' needs positive cut points, but feature {feature!r} has "
            f"{'no cuts' if len(cuts) == 0 else f'a cut at {cuts[0]:.6g}'}; use 'quantile', "
            "which suits any long-tailed feature")
    # the outer bins extend geometrically past the outermost cuts
    low = cuts[0] ** 2 / cuts[1] if len(cuts) > 1 else cuts[0] / 2
    high = cuts[-1] ** 2 / cuts[-2] if len(cuts) > 1 else cuts[0] * 2
    positions = np.log10(np.concatenate(([low], cuts, [high])))
    lowest, highest = np.floor(positions[0]), np.ceil(positions[-1])
    for mantissas in ((1, 2, 5), (1,)):
        values = np.array([m * 10.0 ** k for k in np.arange(lowest, highest + 1)
                           for m in mantissas])
        values = values[(np.log10(values) >= positions[0]) & (np.log10(values) <= positions[-1])]
        if len(values) <= MAX_TICKS + 3:
            break
    return ValueAxis("log", positions, np.log10(values), [tick_text(v) for v in values])


def value_axis(edges: np.ndarray, weights: np.ndarray, scale: str, feature: str) -> ValueAxis:
    """The axis of a continuous feature with value-bin ``edges`` (outer edges included) and
    training ``weights`` per value bin, for ``scale`` in :data:`SCALES`."""
    if scale not in SCALES:
        raise ValueError(f"x_scale={scale!r} is not one of {SCALES}")
    edges = np.asarray(edges, dtype=np.float64)
    if scale == "auto":
        scale = "quantile" if central_share(edges, weights) < LONG_TAIL_SHARE else "linear"
    if scale == "quantile":
        return _quantile_axis(edges, weights)
    if scale == "log":
        return _log_axis(edges[1:-1], feature)
    return ValueAxis("linear", edges)
