"""Input validation and feature typing: raw tables in, typed columns out.

Every feature becomes either a float64 column (continuous; NaN is missing) together with a mask of
entries that were not numbers, or an object column of strings (nominal/ordinal; None is missing).
Nothing here copies more than one column at a time or ever writes into the caller's data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import pandas as pd

CONTINUOUS = "continuous"
NOMINAL = "nominal"
ORDINAL = "ordinal"
FEATURE_TYPES = (CONTINUOUS, NOMINAL, ORDINAL)


@dataclass
class Column:
    """One feature column after typing.

    For continuous features ``values`` is float64 with NaN for missing and ``not_number`` marks
    entries that were present but not numeric. For categorical features ``values`` is an object
    array of strings with None for missing.
    """

    values: np.ndarray
    not_number: np.ndarray | None = None


def _is_missing_scalar(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, (float, np.floating)) and np.isnan(value)


def category_label(value: Any) -> str | None:
    """The canonical string for a category value (1.0 -> "1", True -> "True"); None if missing."""
    if _is_missing_scalar(value):
        return None
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (float, np.floating)) and np.isfinite(value) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)


def to_dataframe(X: Any, feature_names: Sequence[str] | None = None) -> pd.DataFrame:
    """Wrap any supported 2-D input as a DataFrame without copying numeric data.

    Raises TypeError for sparse or non-tabular input, ValueError for wrong dimensionality.
    """
    if hasattr(X, "to_pandas") and not isinstance(X, pd.DataFrame):  # polars, pyarrow
        X = X.to_pandas()
    if isinstance(X, pd.Series):
        raise ValueError(
            "Expected a 2D table for X, got a pandas Series; use X.to_frame() for one feature."
        )
    if isinstance(X, pd.DataFrame):
        if X.columns.duplicated().any():
            dup = list(X.columns[X.columns.duplicated()])
            raise ValueError(f"X has duplicated column names: {dup}")
        frame = X
        if feature_names is not None:
            if len(feature_names) != X.shape[1]:
                raise ValueError(
                    f"feature_names has {len(feature_names)} names but X has {X.shape[1]} columns"
                )
        return frame
    if hasattr(X, "tocsr") or type(X).__module__.startswith("scipy.sparse"):
        raise TypeError(
            "Sparse input is not supported: glassboost needs dense data. "
            "Convert X with X.toarray()."
        )
    if isinstance(X, (str, bytes)) or not hasattr(X, "__len__") and not hasattr(X, "__array__"):
        raise TypeError(f"X must be a 2D array-like or DataFrame, got {type(X).__name__}")
    array = np.asarray(X) if hasattr(X, "__array__") else np.array(X, dtype=object)
    if array.dtype.kind == "c":
        raise ValueError("Complex data not supported: X has a complex dtype.")
    if array.ndim != 2:
        raise ValueError(
            f"Expected 2D array for X, got {array.ndim}D array instead. Reshape your data either "
            "using array.reshape(-1, 1) if your data has a single feature or array.reshape(1, -1) "
            "if it contains a single sample."
        )
    names = list(feature_names) if feature_names is not None else None
    if names is not None and len(names) != array.shape[1]:
        raise ValueError(
            f"feature_names has {len(names)} names but X has {array.shape[1]} columns"
        )
    columns = names if names is not None else [f"feature_{i:04d}" for i in range(array.shape[1])]
    return pd.DataFrame(array, columns=pd.Index(columns, dtype=object), copy=False)


def _numeric_from_object(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Convert an object column to float64; entries that are not numbers become NaN + flagged."""
    raw = series.to_numpy(dtype=object, copy=False)
    missing = pd.isna(series).to_numpy()
    numeric = pd.to_numeric(series, errors="coerce")
    values = numeric.to_numpy(dtype=np.float64, na_value=np.nan)
    is_bool = np.fromiter((isinstance(v, (bool, np.bool_)) for v in raw), bool, len(raw))
    not_number = (np.isnan(values) & ~missing) | is_bool
    values = np.where(not_number, np.nan, values)
    return values, not_number


def _looks_numeric(series: pd.Series) -> bool:
    raw = series.dropna().to_numpy(dtype=object, copy=False)
    return all(
        isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))
        for v in raw
    )


def _reject_unsupported(name: str, series: pd.Series) -> None:
    dtype = series.dtype
    if pd.api.types.is_datetime64_any_dtype(dtype) or pd.api.types.is_timedelta64_dtype(dtype):
        raise TypeError(
            f"Feature {name!r} has dtype {dtype}; datetimes and timedeltas are not supported. "
            "Convert it to a number (e.g. days since a reference date) or to a string category."
        )
    if pd.api.types.is_complex_dtype(dtype):
        raise ValueError(f"Complex data not supported: feature {name!r} has dtype {dtype}.")


def infer_feature_type(name: str, series: pd.Series) -> str:
    """Default type of a column: numbers are continuous, everything else is categorical."""
    _reject_unsupported(name, series)
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return ORDINAL if dtype.ordered else NOMINAL
    if pd.api.types.is_bool_dtype(dtype):
        return NOMINAL
    if pd.api.types.is_numeric_dtype(dtype):
        return CONTINUOUS
    if dtype == object and _looks_numeric(series):
        return CONTINUOUS
    return NOMINAL


def continuous_column(name: str, series: pd.Series) -> Column:
    """Float64 values of a continuous column; text becomes NaN and is flagged as not a number."""
    _reject_unsupported(name, series)
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        raise TypeError(
            f"Feature {name!r} is boolean but was declared continuous; declare it nominal."
        )
    if pd.api.types.is_numeric_dtype(dtype) and not isinstance(dtype, pd.CategoricalDtype):
        values = series.to_numpy(dtype=np.float64, na_value=np.nan)
        return Column(values, np.zeros(len(values), dtype=bool))
    values, not_number = _numeric_from_object(series.astype(object))
    return Column(values, not_number)


def categorical_column(name: str, series: pd.Series) -> Column:
    """Canonical category strings of a column, None for missing."""
    _reject_unsupported(name, series)
    if isinstance(series.dtype, pd.CategoricalDtype):
        categories = np.array([category_label(c) for c in series.cat.categories] + [None], object)
        return Column(categories[series.cat.codes.to_numpy()])
    raw = series.to_numpy(dtype=object, copy=False)
    if pd.api.types.is_string_dtype(series.dtype) and not pd.api.types.is_object_dtype(series.dtype):
        missing = pd.isna(series).to_numpy()
        values = raw.copy()
        values[missing] = None
        return Column(values)
    labels, uniques = pd.factorize(raw, use_na_sentinel=True)
    canonical = np.array([category_label(u) for u in uniques] + [None], dtype=object)
    return Column(canonical[labels])


def ordinal_categories(name: str, series: pd.Series) -> list[str] | None:
    """The declared order of an ordered pandas categorical, else None."""
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype) and dtype.ordered:
        return [category_label(c) for c in dtype.categories]
    return None


def validate_feature_types(feature_types: Any, n_features: int) -> list[Any]:
    """Check the user's ``feature_types`` and expand None to 'auto' for every column."""
    if feature_types is None:
        return ["auto"] * n_features
    if isinstance(feature_types, str) or not isinstance(feature_types, Sequence):
        raise ValueError(
            "feature_types must be a list with one entry per feature, got "
            f"{type(feature_types).__name__}"
        )
    if len(feature_types) != n_features:
        raise ValueError(
            f"feature_types has {len(feature_types)} entries but X has {n_features} features"
        )
    expanded = []
    for i, ftype in enumerate(feature_types):
        if ftype is None:
            ftype = "auto"
        if isinstance(ftype, str):
            if ftype not in FEATURE_TYPES + ("auto",):
                raise ValueError(
                    f"feature_types[{i}]={ftype!r} is not one of "
                    f"{FEATURE_TYPES + ('auto',)} or a list of ordered categories"
                )
        elif isinstance(ftype, Sequence) and len(ftype) > 0 and all(
            isinstance(c, str) for c in ftype
        ):
            if len(set(ftype)) != len(ftype):
                raise ValueError(f"feature_types[{i}] lists a category twice")
            ftype = list(ftype)
        else:
            raise ValueError(
                f"feature_types[{i}]={ftype!r} is not a type name or a list of category strings"
            )
        expanded.append(ftype)
    return expanded


@dataclass
class TypedTable:
    """A table after typing: names, types, typed columns and declared ordinal orders."""

    names: list[str]
    types: list[str]
    columns: list[Column]
    orders: list[list[str] | None]


def _typed(name: str, series: pd.Series, ftype: str) -> Column:
    if ftype == CONTINUOUS:
        return continuous_column(name, series)
    return categorical_column(name, series)


def type_table(X: Any, feature_names: Sequence[str] | None, feature_types: Any) -> TypedTable:
    """Type every column of the training table (``feature_types`` entries override inference)."""
    frame = to_dataframe(X, feature_names)
    if frame.shape[1] == 0:
        raise ValueError(
            f"X has no columns: 0 feature(s) (shape={frame.shape}) while a minimum of 1 is "
            "required."
        )
    names = [str(c) for c in (feature_names if feature_names is not None else frame.columns)]
    if len(set(names)) != len(names):
        raise ValueError(f"feature names must be unique, got duplicates in {names}")
    types, columns, orders = [], [], []
    for i, (name, declared) in enumerate(zip(names, validate_feature_types(feature_types,
                                                                             len(names)))):
        series = frame.iloc[:, i]
        order = None
        if isinstance(declared, list):
            ftype, order = ORDINAL, declared
        elif declared == "auto":
            ftype = infer_feature_type(name, series)
        else:
            ftype = declared
        if ftype == ORDINAL and order is None:
            order = ordinal_categories(name, series)
        types.append(ftype)
        orders.append(order)
        columns.append(_typed(name, series, ftype))
    return TypedTable(names, types, columns, orders)


def align_for_predict(X: Any, names: list[str], types: list[str], match_by_name: bool,
                      estimator_name: str) -> list[Column]:
    """Typed columns of a table to score, matched to the training features.

    DataFrames are matched by column name when the model was fitted on named columns (extra
    columns are ignored); arrays are matched by position and must have the same width.
    """
    frame = to_dataframe(X)
    if frame.shape[0] == 0:
        raise ValueError(
            f"X has no rows: found array with 0 sample(s) (shape={frame.shape}) while a minimum "
            "of 1 is required."
        )
    if match_by_name and (isinstance(X, pd.DataFrame) or hasattr(X, "to_pandas")):
        columns = {str(c): c for c in frame.columns}
        missing = [n for n in names if n not in columns]
        if missing:
            raise ValueError(
                f"X is missing feature(s) seen at fit: {missing[:10]}"
                f"{' ...' if len(missing) > 10 else ''}; X has columns {list(columns)[:10]}"
            )
        return [_typed(n, frame[columns[n]], t) for n, t in zip(names, types)]
    if frame.shape[1] != len(names):
        raise ValueError(
            f"X has {frame.shape[1]} features, but {estimator_name} is expecting "
            f"{len(names)} features as input."
        )
    return [_typed(n, frame.iloc[:, i], t) for i, (n, t) in enumerate(zip(names, types))]
