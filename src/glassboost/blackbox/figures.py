"""Interactive Plotly figures of black-box explanations, in the look of the EBM's figures
(the same layout, colours and escaping of names)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from ..explain import style
from ..explain.figures import _finish as finish_layout
from ..explain.labels import plotly_text

#: Individual (ICE) curves drawn behind a partial dependence curve.
MAX_ICE_LINES = 30


def dependence_figure(feature: str, grid: np.ndarray, average: np.ndarray,
                      individual: np.ndarray, output_title: str, categorical: bool) -> go.Figure:
    """The partial dependence curve of one feature over its individual (ICE) curves."""
    x = [plotly_text(v) for v in grid] if categorical else grid
    mode = "lines+markers" if categorical else "lines"
    fig = go.Figure()
    rng = np.random.default_rng(0)
    shown = individual
    if len(individual) > MAX_ICE_LINES:
        shown = individual[np.sort(rng.choice(len(individual), MAX_ICE_LINES, replace=False))]
    for k, line in enumerate(shown):
        fig.add_trace(go.Scatter(x=x, y=line, mode=mode, showlegend=k == 0,
                                 name="individual rows (ICE)", hoverinfo="skip",
                                 line=dict(color=style.with_alpha(style.DENSITY, 0.45), width=1),
                                 meta=dict(role="ice")))
    fig.add_trace(go.Scatter(x=x, y=average, mode=mode, name="partial dependence",
                             line=dict(color=style.SCORE, width=3),
                             hovertemplate="%{x}<br>%{y:.4f}<extra></extra>",
                             meta=dict(role="score")))
    fig.update_xaxes(title_text=plotly_text(feature), type="category" if categorical else None)
    fig.update_yaxes(title_text=plotly_text(output_title))
    return finish_layout(fig, f"<b>Partial dependence on {plotly_text(feature)}</b>", 420)


def morris_figure(feature: str, mu: float, mu_star: float, sigma: float,
                  mu_star_conf: float) -> go.Figure:
    """Morris's three statistics of one feature, mu* with its confidence interval."""
    fig = go.Figure(go.Bar(
        x=["mu*", "mu", "sigma"], y=[mu_star, mu, sigma], marker_color=style.SCORE,
        error_y=dict(type="data", array=[mu_star_conf, 0, 0], visible=True),
        hovertemplate="%{x}: %{y:.4g}<extra></extra>", meta=dict(role="morris")))
    fig.update_yaxes(title_text="elementary effect")
    return finish_layout(fig, f"<b>Morris sensitivity of {plotly_text(feature)}</b>", 380)
