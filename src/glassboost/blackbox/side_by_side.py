"""Several explanations side by side on one offline HTML page (e.g. an EBM's term next to a
LightGBM model's partial dependence on the same feature), built with the report's page parts."""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any, Sequence

from ..explain.base import Explanation
from ..explain.page import page, plot_div

PLOT_CONFIG = {"displaylogo": False, "responsive": True}


def _keys(explanations: Sequence[Any], keys: Any) -> list:
    """One key per explanation: the same key for all unless a list or tuple is given."""
    if not isinstance(keys, (list, tuple)):
        return [keys] * len(explanations)
    if len(keys) != len(explanations):
        raise ValueError(f"keys has {len(keys)} entries for {len(explanations)} explanations")
    return list(keys)


def panel_row(explanations: Sequence[Any], keys: Any = None, id_prefix: str = "gb-side",
              **data: object) -> str:
    """A row of columns, one per explanation, each holding its ``visualize(key)`` (plotly.js
    not included) in a ``div.gb-plot`` with ``data-explanation``, ``data-key`` and ``data``'s
    attributes."""
    if not explanations:
        raise ValueError("explanations is empty; give at least one explanation")
    for i, explanation in enumerate(explanations):
        if not isinstance(explanation, Explanation):
            raise TypeError(f"explanations[{i}] is a {type(explanation).__name__}, not an "
                            "explanation (an object with name, data(key) and visualize(key))")
    panels = []
    for i, (explanation, key) in enumerate(zip(explanations, _keys(explanations, keys))):
        figure = explanation.visualize(key).to_html(full_html=False, include_plotlyjs=False,
                                                    config=PLOT_CONFIG,
                                                    div_id=f"{id_prefix}-{i + 1}")
        caption = f"<h3>{escape(explanation.name)}</h3>"
        panels.append(plot_div(caption + figure, "gb-plot", explanation=explanation.name,
                               key="" if key is None else key, **data))
    columns = f"grid-template-columns: repeat({len(panels)}, minmax(0, 1fr));"
    return (f"<div class=\"gb-grid gb-side\" style=\"{columns}\">" + "".join(panels)
            + "</div>")


def offline_page(title: str, body: str, path: str | Path | None = None) -> str:
    """The report's page shell around ``body``, with plotly.js inline; written to ``path``
    when given."""
    from plotly.offline import get_plotlyjs

    html_page = page(title, get_plotlyjs(), body)
    if path is not None:
        Path(path).write_text(html_page, encoding="utf-8")
    return html_page


def show_side_by_side(explanations: Sequence[Any], keys: Any = None,
                      path: str | Path | None = None, title: str = "Side by side") -> str:
    """One HTML page with each explanation's ``visualize(key)`` in a column of its own.

    ``keys``: one key for every explanation (None: their overviews; a feature name: its term,
    partial dependence, ...), or a list with one key per explanation. The page carries
    plotly.js inline, so it opens offline. Returns the page and writes it to ``path`` when
    given."""
    body = f"<h1>{escape(title)}</h1>" + panel_row(explanations, keys)
    return offline_page(title, body, path)
