"""scikit-learn's ``score`` of Dask collections, from per-partition sums.

Each partition is predicted and compared with its labels on its worker, which sends back a
few numbers: a classifier's weight of correct predictions and total weight (accuracy), a
regressor's total weight, weighted mean and sum of squared deviations of y, and weighted sum
of squared residuals (R^2, the squared deviations merged across partitions by Chan et al.'s
pairwise rule, which stays accurate where a sum of y and of y^2 would cancel). Neither the
rows nor the predictions travel to the client, so scoring costs the client nothing per row.
The metrics are scikit-learn's: accuracy per partition is ``accuracy_score`` itself (its
checks of the labels included), and R^2 follows ``r2_score``, so the score equals the
single-machine ``score`` of the computed rows up to the order of floating-point sums.
"""

from __future__ import annotations

import warnings
from typing import Any

import dask
import numpy as np
from dask import delayed
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.metrics import accuracy_score
from sklearn.utils import check_array

from .inputs import row_partitions
from .partition import _target, partition_weights


def _predicted(X: Any, y: Any, sample_weight: Any, index: int, model: Any) -> tuple:
    """A partition's labels, predictions and weights, its row counts checked (an empty
    partition, common after filtering, predicts nothing)."""
    n_rows = len(X)
    y = _target(y, n_rows, index)
    weights = partition_weights(sample_weight, n_rows, index)
    return y, model.predict(X) if n_rows else None, weights


def accuracy_sums(X: Any, y: Any, sample_weight: Any, index: int, model: Any) -> np.ndarray:
    """(rows, weight of the correctly predicted rows, total weight) of partition ``index``."""
    y, predicted, weights = _predicted(X, y, sample_weight, index, model)
    if predicted is None:
        return np.zeros(3)
    try:
        correct = accuracy_score(y, predicted, normalize=False, sample_weight=weights)
    except (TypeError, ValueError) as error:
        raise ValueError(f"partition {index} of y: {error}") from None
    return np.array([len(weights), correct, weights.sum()])


def r2_sums(X: Any, y: Any, sample_weight: Any, index: int, model: Any) -> np.ndarray:
    """(rows, total weight, weighted mean of y, weighted squared deviations of y from it,
    weighted squared residuals) of partition ``index``."""
    y, predicted, weights = _predicted(X, y, sample_weight, index, model)
    if predicted is None:
        return np.zeros(5)
    try:
        y = check_array(y, ensure_2d=False, dtype=np.float64, input_name="y").reshape(-1)
    except (TypeError, ValueError) as error:
        raise ValueError(f"partition {index} of y: {error}") from None
    total = weights.sum()
    mean = np.average(y, weights=weights) if total > 0 else 0.0
    return np.array([len(weights), total, mean, np.sum(weights * (y - mean) ** 2),
                     np.sum(weights * (y - predicted) ** 2)])


def _r2(sums: list[np.ndarray]) -> float:
    """R^2 from the partitions' ``r2_sums``, as ``sklearn.metrics.r2_score`` gives it (nan
    below two rows; 1.0 for a perfect fit, 0.0 for an imperfect one of a constant y)."""
    if sum(s[0] for s in sums) < 2:
        warnings.warn("R^2 score is not well-defined with less than two samples.",
                      UndefinedMetricWarning, stacklevel=3)
        return float("nan")
    weight, mean, deviations, residuals = 0.0, 0.0, 0.0, 0.0
    for _, w, m, d, r in sums:
        residuals += r
        if w == 0:
            continue
        joined = weight + w
        delta = m - mean
        mean += delta * w / joined
        deviations += d + delta * delta * weight * w / joined
        weight = joined
    if weight == 0:
        raise ValueError("sample_weight is zero everywhere; R^2 needs some weight")
    if residuals == 0:
        return 1.0
    return 0.0 if deviations == 0 else float(1 - residuals / deviations)


def distributed_score(model: Any, X: Any, y: Any, sample_weight: Any, classifier: bool,
                      scheduler: Any = None) -> float:
    """``model.score(X, y, sample_weight)`` (accuracy, or R^2) of Dask collections partitioned
    alike, summed per partition on ``scheduler`` (None: Dask's default)."""
    partitions = row_partitions(X, y, sample_weight)
    shared = delayed(model)  # one copy in the graph, not one per task
    task = accuracy_sums if classifier else r2_sums
    (sums,) = dask.compute([delayed(task)(x, yp, w, i, shared)
                            for i, (x, yp, w) in enumerate(partitions)], scheduler=scheduler)
    if classifier:
        n_rows, correct, total = np.sum(sums, axis=0)
        if n_rows == 0 or total == 0:
            raise ValueError("accuracy needs rows with some weight; X has "
                             + ("no rows" if n_rows == 0 else "only rows of weight zero"))
        return float(correct / total)
    return _r2(sums)
