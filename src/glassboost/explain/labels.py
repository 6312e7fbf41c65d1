"""Names from the user's data (features, terms, categories, classes) as plain text for the plots.

Plotly reads a subset of HTML in every label (``<b>``, ``<br>``, ``<a href>``, character entities)
and typesets ``$...$`` with MathJax where the page has it; matplotlib reads ``$...$`` as mathtext
and raises on what it cannot parse. A name is data, not markup, so it is escaped before it reaches
either library and shows exactly as typed.
"""

from __future__ import annotations

import html


def plotly_text(text: object) -> str:
    """``text`` as Plotly shows it literally: ``&``, ``<``, ``>`` and ``$`` as character
    entities (Plotly decodes them when it draws the text, after looking for markup and TeX)."""
    return html.escape(str(text), quote=False).replace("$", "&#36;")


def plotly_template_text(text: object) -> str:
    """Plain text to put inside a ``hovertemplate``: also ``%``, so that a name holding
    ``%{y}`` is not filled in with the hovered value."""
    return plotly_text(text).replace("%", "&#37;")


def mpl_text(text: object) -> str:
    """``text`` as matplotlib shows it literally: every ``$`` escaped, so no mathtext."""
    return str(text).replace("$", r"\$")


def distinct_names(names: list[str]) -> list[str]:
    """``names`` with each name that several share suffixed by its index (``"a & b [2]"``),
    so that plots with one row per name do not draw two on one row; others unchanged."""
    names = [str(n) for n in names]
    shared = {n for n in names if names.count(n) > 1}
    return [f"{n} [{i}]" if n in shared else n for i, n in enumerate(names)]
