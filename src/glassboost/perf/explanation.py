"""A performance view: the numbers of one model on one labelled data set, and their figure."""

from __future__ import annotations

from typing import Any, Callable

from ..blackbox.display import Displayed


class PerfExplanation(Displayed):
    """One data set's performance numbers (``data()``) and figure (``visualize()``); a view of
    the whole set, so it has no parts: ``key`` must be None."""

    def __init__(self, name: str, numbers: dict, draw: Callable[[dict, str], Any]) -> None:
        self.name = name
        self._numbers = numbers
        self._draw = draw

    @staticmethod
    def _check(key: Any) -> None:
        if key is not None:
            raise KeyError(f"a performance view has no parts; use key None, not {key!r}")

    def data(self, key: None = None) -> dict:
        """InterpretML's layout of the view's numbers (a ``perf_curve`` dictionary)."""
        self._check(key)
        return self._numbers

    def visualize(self, key: None = None):
        """The Plotly figure of the view."""
        self._check(key)
        return self._draw(self._numbers, self.name)
