"""Any fitted model (or plain function) as one function from rows to one number per row.

Black-box explainers and performance views see a model only through this function: the
probability of the second class (``classes_[1]``, the positive class) for a binary classifier, the
prediction for a regressor or a plain function. Rows are handed to the model in the form the user
gave the data (a data frame with its columns, or an array), so models fitted on either work.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pandas as pd

RESPONSES = ("auto", "predict_proba", "decision_function", "predict")


def target(y: Any, n_rows: int) -> np.ndarray:
    """``y`` as one value per row of X, checked."""
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise ValueError(f"y must be one value per row, got shape {y.shape}")
    if len(y) != n_rows:
        raise ValueError(f"X has {n_rows} rows but y has {len(y)} values")
    return y


def numeric_target(y: Any, n_rows: int) -> np.ndarray:
    """A regressor's targets ``y`` as finite numbers, checked, naming ``y``."""
    y = target(y, n_rows)
    try:
        y = y.astype(np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(f"y must be numbers, the regression targets: {error}") from None
    bad = np.flatnonzero(~np.isfinite(y))
    if len(bad):
        raise ValueError(f"y has {len(bad)} missing or infinite targets (first at row "
                         f"{bad[0]}); drop those rows first")
    return y


class Table:
    """The explained data: its feature names (one per column, each its own) and a float
    matrix, plus how to give rows back to the model (as a data frame with the same columns when
    the data was one)."""

    def __init__(self, data: Any, feature_names: list[str] | None = None) -> None:
        self.is_frame = isinstance(data, pd.DataFrame)
        frame = data if self.is_frame else pd.DataFrame(np.asarray(data))
        if frame.ndim != 2 or frame.shape[1] == 0 or frame.shape[0] == 0:
            raise ValueError(f"data must be a 2-d table with rows and columns, got shape "
                             f"{frame.shape}")
        if feature_names is None:
            feature_names = ([str(c) for c in frame.columns] if self.is_frame
                             else [f"feature_{i}" for i in range(frame.shape[1])])
        if len(feature_names) != frame.shape[1]:
            raise ValueError(f"feature_names has {len(feature_names)} names but the data has "
                             f"{frame.shape[1]} columns")
        self.feature_names = [str(n) for n in feature_names]
        repeated = sorted({n for n in self.feature_names if self.feature_names.count(n) > 1})
        if repeated:
            raise ValueError(f"feature names {repeated} name more than one column (as text); "
                             "an explanation could not tell those columns apart, so give "
                             "every column a name of its own")
        self.columns = list(frame.columns)
        self.frame = frame

    def numeric(self) -> np.ndarray:
        """The data as float64; names the columns that are not numbers, which these
        explainers cannot perturb."""
        bad = [name for name, column in zip(self.feature_names, self.columns)
               if not (pd.api.types.is_numeric_dtype(self.frame[column])
                       and not pd.api.types.is_bool_dtype(self.frame[column]))]
        if bad:
            raise ValueError(f"these columns are not numeric: {bad}; this explainer perturbs "
                             "numbers, so encode them as numbers first")
        return self.frame.to_numpy(dtype=np.float64)

    def numeric_complete(self, argument: str) -> np.ndarray:
        """The data as float64 without missing values, for explainers that sample around
        the values and cannot (LIME); names the columns with missing values."""
        values = self.numeric()
        missing = [name for name, hole in zip(self.feature_names, np.isnan(values).any(axis=0))
                   if hole]
        if missing:
            raise ValueError(f"{argument} has missing values in columns {missing}; this "
                             "explainer cannot sample around them, so fill them or drop those "
                             "rows first")
        return values

    def rows_like_data(self, X: np.ndarray) -> Any:
        """Rows as the model expects them: a frame with the data's columns, or the array."""
        X = np.asarray(X, dtype=np.float64).reshape(-1, len(self.columns))
        return pd.DataFrame(X, columns=self.columns) if self.is_frame else X

    def same_columns(self, X: Any) -> pd.DataFrame:
        """``X`` as a frame with the data's columns, checked to have them; a frame explained
        against an array's data is matched by the feature names."""
        if isinstance(X, pd.DataFrame):
            missing = [c for c in self.columns if c not in X.columns]
            if not self.is_frame and missing:
                named = [n for n in self.feature_names if n not in X.columns]
                if not named:
                    return X[self.feature_names].set_axis(self.columns, axis=1)
                missing = named
            if missing:
                raise ValueError(f"X lacks columns of the explainer's data: {missing}")
            return X[self.columns]
        X = np.asarray(X)
        if X.ndim == 1:
            X = X.reshape(1, -1)
        if X.ndim != 2 or X.shape[1] != len(self.columns):
            raise ValueError(f"X must have {len(self.columns)} columns like the explainer's "
                             f"data, got shape {X.shape}")
        return pd.DataFrame(X, columns=self.columns)


class ModelFunction:
    """One number per row from a fitted model or a plain function, and what that number is.

    ``response`` "auto" takes ``predict_proba`` (binary classifiers: the probability of
    ``classes_[1]``) when the model has it and its ``classes_`` is not None (a loaded
    regressor's, whose ``predict_proba`` refuses), else ``predict``, else calls the model itself;
    "decision_function" explains the score before the link (an EBM's log-odds, where it is
    additive).
    """

    def __init__(self, model: Any, response: str = "auto") -> None:
        if response not in RESPONSES:
            raise ValueError(f"response must be one of {RESPONSES}, got {response!r}")
        self.model = model
        method = response
        if response == "auto":
            no_classes = getattr(model, "classes_", ()) is None  # a loaded regressor
            scorers = ("predict",) if no_classes else ("predict_proba", "predict")
            method = next((m for m in scorers if hasattr(model, m)), None)
        if method is None:
            if not callable(model):
                raise TypeError("model must have predict_proba or predict, or be a function "
                                f"of the rows; got {type(model).__name__}")
            self._predict: Callable = model
        elif not hasattr(model, method):
            raise TypeError(f"response={response!r} but {type(model).__name__} has no {method}")
        else:
            self._predict = getattr(model, method)
        self.method = method or "function"
        classes = getattr(model, "classes_", None)
        self.classes = None if classes is None else list(classes)
        if self.classes is not None:
            self._check_classes(response)
        positive = self.classes[1] if self.classes is not None else 1
        if self.method == "predict_proba":
            self.output_title = f"P({positive})"
        elif self.method == "decision_function":
            self.output_title = self._score_title(positive)
        else:
            self.output_title = "Prediction"

    def _score_title(self, positive: Any) -> str:
        """What ``decision_function`` gives: an EBM classifier's log-odds of ``classes_[1]``;
        for other classifiers a score for ``classes_[1]`` (an SVM's margin is no log-odds)."""
        if self.classes is None:
            return "Score"
        if getattr(self.model, "link_", None) == "logit":
            return f"Score (log-odds of {positive})"
        return f"Score of {positive} (decision_function)"

    def _check_classes(self, response: str) -> None:
        """Refuse what is not one number per row: multiclass models, and class labels that
        are not numbers when ``predict`` gives labels."""
        if len(self.classes) != 2:
            raise ValueError(f"only binary classifiers and regressors can be explained; "
                             f"the model has {len(self.classes)} classes")
        if self.method == "predict" and not pd.api.types.is_numeric_dtype(
                np.asarray(self.classes)):
            labels = [str(c) for c in self.classes]
            raise ValueError(f"response={response!r} explains the model's predict, which gives "
                             f"the class labels {labels}, not numbers; use "
                             "response='predict_proba' (or 'decision_function')")

    @property
    def is_probability(self) -> bool:
        return self.method == "predict_proba"

    @property
    def ranks_classes(self) -> bool:
        """True when the number ranks the rows by ``classes_[1]``: a binary classifier's
        probability or its score before the link (``decision_function``)."""
        return self.is_probability or (self.method == "decision_function"
                                       and self.classes is not None)

    def is_positive(self, y: Any) -> np.ndarray:
        """True where a label of ``y`` is the class whose probability this function gives
        (``classes_[1]``; the larger of two labels for a model without ``classes_``, or 1 when
        ``y`` holds one label, as in scikit-learn), so scores of that probability do not depend
        on how the labels sort."""
        y = np.asarray(y)
        values = list(np.unique(y))
        known = self.classes if self.classes is not None else values
        if len(values) > 2 or not set(values) <= set(known):
            raise ValueError(f"y must hold the two classes of the model "
                             f"{np.asarray(known).tolist()}, got {np.asarray(values[:5]).tolist()}")
        if self.classes is not None:
            return y == self.classes[1]
        if len(values) == 2:
            return y == max(values)
        if values[0] not in (-1, 0, 1):
            raise ValueError(f"y holds the one label {np.asarray(values).tolist()} and the model "
                             "has no classes_ to tell whether it is the positive class; give "
                             "labels 0 and 1 (1 positive)")
        return y == 1

    def __call__(self, X: Any) -> np.ndarray:
        out = np.asarray(self._predict(X), dtype=np.float64)
        if self.method == "predict_proba":
            if out.ndim != 2 or out.shape[1] != 2:
                raise ValueError(f"predict_proba gave shape {out.shape}; only binary "
                                 "classifiers (two columns) can be explained")
            return out[:, 1]
        if out.ndim == 2 and out.shape[1] == 1:
            out = out[:, 0]
        if out.ndim != 1 or len(out) != len(X):
            raise ValueError(f"the model gave shape {out.shape} for {len(X)} rows; expected "
                             "one number per row")
        return out
