"""The one explanation interface that every explanation in glassboost follows.

An EBM's own explanations, black-box explainers, performance views and data views all give their
numbers by ``data(key)`` (InterpretML's dictionaries) and their picture by ``visualize(key)``
(a Plotly figure), so one plotting, report and dashboard layer serves them all. ``key`` None is
the overview (importances, every row, the curve); an index or a name is one part of it (a term,
a feature, a row).
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class Explanation(Protocol):
    """What every explanation has: a name, its numbers and its interactive figure."""

    name: str

    def data(self, key: Any = None) -> dict:
        """The numbers behind the explanation, for the overview (None) or one part (key)."""
        ...

    def visualize(self, key: Any = None):
        """An interactive Plotly figure of the overview (None) or of one part (key)."""
        ...


def row_position(key: Any, n_rows: int) -> int:
    """A local explanation's row ``key`` as a position (negative counts from the end), checked,
    so that a row label or a position past the end is named rather than failing deep inside."""
    row = int(key)
    if not -n_rows <= row < n_rows:
        raise IndexError(f"key {key!r} is not a row position of this explanation of {n_rows} "
                         f"rows (0 to {n_rows - 1}); its rows' labels are in row_ids")
    return row
