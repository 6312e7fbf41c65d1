"""Interactive Plotly figures: term shapes, interaction heat maps, importances and waterfalls.

Every trace that draws model numbers carries ``meta`` saying what it shows (``role``: score, band,
density, importance or waterfall), which bins (``bins``, or ``rows``/``cols`` for interactions,
plus ``slice``, the bins of a higher-order term's later features) and which class, so that the
numbers can be checked against the model's tables.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..schema import CONTINUOUS
from . import style
from .labels import distinct_names, plotly_template_text, plotly_text
from .scales import ValueAxis, value_axis
from .terms import MISSING, Term
from .waterfall import Waterfall

#: What the missing and unseen bins hold, for their hover text.
SPECIAL_MEANING = {MISSING: "missing values",
                   "unseen": "values never seen in training (new categories, text in a number "
                             "column)"}


def _finish(fig: go.Figure, title: str, height: int, top: int = 70) -> go.Figure:
    fig.update_layout(
        title=dict(text=title, x=0.01, xanchor="left", font=dict(size=style.FONT_SIZE + 5)),
        template="plotly_white",
        font=dict(family=style.FONT, size=style.FONT_SIZE),
        height=height,
        margin=dict(l=80, r=30, t=top, b=60),
        hovermode="closest",
        bargap=0.15,
        legend=dict(orientation="h", x=1, xanchor="right", y=1.02, yanchor="bottom"),
    )
    return fig


def _bar_errors(term: Term, scores: np.ndarray, lower: np.ndarray, upper: np.ndarray,
                color: str) -> dict | None:
    """Error bars of the band, or none when the model has no bagged spread."""
    if not term.has_band:
        return None
    return dict(type="data", symmetric=False, array=upper - scores, arrayminus=scores - lower,
                color=color, thickness=1.2, width=4)


def _special_markers(term: Term, specials: list[int], k, name: str, color: str,
                     classes) -> go.Scatter:
    """Diamonds with error bars at the missing and unseen bins' scores."""
    scores, lower, upper = (a[specials] for a in term.for_class(k))
    labels = [term.axes[0].labels[b] for b in specials]
    return go.Scatter(
        x=[plotly_text(label) for label in labels], y=scores, mode="markers",
        marker=dict(color=color if classes else style.SPECIAL, size=11, symbol="diamond"),
        error_y=_bar_errors(term, scores, lower, upper, color), showlegend=False,
        legendgroup=name,
        customdata=[plotly_text(SPECIAL_MEANING[label]) for label in labels],
        hovertemplate="%{x}: %{customdata}<br>score %{y:.4f}<extra>"
                      + plotly_template_text(name) + "</extra>",
        meta=dict(role="score", bins=specials, **{"class": k}))


def _value_ticks(fig: go.Figure, values: ValueAxis, feature: str) -> None:
    fig.update_xaxes(title_text=plotly_text(values.title(feature)), row=2, col=1)
    if values.tick_positions is not None:
        for row in (1, 2):
            fig.update_xaxes(tickmode="array", tickvals=values.tick_positions,
                             ticktext=values.tick_texts, row=row, col=1)


def _continuous(term: Term, score_title: str, classes, class_index, x_scale: str) -> go.Figure:
    axis = term.axes[0]
    values = value_axis(axis.drawn_edges, term.weights[1:-1], x_scale, axis.feature)
    value_bins = np.arange(1, axis.n_bins - 1)
    step_bins = np.append(value_bins, value_bins[-1])  # repeat the last bin to close its step
    specials = term.special_bins()
    fig = make_subplots(rows=2, cols=2, shared_xaxes="columns", shared_yaxes="rows",
                        row_heights=[0.78, 0.22], column_widths=[0.88, 0.12],
                        vertical_spacing=0.05, horizontal_spacing=0.03)
    hover = [plotly_text(axis.labels[b]) for b in step_bins]
    x = values.positions
    for k, name, color in style.series(classes, class_index):
        scores, lower, upper = term.for_class(k)
        band = dict(mode="lines", line=dict(width=0, shape="hv"), hoverinfo="skip",
                    showlegend=False, legendgroup=name,
                    meta=dict(role="band", bins=step_bins.tolist(), **{"class": k}))
        if term.has_band:
            fig.add_trace(go.Scatter(x=x, y=upper[step_bins], **band), 1, 1)
            fig.add_trace(go.Scatter(x=x, y=lower[step_bins], fill="tonexty",
                                     fillcolor=style.with_alpha(color, 0.2), **band), 1, 1)
        fig.add_trace(go.Scatter(
            x=x, y=scores[step_bins], mode="lines", name=plotly_text(name), legendgroup=name,
            line=dict(color=color, width=2.2, shape="hv"), customdata=hover,
            showlegend=classes is not None,
            hovertemplate="%{customdata}<br>score %{y:.4f}<extra>"
                          + plotly_template_text(name) + "</extra>",
            meta=dict(role="score", bins=step_bins.tolist(), **{"class": k})), 1, 1)
        fig.add_trace(_special_markers(term, specials, k, name, color, classes), 1, 2)
    heights, edges = values.density(term.weights[1:-1])
    fig.add_trace(go.Bar(
        x=(edges[:-1] + edges[1:]) / 2, y=heights, width=np.diff(edges),
        marker_color=style.DENSITY, marker_line_width=0, showlegend=False,
        meta=dict(role="density"), hoverinfo="skip"), 2, 1)
    fig.add_trace(go.Bar(
        x=[plotly_text(axis.labels[b]) for b in specials], y=term.weights[specials],
        marker_color=style.DENSITY, showlegend=False, meta=dict(role="density", bins=specials),
        hovertemplate="%{x}<br>training weight %{y:.4g}<extra></extra>"), 2, 2)
    fig.update_xaxes(type="category", col=2)
    fig.add_hline(y=0, line=dict(color="#888", width=1, dash="dot"), row=1, col="all")
    fig.update_yaxes(title_text=plotly_text(score_title), row=1, col=1)
    fig.update_yaxes(title_text="Weight", row=2, col=1)
    _value_ticks(fig, values, axis.feature)
    return fig


def _categorical(term: Term, score_title: str, classes, class_index) -> go.Figure:
    axis = term.axes[0]
    order, specials = term.bar_order(), term.special_bins()
    categories = [b for b in order if b not in specials]
    labels = [plotly_text(axis.labels[b]) for b in order]
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.78, 0.22],
                        vertical_spacing=0.05)
    for k, name, color in style.series(classes, class_index):
        scores, lower, upper = (a[categories] for a in term.for_class(k))
        fig.add_trace(go.Bar(
            x=[plotly_text(axis.labels[b]) for b in categories], y=scores,
            name=plotly_text(name), marker_color=color, showlegend=classes is not None,
            error_y=_bar_errors(term, scores, lower, upper, "#444"), legendgroup=name,
            hovertemplate="%{x}<br>score %{y:.4f}<extra>" + plotly_template_text(name)
                          + "</extra>",
            meta=dict(role="score", bins=categories, **{"class": k})), 1, 1)
        fig.add_trace(_special_markers(term, specials, k, name, color, classes), 1, 1)
    fig.add_trace(go.Bar(
        x=labels, y=term.weights[order], marker_color=style.DENSITY, showlegend=False,
        meta=dict(role="density", bins=order),
        hovertemplate="%{x}<br>training weight %{y:.4g}<extra></extra>"), 2, 1)
    fig.update_layout(barmode="group")
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=labels)
    fig.add_hline(y=0, line=dict(color="#888", width=1), row=1, col=1)
    fig.update_yaxes(title_text=plotly_text(score_title), row=1, col=1)
    fig.update_yaxes(title_text="Weight", row=2, col=1)
    fig.update_xaxes(title_text=plotly_text(axis.feature), row=2, col=1)
    return fig


def _slice(table: np.ndarray, bins: tuple[int, ...], rows, cols) -> np.ndarray:
    """The first two axes of ``table`` at ``rows`` x ``cols``, with the later axes at ``bins``."""
    return table[(slice(None), slice(None)) + bins][np.ix_(rows, cols)]


def _interaction(term: Term, score_title: str, classes, class_index) -> go.Figure:
    """Heat maps over the first two features: one for a pair, one per slice (a combination of
    bins of the later features) for a term of three or more, on one colour scale per class so
    that slices compare. A pair of a multiclass model gets a menu of classes; slices get a
    slider that walks through them (and through the classes)."""
    rows, cols = term.shown_bins(0), term.shown_bins(1)
    first, second = term.axes[:2]
    series, slices = style.series(classes, class_index), term.slices()
    fig = go.Figure()
    steps = []
    for k, name, _ in series:
        scores = term.for_class(k)[0]
        limit = max(float(np.abs(_slice(scores, bins, rows, cols)).max()) for bins, _ in slices)
        for bins, label in slices:
            where = f"{plotly_template_text(label)}<br>" if label else ""
            fig.add_trace(go.Heatmap(
                z=_slice(scores, bins, rows, cols), name=plotly_text(name),
                visible=not fig.data, zmin=-limit or -1.0, zmax=limit or 1.0,
                x=[plotly_text(second.labels[c]) for c in cols],
                y=[plotly_text(first.labels[r]) for r in rows],
                colorscale=style.HEATMAP, customdata=_slice(term.weights, bins, rows, cols),
                colorbar=dict(title=dict(text=plotly_text(score_title), side="right")),
                hovertemplate=(f"{where}{plotly_template_text(first.feature)} %{{y}}<br>"
                               f"{plotly_template_text(second.feature)} %{{x}}<br>"
                               "score %{z:.4f}<br>weight %{customdata:.4g}<extra></extra>"),
                meta=dict(role="score", rows=rows.tolist(), cols=cols.tolist(),
                          slice=list(bins), **{"class": k})))
            steps.append(f"class {name}: {label}" if len(series) > 1 else label)
    shown = [[j == i for j in range(len(steps))] for i in range(len(steps))]
    if not term.is_pair:  # a slider names the slice shown and picks another (or a class)
        fig.update_layout(sliders=[dict(
            active=0, pad=dict(t=70), currentvalue=dict(prefix="Showing "),
            steps=[dict(label=plotly_text(step), method="restyle", args=[{"visible": v}])
                   for step, v in zip(steps, shown)])])
    elif len(series) > 1:  # one heat map per class, a menu picks which one shows
        buttons = [dict(label=f"class {plotly_text(name)}", method="restyle",
                        args=[{"visible": v}]) for (_, name, _), v in zip(series, shown)]
        fig.update_layout(updatemenus=[dict(buttons=buttons, x=1, xanchor="right", y=1.08,
                                            yanchor="bottom")])
    fig.update_xaxes(type="category", title_text=plotly_text(second.feature))
    fig.update_yaxes(type="category", title_text=plotly_text(first.feature))
    return fig


def term_figure(term: Term, score_title: str, classes: list[str] | None = None,
                class_index: int | None = None, x_scale: str = "auto") -> go.Figure:
    """A term's figure: step shape with band and density for continuous features, bars for
    categories, a heat map for pairs, and for terms of three or more features a heat map of the
    first two per slice (bins of the later features) with a slider. Multiclass models draw
    every class unless ``class_index`` picks one; a pair then gets one heat map per class and a
    menu to pick it. ``x_scale`` is the value axis of continuous features (see :mod:`.scales`)."""
    if term.is_interaction:
        height = 560 if term.is_pair else 640
        fig = _interaction(term, score_title, classes, class_index)
    elif term.axes[0].kind == CONTINUOUS:
        fig, height = _continuous(term, score_title, classes, class_index, x_scale), 440
    else:
        fig, height = _categorical(term, score_title, classes, class_index), 440
    title = (f"<b>{plotly_text(term.name)}</b>  "
             f"<sup>{term.kind}, importance {term.importance:.4g}</sup>")
    if classes is not None and class_index is not None:
        title += f"  <sup>class {plotly_text(classes[class_index])}</sup>"
    return _finish(fig, title, height)


def importance_figure(names: list[str], importances: np.ndarray, x_title: str,
                      title: str = "Term importance") -> go.Figure:
    """Horizontal bars of term importances, largest on top; names several terms share get
    their index, so each bar has a row of its own."""
    order = np.argsort(importances, kind="stable")
    names = distinct_names(names)
    fig = go.Figure(go.Bar(
        x=np.asarray(importances)[order], y=[plotly_text(names[i]) for i in order],
        orientation="h", marker_color=style.SCORE,
        hovertemplate="%{y}<br>%{x:.4f}<extra></extra>",
        meta=dict(role="importance", terms=order.tolist())))
    fig.update_yaxes(type="category", automargin=True)
    fig.update_xaxes(title_text=plotly_text(x_title))
    return _finish(fig, f"<b>{plotly_text(title)}</b>", 140 + 18 * len(names))


def waterfall_figure(waterfall: Waterfall) -> go.Figure:
    """Horizontal waterfall from the intercept, through each term's contribution (largest
    first), to the final score; a second title line names the row's missing and unseen
    features."""
    n = len(waterfall.values)
    labels = [plotly_text(label) for label in waterfall.labels]
    values = np.asarray(waterfall.values)
    fig = go.Figure(go.Bar(
        y=labels, x=values, base=waterfall.starts, orientation="h",
        marker_color=[style.POSITIVE if v > 0 else style.NEGATIVE for v in values],
        text=[f"{v:+.3f}" for v in values], textposition="outside", cliponaxis=False,
        hovertemplate="%{y}<br>%{x:+.4f}<extra></extra>", showlegend=False,
        meta=dict(role="waterfall")))
    ends = [waterfall.intercept, waterfall.score]
    fig.add_trace(go.Scatter(
        y=["Intercept", "Score"], x=ends, mode="markers+text", showlegend=False,
        marker=dict(color=style.TOTAL, size=12, symbol="diamond"),
        text=[f"{waterfall.intercept:.3f}", f"{waterfall.score:.3f}"],
        textposition=["middle right", "middle right"], cliponaxis=False,
        hovertemplate="%{y}<br>%{x:.4f}<extra></extra>", meta=dict(role="ends")))
    path = np.concatenate(([waterfall.intercept], waterfall.intercept + np.cumsum(values)))
    for y, x in enumerate(path):
        fig.add_shape(type="line", x0=x, x1=x, y0=y, y1=y + 1, yref="y", xref="x",
                      line=dict(color="#aaaaaa", width=1, dash="dot"))
    fig.update_yaxes(type="category", categoryorder="array",
                     categoryarray=["Intercept"] + labels + ["Score"],
                     autorange="reversed", automargin=True)
    span = float(np.ptp(np.append(path, waterfall.starts))) or 1.0
    fig.update_xaxes(title_text=plotly_text(waterfall.axis_title), zeroline=False,
                     range=[path.min() - 0.12 * span, path.max() + 0.28 * span])
    title = plotly_text(f"{waterfall.title}; {waterfall.note}" if waterfall.note
                        else waterfall.title)
    if waterfall.flags:
        title += (f"<br><span style=\"font-size:{style.FONT_SIZE}px;color:{style.SPECIAL}\">"
                  f"{plotly_text(waterfall.flags)}</span>")
    return _finish(fig, title, 170 + 26 * (n + 2) + (20 if waterfall.flags else 0),
                   top=90 if waterfall.flags else 70)
