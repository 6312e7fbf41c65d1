"""Permutation importance of any model, computed by ``sklearn.inspection.permutation_importance``."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import numpy as np

from .display import FeatureKeyed
from .prediction import ModelFunction, Table, numeric_target, target


class _Fitted:
    """The model as the fitted estimator ``permutation_importance`` takes: it only checks that
    ``fit`` exists and never calls it; scoring goes through ``PermutationImportance._score``."""

    def __init__(self, function: ModelFunction) -> None:
        self.function = function

    def fit(self, X: Any, y: Any = None) -> _Fitted:
        return self


class PermutationImportance:
    """How much a score drops when one feature's column is shuffled (``n_repeats`` times),
    by scikit-learn's ``permutation_importance`` on labelled data.

    ``metric(y_true, output)`` (greater is better) scores the model's one number per row; the
    default is ROC AUC for a binary classifier's probability or score (``decision_function``)
    and R² otherwise. For a classifier's probability or score, ``y_true`` is whether the label
    is ``classes_[1]``, the class it ranks, however the classes are ordered. Rows go to the
    model in the form given, so categorical columns and pipelines work as fitted.
    """

    def __init__(self, model: Any, response: str = "auto",
                 metric: Callable[[np.ndarray, np.ndarray], float] | None = None,
                 n_repeats: int = 5, random_state: int | None = 0) -> None:
        from sklearn.metrics import r2_score, roc_auc_score

        if metric is not None and not callable(metric):
            raise ValueError(f"metric must be a function metric(y_true, output), greater is "
                             f"better (e.g. sklearn.metrics.roc_auc_score), not {metric!r}; "
                             "scikit-learn's scorer names are not taken")
        self.function = ModelFunction(model, response)
        self.metric = metric or (roc_auc_score if self.function.ranks_classes else r2_score)
        self.n_repeats = n_repeats
        self.random_state = random_state

    def _score(self, _: Any, X: Any, y: np.ndarray) -> float:
        return float(self.metric(y, self.function(X)))

    def explain_global(self, X: Any, y: Any, feature_names: list[str] | None = None,
                       name: str | None = None) -> ImportanceExplanation:
        """Each feature's mean drop of the metric over the repeats, their spread and every
        repeat's drop."""
        from sklearn.inspection import permutation_importance

        table = Table(X, feature_names)
        if self.function.ranks_classes:
            y = self.function.is_positive(target(y, len(table.frame)))
        else:  # scored against numbers: the targets must be numbers too
            y = numeric_target(y, len(table.frame))
        data = X if table.is_frame else table.frame.to_numpy()
        result = permutation_importance(_Fitted(self.function), data, y, scoring=self._score,
                                        n_repeats=self.n_repeats,
                                        random_state=self.random_state)
        metric = getattr(self.metric, "__name__", "metric")
        return ImportanceExplanation(
            name or f"Permutation importance of {type(self.function.model).__name__}",
            table.feature_names, result["importances"], f"Drop of {metric} when shuffled")


class ImportanceExplanation(FeatureKeyed):
    """One importance per feature with its repeats: ``data()`` gives names, the mean
    (``scores``) and standard deviation; a feature (index or name) gives its repeats."""

    def __init__(self, name: str, feature_names: list[str], repeats: np.ndarray,
                 title: str) -> None:
        self.name = name
        self.feature_names = feature_names
        self.repeats = np.asarray(repeats, dtype=np.float64)
        self.scores = self.repeats.mean(axis=1)
        self.title = title

    def data(self, key: int | str | None = None) -> dict:
        if key is None:
            return {"type": "global", "names": self.feature_names, "scores": self.scores,
                    "std": self.repeats.std(axis=1), "importances": self.repeats}
        j = self._index(key)
        return {"type": "importance", "name": self.feature_names[j],
                "score": float(self.scores[j]), "repeats": self.repeats[j]}

    def visualize(self, key: int | str | None = None):
        """Every feature's mean importance for None, else one feature's repeats."""
        from ..explain.figures import importance_figure

        if key is None:
            return importance_figure(self.feature_names, self.scores, self.title, self.name)
        d = self.data(key)
        names = [f"repeat {k + 1}" for k in range(len(d["repeats"]))]
        return importance_figure(names, d["repeats"], self.title, d["name"])

    def plot(self, key: None = None, path: str | Path | None = None) -> Any:
        """Static matplotlib bars of every feature's mean importance."""
        from ..explain import static

        if key is not None:
            raise KeyError("the static plot shows every feature; use key None")
        return static.save(static.importance_plot(self.feature_names, self.scores,
                                                  self.title), path)
