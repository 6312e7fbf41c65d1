"""Plotly figures of the performance views."""

from __future__ import annotations

import plotly.graph_objects as go

from ..explain import style
from ..explain.figures import _finish as finish_layout
from ..explain.labels import plotly_text


def curve_figure(numbers: dict, name: str) -> go.Figure:
    """A ROC or precision-recall curve, its area in the title."""
    roc = numbers["curve"] == "roc"
    fig = go.Figure(go.Scatter(
        x=numbers["x_values"], y=numbers["y_values"], mode="lines", name=numbers["curve"],
        line=dict(color=style.SCORE, width=2.5, shape="hv" if not roc else None),
        hovertemplate="%{x:.3f}, %{y:.3f}<extra></extra>", meta=dict(role="curve")))
    if roc:
        fig.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name="chance",
                                 line=dict(color=style.DENSITY, dash="dash")))
    x_title, y_title = (("False positive rate", "True positive rate") if roc
                        else ("Recall", "Precision"))
    fig.update_xaxes(title_text=x_title, range=[0, 1])
    fig.update_yaxes(title_text=y_title, range=[0, 1.02])
    area = "AUC" if roc else "Average precision"
    title = f"<b>{plotly_text(name)}</b>  {area} = {numbers['auc']:.4f}"
    return finish_layout(fig, title, 460)


def residual_figure(numbers: dict, name: str) -> go.Figure:
    """Residuals (actual - predicted) against the prediction, the metrics in the title."""
    fig = go.Figure(go.Scatter(
        x=numbers["scores"], y=numbers["residuals"], mode="markers",
        marker=dict(color=style.with_alpha(style.SCORE, 0.5), size=6),
        hovertemplate="predicted %{x:.4g}<br>residual %{y:.4g}<extra></extra>",
        meta=dict(role="residuals")))
    fig.add_hline(y=0, line=dict(color=style.DENSITY, dash="dash"))
    fig.update_xaxes(title_text="Predicted")
    fig.update_yaxes(title_text="Residual (actual - predicted)")
    title = (f"<b>{plotly_text(name)}</b>  RMSE = {numbers['rmse']:.4g}, "
             f"MAE = {numbers['mae']:.4g}, R² = {numbers['r2']:.4f}")
    return finish_layout(fig, title, 460)


def calibration_figure(numbers: dict, name: str) -> go.Figure:
    """Observed share of positives against the mean predicted probability per bin, with the
    diagonal of a perfectly calibrated model; the Brier score in the title."""
    fig = go.Figure(go.Scatter(
        x=numbers["x_values"], y=numbers["y_values"], mode="lines+markers", name="model",
        line=dict(color=style.SCORE, width=2.5),
        hovertemplate="predicted %{x:.3f}<br>observed %{y:.3f}<extra></extra>",
        meta=dict(role="curve")))
    fig.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name="perfectly calibrated",
                             line=dict(color=style.DENSITY, dash="dash")))
    fig.update_xaxes(title_text="Mean predicted probability", range=[0, 1])
    fig.update_yaxes(title_text="Share of positives", range=[0, 1.02])
    title = f"<b>{plotly_text(name)}</b>  Brier score = {numbers['brier']:.4f}"
    return finish_layout(fig, title, 460)
