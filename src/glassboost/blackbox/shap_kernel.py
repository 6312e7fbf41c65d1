"""Kernel SHAP values of any model, computed by the ``shap`` library's ``KernelExplainer``."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..explain.local_explanation import row_ids_of
from .local_attribution import LocalAttribution
from .prediction import ModelFunction, Table, target


class ShapKernel:
    """Shapley values of each feature for each explained row, against the background ``data``
    (``shap.KernelExplainer``; a feature left out of a coalition takes the background rows'
    values, so the values are interventional). They add up to the model's output minus the
    mean output over the background (local accuracy). Numeric features only; keep the
    background small (tens to a hundred rows, or ``shap.kmeans``' summary): every explained row
    costs ``nsamples`` x background predictions.

    ``kwargs`` go to ``shap.KernelExplainer``; with its ``link`` (e.g. "logit") the values,
    the base value and the shown output are on the link's scale (the logit of the probability).
    """

    def __init__(self, model: Any, data: Any, feature_names: list[str] | None = None,
                 response: str = "auto", **kwargs: Any) -> None:
        from shap import KernelExplainer

        self.function = ModelFunction(model, response)
        self.table = Table(data, feature_names)
        background = self.table.numeric()
        self.explainer_ = KernelExplainer(self._predict, background, **kwargs)

    def _predict(self, X: np.ndarray) -> np.ndarray:
        return self.function(self.table.rows_like_data(X))

    def explain_local(self, X: Any, y: Any = None, name: str | None = None,
                      **kwargs: Any) -> LocalAttribution:
        """SHAP values of every row of ``X``; ``kwargs`` go to ``shap_values`` (``nsamples``,
        ``l1_reg``, ...)."""
        rows = Table(self.table.same_columns(X), self.table.feature_names).numeric()
        actual = None if y is None else target(y, len(rows))
        kwargs.setdefault("silent", True)
        values = np.asarray(self.explainer_.shap_values(rows, **kwargs), dtype=np.float64)
        values = values.reshape(len(rows), len(self.table.feature_names))
        base = np.full(len(rows), float(np.ravel(self.explainer_.expected_value)[0]))
        link, output, title = self.explainer_.link, self._predict(rows), self.function.output_title
        if str(link) != "identity":  # the values add up to the output through the link
            output, title = np.asarray(link.f(output), dtype=np.float64), f"{link} of {title}"
        return LocalAttribution(name or f"Kernel SHAP of {type(self.function.model).__name__}",
                                self.table.feature_names, rows, values, base, output, actual,
                                title, "Kernel SHAP", row_ids=row_ids_of(X, len(rows)))
