"""Performance views of any fitted model on labelled data: ROC, precision-recall and calibration
curves for binary classifiers, residuals for regressors; every number from ``sklearn.metrics``."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..blackbox.prediction import ModelFunction, numeric_target, target
from .explanation import PerfExplanation
from .figures import calibration_figure, curve_figure, residual_figure


def _scores(function: ModelFunction, X: Any) -> np.ndarray:
    """The model's scores of ``X``, refused when any is NaN or infinite: no curve or error
    measure is defined for them (numpy's histogram would fail with an unclear message)."""
    scores = function(X)
    bad = np.flatnonzero(~np.isfinite(scores))
    if len(bad):
        raise ValueError(f"the model gave {len(bad)} NaN or infinite scores for X (first at "
                         f"row {bad[0]}); a performance view needs a finite score per row")
    return scores


def _density(scores: np.ndarray) -> dict:
    counts, edges = np.histogram(scores, bins="doane")
    return {"names": edges, "scores": counts}


class _BinaryPerf:
    """A binary classifier's (or any scorer's) ranking of the rows against their labels."""

    curve = ""

    def __init__(self, model: Any, response: str = "auto") -> None:
        self.function = ModelFunction(model, response)

    def explain_perf(self, X: Any, y: Any, name: str | None = None) -> PerfExplanation:
        """The curve of the model's scores of ``X`` against the labels ``y``."""
        scores = _scores(self.function, X)
        positive = self.function.is_positive(target(y, len(scores)))
        numbers = {"type": "perf_curve", "curve": self.curve, "scores": scores,
                   "density": _density(scores), **self._curve(positive, scores)}
        return PerfExplanation(name or f"{self.curve.upper()} of "
                               f"{type(self.function.model).__name__}", numbers, curve_figure)


class ROC(_BinaryPerf):
    """Receiver operating characteristic: true against false positive rate at every
    threshold (``sklearn.metrics.roc_curve``), and its area (``roc_auc_score``)."""

    curve = "roc"

    @staticmethod
    def _curve(positive: np.ndarray, scores: np.ndarray) -> dict:
        from sklearn.metrics import roc_auc_score, roc_curve

        fpr, tpr, thresholds = roc_curve(positive, scores)
        return {"x_values": fpr, "y_values": tpr, "threshold": thresholds,
                "auc": float(roc_auc_score(positive, scores))}


class PR(_BinaryPerf):
    """Precision against recall at every threshold (``precision_recall_curve``); its area is
    the average precision (``average_precision_score``), as in InterpretML."""

    curve = "pr"

    @staticmethod
    def _curve(positive: np.ndarray, scores: np.ndarray) -> dict:
        from sklearn.metrics import average_precision_score, precision_recall_curve

        precision, recall, thresholds = precision_recall_curve(positive, scores)
        return {"x_values": recall, "y_values": precision, "threshold": thresholds,
                "auc": float(average_precision_score(positive, scores))}


class RegressionPerf:
    """A regressor's errors: MSE, RMSE, MAE and R² (``sklearn.metrics``) and the residuals.
    Classifiers are refused whatever the ``response``: errors of their probabilities, labels
    or log-odds against the labels are no regression measures."""

    def __init__(self, model: Any, response: str = "auto") -> None:
        self.function = ModelFunction(model, response)
        if self.function.classes is not None:
            raise ValueError(f"RegressionPerf takes regressors; use ROC or PR for classifiers "
                             f"(this model has classes "
                             f"{np.asarray(self.function.classes).tolist()}, and its "
                             f"{self.function.method} is not a prediction of a number)")

    def explain_perf(self, X: Any, y: Any, name: str | None = None) -> PerfExplanation:
        """The errors of the model's predictions of ``X`` against the targets ``y``."""
        from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score

        scores = _scores(self.function, X)
        y = numeric_target(y, len(scores))
        mse = float(mean_squared_error(y, scores))
        numbers = {"type": "perf_curve", "scores": scores, "residuals": y - scores,
                   "density": _density(y - scores), "mse": mse, "rmse": float(np.sqrt(mse)),
                   "mae": float(mean_absolute_error(y, scores)), "r2": float(r2_score(y, scores))}
        return PerfExplanation(name or f"Regression performance of "
                               f"{type(self.function.model).__name__}", numbers, residual_figure)


class Calibration:
    """How well a binary classifier's probabilities match the observed rates: the share of
    positives against the mean predicted probability in ``n_bins`` bins
    (``sklearn.calibration.calibration_curve``; ``strategy`` "uniform" or "quantile") and the
    Brier score (``sklearn.metrics.brier_score_loss``)."""

    def __init__(self, model: Any, n_bins: int = 10, strategy: str = "uniform") -> None:
        self.function = ModelFunction(model, "auto")
        if not self.function.is_probability:
            raise ValueError("Calibration takes binary classifiers with predict_proba")
        self.n_bins = n_bins
        self.strategy = strategy

    def explain_perf(self, X: Any, y: Any, name: str | None = None) -> PerfExplanation:
        """The calibration curve of the model's probabilities of ``X`` against ``y``."""
        from sklearn.calibration import calibration_curve
        from sklearn.metrics import brier_score_loss

        scores = _scores(self.function, X)
        positive = self.function.is_positive(target(y, len(scores)))
        observed, predicted = calibration_curve(positive, scores, n_bins=self.n_bins,
                                                strategy=self.strategy)
        numbers = {"type": "perf_curve", "curve": "calibration", "scores": scores,
                   "density": _density(scores), "x_values": predicted, "y_values": observed,
                   "brier": float(brier_score_loss(positive, scores))}
        return PerfExplanation(name or f"Calibration of {type(self.function.model).__name__}",
                               numbers, calibration_figure)
