"""The fitted additive model: turn typed columns into per-term contributions, and rank terms.

These functions read only the fitted tables (``bins``, ``term_features``, ``term_scores``), so
they serve estimators, loaded model files and edited models alike.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from .binning import FeatureBins, bin_column
from .schema import Column


def term_contributions(columns: Sequence[Column], bins: Sequence[FeatureBins],
                       term_features: Sequence[tuple[int, ...]],
                       term_scores: Sequence[np.ndarray], n_scores: int = 1) -> np.ndarray:
    """Per-row, per-term contributions: (n_rows, n_terms) or (n_rows, n_terms, n_scores).

    ``n_scores`` (one score per class for multiclass, else 1) is given by the caller rather than
    read from the tables, so a model whose terms were all removed still has the right shape.
    """
    n_rows = len(columns[0].values) if columns else 0
    codes_cache: dict[tuple[int, bool], np.ndarray] = {}

    def codes(feature: int, interaction: bool) -> np.ndarray:
        key = (feature, interaction)
        if key not in codes_cache:
            codes_cache[key] = bin_column(columns[feature], bins[feature], interaction)
        return codes_cache[key]

    extra = (n_scores,) if n_scores > 1 else ()
    out = np.empty((n_rows, len(term_features)) + extra)
    for t, (features, table) in enumerate(zip(term_features, term_scores)):
        interaction = len(features) > 1
        index = tuple(codes(f, interaction) for f in features)
        out[:, t] = table[index]
    return out


def term_importances(term_scores: Sequence[np.ndarray], bin_weights: Sequence[np.ndarray],
                     importance_type: str = "avg_weight") -> np.ndarray:
    """Importance of every term.

    ``avg_weight``: mean absolute contribution over the training data (averaged over classes).
    ``min_max``: range of the term's table (largest minus smallest value).
    """
    if importance_type == "avg_weight":
        result = []
        for table, weights in zip(term_scores, bin_weights):
            magnitude = np.abs(table)
            if magnitude.ndim > weights.ndim:
                magnitude = magnitude.mean(axis=-1)
            total = weights.sum()
            result.append(float((magnitude * weights).sum() / total) if total > 0 else 0.0)
        return np.array(result)
    if importance_type == "min_max":
        return np.array([float(np.ptp(table)) if table.size else 0.0 for table in term_scores])
    raise ValueError(
        f"importance_type={importance_type!r} is not supported; use 'avg_weight' or 'min_max'"
    )
