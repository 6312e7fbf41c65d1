"""Input validation and feature typing: raw tables in, typed columns out.

Every feature becomes either a float64 column (continuous; NaN is missing) together with a mask of
entries that were not numbers, or an object column of strings (nominal/ordinal; None is missing).
Date columns become one or more continuous features (see datetimes.py). Columns that would
mislead a model (row IDs, nominals with nearly one category per row, dates that do not parse)
get a `DataWarning` at fit. Nothing here copies more than one column at a time or ever writes into
the caller's data.
"""

from __future__ import annotations

import datetime
import decimal
import math
import os
import reprlib
import sys
import warnings
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from .datetimes import (DateConversion, as_conversions, check_datetime_features,
                        derived_values, describe, guess_date_format, in_fitted_zone,
                        naive_beside_zoned, plan_conversion, to_datetimes)
from .parameters import parse_exclude

CONTINUOUS = "continuous"
NOMINAL = "nominal"
ORDINAL = "ordinal"
FEATURE_TYPES = (CONTINUOUS, NOMINAL, ORDINAL)
#: feature_types entries that declare a column continuous and name how its cut points are chosen
#: (binning.py); 'continuous' is 'quantile'
BINNING_STRATEGIES = ("quantile", "rounded_quantile", "uniform", "winsorized")

# value kinds of a raw column, decided before typing
DATES = "dates"
TEXT = "text"
OTHER = "other"
_CONTAINERS = (list, tuple, dict, set, frozenset, np.ndarray)

# uniqueness checks at fit: columns with fewer present values are too small to judge
MIN_ROWS_TO_JUDGE = 50
ID_DISTINCT_FRACTION = 0.99  # distinct values per present value for an ID
ID_MIN_DENSITY = 0.2  # distinct integers per integer of their range for an ID (1..n: 1.0)
NEAR_UNIQUE_FRACTION = 0.5  # distinct categories per present value that will not generalize
MAX_EXACT_INTEGER = 2**53  # every integer up to this magnitude is exact in float64


class DataWarning(UserWarning):
    """A column that will likely mislead the model; the message names it and says what to do."""


def _warn(message: str) -> None:
    """Warn at the first caller outside glassboost (the user's ``fit`` line)."""
    package = os.path.dirname(os.path.abspath(__file__)) + os.sep
    frame, level = sys._getframe(1), 2
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(package):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, DataWarning, stacklevel=level)


@dataclass
class Column:
    """One feature column after typing.

    For continuous features ``values`` is float64 with NaN for missing and ``not_number`` marks
    entries that were present but not numeric (None when there are none: a mask of a byte per
    row and feature would hold an eighth of the table's size for nothing). For categorical
    features ``values`` is an object array of strings with None for missing.
    """

    values: np.ndarray
    not_number: np.ndarray | None = None


def _is_missing_scalar(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, decimal.Decimal):
        return value.is_nan()
    return isinstance(value, (float, np.floating)) and np.isnan(value)


#: kinds of object columns (pandas' infer_dtype) that cannot hold a Decimal
_NO_DECIMALS = frozenset(("string", "bytes", "boolean", "integer", "floating",
                          "mixed-integer-float", "empty", "datetime", "datetime64", "date",
                          "timedelta", "time", "period", "interval", "complex", "categorical"))


def without_decimal_nans(series: pd.Series) -> pd.Series:
    """The column with its Decimal NaNs (quiet or signaling) as None, missing like a float
    NaN; a copy only when it holds any. pandas' own missing checks raise
    ``decimal.InvalidOperation`` on a signaling NaN (``Decimal('sNaN')``)."""
    if series.dtype != object or pd.api.types.infer_dtype(series, skipna=True) in _NO_DECIMALS:
        return series
    raw = series.to_numpy(dtype=object, copy=False)
    nan = np.fromiter((isinstance(v, decimal.Decimal) and v.is_nan() for v in raw), bool,
                      len(raw))
    if not nan.any():
        return series
    values = raw.copy()
    values[nan] = None
    return pd.Series(values, index=series.index, name=series.name, dtype=object)


def category_label(value: Any) -> str | None:
    """The canonical string for a category value (1.0 -> "1", 1e16 -> "1e+16", True -> "True");
    None if missing."""
    if _is_missing_scalar(value):
        return None
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (float, np.floating)):
        # as InterpretML: the float64's shortest text, integers below 1e16 without ".0"
        value = float(value)
        whole = np.isfinite(value) and value.is_integer() and abs(value) < 1e16
        return str(int(value)) if whole else repr(value)
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)


#: glassboost's labels of the booleans InterpretML labels "1" and "0"
BOOLEAN_TWINS = {"1": "True", "0": "False"}


def twin_bins(level: Any) -> dict[int, int]:
    """The bin of every twin in a category map (see ``io.interpret``: "True" right after "1",
    "False" right after "0"), mapped to the bin of the category it twins; edits keep their
    scores equal, so that booleans score as InterpretML scores them."""
    if not isinstance(level, Mapping):
        return {}
    return {level[twin]: level[origin] for origin, twin in BOOLEAN_TWINS.items()
            if origin in level and level.get(twin) == level[origin] + 1}


def describe_type(value: Any) -> str:
    """``a polars Series``, ``a numpy ndarray``, ``a list``: the library and class of a value."""
    library = type(value).__module__.split(".")[0]
    name = type(value).__name__
    return f"a {name}" if library == "builtins" else f"a {library} {name}"


#: polars integer dtypes that pyarrow (and so ``to_pandas``) cannot convert
_WIDE_INTEGERS = ("Int128", "UInt128")


def _nullable_integers() -> Any:
    """pyarrow's ``types_mapper`` turning its integer types into pandas' nullable ones: by
    default an integer column holding a null becomes float64, which rounds integers beyond
    2**53 (two IDs become one) and labels categories as floats ("1e+17", not the integer)."""
    import pyarrow as pa

    return {pa.int8(): pd.Int8Dtype(), pa.int16(): pd.Int16Dtype(), pa.int32(): pd.Int32Dtype(),
            pa.int64(): pd.Int64Dtype(), pa.uint8(): pd.UInt8Dtype(),
            pa.uint16(): pd.UInt16Dtype(), pa.uint32(): pd.UInt32Dtype(),
            pa.uint64(): pd.UInt64Dtype()}.get


def _arrow_to_pandas(X: Any) -> pd.DataFrame:
    """A polars DataFrame or a pyarrow Table as pandas, integer columns exact (nullable
    dtypes); polars' 128-bit integer columns, which pyarrow cannot convert, become object
    columns of Python integers, each exact (then typed as any such column)."""
    if not type(X).__module__.startswith("polars"):
        return X.to_pandas(types_mapper=_nullable_integers())
    wide = [name for name, dtype in X.schema.items() if str(dtype) in _WIDE_INTEGERS]
    if not wide:
        return X.to_pandas(types_mapper=_nullable_integers())
    rest = X.drop(wide).to_pandas(types_mapper=_nullable_integers())
    return pd.DataFrame({name: pd.Series(X[name].to_list(), dtype=object) if name in wide
                         else rest[name] for name in X.columns})


def to_dataframe(X: Any, feature_names: Sequence[str] | None = None,
                 unique_columns: bool = True) -> pd.DataFrame:
    """Wrap any supported 2-D input as a DataFrame without copying numeric data.

    Raises TypeError for sparse or non-tabular input, ValueError for wrong dimensionality and,
    with ``unique_columns`` (at fit, where every column is a feature), for duplicated column
    names.
    """
    given = X
    if hasattr(X, "to_pandas") and not isinstance(X, pd.DataFrame):  # polars, pyarrow
        library = type(X).__module__.split(".")[0]
        arrow = library == "pyarrow" or library == "polars" and hasattr(X, "schema")
        X = _arrow_to_pandas(X) if arrow and not isinstance(X, pd.Series) else X.to_pandas()
    if isinstance(X, pd.Series):
        hint = ("use X.to_frame() for one feature" if hasattr(given, "to_frame")
                else "pass a table with one column for one feature")
        raise ValueError(f"Expected a 2D table for X, got {describe_type(given)}; {hint}.")
    if isinstance(X, pd.DataFrame):
        if unique_columns and X.columns.duplicated().any():
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
        raise TypeError(f"X must be a 2D array-like or DataFrame, got {describe_type(X)}")
    array = np.asarray(X) if hasattr(X, "__array__") else np.array(X, dtype=object)
    if array.dtype.kind == "c":
        raise ValueError("Complex data not supported: X has a complex dtype.")
    if array.dtype.names is not None:  # one record per row: 1-D, but not one feature
        raise TypeError(
            f"X is a numpy structured array (fields {list(array.dtype.names)[:10]}); pass "
            "pandas.DataFrame(X) to use its fields as features."
        )
    if array.ndim != 2:
        given_type = "" if isinstance(given, np.ndarray) else f" (X is {describe_type(given)})"
        raise ValueError(
            f"Expected 2D array for X, got {array.ndim}D array instead{given_type}. Reshape your "
            "data either using array.reshape(-1, 1) if your data has a single feature or "
            "array.reshape(1, -1) if it contains a single sample."
        )
    names = list(feature_names) if feature_names is not None else None
    if names is not None and len(names) != array.shape[1]:
        raise ValueError(
            f"feature_names has {len(names)} names but X has {array.shape[1]} columns"
        )
    columns = names if names is not None else [f"feature_{i:04d}" for i in range(array.shape[1])]
    # pandas makes a masked array's masked entries missing; np.asarray keeps the values under
    # the mask, which would be learned from as data
    data = X if isinstance(X, np.ma.MaskedArray) else array
    return pd.DataFrame(data, columns=pd.Index(columns, dtype=object), copy=False)


def _beyond_float64(value: Any) -> bool:
    """Whether a number is finite but too large in magnitude for a float64 (an integer or a
    Decimal; a float is a float64 already)."""
    if isinstance(value, decimal.Decimal):
        return value.is_finite() and np.isinf(float(value))
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            float(value)
        except OverflowError:
            return True
    return False


def _reject_beyond_float64(name: str, raw: np.ndarray, rows: Any) -> None:
    row = next((i for i in rows if _beyond_float64(raw[i])), None)
    if row is not None:
        raise ValueError(
            f"Feature {name!r} holds {reprlib.repr(raw[row])} in row {row}, a number beyond "
            f"float64's range (±{sys.float_info.max:.4g}), which continuous features are "
            "held in. Clip or rescale the column (e.g. take its logarithm), or declare it "
            "nominal to use its values as categories."
        ) from None


def _numeric_from_object(name: str, series: pd.Series, bools_as_numbers: bool = False
                         ) -> tuple[np.ndarray, np.ndarray]:
    """Convert an object column to float64; entries that are not numbers become NaN + flagged.
    Booleans are not numbers, unless ``bools_as_numbers`` and the column holds no text (as
    InterpretML, which reads such a column as text). Integers and Decimals beyond float64's
    range are a ValueError naming the column (they would overflow, or become infinite)."""
    raw = series.to_numpy(dtype=object, copy=False)
    missing = pd.isna(series).to_numpy()
    try:
        numeric = pd.to_numeric(series, errors="coerce")
    except OverflowError:
        _reject_beyond_float64(name, raw, range(len(raw)))
        raise
    values = numeric.to_numpy(dtype=np.float64, na_value=np.nan)
    infinite = np.flatnonzero(np.isinf(values))
    if len(infinite):
        _reject_beyond_float64(name, raw, infinite)
    is_bool = np.fromiter((isinstance(v, (bool, np.bool_)) for v in raw), bool, len(raw))
    if bools_as_numbers and not any(isinstance(v, (str, bytes)) for v in raw[~missing]):
        values = values.copy()
        values[is_bool] = raw[is_bool].astype(np.float64)
        is_bool[:] = False
    not_number = (np.isnan(values) & ~missing) | is_bool
    values = np.where(not_number, np.nan, values)
    return values, not_number


def _looks_numeric(series: pd.Series) -> bool:
    """Whether an object column holds only numbers: Decimals count (databases, pyarrow and
    polars hand decimal columns over as Decimal objects), booleans do not."""
    raw = series.dropna().to_numpy(dtype=object, copy=False)
    return all(
        isinstance(v, (int, float, np.integer, np.floating, decimal.Decimal))
        and not isinstance(v, (bool, np.bool_))
        for v in raw
    )


def _reject_intervals(name: str, example: Any) -> None:
    raise ValueError(
        f"Feature {name!r} holds intervals (e.g. {example}), which have no single value to bin. "
        "Pass their midpoints as numbers, or categories from pandas.cut (an ordered "
        "categorical) to use them as ordered bins."
    )


def _kind_of_objects(name: str, series: pd.Series) -> str:
    """The kind of a column of mixed Python objects; lists, dicts and the like are errors."""
    values = series.to_numpy(dtype=object, copy=False)
    present = values[~pd.isna(series).to_numpy()]
    kinds = {type(v) for v in present}
    if any(issubclass(k, _CONTAINERS) for k in kinds):
        row = next(i for i, v in enumerate(values) if isinstance(v, _CONTAINERS))
        raise ValueError(
            f"Feature {name!r} holds a {type(values[row]).__name__} in row {row} "
            f"({reprlib.repr(values[row])}); every value must be one number or one category. "
            "Expand such values into columns, or join them into strings, before fitting."
        )
    if any(issubclass(k, pd.Interval) for k in kinds):
        _reject_intervals(name, next(v for v in present if isinstance(v, pd.Interval)))
    if kinds and all(issubclass(k, (datetime.date, np.datetime64)) for k in kinds):
        return DATES
    if kinds and all(issubclass(k, pd.Period) for k in kinds):
        return DATES
    return OTHER


def _reject_timedeltas(name: str, held: str) -> None:
    raise TypeError(
        f"Feature {name!r} {held}; timedeltas are not supported. Convert it to a number (e.g. "
        "pandas.to_timedelta(series).dt.total_seconds() / 86400 for days)."
    )


def value_kind(name: str, series: pd.Series) -> str:
    """DATES (datetime64, Periods, date objects), TEXT (only strings) or OTHER.

    Raises ValueError naming the column for intervals and for lists, tuples, dicts, sets or
    arrays inside a column (pyarrow lists, structs and maps too), TypeError for timedeltas.
    """
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return OTHER
    if pd.api.types.is_datetime64_any_dtype(dtype) or isinstance(dtype, pd.PeriodDtype):
        return DATES
    if isinstance(dtype, pd.IntervalDtype):
        _reject_intervals(name, series.dropna().iloc[0] if series.notna().any() else "none")
    if isinstance(dtype, pd.StringDtype):
        return TEXT
    if dtype != object:
        # pyarrow's object kinds include lists, structs and maps, which hold containers
        if isinstance(dtype, pd.ArrowDtype) and dtype.kind == "O":
            return _kind_of_objects(name, series)
        return OTHER
    inferred = pd.api.types.infer_dtype(series, skipna=True)
    if inferred == "string":
        return TEXT
    if inferred == "timedelta":
        _reject_timedeltas(name, "holds timedelta objects")
    if inferred in ("datetime", "date", "datetime64", "period"):
        return DATES
    if inferred in ("integer", "floating", "mixed-integer-float", "decimal", "boolean", "empty",
                    "bytes", "time", "complex"):
        return OTHER
    return _kind_of_objects(name, series)


def _reject_unsupported(name: str, series: pd.Series) -> None:
    dtype = series.dtype
    if dtype.kind == "m":  # numpy's timedelta64 and pyarrow's durations
        _reject_timedeltas(name, f"has dtype {dtype}")
    if pd.api.types.is_complex_dtype(dtype):
        raise ValueError(f"Complex data not supported: feature {name!r} has dtype {dtype}.")


def infer_feature_type(name: str, series: pd.Series) -> str:
    """Default type of a column: numbers are continuous, everything else is categorical.

    Date columns are converted into continuous features before typing (see `type_table`); one
    whose values do not all convert keeps its values as categories.
    """
    _reject_unsupported(name, series)
    kind = value_kind(name, series)
    dtype = series.dtype
    if kind == DATES:
        return NOMINAL
    if isinstance(dtype, pd.CategoricalDtype):
        return ORDINAL if dtype.ordered else NOMINAL
    if pd.api.types.is_bool_dtype(dtype):
        return NOMINAL
    if pd.api.types.is_numeric_dtype(dtype):
        return CONTINUOUS
    if dtype == object and _looks_numeric(series):
        return CONTINUOUS
    return NOMINAL


def continuous_column(name: str, series: pd.Series, bools_as_numbers: bool = False) -> Column:
    """Float64 values of a continuous column; text becomes NaN and is flagged as not a number.

    A boolean column declared continuous is an error at fit (it belongs in a nominal feature);
    when scoring (``bools_as_numbers``) booleans are 1 and 0, as numpy, pandas and InterpretML
    read them: a fitted continuous feature has cut points, and InterpretML's models type boolean
    columns continuous."""
    _reject_unsupported(name, series)
    dtype = series.dtype
    if value_kind(name, series) == DATES:
        raise TypeError(
            f"Feature {name!r} has dtype {dtype} holding dates, where the model expects "
            "numbers. Pass the numbers the model was fitted on."
        )
    only_bools = pd.api.types.is_bool_dtype(dtype) or (
        dtype == object and pd.api.types.infer_dtype(series, skipna=True) == "boolean")
    if only_bools and not bools_as_numbers:
        raise TypeError(
            f"Feature {name!r} is boolean but was declared continuous; declare it nominal."
        )
    # InterpretML reads a categorical's booleans as text, which is not a number
    bools_as_numbers = bools_as_numbers and not isinstance(dtype, pd.CategoricalDtype)
    # numeric dtypes include the boolean ones, which reach here only to be scored as numbers
    if pd.api.types.is_numeric_dtype(dtype) and not isinstance(dtype, pd.CategoricalDtype):
        return Column(series.to_numpy(dtype=np.float64, na_value=np.nan))
    values, not_number = _numeric_from_object(name, series.astype(object), bools_as_numbers)
    return Column(values, not_number if not_number.any() else None)


#: Kinds of object columns (pandas' infer_dtype) whose equal values always have one label, so
#: that labelling each distinct value once is exact; for ints mixed with floats only below 2**53
#: (`categorical_column` labels the rest value by value).
_ONE_LABEL_PER_EQUAL_VALUE = frozenset(("string", "bytes", "boolean", "integer", "floating",
                                        "mixed-integer-float", "empty"))


def categorical_column(name: str, series: pd.Series) -> Column:
    """Canonical category strings of a column, None for missing (dates as their text).

    Each value gets its own label, so values that compare equal but label apart (True and 1 in
    one object column) stay distinct categories, as they are when they come in columns of their
    own; values with one label (1, 1.0 and "1") are one category."""
    _reject_unsupported(name, series)
    value_kind(name, series)
    if isinstance(series.dtype, pd.CategoricalDtype):
        categories = np.array([category_label(c) for c in series.cat.categories] + [None], object)
        return Column(categories[series.cat.codes.to_numpy()])
    raw = series.to_numpy(dtype=object, copy=False)
    if pd.api.types.is_string_dtype(series.dtype) and not pd.api.types.is_object_dtype(series.dtype):
        missing = pd.isna(series).to_numpy()
        values = raw.copy()
        values[missing] = None
        return Column(values)
    kind = pd.api.types.infer_dtype(raw, skipna=True) if series.dtype == object else None
    if kind is not None and kind not in _ONE_LABEL_PER_EQUAL_VALUE:
        # factorize would merge equal values that label apart (True == 1 == 1.0, Decimal("1.0")
        # == 1) under the label of the first one seen: label every value on its own instead
        return Column(np.frompyfunc(category_label, 1, 1)(raw).astype(object))
    labels, uniques = pd.factorize(raw, use_na_sentinel=True)
    canonical = np.array([category_label(u) for u in uniques] + [None], dtype=object)
    values = canonical[labels]
    if kind == "mixed-integer-float":
        # beyond 2**53 equal ints and floats label apart (10**16 -> "10000000000000000", 1e16
        # -> "1e+16"), and numpy compares its ints with floats as float64 (np.int64(2**53 + 1)
        # == 2.0**53): factorize may merge them, so their rows get labels of their own
        big = [i for i, u in enumerate(uniques) if abs(u) >= MAX_EXACT_INTEGER]
        if big:
            rows = np.isin(labels, big)
            values[rows] = np.frompyfunc(category_label, 1, 1)(raw[rows])
    return Column(values)


def ordinal_categories(name: str, series: pd.Series) -> list[str] | None:
    """The declared order of an ordered pandas categorical, else None."""
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype) and dtype.ordered:
        return [category_label(c) for c in dtype.categories]
    return None


def _cut_points(where: str, entry: Any) -> np.ndarray:
    """Explicit cut points of a ``feature_types`` entry: finite and strictly increasing, as
    InterpretML bins them (it uses them as given, which needs them sorted without repeats)."""
    # the first entry says which was meant; the culprit is the first entry of another kind
    if len(entry) and isinstance(entry[0], str):
        bad = [c for c in entry if not isinstance(c, str)]
    else:
        bad = [c for c in entry if isinstance(c, (bool, np.bool_))
               or not isinstance(c, (int, float, np.integer, np.floating))]
    if bad:
        raise ValueError(f"{where} must hold only numbers (cut points) or only strings (ordered "
                         f"categories); got {bad[0]!r}")
    try:
        cuts = np.array([float(c) for c in entry], dtype=np.float64)
    except OverflowError:
        huge = next(c for c in entry if _beyond_float64(c))
        raise ValueError(f"{where} cut points must be finite numbers; got "
                         f"{reprlib.repr(huge)}, beyond float64's range") from None
    if not np.all(np.isfinite(cuts)):
        raise ValueError(f"{where} cut points must be finite numbers; got "
                         f"{float(cuts[~np.isfinite(cuts)][0])}")
    steps = np.flatnonzero(np.diff(cuts) <= 0)
    if len(steps):
        after, value = float(cuts[steps[0]]), float(cuts[steps[0] + 1])
        raise ValueError(f"{where} cut points must be strictly increasing; got {value} after "
                         f"{after}")
    return cuts


def check_feature_names(feature_names: Any) -> list[Any] | None:
    """The user's ``feature_names`` as a list (None stays None); ValueError unless they are an
    ordered list of names: a string would be split into letters, a set has no order."""
    if feature_names is None:
        return None
    ordered = (isinstance(feature_names, Sequence)
               or isinstance(feature_names, (np.ndarray, pd.Index, pd.Series))
               and np.ndim(feature_names) == 1)
    if isinstance(feature_names, (str, bytes)) or not ordered:
        raise ValueError("feature_names must be a list with one name per column of X, got "
                         f"{type(feature_names).__name__}")
    return list(feature_names)


def validate_feature_types(feature_types: Any, n_features: int,
                           names: Sequence[str] | None = None) -> list[Any]:
    """Check the user's ``feature_types`` and expand None to 'auto' for every column.

    Entries come back as a type name, a binning strategy (``BINNING_STRATEGIES``), a list of
    ordered category strings, or explicit cut points as a float64 array.
    """
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
        where = f"feature_types[{i}]" + (f" (feature {names[i]!r})" if names is not None else "")
        if ftype is None:
            ftype = "auto"
        if isinstance(ftype, str):
            if ftype not in FEATURE_TYPES + ("auto",) + BINNING_STRATEGIES:
                raise ValueError(
                    f"{where}={ftype!r} is not one of "
                    f"{FEATURE_TYPES + ('auto',) + BINNING_STRATEGIES}, a list of ordered "
                    "categories or a list of cut points"
                )
        elif isinstance(ftype, Sequence) or isinstance(ftype, np.ndarray) and ftype.ndim == 1:
            if len(ftype) > 0 and all(isinstance(c, str) for c in ftype):
                if len(set(ftype)) != len(ftype):
                    raise ValueError(f"{where} lists a category twice")
                ftype = list(ftype)
            else:  # no entries: no cut points, one bin for all values (as InterpretML)
                ftype = _cut_points(where, ftype)
        else:
            raise ValueError(
                f"{where}={ftype!r} is not a type name, a list of category strings or a list "
                "of cut points"
            )
        expanded.append(ftype)
    return expanded


def declared_binning(declared: Any) -> str | np.ndarray:
    """A continuous feature's binning from its validated ``feature_types`` entry: the strategy
    or cut points it gives, else 'quantile'."""
    if isinstance(declared, np.ndarray) or declared in BINNING_STRATEGIES:
        return declared
    return "quantile"


@dataclass
class TypedTable:
    """A table after typing: names, types, typed columns, declared ordinal orders and binnings
    of every feature, and the conversions that turned date columns into features.

    A continuous feature's binning is a strategy name (``BINNING_STRATEGIES``; 'quantile' unless
    declared) or its explicit cut points; a categorical feature's is None.
    """

    names: list[str]
    types: list[str]
    columns: list[Column]
    orders: list[list[str] | None]
    conversions: list[DateConversion] = field(default_factory=list)
    binnings: list[str | np.ndarray | None] = field(default_factory=list)
    #: the features judged for ID-like or near-unique values (``exclude`` skips a feature)
    judged: list[str] = field(default_factory=list)


def _typed(name: str, series: pd.Series, ftype: str, scoring: bool = False) -> Column:
    if ftype == CONTINUOUS:
        return continuous_column(name, series, bools_as_numbers=scoring)
    return categorical_column(name, series)


def _examples(values: pd.Series) -> str:
    return ", ".join(repr(v) for v in pd.unique(values.to_numpy(dtype=object))[:3])


def _date_features(name: str, series: pd.Series,
                   datetime_features: str) -> tuple[DateConversion, list[Column]] | None:
    """The conversion and derived columns of a date column, or None when it holds no dates.

    A column whose values look like dates but do not all convert keeps its values (and gets a
    warning saying which values failed).
    """
    kind = value_kind(name, series)
    if kind == TEXT:
        fmt = guess_date_format(series)
        if fmt is None:
            return None
        source = f"strings in format {fmt!r}"
    elif kind == DATES:
        fmt, source = None, f"{series.dtype} values" if series.dtype != object else "date objects"
    else:
        return None
    dates, not_date = to_datetimes(series, fmt)
    if not_date.any():
        _warn(
            f"Feature {name!r} looks like dates ({source}), but {int(not_date.sum()):,} of "
            f"{int(series.notna().sum()):,} values are not dates in that format (e.g. "
            f"{_examples(series[not_date])}), so it was not converted and keeps its values. Fix "
            "or blank those values (pandas.to_datetime(..., errors='coerce') makes them "
            "missing) to have it converted into date features."
        )
        return None
    naive = naive_beside_zoned(series, dates)
    if naive is not None:
        _warn(
            f"Feature {name!r} looks like dates ({source}), but some have a time zone and some "
            f"(e.g. {naive!r}) none, whose zone is not guessed, so it was not converted and "
            "keeps its values. Give every value its zone (an offset such as '+01:00', or "
            "Series.dt.tz_localize) to have it converted into date features."
        )
        return None
    conversion = plan_conversion(name, dates, datetime_features, fmt)
    _warn(describe(conversion, source))
    no_text = np.zeros(len(series), dtype=bool)
    return conversion, [Column(v, no_text) for v in derived_values(conversion, dates)]


def _integer_id_warning(name: str, values: np.ndarray) -> str | None:
    present = values[~np.isnan(values)]
    n = len(present)
    if n < MIN_ROWS_TO_JUDGE or not np.all(np.isfinite(present)):
        return None
    low, high = present.min(), present.max()
    span = high - low + 1
    # necessary for n distinct values covering a fifth of their range; cheap, before counting
    if not ID_DISTINCT_FRACTION * n <= span <= n / ID_MIN_DENSITY:
        return None
    if not np.array_equal(present, np.round(present)):
        return None
    return integer_id_message(name, n, pd.unique(present).size, low, high)


def integer_id_message(name: str, n: int, distinct: int, low: float, high: float) -> str | None:
    """The warning for a continuous column of ``n`` present values, all finite integers,
    ``distinct`` of them from ``low`` to ``high``, when they look like a row ID (the Dask fit
    gives it from counts merged over the partitions)."""
    if (n < MIN_ROWS_TO_JUDGE or distinct < ID_DISTINCT_FRACTION * n
            or distinct < ID_MIN_DENSITY * (high - low + 1)):
        return None
    return (f"Feature {name!r} looks like a row ID: {distinct:,} distinct integers from "
            f"{low:,.0f} to {high:,.0f} in {n:,} rows. What a model learns from an ID does not "
            "carry over to new rows. Drop the column, or pass "
            f"exclude=[{name!r}] to the estimator.")


def _category_warning(name: str, labels: np.ndarray) -> str | None:
    codes, uniques = pd.factorize(labels, use_na_sentinel=True)
    return category_message(name, int(np.count_nonzero(codes >= 0)), len(uniques))


def category_message(name: str, n: int, distinct: int) -> str | None:
    """The warning for a nominal column of ``n`` present labels, ``distinct`` of them, when
    it looks like an ID or nearly every label is unique."""
    if n < MIN_ROWS_TO_JUDGE:
        return None
    if distinct >= ID_DISTINCT_FRACTION * n:
        return (f"Feature {name!r} looks like an ID: {distinct:,} distinct values in {n:,} rows. "
                "What a model learns from an ID does not carry over to new rows. Drop the "
                f"column, or pass exclude=[{name!r}] to the estimator.")
    if distinct > NEAR_UNIQUE_FRACTION * n:
        return (f"Feature {name!r} has {distinct:,} categories in {n:,} rows ({distinct / n:.0%} "
                "distinct): most are seen once, so the model cannot learn them, and new rows "
                "will mostly hold categories it never saw, which contribute 0. Group rare "
                "categories, turn the column into numbers, or drop it (or pass "
                f"exclude=[{name!r}] to the estimator).")
    return None


def _large_integers(series: pd.Series) -> list[int]:
    """The distinct integers of a column of magnitude ``MAX_EXACT_INTEGER`` or more (2**53 + 1
    rounds onto 2**53); in an object column its finite floats there count too, as the integers
    they are (10**16 + 1 rounds onto 1e16)."""
    dtype = series.dtype
    if pd.api.types.is_integer_dtype(dtype) and not isinstance(dtype, pd.CategoricalDtype):
        unsigned = dtype.kind == "u"
        ints = series.dropna().to_numpy(dtype=np.uint64 if unsigned else np.int64)
        big = ints >= MAX_EXACT_INTEGER if unsigned else np.abs(ints) >= MAX_EXACT_INTEGER
        return [int(v) for v in pd.unique(ints[big])]
    if dtype == object:
        raw = series.to_numpy(dtype=object, copy=False)
        numbers = (int(v) if isinstance(v, (int, np.integer)) else int(float(v)) for v in raw
                   if isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))
                   or isinstance(v, (float, np.floating)) and math.isfinite(v))
        return list({v for v in numbers if abs(v) >= MAX_EXACT_INTEGER})
    return []


def _rounding_warning(name: str, series: pd.Series) -> str | None:
    """A warning for a continuous column whose distinct integers become one float64."""
    seen: dict[float, int] = {}
    merged = None
    big = _large_integers(series)
    for value in big:
        first = seen.setdefault(float(value), value)
        if merged is None and first != value:
            merged = (first, value)
    if merged is None:
        return None
    return (f"Feature {name!r} holds integers beyond 2**53 that float64, in which continuous "
            f"features are held, cannot tell apart: {merged[0]} and {merged[1]} both become "
            f"{float(merged[0])!r} ({len(big):,} distinct such integers become {len(seen):,} "
            "values). For an identifier or a code, declare the column nominal "
            f"(feature_types), which keeps every integer exact, or drop it (or pass "
            f"exclude=[{name!r}] to the estimator).")


def _float_codes_warning(name: str, series: pd.Series) -> str | None:
    """A warning for a categorical feature held as floats beyond 2**53, where neighbouring
    integers are one float64: codes or IDs there may have been rounded onto one another."""
    if isinstance(series.dtype, pd.CategoricalDtype) or series.dtype.kind != "f":
        return None
    values = series.to_numpy(dtype=np.float64, na_value=np.nan)
    big = np.flatnonzero(np.abs(values) >= MAX_EXACT_INTEGER)  # 2**53 + 1 rounds to 2**53
    if not len(big):
        return None
    return (f"Feature {name!r} is categorical and holds floats beyond 2**53 (e.g. "
            f"{float(values[big[0]])!r}, row {big[0]}), where float64 cannot tell neighbouring "
            "integers apart: integer codes or IDs held as floats (pandas makes an integer "
            "column with missing values float64) may have become one category, or another's. "
            "Pass the column as integers (pandas' 'Int64' dtype keeps missing values) or as "
            "strings.")


def _uniqueness_warning(name: str, ftype: str, column: Column) -> str | None:
    """A warning for ID-like columns and nominals with nearly one category per row."""
    if ftype == CONTINUOUS:
        return _integer_id_warning(name, column.values)
    if ftype == NOMINAL:
        return _category_warning(name, column.values)
    return None


def type_table(X: Any, feature_names: Sequence[str] | None, feature_types: Any,
               datetime_features: str = "parts", exclude: Any = None,
               judge_uniqueness: bool = True) -> TypedTable:
    """Type every column of the training table (``feature_types`` entries override inference).

    Date columns (typed dates, or strings that all parse as dates in one format) become
    continuous features as ``datetime_features`` says ("parts": year, month, day of week, and
    hour when there are times; "timestamp": days since 1970-01-01); a column declared
    'continuous' becomes the timestamp, one declared nominal or ordinal keeps its values as
    categories. Every conversion, ID-like column and nearly-unique nominal gets a `DataWarning`
    (ID warnings not for features whose main effect is in ``exclude``). Without
    ``judge_uniqueness`` the ID and near-unique checks are left to the caller, which judges
    the whole column (the Dask fit, whose partitions each hold a part of it).
    """
    check_datetime_features(datetime_features)
    feature_names = check_feature_names(feature_names)
    frame = to_dataframe(X, feature_names)
    if frame.shape[1] == 0:
        raise ValueError(
            f"X has no columns: 0 feature(s) (shape={frame.shape}) while a minimum of 1 is "
            "required."
        )
    raw_names = [str(c) for c in (feature_names if feature_names is not None else frame.columns)]
    if len(set(raw_names)) != len(raw_names):
        raise ValueError(f"feature names must be unique, got duplicates in {raw_names}")
    # feature_names naming every column of a DataFrame pick them by name, as at predict
    positions = (_positions_by_name(frame, raw_names, "feature_names")
                 or list(range(len(raw_names))))
    table = TypedTable([], [], [], [])
    pending = []
    declared_types = validate_feature_types(feature_types, len(raw_names), raw_names)
    for i, (name, declared) in enumerate(zip(raw_names, declared_types)):
        series = without_decimal_nans(frame.iloc[:, positions[i]])
        # a strategy or cut points declare the column continuous, binned that way
        binning = declared_binning(declared)
        continuous = isinstance(declared, np.ndarray) or declared in (CONTINUOUS,
                                                                      *BINNING_STRATEGIES)
        if continuous or declared == "auto":
            dates = _date_features(name, series,
                                   "timestamp" if continuous else datetime_features)
            if dates is not None:
                conversion, columns = dates
                table.conversions.append(conversion)
                for derived, column in zip(conversion.names, columns):
                    _append(table, derived, CONTINUOUS, column, None, binning)
                continue
        order = None
        if isinstance(declared, list):
            ftype, order = ORDINAL, declared
        elif continuous:
            ftype = CONTINUOUS
        elif declared == "auto":
            ftype = infer_feature_type(name, series)
        else:
            ftype = declared
        if ftype == ORDINAL and order is None:
            order = ordinal_categories(name, series)
        column = _typed(name, series, ftype)
        _append(table, name, ftype, column, order, binning if ftype == CONTINUOUS else None)
        pending.append((name, ftype, column, series))
    _check_derived_names(table)
    excluded = {table.names[t[0]] for t in parse_exclude(exclude, table.names) if len(t) == 1}
    for name, ftype, column, series in pending:
        if name in excluded:
            continue
        table.judged.append(name)
        rounding = (_rounding_warning(name, series) if ftype == CONTINUOUS
                    else _float_codes_warning(name, series))
        uniqueness = _uniqueness_warning(name, ftype, column) if judge_uniqueness else None
        for message in (rounding, uniqueness):
            if message:
                _warn(message)
    return table


def _append(table: TypedTable, name: str, ftype: str, column: Column,
            order: list[str] | None, binning: str | np.ndarray | None) -> None:
    table.names.append(name)
    table.types.append(ftype)
    table.columns.append(column)
    table.orders.append(order)
    table.binnings.append(binning)


def _check_derived_names(table: TypedTable) -> None:
    seen = set()
    for name in table.names:
        if name in seen:
            source = next(c.column for c in table.conversions if name in c.names)
            raise ValueError(
                f"Feature {name!r}, derived from the date column {source!r}, has the name of "
                "another column; rename that column."
            )
        seen.add(name)


def _positions_by_name(frame: pd.DataFrame, names: list[str], source: str) -> list[int] | None:
    """Where each of ``names`` is among the frame's columns when it has them all (matching by
    name, as InterpretML), else None: the columns are taken by position.

    A column carrying one of ``names`` at another position is a ValueError: by position it would
    silently stand for another feature (``source`` says where the names come from).
    """
    where = {str(c): i for i, c in enumerate(frame.columns)}
    if all(n in where for n in names):
        return [where[n] for n in names]
    moved = [n for i, n in enumerate(names) if where.get(n, i) != i]
    if moved:
        raise ValueError(
            f"X's column(s) {moved[:10]}{' ...' if len(moved) > 10 else ''} carry names from "
            f"{source} at other positions, and X lacks some of the other names, so its columns "
            f"can be matched neither by name nor by position. Name X's columns as {source} "
            f"{names[:10]}{' ...' if len(names) > 10 else ''}, or give it none of these names."
        )
    return None


def _frame_positions(frame: pd.DataFrame, names: list[str], match_by_name: bool
                     ) -> list[int] | None:
    """Positions of the model's (raw) feature ``names`` in a DataFrame to score, None to take its
    columns by position; a model that ``match_by_name`` needs every name. A feature's name on
    two columns is an error; other duplicated names are extra columns, ignored."""
    counts = Counter(str(c) for c in frame.columns)
    twice = [n for n in names if counts[n] > 1]
    if twice:
        raise ValueError(f"X has duplicated column names: {twice[:10]}")
    if match_by_name:
        columns = {str(c) for c in frame.columns}
        missing = [n for n in names if n not in columns]
        if missing:
            raise ValueError(
                f"X is missing feature(s) seen at fit: {missing[:10]}"
                f"{' ...' if len(missing) > 10 else ''}; X has columns "
                f"{[str(c) for c in frame.columns][:10]}"
            )
    return _positions_by_name(frame, names, "the model's features")


def align_for_predict(X: Any, names: list[str], types: list[str], match_by_name: bool,
                      estimator_name: str, conversions: Sequence[Any] | None = None
                      ) -> list[Column]:
    """Typed columns of a table to score, matched to the training features.

    A DataFrame holding a column of every feature's name is matched by name (extra columns are
    ignored); a model fitted on named columns (``match_by_name``) needs them all. Other tables are
    matched by position and must have the same width; a DataFrame column named like a feature at
    another position is an error. Date columns are converted as at fit, in its time zone
    (``conversions``: the fitted `DateConversion` records or their dicts); values that are not
    dates score as unseen.
    """
    frame = to_dataframe(X, unique_columns=False)
    if frame.shape[0] == 0:
        raise ValueError(
            f"X has no rows: found array with 0 sample(s) (shape={frame.shape}) while a minimum "
            "of 1 is required."
        )
    records = as_conversions(conversions)
    source = {derived: record for record in records for derived in record.names}
    raw_names = list(dict.fromkeys(source[n].column if n in source else n for n in names))
    positions = None
    if isinstance(X, pd.DataFrame) or hasattr(X, "to_pandas"):
        positions = _frame_positions(frame, raw_names, match_by_name)
    if positions is None:
        if frame.shape[1] != len(raw_names):
            raise ValueError(
                f"X has {frame.shape[1]} features, but {estimator_name} is expecting "
                f"{len(raw_names)} features as input."
            )
        positions = list(range(len(raw_names)))
    raw = {n: without_decimal_nans(frame.iloc[:, i]) for n, i in zip(raw_names, positions)}
    derived = {}
    for record in records:
        if record.column in raw:
            derived.update(_derived_columns(record, raw[record.column]))
    for n, t in zip(names, types):
        message = None if n in source or t == CONTINUOUS else _float_codes_warning(n, raw[n])
        if message:
            _warn(message)
    return [derived[n] if n in source else _typed(n, raw[n], t, scoring=True)
            for n, t in zip(names, types)]


def _derived_columns(record: DateConversion, series: pd.Series) -> dict[str, Column]:
    _reject_unsupported(record.column, series)
    value_kind(record.column, series)
    try:
        dates, not_date = to_datetimes(series, record.format, record.utc)
        dates = in_fitted_zone(record, dates, series)
    except (TypeError, ValueError) as error:
        raise type(error)(f"Feature {record.column!r} held dates at fit but {error}") from None
    return {name: Column(values, not_date)
            for name, values in zip(record.names, derived_values(record, dates))}
