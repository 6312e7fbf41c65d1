"""Views of a labelled data set before any model: each feature's histogram per class, and
each feature against a numeric response (InterpretML's ClassHistogram and Marginal)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..blackbox.display import FeatureKeyed
from ..blackbox.prediction import Table, target

#: Rows drawn in a marginal scatter plot (a random sample of them, the same on every call).
MAX_POINTS = 2000


def _is_numeric(column: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)


def _bins(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Bin edges (numbers: numpy's Doane rule over the non-missing values) or the categories,
    and each row's bin (-1 for a missing value). Infinite numbers fit no bin, so are refused."""
    if _is_numeric(column):
        values = column.to_numpy(dtype=np.float64)
        if np.isinf(values).any():
            raise ValueError(f"X column {column.name!r} has {int(np.isinf(values).sum())} "
                             "infinite values, which fit no histogram bin; replace them first")
        present = ~np.isnan(values)
        edges = np.histogram_bin_edges(values[present], bins="doane")
        codes = np.clip(np.searchsorted(edges, values, side="right") - 1, 0, len(edges) - 2)
        return edges, np.where(present, codes, -1)
    codes, categories = pd.factorize(column, sort=True)
    return np.asarray(categories, dtype=object), codes


class ClassHistogram:
    """Histograms of every feature, one per class of the target."""

    def explain_data(self, X: Any, y: Any, name: str | None = None) -> ClassHistogramExplanation:
        table = Table(X)
        y = target(y, len(table.frame))
        missing = np.flatnonzero(pd.isna(y))
        if len(missing):
            raise ValueError(f"y has {len(missing)} missing labels (first at row {missing[0]}); "
                             "drop those rows or give them a label of their own")
        return ClassHistogramExplanation(name or "Class histograms", table, y)


class ClassHistogramExplanation(FeatureKeyed):
    """Key None: the classes and their counts; a feature: its bins (edges of numbers, or the
    categories) and the rows of each class in each bin (missing values counted apart)."""

    def __init__(self, name: str, table: Table, y: np.ndarray) -> None:
        self.name = name
        self.feature_names = table.feature_names
        self._frame = table.frame
        self.classes, self._class_codes = np.unique(y, return_inverse=True)

    def data(self, key: int | str | None = None) -> dict:
        if key is None:
            return {"type": "hist", "names": self.feature_names, "classes": self.classes,
                    "class_counts": np.bincount(self._class_codes, minlength=len(self.classes))}
        j = self._index(key)
        bins, codes = _bins(self._frame.iloc[:, j])
        n_bins = len(bins) - 1 if _is_numeric(self._frame.iloc[:, j]) else len(bins)
        present = codes >= 0
        counts = np.zeros((len(self.classes), n_bins), dtype=np.int64)
        np.add.at(counts, (self._class_codes[present], codes[present]), 1)
        missing = np.bincount(self._class_codes[~present], minlength=len(self.classes))
        return {"type": "histogram", "name": self.feature_names[j], "names": bins,
                "classes": self.classes, "counts": counts, "missing": missing}

    def visualize(self, key: int | str | None = None):
        from .figures import class_histogram_figure, class_counts_figure

        if key is None:
            d = self.data()
            return class_counts_figure(d["classes"], d["class_counts"], self.name)
        return class_histogram_figure(self.data(key))


class Marginal:
    """Every feature against a numeric response: both distributions, a sample of the pairs
    and (numbers only) their Pearson correlation."""

    def explain_data(self, X: Any, y: Any, name: str | None = None) -> MarginalExplanation:
        table = Table(X)
        y = target(y, len(table.frame))
        if not np.issubdtype(y.dtype, np.number):
            raise ValueError("Marginal takes a numeric response; use ClassHistogram for classes")
        y = y.astype(np.float64)
        if np.isinf(y).any():
            raise ValueError(f"y has {int(np.isinf(y).sum())} infinite values (first at row "
                             f"{np.flatnonzero(np.isinf(y))[0]}), which fit no histogram bin; "
                             "replace them first")
        return MarginalExplanation(name or "Marginals", table, y)


class MarginalExplanation(FeatureKeyed):
    """Key None: the response's histogram; a feature: its histogram (or category counts),
    the correlation with the response, and a sample of (feature, response) pairs. Each
    histogram counts its missing values apart (``missing``), so no row goes uncounted."""

    def __init__(self, name: str, table: Table, y: np.ndarray) -> None:
        self.name = name
        self.feature_names = table.feature_names
        self._frame = table.frame
        self.y = y
        rng = np.random.default_rng(0)
        self._sample = np.sort(rng.choice(len(y), min(len(y), MAX_POINTS), replace=False))

    def data(self, key: int | str | None = None) -> dict:
        missing = np.isnan(self.y)
        counts, edges = np.histogram(self.y[~missing], bins="doane")
        response = {"names": edges, "scores": counts, "missing": int(missing.sum())}
        if key is None:
            return {"type": "hist", "names": self.feature_names, "density": response}
        j = self._index(key)
        column = self._frame.iloc[:, j]
        bins, codes = _bins(column)
        n_bins = len(bins) - 1 if _is_numeric(column) else len(bins)
        correlation = None
        if _is_numeric(column):
            x = column.to_numpy(dtype=np.float64)
            both = ~np.isnan(x) & ~np.isnan(self.y)
            correlation = float(np.corrcoef(x[both], self.y[both])[0, 1])
        return {"type": "marginal", "name": self.feature_names[j],
                "feature_density": {"names": bins,
                                    "scores": np.bincount(codes[codes >= 0], minlength=n_bins),
                                    "missing": int((codes < 0).sum())},
                "response_density": response, "correlation": correlation,
                "feature_samples": column.to_numpy()[self._sample],
                "response_samples": self.y[self._sample]}

    def visualize(self, key: int | str | None = None):
        from .figures import marginal_figure, response_figure

        if key is None:
            return response_figure(self.data()["density"], self.name)
        return marginal_figure(self.data(key))
