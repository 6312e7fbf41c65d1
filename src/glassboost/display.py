"""``glassboost.show``: an explanation's figure in a notebook, or its numbers in a terminal.

In a Jupyter kernel (JupyterLab, VS Code, classic notebook) the figure goes out as a bundle
with Plotly's own MIME type, which JupyterLab and VS Code draw offline, and as HTML for other
front ends and static exports (nbconvert). The first HTML output carries plotly.js inline and
later ones reuse it, so an exported notebook opens offline without repeating 3 MB per cell.
Outside a kernel, ``show`` prints the explanation's overview as text and can write an HTML page.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

PLOTLY_MIME = "application/vnd.plotly.v1+json"

#: Rows of the text table printed in a terminal.
TEXT_ROWS = 15

_plotly_js_sent = False


def in_notebook() -> bool:
    """True inside a Jupyter kernel (IPython with a kernel attached)."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return shell is not None and getattr(shell, "kernel", None) is not None


def mime_bundle(figure: Any, text: str) -> dict:
    """A Plotly figure as Plotly's MIME type, HTML (plotly.js inline the first time) and text."""
    global _plotly_js_sent

    html = figure.to_html(full_html=False, include_plotlyjs=not _plotly_js_sent,
                          config={"displaylogo": False, "responsive": True})
    _plotly_js_sent = True
    return {PLOTLY_MIME: json.loads(figure.to_json()), "text/html": html, "text/plain": text}


def text_summary(explanation: Any, key: Any = None) -> str:
    """The explanation's name and, where its data has names and one score each, the largest
    scores as a table; else the data's fields."""
    data = explanation.data(key)
    lines = [f"{explanation.name}" + ("" if key is None else f" [{key}]")]
    names, scores = data.get("names"), data.get("scores")
    one_score_each = (names is not None and scores is not None
                      and np.ndim(scores) == 1 and len(scores) == len(names))
    if one_score_each and np.issubdtype(np.asarray(scores).dtype, np.number):
        scores = np.asarray(scores, dtype=np.float64)
        order = np.argsort(-np.abs(scores), kind="stable")[:TEXT_ROWS]
        width = max(len(str(names[i])) for i in order)
        lines += [f"  {str(names[i]):<{width}}  {scores[i]: .4g}" for i in order]
        if len(scores) > TEXT_ROWS:
            lines.append(f"  ... {len(scores) - TEXT_ROWS} more")
    else:
        lines.append("  fields: " + ", ".join(str(k) for k in data))
    return "\n".join(lines)


def show(explanation: Any, key: Any = None, path: str | Path | None = None) -> None:
    """Display ``explanation.visualize(key)`` in a notebook; in a terminal print its overview
    as text. ``path`` also writes an offline HTML page of the figure."""
    from .explain.base import Explanation

    if not isinstance(explanation, Explanation):
        raise TypeError(f"show takes an explanation (an object with name, data(key) and "
                        f"visualize(key)), not a {type(explanation).__name__}")
    if path is not None:
        from .blackbox.side_by_side import show_side_by_side

        show_side_by_side([explanation], key, path, title=explanation.name)
    if in_notebook():
        from IPython.display import display

        display(mime_bundle(explanation.visualize(key), repr(explanation)), raw=True)
    else:
        print(text_summary(explanation, key))
        if path is not None:
            print(f"  figure written to {path}")
