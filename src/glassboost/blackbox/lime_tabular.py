"""LIME explanations of any model, computed by the ``lime`` package's ``LimeTabularExplainer``."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..explain.local_explanation import row_ids_of
from ..parameters import check_number
from .local_attribution import LocalAttribution
from .prediction import ModelFunction, Table, target


class LimeTabular:
    """A weighted linear surrogate of the model around each explained row, fitted by
    ``lime.lime_tabular.LimeTabularExplainer`` on samples drawn like the training ``data``.

    A row's ``scores`` are each feature's part of the surrogate's prediction: the surrogate's
    weight times the row's value in the surrogate's features (1 for the row's own bin when
    continuous features are discretized, lime's default; the standardized value when not), so
    the intercept plus the scores is the surrogate's prediction at the row (``local_pred``),
    which approximates the model's output. The weights themselves are in ``data()``'s
    ``weights``. Numeric features without missing values only (lime samples around them);
    ``kwargs`` go to ``LimeTabularExplainer`` (``discretize_continuous``, ``kernel_width``,
    ...); ``random_state`` makes samples repeat.
    """

    def __init__(self, model: Any, data: Any, feature_names: list[str] | None = None,
                 response: str = "auto", random_state: int | None = 0, **kwargs: Any) -> None:
        from lime.lime_tabular import LimeTabularExplainer

        self.function = ModelFunction(model, response)
        self.table = Table(data, feature_names)
        mode = "classification" if self.function.is_probability else "regression"
        self.explainer_ = LimeTabularExplainer(
            self.table.numeric_complete("data"), mode=mode, feature_names=self.table.feature_names,
            random_state=random_state, **kwargs)

    def _predict(self, X: np.ndarray) -> np.ndarray:
        return self.function(self.table.rows_like_data(X))

    def _lime_predict(self, X: np.ndarray) -> np.ndarray:
        """What lime asks for: both class probabilities for a classifier, else the output."""
        out = self._predict(X)
        return np.column_stack([1 - out, out]) if self.function.is_probability else out

    def _surrogate_values(self, row: np.ndarray) -> np.ndarray:
        """The row in the surrogate's features: 1 for its own bin or category, the
        standardized value for a continuous feature that is not discretized."""
        values = np.ones(len(row))
        if self.explainer_.discretizer is None:
            scaler = self.explainer_.scaler
            continuous = np.setdiff1d(np.arange(len(row)), self.explainer_.categorical_features)
            values[continuous] = ((row - scaler.mean_) / scaler.scale_)[continuous]
        return values

    def explain_local(self, X: Any, y: Any = None, name: str | None = None,
                      num_samples: int = 5000, **kwargs: Any) -> LocalAttribution:
        """LIME's surrogate of every row of ``X``; ``kwargs`` go to ``explain_instance``."""
        check_number("num_samples", num_samples, 2, integer=True)
        table = Table(self.table.same_columns(X), self.table.feature_names)
        rows = table.numeric_complete("X")
        actual = None if y is None else target(y, len(rows))
        n_features = rows.shape[1]
        weights, scores = np.zeros_like(rows), np.zeros_like(rows)
        intercept, labels = np.zeros(len(rows)), []
        for i, row in enumerate(rows):
            found = self.explainer_.explain_instance(
                row, self._lime_predict, labels=(1,), num_features=n_features,
                num_samples=num_samples, **kwargs)
            row_labels = list(self.table.feature_names)
            for (j, weight), (text, _) in zip(found.local_exp[1], found.as_list(label=1)):
                weights[i, j] = weight
                row_labels[j] = text
            scores[i] = weights[i] * self._surrogate_values(row)
            intercept[i] = found.intercept[1]
            labels.append(row_labels)
        return LocalAttribution(
            name or f"LIME of {type(self.function.model).__name__}", self.table.feature_names,
            rows, scores, intercept, self._predict(rows), actual, self.function.output_title,
            "LIME", labels, {"weights": weights}, row_ids_of(X, len(rows)))
