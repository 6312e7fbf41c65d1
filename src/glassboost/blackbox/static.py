"""Static matplotlib versions of the black-box figures."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from ..explain import style
from ..explain.labels import mpl_text
from .figures import MAX_ICE_LINES


def dependence_plot(feature: str, grid: np.ndarray, average: np.ndarray,
                    individual: np.ndarray, output_title: str, categorical: bool) -> Figure:
    """The partial dependence curve of one feature over its individual (ICE) curves."""
    fig = Figure(figsize=(8, 4.5), layout="constrained")
    ax = fig.add_subplot()
    x = np.arange(len(grid)) if categorical else grid
    shown = individual[:: max(1, len(individual) // MAX_ICE_LINES)]
    ax.plot(x, shown.T, color=style.DENSITY, alpha=0.4, linewidth=0.8)
    ax.plot(x, average, color=style.SCORE, linewidth=2.5, label="partial dependence")
    if categorical:
        ax.set_xticks(x, [mpl_text(v) for v in grid])
    ax.set_xlabel(mpl_text(feature))
    ax.set_ylabel(mpl_text(output_title))
    ax.set_title(mpl_text(f"Partial dependence on {feature}"), loc="left", fontweight="bold")
    ax.legend(frameon=False)
    return fig
