"""HTML building blocks of the offline report: page shell, tables, plot containers.

The page carries plotly.js inline and loads nothing from the network, so it opens anywhere.
Every plot sits in a ``div.gb-plot`` (global plots, ``data-term`` = the term name or
``__importance__``) or a ``div.gb-local`` (``data-row`` = the row id), and every pair listed
instead of drawn in a ``li.gb-pair`` (``data-term``), so tools can find them.
"""

from __future__ import annotations

from html import escape
from typing import Sequence

CSS = """
body { font-family: Helvetica, Arial, sans-serif; color: #222; margin: 0; background: #f6f7f9; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 32px 64px; background: #fff; }
h1 { margin-bottom: 4px; } h2 { margin-top: 40px; border-bottom: 2px solid #e3e6ea; }
.gb-sub { color: #666; margin-top: 0; }
table { border-collapse: collapse; margin: 8px 0 16px; }
th, td { padding: 4px 12px; border-bottom: 1px solid #e3e6ea; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.gb-plot, .gb-local { margin: 12px 0 28px; }
.gb-grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(520px, 1fr));
  column-gap: 16px; }
.gb-grid .gb-local { margin: 4px 0 12px; min-width: 0; }
.gb-warning { background: #fdf3e7; border-left: 4px solid #d9822b; padding: 8px 12px; }
.gb-pairs { columns: 3 260px; padding-left: 18px; margin: 8px 0 16px; }
.gb-pairs li { break-inside: avoid; line-height: 1.6; }
.gb-num { color: #666; font-variant-numeric: tabular-nums; }
details summary { cursor: pointer; color: #1f5fa8; margin: 8px 0; }
#gb-filter { font-size: 15px; padding: 6px 10px; width: 320px; }
nav a { margin-right: 16px; }
"""

FILTER_SCRIPT = """
var gbFilter = document.getElementById("gb-filter");
if (gbFilter) gbFilter.addEventListener("input", function (event) {
  var query = event.target.value.trim().toLowerCase();
  document.querySelectorAll("#gb-terms tbody tr").forEach(function (row) {
    row.hidden = query !== "" && row.dataset.name.indexOf(query) === -1;
  });
});
"""


class Raw(str):
    """Markup that :func:`table` inserts as it is, instead of escaping it."""


def table(rows: Sequence[Sequence[object]], header: Sequence[str], numeric: Sequence[int] = (),
          row_attributes: Sequence[str] | None = None, attributes: str = "") -> str:
    """An HTML table with escaped cells; columns listed in ``numeric`` are right-aligned."""
    def cell(value: object, tag: str, column: int) -> str:
        text = value if isinstance(value, Raw) else escape(str(value))
        css = ' class="num"' if column in numeric else ""
        return f"<{tag}{css}>{text}</{tag}>"

    head = "".join(cell(h, "th", -1) for h in header)
    extras = row_attributes or [""] * len(rows)
    body = "".join(f"<tr{extra}>" + "".join(cell(v, "td", c) for c, v in enumerate(cells))
                   + "</tr>" for extra, cells in zip(extras, rows))
    return f"<table{attributes}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def plot_div(figure_html: str, css_class: str, element_id: str | None = None,
             **data: object) -> str:
    """A plot container, with an optional id and ``data-*`` attributes, around a figure."""
    identity = "" if element_id is None else f' id="{escape(element_id, quote=True)}"'
    attributes = "".join(f' data-{key}="{escape(str(value), quote=True)}"'
                         for key, value in data.items())
    return f'<div class="{css_class}"{identity}{attributes}>{figure_html}</div>'


def page(title: str, plotly_js: str, body: str) -> str:
    """The whole self-contained document."""
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{escape(title)}</title><style>{CSS}</style>"
        f"<script type=\"text/javascript\">{plotly_js}</script></head>"
        f"<body><main>{body}</main><script>{FILTER_SCRIPT}</script></body></html>\n"
    )
