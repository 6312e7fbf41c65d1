"""InterpretML's ``interpret.utils`` helpers for EBMs, with its signatures: ``measure_interactions``
(FAST pair strengths), ``purify`` (the functional-ANOVA split of a table) and ``inv_link``.

They run glassboost's own pieces: the FAST kernel of ``kernels.interactions``, the least-squares
purification of ``purification`` and the binning of ``binning``.
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import expit, softmax
from sklearn.utils.multiclass import type_of_target

from .binning import code_matrix, table_bins
from .estimators import (_check_class_weights, _sample_weights, check_interaction_settings,
                         check_weighted_target, class_target, regression_target)
from .kernels.interactions import pair_strengths
from .kernels.loss import POISSON_DEVIANCE, SURVIVAL_COX
from .objectives import (classification_objective, cox_detection_scores, kernel_params,
                         regression_objective, small_weights_message, survival_target,
                         time_order)
from .parameters import clean_init_score, feature_index
from .purification import purify_pair
from .schema import _warn as warn_data
from .schema import type_table, without_decimal_nans


def _task(y: np.ndarray, init_score: Any, objective: str | None) -> bool:
    """True for classification: from ``objective``, a fitted ``init_score`` model, or y."""
    if objective is not None and objective.strip():
        try:
            regression_objective(objective)
            return False
        except ValueError:
            classification_objective(objective, 2)  # raises naming the objective
            return True
    if hasattr(init_score, "classes_"):
        return True
    if hasattr(init_score, "predict"):
        return False
    kind = type_of_target(y)
    if kind == "continuous":
        return False
    if kind in ("binary", "multiclass"):
        return not (kind == "multiclass" and init_score is not None
                    and np.ndim(init_score) == 1)
    raise ValueError(f"y: unrecognized target type {kind!r}")


def _is_cox(objective: str | None) -> bool:
    """Whether ``objective`` names Cox's (a classification name is not a regression one)."""
    if objective is None or not objective.strip():
        return False
    try:
        return regression_objective(objective).code == SURVIVAL_COX
    except ValueError:
        return False


def measure_interactions(X: Any, y: Any, interactions: Any = None, init_score: Any = None,
                         sample_weight: Any = None, feature_names: Any = None,
                         feature_types: Any = None, max_interaction_bins: int = 64,
                         min_samples_leaf: int = 4, min_hessian: float = 1e-4,
                         reg_alpha: float = 0.0, reg_lambda: float = 0.0,
                         max_delta_step: float = 0.0, objective: str | None = None) -> list:
    """FAST strengths of feature pairs, strongest first: ``[((i, j), strength), ...]``.

    ``interactions``: None for every pair, a count for the strongest that many, or a list of
    pairs (indices or names). Features are binned into ``max_interaction_bins`` quantile bins;
    scores start at ``init_score`` (per-row scores, or a fitted model whose predictions
    through the link give them), else at zero, as in InterpretML. With
    ``objective="survival_cox"``, y is the time, negative when censored (or columns time and
    event), and pairs are ranked on Cox's gradients and hessians at those scores, as a fit
    ranks them. ``reg_alpha``,
    ``reg_lambda`` and ``max_delta_step`` are accepted for InterpretML's signature; only their
    defaults (0) are supported.
    """
    for name, value in (("reg_alpha", reg_alpha), ("reg_lambda", reg_lambda),
                        ("max_delta_step", max_delta_step)):
        if value != 0:
            raise ValueError(f"{name}={value!r}: measure_interactions supports only 0")
    check_interaction_settings(max_interaction_bins, min_samples_leaf, min_hessian)
    table = type_table(X, feature_names, feature_types, "parts", None)
    n_rows = len(table.columns[0].values)
    cox = _is_cox(objective)
    y = survival_target(y) if cox else np.asarray(y)
    if y.ndim != 1 or len(y) != n_rows:
        raise ValueError(f"y must be 1-dimensional with one value per row of X ({n_rows}), got "
                         f"shape {y.shape}")
    missing = np.flatnonzero(pd.isna(without_decimal_nans(pd.Series(y))))
    if len(missing):
        raise ValueError(f"y contains missing values (rows {missing[:5].tolist()})")
    weights = _sample_weights(sample_weight, n_rows)
    # the fit's checks of the target, for the objective it is measured on
    if _task(y, init_score, objective):
        classes, encoded = class_target(y, n_rows)
        light = (_check_class_weights(classes, encoded, weights, min_hessian)
                 if len(classes) > 1 else None)
        if hasattr(init_score, "classes_"):
            classes = np.asarray(init_score.classes_)
            position = pd.Index(classes).get_indexer(y)
            if np.any(position < 0):
                unknown = pd.unique(y[position < 0])[:10].tolist()
                raise ValueError(f"y holds {unknown}, not classes of init_score's model "
                                 f"{classes.tolist()}; its scores are for those classes only")
            encoded = position
        loss = classification_objective(objective or "log_loss", max(2, len(classes)))
        targets = (np.eye(loss.n_scores)[encoded] if loss.n_scores > 1
                   else encoded[:, None].astype(np.float64))
    else:
        loss = regression_objective(objective or "rmse")
        y = regression_target(loss, y, n_rows)
        check_weighted_target(loss, y, weights)
        light = None
        # Cox's targets are the events; the times order the risk sets
        targets = ((y > 0).astype(np.float64) if cox else y)[:, None]
    small = small_weights_message(loss, weights, min_hessian, min_samples_leaf) or light
    if small:  # min_hessian, not the data, would decide which cuts count, as in a fit
        warn_data(small)
    names = table.names
    bins = table_bins(table, weights, max_interaction_bins, max_interaction_bins)
    if interactions is None or isinstance(interactions, (int, np.integer)):
        pairs = list(combinations(range(len(names)), 2))
        top = None if interactions is None or interactions <= 0 else int(interactions)
    else:
        pairs = [_pair(pair, names) for pair in _listed_pairs(interactions)]
        top = None
    if not pairs:
        return []
    start = clean_init_score(init_score, X, n_rows, loss.link, loss.n_scores,
                             exponentiated=loss.exponentiated)
    scores = np.zeros((n_rows, loss.n_scores)) if start is None else start
    code = loss.code
    if cox:  # Poisson's gradients at s + log H(t) are Cox's
        scores = cox_detection_scores(scores, time_order(y), weights, weights * targets[:, 0])
        code = POISSON_DEVIANCE
    strengths = pair_strengths(
        code_matrix(table.columns, bins, True), np.array(pairs, dtype=np.int64),
        np.array([b.n_interaction_bins for b in bins], dtype=np.int64), scores,
        (weights > 0).astype(np.float64), weights, weights[:, None] * targets, code,
        min_samples_leaf, min_hessian, kernel_params(loss, targets[:, 0], weights), None)
    # InterpretML's scale: the gain per unit of training weight, and for squared errors on its
    # loss (y - s)^2, whose gradient and hessian are twice those of our (y - s)^2 / 2 (libebm
    # multiplies by GradientConstant^2 / HessianConstant = 2); checked against interpret-core
    # up to the binning in tests/test_interpret_api.py (pseudo-Huber's and the quantile's
    # strengths are on other scales there; their ranking is the same)
    squared = loss.name in ("rmse", "rmse_log")
    strengths = strengths / weights.sum() * (2.0 if squared else 1.0)
    ranked = sorted(zip(pairs, strengths.tolist()), key=lambda item: -item[1])
    return ranked[:top] if top is not None else ranked


def _marginals(cube: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """Split a table (weights' axes plus a class axis) into its pure part, whose weighted mean
    along every axis is zero, and one marginal per axis (the table without that axis): a
    pair's by weighted least squares (``purification.purify_pair``), a higher-order table's by
    removing each axis's weighted means in turn until they vanish."""
    if weights.ndim == 2:
        pure, rows, cols = purify_pair(cube, weights)
        return pure, [cols, rows]  # without axis 0, without axis 1
    pure = cube.copy()
    parts = [np.zeros(np.delete(cube.shape, a)) for a in range(weights.ndim)]
    scale = max(float(np.abs(cube).max()), 1e-300)
    for _ in range(10_000):
        largest = 0.0
        for a in range(weights.ndim):
            totals = weights.sum(axis=a)[..., None]
            sums = (weights[..., None] * pure).sum(axis=a)
            means = np.divide(sums, totals, out=np.zeros_like(sums), where=totals > 0)
            pure -= np.expand_dims(means, a)
            parts[a] += means
            largest = max(largest, float(np.abs(means).max()))
        if largest <= 1e-15 * scale:
            break
    return pure, parts


def _listed_pairs(interactions: Any) -> list:
    if isinstance(interactions, (str, bytes, dict)) or not hasattr(interactions, "__iter__"):
        raise ValueError(f"interactions must be None, a count, or a list of pairs of features "
                         f"(indices or names), got {interactions!r}")
    return list(interactions)


def _pair(pair: Any, names: list[str]) -> tuple[int, int]:
    """A listed pair's sorted feature indices; ValueError unless it names two features."""
    features = [pair] if isinstance(pair, (str, bytes)) or not hasattr(pair, "__iter__") \
        else list(pair)
    indices = sorted(feature_index(f, names, "interactions") for f in features)
    if len(indices) != 2 or indices[0] == indices[1]:
        raise ValueError(f"interactions: each pair must name two different features, got "
                         f"{pair!r}")
    return indices[0], indices[1]


def purify(scores: Any, weights: Any, tolerance: float = 0.0,
           is_randomized: bool = True) -> tuple[np.ndarray, list, np.ndarray]:
    """Split a table of any number of dimensions into its pure part, the impurities it held
    and an intercept, as InterpretML's ``purify``: ``(pure, [((dims), impurity), ...],
    intercept)``.

    The pure part has zero weighted means along every axis; what it held moves to tables of
    one dimension fewer, purified in turn, down to the intercept. Impurities are listed as
    InterpretML lists them (a pair's: ``((0,), rows)``, ``((1,), cols)``). ``scores`` may have
    one more axis than ``weights`` (one score per class): every class is purified, then the
    class scores of every cell are shifted to sum to zero. Pairs are solved exactly (weighted
    least squares) and higher orders to float precision, so ``tolerance`` and
    ``is_randomized`` change nothing; they are kept for the signature.
    """
    table = np.asarray(scores, dtype=np.float64)
    weights = np.asarray(weights, dtype=np.float64)
    if table.ndim not in (weights.ndim, weights.ndim + 1):
        raise ValueError(f"scores ndim ({table.ndim}) must equal weights ndim ({weights.ndim}) "
                         "or weights ndim + 1")
    if weights.ndim == 0:
        raise ValueError("weights (and scores) must have at least 1 dimension")
    if table.shape[:weights.ndim] != weights.shape:
        raise ValueError(f"scores shape {table.shape} does not match weights {weights.shape}")
    if np.any(weights < 0) or not np.all(np.isfinite(weights)) or weights.sum() <= 0:
        raise ValueError("weights must be finite, non-negative and not all zero")
    if not np.all(np.isfinite(table)):
        raise ValueError("scores must be finite: a NaN or infinity would spread to every cell")
    per_class = table.ndim == weights.ndim + 1
    n_dims = weights.ndim
    full = tuple(range(n_dims))
    # tables still to purify, by the original axes they span; a level holds one size
    level = {full: (table if per_class else table[..., None], weights)}
    pure_table, impurities = None, []
    intercept = np.zeros(table.shape[-1] if per_class else 1)

    def order(axes: tuple) -> int:  # InterpretML's: by the bit mask of the removed axes
        return sum(1 << (n_dims - 1 - a) for a in full if a not in axes)

    while level:
        below: dict[tuple, tuple] = {}
        for axes in sorted(level, key=order):
            cube, w = level[axes]
            if len(axes) == 1:
                mean = np.tensordot(w, cube, axes=1) / w.sum()
                pure = cube - mean
                intercept = intercept + mean
            else:
                pure, parts = _marginals(cube, w)
                for a, part in enumerate(parts):
                    rest = axes[:a] + axes[a + 1:]
                    if rest in below:
                        below[rest] = (below[rest][0] + part, below[rest][1])
                    else:
                        below[rest] = (part, w.sum(axis=a))
            if axes == full:
                pure_table = pure
            else:
                impurities.append((axes, pure))
        level = below
    if per_class:  # class scores matter only up to a constant per cell: make them sum to 0
        return (pure_table - pure_table.mean(axis=-1, keepdims=True),
                [(axes, part - part.mean(axis=-1, keepdims=True)) for axes, part in impurities],
                intercept - intercept.mean())
    return pure_table[..., 0], [(axes, part[..., 0]) for axes, part in impurities], intercept


def inv_link(scores: Any, link: str, link_param: float = np.nan) -> np.ndarray:
    """Predictions from scores: ``logit`` gives both classes' probabilities on a new last
    axis, ``mlogit`` a softmax over the last axis, ``vlogit`` one sigmoid per score, ``log``
    the exponential, ``identity`` the scores, ``monoclassification`` probability 1."""
    scores = np.asarray(scores, dtype=np.float64)
    if link == "identity":
        return scores.copy()
    if link == "logit":
        p = expit(scores)
        return np.stack([1.0 - p, p], axis=-1)
    if link == "mlogit":
        if scores.ndim == 0 or scores.shape[-1] < 2:
            raise ValueError("mlogit needs 2 or more scores in the last dimension")
        return softmax(scores, axis=-1)
    if link == "vlogit":
        return expit(scores)
    if link == "log":
        with np.errstate(over="ignore"):
            return np.exp(scores)
    if link == "monoclassification":
        return np.where(np.isnan(scores), np.nan, 1.0)[..., None]
    raise ValueError(f"unsupported link function {link!r}")
