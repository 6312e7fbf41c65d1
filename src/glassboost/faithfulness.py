"""How faithful attributions are to the model they explain.

- Deletion and insertion curves (Petsiuk et al., RISE, 2018; Samek et al., 2017): per row,
  features are replaced by a background value in the order of their attributions, largest
  first (deletion: from the row towards the background; insertion: from the background
  towards the row), and the model's output is tracked; the area under the mean curve over the
  fraction of features moved sums it up. Faithful attributions make the deletion curve fall
  fast (small area) and the insertion curve rise fast (large area); compare with a random
  order.
- ROAR-style retrain-and-remove (Hooker et al., 2019), with one global order: the k most
  important features are replaced by their training mean (or most common value) in training
  and test data, the model is refitted, and its test score tracked for every k. Removing truly
  important features first lowers the score fastest (small area).
- Recovery of known truth: the correlation of an EBM's terms with the true shapes and pairs of
  synthetic data (``benchmarks/datasets.py``'s ``ga2m`` generator documents one).

Every result has the one explanation interface (``data()``, ``visualize()``).
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from .blackbox.display import Displayed
from .blackbox.prediction import ModelFunction, target


class Curves(Displayed):
    """Named curves over a common x axis and the area under each (trapezoids, x in [0, 1])."""

    def __init__(self, name: str, x: np.ndarray, curves: dict[str, np.ndarray], x_title: str,
                 y_title: str) -> None:
        self.name = name
        self.x = np.asarray(x, dtype=np.float64)
        self.curves = {k: np.asarray(v, dtype=np.float64) for k, v in curves.items()}
        from sklearn.metrics import auc

        self.auc = {k: float(auc(self.x, v)) for k, v in self.curves.items()}
        self.x_title, self.y_title = x_title, y_title

    def data(self, key: str | None = None) -> dict:
        """Every curve and its area for None; one curve by name."""
        if key is None:
            return {"type": "faithfulness", "x": self.x, "curves": self.curves,
                    "auc": self.auc}
        if key not in self.curves:
            raise KeyError(f"no curve named {key!r}; curves: {list(self.curves)}")
        return {"type": "faithfulness", "x": self.x, "scores": self.curves[key],
                "auc": self.auc[key]}

    def visualize(self, key: str | None = None):
        """The curves (or one), their areas in the legend."""
        import plotly.graph_objects as go

        from .explain.figures import _finish as finish_layout
        from .explain.labels import plotly_text

        if key is not None:
            self.data(key)  # names a missing curve
        names = list(self.curves) if key is None else [key]
        fig = go.Figure()
        for name in names:
            fig.add_trace(go.Scatter(x=self.x, y=self.curves[name], mode="lines+markers",
                                     name=plotly_text(f"{name} (area {self.auc[name]:.4g})"),
                                     meta=dict(role="curve")))
        fig.update_xaxes(title_text=plotly_text(self.x_title))
        fig.update_yaxes(title_text=plotly_text(self.y_title))
        return finish_layout(fig, f"<b>{plotly_text(self.name)}</b>", 420)


def _frame(X: Any) -> pd.DataFrame:
    if isinstance(X, pd.DataFrame):
        return X.reset_index(drop=True)
    X = np.asarray(X)
    if X.ndim != 2:
        raise ValueError(f"X must be a 2-d table, got shape {X.shape}")
    return pd.DataFrame(X)


def background_values(data: Any) -> pd.Series:
    """Each column's stand-in for a removed feature: the mean of a numeric column, the most
    common value of any other."""
    frame = _frame(data)
    return pd.Series({c: (frame[c].mean() if pd.api.types.is_numeric_dtype(frame[c])
                          and not pd.api.types.is_bool_dtype(frame[c])
                          else frame[c].mode(dropna=True).iloc[0]) for c in frame.columns},
                     dtype=object)


def _attribution_matrix(attributions: Any, shape: tuple[int, int]) -> np.ndarray:
    scores = getattr(attributions, "scores", attributions)
    scores = np.asarray(scores, dtype=np.float64)
    if scores.shape != shape:
        raise ValueError(f"attributions must be one number per row and feature {shape}, got "
                         f"shape {scores.shape}")
    return scores


def _replaced(frame: pd.DataFrame, replace: np.ndarray, background: pd.Series) -> pd.DataFrame:
    """``frame`` with ``background``'s value where ``replace`` is True, each column keeping
    its type (a category stays one, an integer column becomes float for a fractional mean)."""
    out = frame.copy()
    for j, column in enumerate(frame.columns):
        if replace[:, j].any():
            out[column] = out[column].mask(replace[:, j], background[column])
    return out


def deletion_insertion(model: Any, X: Any, attributions: Any, background: Any = None,
                       response: str = "auto", name: str = "Deletion and insertion"
                       ) -> Curves:
    """Mean model output over the rows of ``X`` as their features are removed (deletion) or
    added (insertion) in the order of ``attributions`` (an (rows, features) array or a local
    explanation with ``scores``), largest first. Removed features take ``background``'s value
    (a row as a Series or dict; default: :func:`background_values` of ``X``). x is the fraction
    of features moved; the curves' areas are in ``auc``."""
    frame = _frame(X)
    n, d = frame.shape
    scores = _attribution_matrix(attributions, (n, d))
    if background is None:
        background = background_values(frame)
    elif not isinstance(background, pd.Series):
        background = pd.Series(background, dtype=object)
    missing = [c for c in frame.columns if c not in background.index]
    if missing:
        raise ValueError(f"background has no value for these columns: {missing}")
    function = ModelFunction(model, response)
    order = np.argsort(-scores, axis=1, kind="stable")
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(d)[None, :].repeat(n, axis=0), axis=1)
    deletion = [function(_replaced(frame, rank < k, background)).mean() for k in range(d + 1)]
    insertion = [function(_replaced(frame, rank >= k, background)).mean()
                 for k in range(d + 1)]
    return Curves(name, np.arange(d + 1) / d, {"deletion": deletion, "insertion": insertion},
                  "Fraction of features moved", f"Mean {function.output_title}")


def random_attributions(shape: tuple[int, int], random_state: int | None = 0) -> np.ndarray:
    """A random order per row: the reference that faithful attributions must beat."""
    return np.random.default_rng(random_state).random(shape)


def roar(estimator: Any, importances: Any, X_train: Any, y_train: Any, X_test: Any,
         y_test: Any, metric: Callable[[np.ndarray, np.ndarray], float] | None = None,
         name: str = "Remove and retrain") -> Curves:
    """Test score of ``estimator`` refitted with the k most important features (by
    ``importances``, one per feature) replaced by their training mean or most common value, for
    k = 0 .. all. ``metric(y, output)``: ROC AUC for classifiers (of the class whose
    probability the model gives, its ``classes_[1]``), R² otherwise."""
    from sklearn.base import clone
    from sklearn.metrics import r2_score, roc_auc_score

    train, test = _frame(X_train), _frame(X_test)
    if list(train.columns) != list(test.columns):
        raise ValueError("X_train and X_test must have the same columns")
    d = train.shape[1]
    importances = np.asarray(importances, dtype=np.float64)
    if importances.shape != (d,):
        raise ValueError(f"importances must be one number per feature ({d}), got shape "
                         f"{importances.shape}")
    y_train, y_test = target(y_train, len(train)), target(y_test, len(test))
    background = background_values(train)
    order = np.argsort(-importances, kind="stable")
    scores, output_title = [], "score"
    for k in range(d + 1):
        removed = np.zeros(d, dtype=bool)
        removed[order[:k]] = True
        fitted = clone(estimator).fit(_replaced(train, np.tile(removed, (len(train), 1)),
                                                background), y_train)
        function = ModelFunction(fitted)
        chosen = metric or (roc_auc_score if function.is_probability else r2_score)
        output_title = getattr(chosen, "__name__", "metric")
        output = function(_replaced(test, np.tile(removed, (len(test), 1)), background))
        # the default AUC is of the class whose probability ``output`` is (``classes_[1]``),
        # not of whichever label sorts last
        truth = function.is_positive(y_test) if metric is None and function.is_probability \
            else y_test
        scores.append(chosen(truth, output))
    return Curves(name, np.arange(d + 1) / d, {"retrained": scores},
                  "Fraction of features removed (most important first)", f"Test {output_title}")


def shape_recovery(ebm: Any, X: Any, true_mains: Mapping[str, Callable[[np.ndarray], Any]],
                   true_pairs: Mapping[Sequence[str], Callable[..., Any]] = ()) -> dict:
    """Pearson correlation, over the rows of ``X``, of each of an EBM's terms with the true
    function of its feature(s); a true pair the model has no term for is reported as missing
    (None)."""
    frame = _frame(X)
    contributions = np.asarray(ebm.eval_terms(frame), dtype=np.float64)
    names = list(ebm.term_names_)
    result: dict[str, float | None] = {}
    for feature, shape in true_mains.items():
        if feature not in names:
            raise ValueError(f"the model has no term for {feature!r}")
        truth = shape(frame[feature].to_numpy())
        result[feature] = float(np.corrcoef(contributions[:, names.index(feature)], truth)[0, 1])
    for features, shape in dict(true_pairs).items():
        term = " & ".join(features)
        truth = shape(*(frame[f].to_numpy() for f in features))
        result[term] = (float(np.corrcoef(contributions[:, names.index(term)], truth)[0, 1])
                        if term in names else None)
    return result
