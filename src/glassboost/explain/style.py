"""Colours and sizes shared by the interactive and the static plots, so both look alike."""

from __future__ import annotations

SCORE = "#1f5fa8"
DENSITY = "#9aa5b1"
SPECIAL = "#d9822b"  # the missing and unseen bins
POSITIVE = "#c0392b"  # contributions that raise the score
NEGATIVE = "#2e86c1"  # contributions that lower it
TOTAL = "#34495e"
CLASS_COLORS = ("#1f5fa8", "#d9822b", "#2a9d55", "#c0392b", "#8e44ad",
                "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")
HEATMAP = "RdBu_r"  # diverging, centred on zero: red raises the score, blue lowers it
FONT = "Helvetica, Arial, sans-serif"
FONT_SIZE = 13


def class_color(k: int) -> str:
    """Colour of class ``k`` in multiclass plots."""
    return CLASS_COLORS[k % len(CLASS_COLORS)]


def series(classes: list[str] | None, class_index: int | None) -> list[tuple]:
    """(class index or None, legend name, colour) of each line or bar series to draw: one for
    single-score models, every class (or only ``class_index``) for multiclass."""
    if classes is None:
        return [(None, "score", SCORE)]
    picked = range(len(classes)) if class_index is None else [class_index]
    return [(k, classes[k], class_color(k)) for k in picked]


def with_alpha(color: str, alpha: float) -> str:
    """A ``#rrggbb`` colour as an ``rgba()`` string with the given opacity."""
    r, g, b = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r}, {g}, {b}, {alpha})"
