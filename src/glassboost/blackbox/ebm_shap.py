"""Exact interventional SHAP values of a glassboost EBM, from its terms.

An EBM's score is the intercept plus a sum of terms, and Shapley values add over a sum, so each
term is shared out on its own: a main effect goes wholly to its feature (its value minus its
mean over the background rows); a term of k features is a k-player game whose coalition S is
worth the term's mean over the background rows with S's features set to the explained row's
values. These are the values shap's exact explainer computes with the same background
(``shap.maskers.Independent``), without sampling and in k x 2^(k-1) term evaluations per
background row instead of 2^features model calls.

The players are the model's input columns: the features an EBM derives from a date column
(``when:year``, ``when:month``, ...) are set together from the column, and what their terms take
goes to the column.
"""

from __future__ import annotations

from itertools import combinations
from math import factorial
from typing import Any

import numpy as np
import pandas as pd

from ..datetimes import source_columns
from ..explain.local_explanation import row_ids_of
from .local_attribution import LocalAttribution
from .prediction import target

#: Rows of mixed explained/background data evaluated at once.
CHUNK_ROWS = 200_000


def _input_columns(ebm: Any) -> tuple[list[str], list[int]]:
    """The model's input columns (a date column once, for all features derived from it) and
    the input column of each of its features."""
    source = source_columns(getattr(ebm, "datetime_conversions_", None))
    sources = [source.get(str(n), str(n)) for n in ebm.feature_names_in_]
    columns = list(dict.fromkeys(sources))
    return columns, [columns.index(c) for c in sources]


class EbmShap:
    """SHAP values of an EBM's score (log-odds for a classifier, the prediction of a
    regressor before any link) against the background ``data``, exact for terms of any size.
    Base value: the intercept plus every term's background mean, so the values add up to
    ``decision_function`` (regressors: the raw score). One value per input column of the
    model (a date column's derived features count as the column). Multiclass EBMs are
    refused."""

    def __init__(self, ebm: Any, data: Any) -> None:
        if not hasattr(ebm, "term_features_") or not hasattr(ebm, "eval_terms"):
            raise TypeError(f"EbmShap explains fitted glassboost EBMs, not "
                            f"{type(ebm).__name__}; use ShapPermutation for other models")
        self.ebm = ebm
        self.feature_names, self._column_of = _input_columns(ebm)
        self.background = self._frame(data, "data")
        self.background_terms = self._terms(self.background).mean(axis=0)

    def _frame(self, X: Any, argument: str) -> pd.DataFrame:
        """``X`` as a frame with the model's input columns in its order."""
        if isinstance(X, pd.DataFrame):
            missing = [n for n in self.feature_names if n not in X.columns]
            if missing:
                raise ValueError(f"{argument} lacks the model's input columns: {missing}")
            return X[self.feature_names].reset_index(drop=True)
        X = np.asarray(X)
        if X.ndim != 2 or X.shape[1] != len(self.feature_names):
            raise ValueError(f"{argument} must have the model's {len(self.feature_names)} "
                             f"columns, got shape {X.shape}")
        return pd.DataFrame(X, columns=self.feature_names)

    def _terms(self, frame: pd.DataFrame) -> np.ndarray:
        terms = np.asarray(self.ebm.eval_terms(frame), dtype=np.float64)
        if terms.ndim != 2:
            raise ValueError("EbmShap explains binary classifiers and regressors; the model "
                             "has one score per class")
        return terms

    def _coalition_value(self, rows: pd.DataFrame, term: int, features: tuple[int, ...]
                         ) -> np.ndarray:
        """Per explained row: the term's mean over the background with the input columns
        ``features`` taken from the row."""
        m = len(self.background)
        per_chunk = max(1, CHUNK_ROWS // m)
        values = []
        for start in range(0, len(rows), per_chunk):
            chunk = rows.iloc[start:start + per_chunk]
            mixed = self.background.iloc[np.tile(np.arange(m), len(chunk))].reset_index(
                drop=True)
            from_rows = np.repeat(np.arange(len(chunk)), m)
            for j in features:
                mixed[self.feature_names[j]] = chunk.iloc[from_rows, j].reset_index(drop=True)
            values.append(self._terms(mixed)[:, term].reshape(len(chunk), m).mean(axis=1))
        return np.concatenate(values)

    def shap_values(self, X: Any) -> np.ndarray:
        """(rows, input columns) SHAP values of the rows of ``X``."""
        rows = self._frame(X, "X")
        terms = self._terms(rows)
        phi = np.zeros((len(rows), len(self.feature_names)))
        for t, features in enumerate(self.ebm.term_features_):
            features = tuple(sorted({self._column_of[int(j)] for j in features}))
            k = len(features)
            if k == 1:
                phi[:, features[0]] += terms[:, t] - self.background_terms[t]
                continue
            worth = {(): np.full(len(rows), self.background_terms[t]), features: terms[:, t]}
            for size in range(1, k):
                for subset in combinations(features, size):
                    worth[subset] = self._coalition_value(rows, t, subset)
            for i in features:
                others = [j for j in features if j != i]
                for size in range(k):
                    weight = factorial(size) * factorial(k - size - 1) / factorial(k)
                    for subset in combinations(others, size):
                        joined = tuple(sorted(subset + (i,)))
                        phi[:, i] += weight * (worth[joined] - worth[subset])
        return phi

    def explain_local(self, X: Any, y: Any = None, name: str | None = None) -> LocalAttribution:
        """Exact SHAP values of every row of ``X``, shown as waterfalls."""
        rows = self._frame(X, "X")
        actual = None if y is None else target(y, len(rows))
        values = self.shap_values(rows)
        base = float(np.ravel(self.ebm.intercept_)[0] + self.background_terms.sum())
        score = float(np.ravel(self.ebm.intercept_)[0]) + self._terms(rows).sum(axis=1)
        labels = [[f"{n} = {v}" for n, v in zip(self.feature_names, row)]
                  for row in rows.itertuples(index=False)]
        classes = getattr(self.ebm, "classes_", None)  # None: a loaded regressor
        return LocalAttribution(name or f"Exact SHAP of {type(self.ebm).__name__}",
                                self.feature_names, rows.to_numpy(dtype=object), values,
                                np.full(len(rows), base), score, actual,
                                "Score" if classes is None
                                else f"Score (log-odds of {classes[1]})",
                                "Exact SHAP (EBM)", labels=labels,
                                row_ids=row_ids_of(X, len(rows)))
