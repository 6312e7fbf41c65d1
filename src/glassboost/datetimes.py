"""Date and time columns: detecting date strings and turning dates into numeric features.

Every date-like column (datetime64 with or without a time zone, pandas Periods, Python
``datetime``/``date`` objects, or strings that all parse as dates in one format) follows one rule:
it becomes continuous features, either one timestamp (days since 1970-01-01) or its parts (year,
month, day of week, and hour when the values carry times). A nominal feature with one category
per date would treat every later date as unseen. The conversion is decided once at fit and
recorded (`DateConversion`), so that scoring converts new data the same way, parts included in
the time zone of the fit's dates (`in_fitted_zone`).
"""

from __future__ import annotations

import datetime
import re
import warnings
from dataclasses import dataclass
from numbers import Number
from typing import Any, Iterable

import numpy as np
import pandas as pd
from dateutil import tz as dateutil_tz
from pandas.tseries.api import guess_datetime_format

DATETIME_FEATURES = ("parts", "timestamp")
TIMESTAMP = "days_since_1970"
PARTS = ("year", "month", "weekday", "hour")
ISO8601 = "ISO8601"
EPOCH = pd.Timestamp("1970-01-01")
SAMPLE_SIZE = 200
MIN_DATE_SHARE = 0.9  # of a sample that must be dates for a text column to count as dates
_YEAR = re.compile(r"%[Yy]")
_MONTH = re.compile(r"%[mbB]")
_DATE_LIKE = re.compile(r"^\s*(\d{1,4}\D+\d{1,2}|[A-Za-z]{3})")
# the end of an ISO 8601 time with a UTC offset ('Z', '+01:00', '-0500'); read on a string's
# last 8 characters, so that scanning a column costs little
_OFFSET_AT_END = re.compile(r"(?:[Zz]|[+-]\d{2}:?\d{2})\s*$")
# zones of one offset (dateutil's parser makes its own for 'Z' and '+05:00')
_FIXED_OFFSETS = (datetime.timezone, dateutil_tz.tzutc, dateutil_tz.tzoffset)


def check_datetime_features(value: Any) -> str:
    """Raise ValueError naming the parameter unless ``value`` is one of `DATETIME_FEATURES`."""
    if not isinstance(value, str) or value not in DATETIME_FEATURES:
        raise ValueError(
            f"datetime_features must be one of {DATETIME_FEATURES}, got {value!r}"
        )
    return value


class _Unrecorded:
    """The time zone of a conversion recorded before zones were: its parts are taken in
    whatever zone the scored dates have, as such models always did."""

    def __repr__(self) -> str:
        return "UNRECORDED"

    def __reduce__(self) -> str:
        return "UNRECORDED"  # copies and pickles are the one value, which `is` compares


UNRECORDED = _Unrecorded()


@dataclass(frozen=True)
class DateConversion:
    """How one date column becomes features: ``parts`` are names from `PARTS` or `TIMESTAMP`;
    ``format`` is the strftime format of date strings (None for typed dates); ``utc`` converts
    strings to UTC before their parts are taken, whatever their offsets, as models fitted before
    parts were taken in the strings' own offset did for a format with ``%z``; ``tz`` is the time
    zone of the fit's dates (`zone_name`), None when they had none, or `UNRECORDED`."""

    column: str
    parts: tuple[str, ...]
    format: str | None = None
    utc: bool = False
    tz: str | None | _Unrecorded = UNRECORDED

    @property
    def names(self) -> list[str]:
        """The derived feature names, ``<column>:<part>``."""
        return [f"{self.column}:{part}" for part in self.parts]

    def to_dict(self) -> dict:
        """The record; ``utc`` only with a ``%z`` format, the one case it can be true, and
        ``tz`` unless unrecorded."""
        record = {"column": self.column, "parts": list(self.parts), "format": self.format,
                  "names": self.names}
        if _has_offset(self.format):
            record["utc"] = self.utc
        if self.tz is not UNRECORDED:
            record["tz"] = self.tz
        return record

    @classmethod
    def from_dict(cls, record: dict) -> "DateConversion":
        """The conversion of a record; one without ``utc`` but with a ``%z`` format comes from a
        model that converted such strings to UTC, and still does; one without ``tz`` from a
        model that took parts in the scored dates' own zone, and still does."""
        fmt = record.get("format")
        return cls(str(record["column"]), tuple(record["parts"]), fmt,
                   bool(record.get("utc", _has_offset(fmt))), record.get("tz", UNRECORDED))


def as_conversions(records: Iterable[Any] | None) -> list[DateConversion]:
    """The `DateConversion` of every record: models keep them as dicts (`DateConversion.to_dict`,
    or a model file's records), which scoring, merging and editing read alike."""
    return [r if isinstance(r, DateConversion) else DateConversion.from_dict(r)
            for r in records or ()]


def source_columns(records: Iterable[Any] | None) -> dict[str, str]:
    """Each derived feature's name (``when:month``) and the date column it comes from."""
    return {name: record.column for record in as_conversions(records) for name in record.names}


def _has_offset(fmt: str | None) -> bool:
    return fmt is not None and "%z" in fmt


def _sample(series: pd.Series) -> pd.Series:
    """Up to `SAMPLE_SIZE` present values spread evenly over the column (deterministic)."""
    if len(series) > SAMPLE_SIZE:
        spread = series.iloc[np.linspace(0, len(series) - 1, SAMPLE_SIZE).astype(np.int64)]
        sample = spread.dropna()
        if len(sample) >= SAMPLE_SIZE // 10:
            return sample
    present = series.dropna()
    if len(present) <= SAMPLE_SIZE:
        return present
    return present.iloc[np.linspace(0, len(present) - 1, SAMPLE_SIZE).astype(np.int64)]


def _coerce(values: pd.Series, utc: bool = False, **options: Any) -> pd.Series:
    """``pandas.to_datetime`` of ``values``, NaT where a value is not a date.

    Values in one time zone keep it, so that their parts are taken in that zone. Values in
    several zones (or zoned beside naive ones) are converted to UTC, as is every value when
    ``utc``: pandas raises for some such mixes and, for datetime objects, makes the values of
    every zone but the first NaT, so a retry in UTC that parses more values wins. Naive values
    read as UTC that way are for the caller to refuse (`naive_beside_zoned`).
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if utc:
            return pd.to_datetime(values, errors="coerce", utc=True, **options)
        try:
            dates = pd.to_datetime(values, errors="coerce", **options)
        except ValueError:  # mixed time zones
            return pd.to_datetime(values, errors="coerce", utc=True, **options)
        if not (dates.isna() & values.notna()).any():
            return dates
        in_utc = pd.to_datetime(values, errors="coerce", utc=True, **options)
        return in_utc if in_utc.notna().sum() > dates.notna().sum() else dates


def _parses(values: pd.Series, fmt: str, utc: bool = False) -> pd.Series:
    """Datetimes of ``values`` in format ``fmt``; NaT where a value is not a date in it."""
    return _coerce(values, utc, format=fmt)


def _date_format(value: str, dayfirst: bool) -> str | None:
    """The format pandas guesses for one string, if it is a date with a year and a month."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fmt = guess_datetime_format(value, dayfirst=dayfirst)
    return fmt if fmt and _YEAR.search(fmt) and _MONTH.search(fmt) else None


def guess_date_format(series: pd.Series) -> str | None:
    """The date format of a string column, or None when it does not hold dates.

    At least `MIN_DATE_SHARE` of a sample of the values must be text that starts like a date
    (digits and separators, or a month name) and is not a number, and must parse in one format
    that has a year and a month. Month-first formats are tried before day-first ones, then
    ISO 8601 with mixed precision; the first that parses the whole sample wins, else the one
    that parses most of it. Whether every value parses is for the caller to check.
    """
    sample = _sample(series)
    if len(sample) == 0 or not all(isinstance(v, str) for v in sample):
        return None
    sample = sample.str.strip()
    date_like = np.array([6 <= len(v) <= 64 and bool(_DATE_LIKE.match(v)) for v in sample])
    date_like &= pd.to_numeric(sample, errors="coerce").isna().to_numpy()
    if date_like.mean() < MIN_DATE_SHARE:
        return None
    candidates = dict.fromkeys(
        fmt for dayfirst in (False, True) for value in sample[date_like].iloc[:20]
        if (fmt := _date_format(value, dayfirst)))
    if not candidates:
        return None
    shares = {fmt: _parses(sample, fmt).notna().mean() for fmt in [*candidates, ISO8601]}
    best = max(shares, key=shares.get)  # the first of the best, in order of preference
    return best if shares[best] >= MIN_DATE_SHARE else None


def to_datetimes(series: pd.Series, fmt: str | None,
                 utc: bool = False) -> tuple[pd.Series, np.ndarray]:
    """(datetime64 series, mask of present values that are not dates) of any date-like column.

    Strings are parsed as `_strings_to_datetimes` says (``utc`` converts them to UTC); values
    that do not parse become NaT and are flagged. Object columns of ``datetime``/``date``/
    ``Period`` values, with or without strings, become one datetime64 column (mixed time zones
    in UTC). Raises ValueError for date strings that can only be guessed (see there), TypeError
    for numbers, in a numeric column or among objects (a numeric column of only missing values
    holds missing dates).
    """
    missing = pd.isna(series).to_numpy()
    dtype = series.dtype
    if isinstance(dtype, pd.PeriodDtype):
        return series.dt.to_timestamp(), np.zeros(len(series), dtype=bool)
    if isinstance(dtype, pd.ArrowDtype) and pd.api.types.is_datetime64_any_dtype(dtype):
        return _numpy_datetimes(series), np.zeros(len(series), dtype=bool)
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return series, np.zeros(len(series), dtype=bool)
    if pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype):
        if missing.all():  # pandas types a column of only missing values float64
            return (pd.Series(pd.NaT, index=series.index, dtype="datetime64[ns]"),
                    np.zeros(len(series), dtype=bool))
        raise TypeError(f"holds dtype {dtype} where dates are expected")
    objects = series.astype(object)
    present = objects[~missing]
    # pandas would read them as nanoseconds since 1970, dates they never meant
    numbers = [v for v in present if isinstance(v, (Number, np.number, np.bool_))]
    if numbers:
        raise TypeError(f"holds numbers (e.g. {numbers[0]!r}) where dates are expected")
    if len(present) and all(isinstance(v, pd.Period) for v in present):
        stamps = pd.Series([None if m else v.to_timestamp() for v, m in zip(objects, missing)],
                           index=series.index, dtype=object)
        return pd.to_datetime(stamps), np.zeros(len(series), dtype=bool)
    text = np.fromiter((isinstance(v, str) for v in objects), dtype=bool, count=len(objects))
    if len(present) and text[~missing].all():
        dates = _strings_to_datetimes(objects, fmt, utc)
    else:
        if text.any():  # parsed on their own, not by a format pandas guesses from the first
            objects = objects.copy()
            objects[text] = _strings_to_datetimes(objects[text], fmt, utc).astype(object)
        dates = _coerce(objects)
    return dates, (pd.isna(dates).to_numpy() & ~missing)


def _numpy_datetimes(series: pd.Series) -> pd.Series:
    """A pyarrow date or timestamp column as numpy datetime64 in its unit and time zone: pandas
    has no ``.dt.hour`` or ``.dt.tz`` for arrow dates, which the derived features read."""
    arrow = series.dtype.pyarrow_dtype
    unit, tz = getattr(arrow, "unit", "ms"), getattr(arrow, "tz", None)
    return series.astype(pd.DatetimeTZDtype(unit, tz) if tz else f"datetime64[{unit}]")


def _strings_to_datetimes(strings: pd.Series, fmt: str | None, utc: bool) -> pd.Series:
    """Date strings in ``fmt``, or in ISO 8601 when the column held typed dates at fit.

    Without a recorded format, any other date format is refused: guessing it from the values
    scored together would make a row's dates depend on the other rows ('05/01/2021' is May 1
    alone, January 5 beside '13/01/2021'). Strings that are not dates at all become NaT.
    """
    strings = strings.str.strip()
    dates = _parses(strings, fmt or ISO8601, utc)
    if fmt is None:
        _refuse_other_date_formats(strings[dates.isna() & strings.notna()])
    return dates


def _refuse_other_date_formats(unparsed: pd.Series) -> None:
    """Raise ValueError if a string that is not ISO 8601 is a date in some other format."""
    for value in pd.unique(unparsed.to_numpy(dtype=object)):
        if _date_format(value, dayfirst=False) or _date_format(value, dayfirst=True):
            raise ValueError(
                f"holds date strings that are not ISO 8601 (e.g. {value!r}), and the model "
                "records no string format to read them in (a format cannot be told from one "
                "value: 01/02/2021 is January 2 or February 1). Pass the column as datetime64 "
                "(pandas.to_datetime(..., format=...)) or as ISO 8601 strings ('2021-01-02')."
            )


def _has_times(dates: pd.Series) -> bool:
    present = dates.dropna()
    return bool(len(present)) and bool((present != present.dt.normalize()).any())


def zone_name(column: str, dates: pd.Series) -> str | None:
    """The name of the time zone of ``dates`` (None without one) that scoring converts to: an
    IANA key ('Europe/Paris'), or 'UTC' and 'UTC+05:00' for fixed offsets. Raises ValueError
    naming ``column`` for a zone without such a name (``dateutil``'s local zone or a zone file
    read from a path), which scoring could not convert to."""
    tz = getattr(dates.dt, "tz", None)
    if tz is None:
        return None
    name = getattr(tz, "key", None) or getattr(tz, "zone", None)  # zoneinfo, pytz
    if name is None and isinstance(tz, _FIXED_OFFSETS):
        offset = tz.utcoffset(None)
        minutes, seconds = divmod(int(abs(offset).total_seconds()), 60)
        if not seconds:
            sign = "-" if offset < datetime.timedelta(0) else "+"
            name = f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}" if minutes else "UTC"
    if not isinstance(name, str):
        raise ValueError(
            f"Feature {column!r} holds dates in time zone {tz!r}, which has no name the model "
            "can record to convert later dates to; convert the column to a named zone first "
            "(Series.dt.tz_convert('Europe/Paris'), or a fixed offset such as 'UTC+05:00')."
        )
    return name


def plan_conversion(column: str, dates: pd.Series, datetime_features: str,
                    fmt: str | None) -> DateConversion:
    """The conversion of a date column fitted on ``dates``: its parts follow
    ``datetime_features``, hour is a part only when some value has a time of day, and the
    dates' time zone is recorded."""
    tz = zone_name(column, dates)
    if datetime_features == "timestamp":
        return DateConversion(column, (TIMESTAMP,), fmt, tz=tz)
    parts = PARTS if _has_times(dates) else PARTS[:3]
    return DateConversion(column, parts, fmt, tz=tz)


def is_zone_name(name: str) -> bool:
    """Whether dates can be converted to the time zone ``name`` (as `in_fitted_zone` does)."""
    try:
        pd.DatetimeTZDtype(tz=name)
    except (KeyError, ValueError, TypeError):  # zoneinfo's not-found error is a KeyError
        return False
    return True


def naive_beside_zoned(values: pd.Series, dates: pd.Series) -> Any:
    """A present value of ``values`` (strings or date objects) without a time zone that
    `to_datetimes` read as UTC because others have one (``dates``: what it made of them), or
    None. Fit and scoring refuse to guess such a value's zone."""
    if str(getattr(dates.dt, "tz", None)) != "UTC" or not (
            values.dtype == object or isinstance(values.dtype, pd.StringDtype)):
        return None  # mixed zones come out in UTC, naive values beside zoned ones too
    search = _OFFSET_AT_END.search
    for value in values.dropna().to_numpy(dtype=object):
        if isinstance(value, str):
            if not search(value[-8:]):
                return value
        elif getattr(value, "tzinfo", None) is None:
            return value
    return None


def in_fitted_zone(conversion: DateConversion, dates: pd.Series,
                   values: pd.Series | None = None) -> pd.Series:
    """``dates`` to score (`to_datetimes` of ``values``, the column as given) in the time zone
    of the fit's dates, so that a batch of the same instants in another zone scores the same.
    Raises ValueError when one of the two has a zone and the other none, or when values without
    a zone come beside zoned ones: which zone naive dates are in cannot be told, and is not
    guessed. A conversion whose zone is `UNRECORDED` takes the dates as they are."""
    fitted = conversion.tz
    if fitted is UNRECORDED:
        return dates
    tz = getattr(dates.dt, "tz", None)
    if fitted is not None and values is not None:
        naive = naive_beside_zoned(values, dates)
        if naive is not None:
            raise ValueError(
                f"holds dates without a time zone (e.g. {naive!r}) beside dates in one, while "
                f"the model was fitted on dates in time zone {fitted!r}, and their zone is not "
                "guessed. Give every value its zone (an offset such as '+01:00', or "
                "Series.dt.tz_localize)."
            )
    if fitted is not None and tz is not None:
        return dates.dt.tz_convert(fitted)
    if fitted is None and tz is not None:
        raise ValueError(
            f"holds dates in time zone {str(tz)!r}, while the model was fitted on dates without "
            "a time zone, whose zone it cannot know. Pass the local times the model was "
            "fitted on without a zone (strings without an offset, or "
            "Series.dt.tz_convert(<their zone>).dt.tz_localize(None))."
        )
    if fitted is not None and tz is None and dates.notna().any():
        raise ValueError(
            f"holds dates without a time zone, while the model was fitted on dates in time zone "
            f"{fitted!r}, and their zone is not guessed. Pass them with their zone (a UTC "
            "offset in each string, such as '2021-03-01 10:00+01:00', or "
            f"Series.dt.tz_localize(<their zone>); {fitted!r} if they are local times there)."
        )
    return dates


def _part(dates: pd.Series, part: str) -> np.ndarray:
    if part == TIMESTAMP:
        if getattr(dates.dt, "tz", None) is not None:
            dates = dates.dt.tz_convert("UTC").dt.tz_localize(None)
        days = (dates - EPOCH) / pd.Timedelta(days=1)
        return days.to_numpy(dtype=np.float64, na_value=np.nan)
    values = {"year": dates.dt.year, "month": dates.dt.month, "weekday": dates.dt.day_of_week,
              "hour": dates.dt.hour}[part]
    return values.to_numpy(dtype=np.float64, na_value=np.nan)


def derived_values(conversion: DateConversion, dates: pd.Series) -> list[np.ndarray]:
    """Float64 values of every derived feature (NaN where the date is missing or unparsed)."""
    return [_part(dates, part) for part in conversion.parts]


def describe(conversion: DateConversion, source: str) -> str:
    """One sentence for the fit-time warning: what the column held and what it became."""
    names = ", ".join(repr(n) for n in conversion.names)
    if conversion.parts == (TIMESTAMP,):
        became = (f"the continuous feature {names} (days since 1970-01-01; "
                  "datetime_features='timestamp')")
        other = ("pass datetime_features='parts' for year, month and day of week (0 = Monday) "
                 "as separate features")
    else:
        became = (f"the continuous features {names} (day of week: 0 = Monday; "
                  "datetime_features='parts')")
        other = ("pass datetime_features='timestamp' for one feature counting days since "
                 "1970-01-01")
    return (f"Feature {conversion.column!r} holds dates ({source}); it became {became}. To "
            f"choose otherwise, {other}, or declare the column 'nominal' in feature_types to "
            "keep its values as categories.")
