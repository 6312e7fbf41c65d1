"""A local explanation by feature attributions (SHAP, LIME): per row, one number per feature
and a base value, shown as the same waterfall as an EBM's local explanation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..explain.base import row_position
from ..explain.waterfall import Waterfall, build_waterfall
from .display import Displayed


class LocalAttribution(Displayed):
    """Per-row attributions of every feature with a base value.

    ``scores`` is (rows, features), ``intercept`` one base value per row (SHAP: the mean output
    over the background data; LIME: the local linear model's intercept), ``predictions`` the
    model's output for each row. For SHAP, ``intercept + scores.sum(axis=1)`` equals the
    prediction (local accuracy); for LIME it is the local surrogate's prediction. ``labels``
    name each row's features in the plots (default ``name = value``); ``extras`` are more
    per-row arrays for ``data()`` (LIME's surrogate weights). ``row_ids`` label the rows as
    the EBM's own local explanations do: the frame's index, else positions.
    """

    def __init__(self, name: str, feature_names: list[str], values: np.ndarray,
                 scores: np.ndarray, intercept: np.ndarray, predictions: np.ndarray,
                 actual: np.ndarray | None, output_title: str, method: str,
                 labels: list[list[str]] | None = None, extras: dict | None = None,
                 row_ids: list | None = None) -> None:
        self.name = name
        self.feature_names = feature_names
        self.values = values
        self.scores = scores
        self.intercept = intercept
        self.predictions = predictions
        self.actual = actual
        self.output_title = output_title
        self.method = method
        self.labels = labels
        self.extras = extras or {}
        self.row_ids = list(range(len(scores))) if row_ids is None else list(row_ids)
        if len(self.row_ids) != len(scores):
            raise ValueError(f"row_ids has {len(self.row_ids)} labels for {len(scores)} rows")

    def __len__(self) -> int:
        return len(self.scores)

    def _row(self, key: Any) -> int:
        return row_position(key, len(self))

    def _row_labels(self, row: int) -> list[str]:
        if self.labels is not None:
            return self.labels[row]
        return [f"{n} = {v:.4g}" for n, v in zip(self.feature_names, self.values[row])]

    def data(self, key: int | None = None) -> dict:
        """InterpretML's layout: key None gives every row's attributions; a row number gives
        that row's feature names, attributions, values, the base value (as ``extra``, named
        Intercept) and the prediction (``perf``)."""
        if key is None:
            return {"type": "local", "names": self.feature_names, "scores": self.scores,
                    "intercept": self.intercept, "predictions": self.predictions,
                    "actual": self.actual, "method": self.method, "row_ids": self.row_ids,
                    **self.extras}
        row = self._row(key)
        actual = None if self.actual is None else self.actual[row]
        return {"type": "univariate", "row_id": self.row_ids[row], "names": self.feature_names,
                "scores": self.scores[row],
                "values": self.values[row],
                "extra": {"names": ["Intercept"], "scores": [float(self.intercept[row])],
                          "values": [1]},
                "perf": {"predicted": float(self.predictions[row]), "actual": actual,
                         "predicted_score": float(self.predictions[row])}}

    def waterfall(self, row: int = 0, max_terms: int = 12) -> Waterfall:
        """The bars of one row: from the base value through each feature's attribution."""
        row = self._row(row)
        actual = "" if self.actual is None else f", actual {self.actual[row]}"
        title = (f"Row {self.row_ids[row]} ({self.method}): "
                 f"model output {self.predictions[row]:.4g}{actual}")
        total = float(self.intercept[row] + self.scores[row].sum())
        note = "" if np.isclose(total, self.predictions[row]) else "local surrogate's output"
        return build_waterfall(title, self._row_labels(row), np.asarray(self.scores[row]),
                               float(self.intercept[row]), self.output_title, note, max_terms)

    def visualize(self, key: int | None = None):
        """The waterfall of row ``key`` (the first row for None)."""
        from ..explain.figures import waterfall_figure

        return waterfall_figure(self.waterfall(0 if key is None else int(key)))

    def plot(self, row: int = 0, path: str | Path | None = None, max_terms: int = 12) -> Any:
        """Static matplotlib waterfall of one row, saved to ``path`` when given."""
        from ..explain import static

        return static.save(static.waterfall_plot(self.waterfall(row, max_terms)), path)
