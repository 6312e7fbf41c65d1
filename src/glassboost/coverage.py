"""Predict-time coverage: how many entries of the data to score fall in a feature's missing bin
or its unseen bin.

Both bins are easy to overlook: a missing value scores what the model learned for missing values
(bin 0), and an unseen value (a category never seen in training, or text in a continuous column)
falls in the last bin, which scores 0, so that term adds nothing to the row's score. The entries
are binned exactly as scoring bins them (the same column matching, typing and bin codes).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

import numpy as np
import pandas as pd

from .binning import bin_column, feature_bins_from_levels
from .schema import Column, align_for_predict

COLUMNS = ["feature", "type", "rows", "missing", "unseen"]


@dataclass(frozen=True)
class Coverage:
    """Per-entry masks of the data scored: ``missing[r, f]`` is True when row ``r`` of feature
    ``f`` fell in the missing bin (bin 0), ``unseen[r, f]`` when it fell in the unseen bin."""

    features: list[str]
    types: list[str]
    missing: np.ndarray  # (n_rows, n_features) bool
    unseen: np.ndarray  # (n_rows, n_features) bool

    def table(self) -> pd.DataFrame:
        """One row per feature: its type, the rows scored, and the missing and unseen counts."""
        return _table(self.features, self.types, self.missing.shape[0],
                      self.missing.sum(axis=0), self.unseen.sum(axis=0))


def _table(features: list[str], types: list[str], n_rows: int, missing, unseen) -> pd.DataFrame:
    return pd.DataFrame({
        "feature": features,
        "type": types,
        "rows": np.full(len(features), n_rows, dtype=np.int64),
        "missing": np.asarray(missing, dtype=np.int64),
        "unseen": np.asarray(unseen, dtype=np.int64),
    }, columns=COLUMNS)


def _check_fitted(model: Any) -> None:
    needed = ("feature_names_in_", "feature_types_in_", "bins_")
    absent = [name for name in needed if not hasattr(model, name)]
    if absent:
        raise ValueError(f"{type(model).__name__} is not fitted: it has no {', '.join(absent)}; "
                         "call fit (or glassboost.load a model file) first")


def _special_masks(model: Any, columns: list[Column]) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Per feature, the (missing, unseen) masks of its column's bin codes."""
    _check_fitted(model)
    for column, kind, levels in zip(columns, model.feature_types_in_, model.bins_):
        bins = feature_bins_from_levels(kind, levels)
        codes = bin_column(column, bins)
        yield codes == 0, codes == bins.n_bins - 1


def aligned_columns(model: Any, X: Any) -> list[Column]:
    """The typed columns of ``X`` as the fitted ``model`` scores them (matched by name or position,
    dates converted as at fit)."""
    _check_fitted(model)
    return align_for_predict(X, [str(n) for n in model.feature_names_in_],
                             list(model.feature_types_in_),
                             getattr(model, "_match_by_name", isinstance(X, pd.DataFrame)),
                             type(model).__name__, getattr(model, "datetime_conversions_", None))


def coverage_of_columns(model: Any, columns: list[Column]) -> Coverage:
    """The coverage of typed columns already matched to the model's features."""
    n_rows = len(columns[0].values) if columns else 0
    missing = np.zeros((n_rows, len(columns)), dtype=bool)
    unseen = np.zeros((n_rows, len(columns)), dtype=bool)
    for f, (is_missing, is_unseen) in enumerate(_special_masks(model, columns)):
        missing[:, f], unseen[:, f] = is_missing, is_unseen
    return Coverage([str(n) for n in model.feature_names_in_], list(model.feature_types_in_),
                    missing, unseen)


def coverage_of(model: Any, X: Any) -> Coverage:
    """The per-entry missing and unseen masks of ``X`` scored by ``model``."""
    return coverage_of_columns(model, aligned_columns(model, X))


def input_coverage(model: Any, X: Any) -> pd.DataFrame:
    """One row per feature of ``model``: ``feature``, ``type``, ``rows`` (rows of ``X``),
    ``missing`` (entries in the missing bin, bin 0) and ``unseen`` (entries in the unseen bin:
    categories never seen in training, or text in a continuous column; they contribute 0).

    ``X`` is matched to the model's features and binned exactly as ``predict`` does it, one
    column at a time (no per-entry masks are kept).
    """
    columns = aligned_columns(model, X)
    counts = np.array([(m.sum(), u.sum()) for m, u in _special_masks(model, columns)],
                      dtype=np.int64).reshape(-1, 2)
    return _table([str(n) for n in model.feature_names_in_], list(model.feature_types_in_),
                  len(columns[0].values) if columns else 0, counts[:, 0], counts[:, 1])
