"""Headline metrics of a fitted model on given data, for the report's summary."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn import metrics


def _safe(metric, *args, **kwargs) -> float:
    """The metric, or NaN when it is undefined on this data (e.g. AUC with one class)."""
    try:
        return float(metric(*args, **kwargs))
    except ValueError:
        return float("nan")


def _model_labels(classes: np.ndarray, y: np.ndarray, argument: str = "y") -> np.ndarray:
    """``y`` as the model's own labels, compared as values (1 and 1.0 are one class); a
    ValueError naming ``argument`` and the classes when a label is not one of them, since the
    metrics would otherwise count such rows as wrong or come out undefined."""
    positions = pd.Index(classes).get_indexer(pd.Index(y))
    if (positions < 0).any():
        strangers = pd.Series(y[positions < 0], dtype=object).unique()[:5].tolist()
        raise ValueError(f"{argument} holds labels that are not classes of the model: "
                         f"{strangers}; "
                         f"the model's classes are {np.asarray(classes).tolist()} (check the "
                         "labels' type, e.g. '1' against 1)")
    return classes[positions]


def _regression_targets(y: np.ndarray, argument: str = "y") -> np.ndarray:
    """``y`` as finite numbers; a ValueError naming ``argument`` when a target is not a
    number or is missing, which scikit-learn's metrics refuse without saying where."""
    try:
        values = np.asarray(y, dtype=np.float64)
    except (TypeError, ValueError):
        examples = pd.Series(y, dtype=object).unique()[:5].tolist()
        raise ValueError(f"{argument} must be numbers, the regression targets; got values "
                         f"such as {examples}") from None
    bad = np.flatnonzero(~np.isfinite(values))
    if len(bad):
        raise ValueError(f"{argument} has {len(bad)} missing or infinite targets (first at "
                         f"row {bad[0]}); drop those rows first")
    return values


def classification_metrics(classes: np.ndarray, y: np.ndarray, probabilities: np.ndarray,
                           predictions: np.ndarray, argument: str = "y") -> dict[str, float]:
    """AUC (one-vs-rest for multiclass), log loss and accuracy; a ValueError naming
    ``argument`` when ``y`` holds a label that is not one of ``classes``."""
    y = _model_labels(classes, y, argument)
    if len(classes) == 2:
        auc = _safe(metrics.roc_auc_score, y == classes[1], probabilities[:, 1])
    else:
        auc = _safe(metrics.roc_auc_score, y, probabilities, multi_class="ovr", labels=classes)
    return {
        "AUC": auc,
        "Log loss": _safe(metrics.log_loss, y, probabilities, labels=classes),
        "Accuracy": _safe(metrics.accuracy_score, y, predictions),
    }


def regression_metrics(y: np.ndarray, predictions: np.ndarray) -> dict[str, float]:
    """RMSE, MAE and R²."""
    return {
        "RMSE": float(np.sqrt(metrics.mean_squared_error(y, predictions))),
        "MAE": float(metrics.mean_absolute_error(y, predictions)),
        "R²": _safe(metrics.r2_score, y, predictions),
    }


def model_metrics(model: Any, y: Any, probabilities: np.ndarray | None,
                  predictions: np.ndarray, argument: str = "y") -> dict[str, float]:
    """The metrics that fit the model's task; bad targets are named as ``argument``."""
    y = np.asarray(y)
    if probabilities is not None:
        return classification_metrics(np.asarray(model.classes_), y, probabilities, predictions,
                                      argument)
    return regression_metrics(_regression_targets(y, argument), predictions)


def metrics_of(model: Any, X: Any, y: Any, argument: str = "y") -> dict[str, float]:
    """The task's metrics of ``model`` scoring ``X`` against the targets ``y``."""
    if hasattr(model, "classes_"):
        probabilities = model.predict_proba(X)
        predictions = np.asarray(model.classes_)[np.argmax(probabilities, axis=1)]
        return model_metrics(model, y, probabilities, predictions, argument)
    return model_metrics(model, y, None, np.asarray(model.predict(X), dtype=np.float64),
                         argument)
