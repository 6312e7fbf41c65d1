"""Permutation SHAP values of any model, computed by the ``shap`` library's
``PermutationExplainer``."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..explain.local_explanation import row_ids_of
from .local_attribution import LocalAttribution
from .prediction import ModelFunction, Table, target


class ShapPermutation:
    """Shapley values estimated by ``shap.PermutationExplainer``: features are added in random
    orders (each order and its reverse), and a feature not yet added takes the background rows'
    values (``shap.maskers.Independent``), so the values are interventional and add up to the
    model's output minus the mean output over the background (local accuracy). Exact for an
    additive model. Numeric features only; each row costs about
    ``2 x max_evals`` x background predictions.

    ``seed`` goes to ``shap.PermutationExplainer``, which seeds numpy's global generator with it
    when built, so building and explaining again gives the same values. ``kwargs`` go to
    ``shap.PermutationExplainer``; with its ``link`` (e.g. ``shap.links.logit``) the values,
    the base value and the shown output are on the link's scale.
    """

    def __init__(self, model: Any, data: Any, feature_names: list[str] | None = None,
                 response: str = "auto", seed: int | None = 0, **kwargs: Any) -> None:
        from shap import PermutationExplainer
        from shap.maskers import Independent

        self.function = ModelFunction(model, response)
        self.table = Table(data, feature_names)
        background = self.table.numeric()
        masker = Independent(background, max_samples=len(background))
        self.explainer_ = PermutationExplainer(self._predict, masker, seed=seed, **kwargs)

    def _predict(self, X: np.ndarray) -> np.ndarray:
        return self.function(self.table.rows_like_data(X))

    def explain_local(self, X: Any, y: Any = None, name: str | None = None,
                      **kwargs: Any) -> LocalAttribution:
        """SHAP values of every row of ``X``; ``kwargs`` go to the explainer's call
        (``max_evals``, ``batch_size``, ...)."""
        from shap.links import identity

        rows = Table(self.table.same_columns(X), self.table.feature_names).numeric()
        actual = None if y is None else target(y, len(rows))
        kwargs.setdefault("silent", True)
        result = self.explainer_(rows, **kwargs)
        values = np.asarray(result.values, dtype=np.float64).reshape(rows.shape)
        base = np.asarray(result.base_values, dtype=np.float64).reshape(len(rows))
        link, output, title = self.explainer_.link, self._predict(rows), self.function.output_title
        if link is not identity:  # the values add up to the output through the link
            output = np.asarray(link(output), dtype=np.float64)
            title = f"{getattr(link, '__name__', 'link')} of {title}"
        return LocalAttribution(
            name or f"Permutation SHAP of {type(self.function.model).__name__}",
            self.table.feature_names, rows, values, base, output, actual, title,
            "Permutation SHAP", row_ids=row_ids_of(X, len(rows)))
