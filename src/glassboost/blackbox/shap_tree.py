"""SHAP values of tree ensembles (LightGBM, XGBoost, scikit-learn's trees), computed by the
``shap`` library's ``TreeExplainer``."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..explain.local_explanation import row_ids_of
from .local_attribution import LocalAttribution
from .prediction import ModelFunction, Table, target


class ShapTree:
    """Exact interventional Shapley values of a tree ensemble (``shap.TreeExplainer`` with
    ``feature_perturbation="interventional"`` over the background ``data``): they add up to
    the output minus its mean over the background. The output is the probability of
    ``classes_[1]`` for a classifier (``model_output="probability"``), the raw score for
    ``response="decision_function"`` and the prediction of a regressor; a classifier's
    ``response="predict"`` (its labels) is refused. Only the tree models
    shap reads (not pipelines or functions: use ``ShapPermutation`` for those).
    """

    def __init__(self, model: Any, data: Any, feature_names: list[str] | None = None,
                 response: str = "auto", **kwargs: Any) -> None:
        from shap import TreeExplainer

        self.function = ModelFunction(model, response)
        if self.function.classes is not None and self.function.method == "predict":
            raise ValueError(f"response={response!r} explains a classifier's predicted labels, "
                             "which shap's TreeExplainer does not compute (its values add up "
                             "to a probability or a raw score); use response='predict_proba' "
                             "or 'decision_function'")
        self.table = Table(data, feature_names)
        background = self.table.numeric()
        output = "probability" if self.function.is_probability else "raw"
        try:
            self.explainer_ = TreeExplainer(model, background,
                                            feature_perturbation="interventional",
                                            model_output=output, **kwargs)
        except Exception as error:  # shap raises bare Exceptions for models it cannot read
            raise TypeError(f"shap's TreeExplainer cannot read a {type(model).__name__} "
                            f"({error}); use ShapPermutation for any model") from error

    def _predict(self, X: np.ndarray) -> np.ndarray:
        return self.function(self.table.rows_like_data(X))

    def explain_local(self, X: Any, y: Any = None, name: str | None = None) -> LocalAttribution:
        """SHAP values of every row of ``X``."""
        rows = Table(self.table.same_columns(X), self.table.feature_names).numeric()
        actual = None if y is None else target(y, len(rows))
        values = np.asarray(self.explainer_.shap_values(rows), dtype=np.float64)
        if values.ndim == 3:  # (rows, features, classes) for some classifiers
            values = values[:, :, -1]
        base = np.ravel(self.explainer_.expected_value)[-1]
        return LocalAttribution(name or f"Tree SHAP of {type(self.function.model).__name__}",
                                self.table.feature_names, rows, values,
                                np.full(len(rows), float(base)), self._predict(rows), actual,
                                self.function.output_title, "Tree SHAP",
                                row_ids=row_ids_of(X, len(rows)))
