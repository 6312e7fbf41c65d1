"""Partial dependence and individual conditional expectation (ICE) of any model, computed by
``sklearn.inspection.partial_dependence``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, RegressorMixin

from .display import FeatureKeyed
from .prediction import ModelFunction, Table

IMPORTANCE_TITLE = "Spread of the partial dependence (std; range / 4 for categories)"


class _FunctionRegressor(RegressorMixin, BaseEstimator):
    """A model's one-number-per-row output as a fitted scikit-learn regressor, so that
    scikit-learn's partial dependence takes any model or function alike. ``integer_dtypes``
    (column: dtype) turns the float copies scikit-learn needs of integer columns back into
    their own type before the model sees them; their grid holds whole numbers only."""

    def __init__(self, function: ModelFunction | None = None, columns: list | None = None,
                 integer_dtypes: dict | None = None) -> None:
        self.function = function
        self.columns = columns
        self.integer_dtypes = integer_dtypes

    def fit(self, X: Any, y: Any = None) -> _FunctionRegressor:
        return self

    def predict(self, X: Any) -> np.ndarray:
        if not self.integer_dtypes:
            return self.function(X)
        frame = X if isinstance(X, pd.DataFrame) else pd.DataFrame(X, columns=self.columns)
        frame = frame.astype(self.integer_dtypes)
        return self.function(frame if isinstance(X, pd.DataFrame) else frame.to_numpy())

    def __sklearn_is_fitted__(self) -> bool:
        return True


def _is_categorical(column: pd.Series) -> bool:
    return not pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column)


def _is_integer(column: pd.Series) -> bool:
    return pd.api.types.is_integer_dtype(column) and not pd.api.types.is_bool_dtype(column)


class _Constant(RegressorMixin, BaseEstimator):
    """Predicts zeros: its partial dependence costs nothing and gives scikit-learn's grid."""

    def fit(self, X: Any, y: Any = None) -> _Constant:
        return self

    def predict(self, X: Any) -> np.ndarray:
        return np.zeros(len(X))

    def __sklearn_is_fitted__(self) -> bool:
        return True


def _numeric_grid(column: pd.Series, name: str, grid_resolution: int,
                  percentiles: tuple[float, float]) -> np.ndarray:
    """scikit-learn's grid of a numeric column's present values (missing values are no
    point of it), rounded to whole numbers for an integer column so the model sees values of
    its type."""
    from sklearn.inspection import partial_dependence

    present = column.dropna().to_numpy(dtype=np.float64).reshape(-1, 1)
    if len(present) == 0:
        raise ValueError(f"column {name!r} has only missing values; partial dependence needs "
                         "values to set it to")
    grid = partial_dependence(_Constant(), present, [0], kind="average",
                              grid_resolution=grid_resolution,
                              percentiles=percentiles)["grid_values"][0]
    return np.unique(np.round(grid)) if _is_integer(column) else grid


def _categorical_grid(column: pd.Series, name: str) -> np.ndarray:
    """A categorical column's present values, sorted as scikit-learn sorts its categories;
    a missing value is no point of the grid, as for a numeric column (scikit-learn cannot
    sort a missing value among text ones)."""
    present = np.asarray(column.dropna(), dtype=object)
    if len(present) == 0:
        raise ValueError(f"column {name!r} has only missing values; partial dependence needs "
                         "values to set it to")
    try:
        return np.unique(present)
    except TypeError:
        kinds = sorted({type(v).__name__ for v in present})
        raise ValueError(f"column {name!r} mixes values of types {kinds}, which have no order "
                         "to make a grid of; give it values of one type") from None


class PartialDependence:
    """Partial dependence of a model's output on each feature, over the given data.

    ``model``: a fitted model with ``predict_proba`` (binary) or ``predict``, or a function of
    the rows. ``response``: see :class:`~glassboost.blackbox.prediction.ModelFunction`
    ("decision_function" explains an EBM's additive score). ``grid_resolution`` and
    ``percentiles`` are scikit-learn's (a coarser default grid: every grid point costs one
    prediction of the whole data); columns that are not numbers are categorical (every value
    is a grid point). A column's grid is over its present values: rows missing it are
    averaged with the column set to each grid value, and their missing values in other columns
    reach the model as they are. An integer column's grid holds whole numbers (scikit-learn's,
    rounded) and the model gets the column in its own type.
    """

    def __init__(self, model: Any, data: Any, feature_names: list[str] | None = None,
                 response: str = "auto", grid_resolution: int = 20,
                 percentiles: tuple[float, float] = (0.05, 0.95)) -> None:
        from sklearn.inspection import partial_dependence

        self.function = ModelFunction(model, response)
        self.table = Table(data, feature_names)
        frame = self.table.frame
        integers = {c: frame[c].dtype for c in self.table.columns if _is_integer(frame[c])}
        floats = frame.astype({c: np.float64 for c in integers})
        given = floats if self.table.is_frame else floats.to_numpy()
        categorical = [_is_categorical(frame[c]) for c in self.table.columns]
        estimator = _FunctionRegressor(self.function, self.table.columns, integers)
        self.results_ = []
        for j, (column, name) in enumerate(zip(self.table.columns, self.table.feature_names)):
            grid = {j: _categorical_grid(frame[column], name) if categorical[j]
                    else _numeric_grid(frame[column], name, grid_resolution, percentiles)}
            result = partial_dependence(
                estimator, given, [j], kind="both", method="brute",
                grid_resolution=grid_resolution, percentiles=percentiles,
                categorical_features=[j] if categorical[j] else None, custom_values=grid)
            self.results_.append((np.asarray(result["grid_values"][0]),
                                  result["average"][0], result["individual"][0]))
        self.categorical_ = categorical

    def explain_global(self, name: str | None = None) -> PartialDependenceExplanation:
        """The partial dependence (and ICE curves) of every feature."""
        return PartialDependenceExplanation(
            name or f"Partial dependence of {type(self.function.model).__name__}",
            self.table.feature_names, self.results_, self.categorical_,
            self.function.output_title, self.table.frame)


class PartialDependenceExplanation(FeatureKeyed):
    """Per feature: grid values, the average output (partial dependence) and each row's
    output (ICE) when that feature is set to each grid value."""

    def __init__(self, name: str, feature_names: list[str], results: list, categorical: list,
                 output_title: str, frame: pd.DataFrame) -> None:
        self.name = name
        self.feature_names = feature_names
        self.results = results
        self.categorical = categorical
        self.output_title = output_title
        self._frame = frame

    @property
    def importances(self) -> np.ndarray:
        """Greenwell et al.'s importance: the standard deviation of the partial dependence
        curve (a categorical feature's range / 4)."""
        return np.array([np.ptp(avg) / 4 if cat else np.std(avg)
                         for (_, avg, _), cat in zip(self.results, self.categorical)])

    def _density(self, j: int) -> dict:
        column = self._frame.iloc[:, j]
        if self.categorical[j]:
            counts = column.value_counts(dropna=False)
            return {"names": [str(v) for v in counts.index], "scores": counts.to_numpy()}
        counts, edges = np.histogram(column.dropna().to_numpy(dtype=float), bins="doane")
        return {"names": edges, "scores": counts}

    def data(self, key: int | str | None = None) -> dict:
        """Key None: feature names and importances; a feature (index or name): InterpretML's
        layout (grid ``names``, average ``scores``, bounds of ± one standard deviation of the
        ICE curves, ``density``), plus ``individual``, every row's ICE curve."""
        if key is None:
            return {"type": "global", "names": self.feature_names, "scores": self.importances}
        j = self._index(key)
        grid, average, individual = self.results[j]
        spread = individual.std(axis=0)
        return {"type": "univariate", "name": self.feature_names[j], "names": grid,
                "scores": average, "lower_bounds": average - spread,
                "upper_bounds": average + spread, "individual": individual,
                "density": self._density(j)}

    def visualize(self, key: int | str | None = None):
        """Importances for None, else the feature's partial dependence over its ICE curves."""
        if key is None:
            from ..explain.figures import importance_figure

            return importance_figure(self.feature_names, self.importances, IMPORTANCE_TITLE,
                                     "Feature importance (partial dependence)")
        from .figures import dependence_figure

        j = self._index(key)
        grid, average, individual = self.results[j]
        return dependence_figure(self.feature_names[j], grid, average, individual,
                                 self.output_title, self.categorical[j])

    def plot(self, key: int | str | None = None, path: str | Path | None = None) -> Any:
        """Static matplotlib figure (importances for None, else the curve), saved to ``path``
        when given."""
        from ..explain import static

        if key is None:
            fig = static.importance_plot(self.feature_names, self.importances, IMPORTANCE_TITLE)
        else:
            from .static import dependence_plot

            j = self._index(key)
            grid, average, individual = self.results[j]
            fig = dependence_plot(self.feature_names[j], grid, average, individual,
                                  self.output_title, self.categorical[j])
        return static.save(fig, path)
