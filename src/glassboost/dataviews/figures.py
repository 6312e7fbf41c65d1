"""Plotly figures of the data views."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from ..explain import style
from ..explain.figures import _finish as finish_layout
from ..explain.labels import plotly_text


def _bin_labels(names: np.ndarray, numeric: bool) -> list[str]:
    if numeric:
        return [f"{lo:.4g} to {hi:.4g}" for lo, hi in zip(names[:-1], names[1:])]
    return [plotly_text(n) for n in names]


def _missing_note(count: int) -> str:
    """Title text saying how many rows have a missing value and are not drawn."""
    return f"  ({count} missing, not drawn)" if count else ""


def class_counts_figure(classes: np.ndarray, counts: np.ndarray, name: str) -> go.Figure:
    """Rows of each class."""
    fig = go.Figure(go.Bar(x=[plotly_text(c) for c in classes], y=counts,
                           marker_color=[style.class_color(k) for k in range(len(classes))],
                           meta=dict(role="class_counts")))
    fig.update_xaxes(title_text="Class", type="category")
    fig.update_yaxes(title_text="Rows")
    return finish_layout(fig, f"<b>{plotly_text(name)}</b>", 380)


def class_histogram_figure(d: dict) -> go.Figure:
    """One feature's histogram, one bar series per class, stacked."""
    numeric = len(d["names"]) == d["counts"].shape[1] + 1
    labels = _bin_labels(d["names"], numeric)
    fig = go.Figure([go.Bar(x=labels, y=d["counts"][k], name=plotly_text(c),
                            marker_color=style.class_color(k), meta=dict(role="histogram"))
                     for k, c in enumerate(d["classes"])])
    fig.update_layout(barmode="stack")
    fig.update_xaxes(title_text=plotly_text(d["name"]), type="category")
    fig.update_yaxes(title_text="Rows")
    title = f"<b>{plotly_text(d['name'])} by class</b>{_missing_note(int(d['missing'].sum()))}"
    return finish_layout(fig, title, 420)


def response_figure(density: dict, name: str) -> go.Figure:
    """Histogram of the response."""
    fig = go.Figure(go.Bar(x=_bin_labels(density["names"], True), y=density["scores"],
                           marker_color=style.SCORE, meta=dict(role="histogram")))
    fig.update_xaxes(title_text="Response", type="category")
    fig.update_yaxes(title_text="Rows")
    title = f"<b>{plotly_text(name)}: the response</b>{_missing_note(density['missing'])}"
    return finish_layout(fig, title, 380)


def marginal_figure(d: dict) -> go.Figure:
    """A sample of (feature, response) pairs, the correlation in the title."""
    fig = go.Figure(go.Scatter(
        x=[plotly_text(v) for v in d["feature_samples"]] if d["correlation"] is None
        else d["feature_samples"], y=d["response_samples"], mode="markers",
        marker=dict(color=style.with_alpha(style.SCORE, 0.45), size=6),
        meta=dict(role="marginal")))
    fig.update_xaxes(title_text=plotly_text(d["name"]))
    fig.update_yaxes(title_text="Response")
    title = (f"<b>{plotly_text(d['name'])} and the response</b>"
             f"{_missing_note(d['feature_density']['missing'])}")
    if d["correlation"] is not None:
        title += f"  correlation {d['correlation']:.3f}"
    return finish_layout(fig, title, 420)
