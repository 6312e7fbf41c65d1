"""Static matplotlib versions of the plots, for papers, READMEs and notebooks without JavaScript.

Figures are built with ``matplotlib.figure.Figure`` directly (no pyplot), so nothing depends on a
GUI backend or global state.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from matplotlib.colors import TwoSlopeNorm
from matplotlib.figure import Figure

from ..schema import CONTINUOUS
from . import style
from .labels import distinct_names, mpl_text
from .scales import value_axis
from .terms import Term
from .waterfall import Waterfall

MAX_TICKS = 12
#: Heat maps of a higher-order term's slices in one static figure.
MAX_PANELS = 36
TITLE_SIZE = 14
LABEL_SIZE = 11.5
TICK_SIZE = 10


def _axes_style(ax, grid_axis: str = "y") -> None:
    ax.tick_params(labelsize=TICK_SIZE)
    ax.grid(axis=grid_axis, color="#e5e5e5", linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _title(fig: Figure, term: Term, extra: str = "") -> None:
    kind = term.kind
    fig.suptitle(mpl_text(term.name), x=0.02, ha="left", fontsize=TITLE_SIZE, fontweight="bold")
    fig.text(0.98, 0.985, mpl_text(f"{kind}, importance {term.importance:.3g}{extra}"),
             ha="right", va="top", fontsize=TICK_SIZE, color="#555")


def _special_diamonds(ax, positions, term: Term, specials: list[int], series) -> None:
    for k, _, color in series:
        scores, lower, upper = (a[specials] for a in term.for_class(k))
        ax.errorbar(positions, scores,
                    yerr=[scores - lower, upper - scores] if term.has_band else None, fmt="D",
                    color=style.SPECIAL if k is None else color, capsize=3, markersize=7)


def _specials_panel(fig, grid, ax, density, term: Term, specials: list[int], series) -> None:
    side = fig.add_subplot(grid[0, 1], sharey=ax)
    side_density = fig.add_subplot(grid[1, 1], sharey=density)
    positions = np.arange(len(specials))
    _special_diamonds(side, positions, term, specials, series)
    side_density.bar(positions, term.weights[specials], color=style.DENSITY, width=0.6)
    labels = [mpl_text(term.axes[0].labels[b]) for b in specials]
    side.set_xlim(-0.6, len(specials) - 0.4)
    side.axhline(0, color="#888", linewidth=0.8, linestyle=":")
    side_density.set_xticks(positions, labels, rotation=30)
    side.tick_params(labelbottom=False, labelleft=False)
    side_density.tick_params(labelleft=False)
    for panel in (side, side_density):
        _axes_style(panel)


def _continuous(term: Term, score_title: str, classes, class_index, x_scale: str) -> Figure:
    axis = term.axes[0]
    values = value_axis(axis.drawn_edges, term.weights[1:-1], x_scale, axis.feature)
    specials = term.special_bins()
    fig = Figure(figsize=(9, 5.4), layout="constrained")
    grid = fig.add_gridspec(2, 2, height_ratios=[4, 1], width_ratios=[9, 1])
    ax = fig.add_subplot(grid[0, 0])
    density = fig.add_subplot(grid[1, 0], sharex=ax)
    series = style.series(classes, class_index)
    for k, name, color in series:
        scores, lower, upper = (a[1:-1] for a in term.for_class(k))
        if term.has_band:
            ax.stairs(upper, values.positions, baseline=lower, fill=True, color=color,
                      alpha=0.2, linewidth=0)
        ax.stairs(scores, values.positions, baseline=None, color=color, linewidth=2,
                  label=mpl_text(name))
    ax.axhline(0, color="#888", linewidth=0.8, linestyle=":")
    ax.set_ylabel(mpl_text(score_title), fontsize=LABEL_SIZE)
    ax.tick_params(labelbottom=False)
    if classes is not None:
        ax.legend(fontsize=TICK_SIZE, frameon=False)
    heights, edges = values.density(term.weights[1:-1])
    density.bar(edges[:-1], heights, width=np.diff(edges), align="edge", color=style.DENSITY)
    density.set_ylabel("Weight", fontsize=LABEL_SIZE)
    density.set_xlabel(mpl_text(values.title(axis.feature)), fontsize=LABEL_SIZE)
    if values.tick_positions is not None:
        density.set_xticks(values.tick_positions, values.tick_texts)
    density.set_xlim(values.positions[0], values.positions[-1])
    for panel in (ax, density):
        _axes_style(panel)
    _specials_panel(fig, grid, ax, density, term, specials, series)
    _title(fig, term)
    return fig


def _categorical(term: Term, score_title: str, classes, class_index) -> Figure:
    axis = term.axes[0]
    order, specials = term.bar_order(), term.special_bins()
    categories = [b for b in order if b not in specials]
    fig = Figure(figsize=(max(6.0, 0.6 * len(order) + 3), 5.4), layout="constrained")
    grid = fig.add_gridspec(2, 1, height_ratios=[4, 1])
    ax = fig.add_subplot(grid[0])
    density = fig.add_subplot(grid[1], sharex=ax)
    series = style.series(classes, class_index)
    width = 0.8 / len(series)
    positions = np.arange(len(order))
    for i, (k, name, color) in enumerate(series):
        scores, lower, upper = (a[categories] for a in term.for_class(k))
        ax.bar(positions[:len(categories)] + (i - (len(series) - 1) / 2) * width, scores,
               width=width * 0.95, color=color,
               yerr=[scores - lower, upper - scores] if term.has_band else None,
               capsize=3, error_kw=dict(ecolor="#444", linewidth=1), label=mpl_text(name))
    _special_diamonds(ax, positions[len(categories):], term, specials, series)
    ax.axhline(0, color="#888", linewidth=0.8)
    ax.set_ylabel(mpl_text(score_title), fontsize=LABEL_SIZE)
    ax.tick_params(labelbottom=False)
    if classes is not None:
        ax.legend(fontsize=TICK_SIZE, frameon=False)
    density.bar(positions, term.weights[order], color=style.DENSITY, width=0.8)
    crowded = len(order) > 5
    density.set_xticks(positions, [mpl_text(axis.labels[b]) for b in order],
                       rotation=30 if crowded else 0, ha="right" if crowded else "center")
    density.set_ylabel("Weight", fontsize=LABEL_SIZE)
    density.set_xlabel(mpl_text(axis.feature), fontsize=LABEL_SIZE)
    for panel in (ax, density):
        _axes_style(panel)
    _title(fig, term)
    return fig


def _sparse_ticks(ax_set, labels: list[str]) -> None:
    step = max(1, int(np.ceil(len(labels) / MAX_TICKS)))
    positions = np.arange(0, len(labels), step)
    ax_set(positions, [labels[p] for p in positions])


def _heatmap(ax, z: np.ndarray, norm, term: Term, rows, cols, ticks: bool = True):
    image = ax.pcolormesh(z, cmap=style.HEATMAP, norm=norm)
    first, second = term.axes[:2]
    _sparse_ticks(lambda p, t: ax.set_yticks(p + 0.5, t if ticks else []),
                  [mpl_text(first.labels[r]) for r in rows])
    _sparse_ticks(lambda p, t: ax.set_xticks(p + 0.5, t, rotation=35, ha="right"),
                  [mpl_text(second.labels[c]) for c in cols])
    ax.tick_params(labelsize=TICK_SIZE)
    return image


def _interaction(term: Term, score_title: str, classes, class_index) -> Figure:
    """A heat map over the first two features; for a term of three or more features, one per
    slice (combination of bins of the later features), on one colour scale, at most
    ``MAX_PANELS`` of them (the title says when some are left out)."""
    k = None if classes is None else (class_index or 0)
    rows, cols = term.shown_bins(0), term.shown_bins(1)
    scores, slices = term.for_class(k)[0], term.slices()
    tables = [scores[(slice(None), slice(None)) + bins][np.ix_(rows, cols)]
              for bins, _ in slices[:MAX_PANELS]]
    limit = max(float(np.abs(z).max()) for z in tables) or 1.0
    norm = TwoSlopeNorm(0.0, -limit, limit)
    across = int(np.ceil(np.sqrt(len(tables))))
    down = int(np.ceil(len(tables) / across))
    fig = Figure(figsize=(9, 6.5) if len(tables) == 1 else (3.6 * across + 1.5, 3.4 * down + 1),
                 layout="constrained")
    axes = fig.subplots(down, across, squeeze=False)
    for i, ax in enumerate(axes.flat):
        if i >= len(tables):
            ax.set_visible(False)
            continue
        image = _heatmap(ax, tables[i], norm, term, rows, cols, ticks=i % across == 0)
        if slices[i][1]:
            ax.set_title(mpl_text(slices[i][1]), fontsize=TICK_SIZE)
    fig.supylabel(mpl_text(term.axes[0].feature), fontsize=LABEL_SIZE)
    fig.supxlabel(mpl_text(term.axes[1].feature), fontsize=LABEL_SIZE)
    bar = fig.colorbar(image, ax=axes)
    bar.set_label(mpl_text(score_title), fontsize=LABEL_SIZE)
    extra = "" if k is None else f", class {classes[k]}"
    if len(slices) > len(tables):
        extra += f"; the first {len(tables)} of {len(slices)} slices"
    _title(fig, term, extra)
    return fig


def term_plot(term: Term, score_title: str, classes: list[str] | None = None,
              class_index: int | None = None, x_scale: str = "auto") -> Figure:
    """A term's static figure, the same kinds as the interactive ones, with a term of three or
    more features as small multiples, one heat map per slice; a multiclass interaction shows
    the class ``class_index`` (default the first), since a picture has no menu. ``x_scale`` is
    the value axis of continuous features (see :mod:`.scales`)."""
    if term.is_interaction:
        return _interaction(term, score_title, classes, class_index)
    if term.axes[0].kind == CONTINUOUS:
        return _continuous(term, score_title, classes, class_index, x_scale)
    return _categorical(term, score_title, classes, class_index)


def importance_plot(names: list[str], importances: np.ndarray, x_title: str) -> Figure:
    """Horizontal bars of term importances, largest on top; names several terms share get
    their index."""
    order = np.argsort(importances, kind="stable")
    names = distinct_names(names)
    fig = Figure(figsize=(8, 1.2 + 0.32 * len(names)), layout="constrained")
    ax = fig.add_subplot()
    ax.barh(np.arange(len(order)), np.asarray(importances)[order], color=style.SCORE)
    ax.set_yticks(np.arange(len(order)), [mpl_text(names[i]) for i in order])
    ax.set_xlabel(mpl_text(x_title), fontsize=LABEL_SIZE)
    ax.set_title("Term importance", loc="left", fontsize=TITLE_SIZE, fontweight="bold")
    _axes_style(ax, "x")
    return fig


def waterfall_plot(waterfall: Waterfall) -> Figure:
    """Horizontal waterfall from the intercept, through each term's contribution (largest
    first), to the final score; a line under the title names the row's missing and unseen
    features."""
    values = np.asarray(waterfall.values)
    labels = ["Intercept"] + [mpl_text(label) for label in waterfall.labels] + ["Score"]
    path = np.concatenate(([waterfall.intercept], waterfall.intercept + np.cumsum(values)))
    fig = Figure(figsize=(9, 1.4 + 0.4 * len(labels)), layout="constrained")
    ax = fig.add_subplot()
    rows = np.arange(1, len(values) + 1)
    ax.barh(rows, values, left=waterfall.starts, height=0.66,
            color=[style.POSITIVE if v > 0 else style.NEGATIVE for v in values])
    ax.plot([waterfall.intercept, waterfall.score], [0, len(labels) - 1], "D",
            color=style.TOTAL, markersize=8)
    for y, x in enumerate(path):
        ax.plot([x, x], [y, y + 1], color="#aaa", linewidth=0.9, linestyle=":")
    span = float(np.ptp(np.append(path, waterfall.starts))) or 1.0
    pad = 0.012 * span
    for y, (start, value) in enumerate(zip(waterfall.starts, values), start=1):
        end = start + value
        ax.text(end + (pad if value > 0 else -pad), y, f"{value:+.3f}", va="center",
                ha="left" if value > 0 else "right", fontsize=TICK_SIZE)
    ax.text(waterfall.intercept + pad * 2, 0, f"{waterfall.intercept:.3f}", va="center",
            fontsize=TICK_SIZE)
    ax.text(waterfall.score + pad * 2, len(labels) - 1,
            mpl_text(f"{waterfall.score:.3f}  {waterfall.note}".strip()), va="center",
            fontsize=TICK_SIZE, fontweight="bold")
    ax.set_xlim(path.min() - 0.18 * span, path.max() + 0.3 * span)
    ax.set_yticks(np.arange(len(labels)), labels)
    ax.invert_yaxis()
    ax.set_xlabel(mpl_text(waterfall.axis_title), fontsize=LABEL_SIZE)
    title = ax.set_title(mpl_text(waterfall.title), loc="left", fontsize=TITLE_SIZE - 1,
                         fontweight="bold", pad=22 if waterfall.flags else None)
    if waterfall.flags:
        ax.annotate(mpl_text(waterfall.flags), (0, 0), xycoords=title, xytext=(0, -4),
                    textcoords="offset points", va="top", fontsize=TICK_SIZE,
                    color=style.SPECIAL)
    _axes_style(ax, "x")
    return fig


def save(fig: Figure, path: str | Path | None) -> Figure:
    """Write ``fig`` to ``path`` (format from the suffix) when a path is given; return it."""
    if path is not None:
        fig.savefig(path, dpi=150, bbox_inches="tight", facecolor="white")
    return fig


def svg_markup(fig: Figure) -> str:
    """The figure as inline ``<svg>`` markup, for HTML output that needs no files or scripts."""
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight")
    text = buffer.getvalue()
    return text[text.index("<svg"):]
