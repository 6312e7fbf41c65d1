"""What every black-box explanation shares: ``figure`` as another name of ``visualize`` and its
own display in a notebook cell (the Plotly figure of its overview)."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np


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
        without loading anything, and as HTML for other front ends and static exports."""
        from ..display import mime_bundle

        return mime_bundle(self.visualize(), repr(self))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"


class FeatureKeyed(Displayed):
    """A view whose ``data(key)`` / ``visualize(key)`` take a feature by index or name."""

    feature_names: list[str]

    def _index(self, key: int | str) -> int:
        """The feature's position: a name, or an index (negative counts from the end)."""
        if isinstance(key, str):
            if key not in self.feature_names:
                raise KeyError(f"no feature named {key!r}; features: {self.feature_names}")
            return self.feature_names.index(key)
        n = len(self.feature_names)
        if (isinstance(key, (bool, np.bool_)) or not isinstance(key, numbers.Integral)
                or not -n <= key < n):
            raise KeyError(f"key {key!r} is neither a feature name nor a feature index (0 to "
                           f"{n - 1}); features: {self.feature_names}")
        return int(key) % n
