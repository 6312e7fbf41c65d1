"""What every black-box explanation shares: ``figure`` as another name of ``visualize`` and its
own display in a notebook cell (the Plotly figure of its overview)."""

from __future__ import annotations

import json
from typing import Any

PLOTLY_MIME = "application/vnd.plotly.v1+json"


class Displayed:
    """Adds ``figure(key)`` and notebook display to a class with ``visualize(key)``."""

    name: str

    def visualize(self, key: Any = None):  # pragma: no cover - defined by every subclass
        raise NotImplementedError

    def figure(self, key: Any = None):
        """Interactive Plotly figure, the same as ``visualize(key)``."""
        return self.visualize(key)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict:
        """The overview figure as Plotly's own MIME type, which JupyterLab and VS Code draw
        without loading anything; other front ends show the text."""
        figure = json.loads(self.visualize().to_json())
        return {PLOTLY_MIME: figure, "text/plain": repr(self)}

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"
