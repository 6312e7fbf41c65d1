"""Tests of date detection and of date columns as features, from the parser to a fitted model."""

from __future__ import annotations

import copy
import datetime as dt
import pickle
import warnings

import dateutil.tz
import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from glassboost import ExplainableBoostingClassifier, ExplainableBoostingRegressor
from glassboost.datetimes import (UNRECORDED, DateConversion, check_datetime_features,
                                  derived_values, guess_date_format, in_fitted_zone,
                                  plan_conversion, to_datetimes, zone_name)
from glassboost.fitted_model import FittedModel
from glassboost.schema import DataWarning

SMALL = dict(outer_bags=2, interactions=0, n_jobs=1)


@pytest.mark.parametrize("values, fmt", [
    (["1973-05-01", "1973-05-02", None], "%Y-%m-%d"),
    (["2020-01-05 13:00", "2020-01-06 14:30"], "%Y-%m-%d %H:%M"),
    (["01/02/2020", "13/02/2020"], "%d/%m/%Y"),  # 13 cannot be a month: day first
    (["01/02/2020", "02/03/2020"], "%m/%d/%Y"),  # ambiguous: month first, as pandas
    (["2020-01-05", "2020-01-05 13:00"], "ISO8601"),  # mixed precision
    (["2020-01", "2020-02"], "%Y-%m"),
    (["January 5, 2020", "March 7, 2021"], "%B %d, %Y"),
    (["2020-01-05T13:00:00+01:00", "2020-01-05T13:00:00+02:00"], "%Y-%m-%dT%H:%M:%S%z"),
])
def test_date_strings_are_detected_with_one_format(values, fmt) -> None:
    assert guess_date_format(pd.Series(values)) == fmt


@pytest.mark.parametrize("values", [
    ["Adelie", "Gentoo"], ["192.168.1.1", "10.0.0.1"], ["1.2.3-beta", "2.0.1"],
    ["20200105", "20200106"],  # numbers
    ["2020", "2021"],  # years are numbers
    ["3 x 4 cm", "5 x 6 cm"], ["A-12-2020", "B-13-2021"], ["v1.10", "v2.11"],
    ["13:00", "14:30"],  # times of day without a date
    ["2020-01-05", "soon"],  # one value of the sample is not a date
    [None, None],
])
def test_text_that_is_not_dates_is_not_detected(values) -> None:
    assert guess_date_format(pd.Series(values, dtype=object)) is None


def test_detection_samples_a_long_column_and_sees_values_after_missing_ones() -> None:
    values = pd.Series([None] * 5000 + ["2020-03-01"] * 10, dtype=object)
    assert guess_date_format(values) == "%Y-%m-%d"


def test_to_datetimes_flags_values_that_do_not_parse_but_not_missing_ones() -> None:
    dates, not_date = to_datetimes(pd.Series(["2020-01-05", "n/a", None, " 2020-02-01 "]),
                                   "%Y-%m-%d")
    assert list(not_date) == [False, True, False, False]
    assert dates[0] == pd.Timestamp("2020-01-05") and dates[3] == pd.Timestamp("2020-02-01")
    with pytest.raises(TypeError, match="int64"):
        to_datetimes(pd.Series([1, 2]), None)


@pytest.mark.parametrize("series", [
    pd.Series(pd.to_datetime(["2021-03-01 06:00", "2021-03-02 18:30"])),
    pd.Series(pd.to_datetime(["2021-03-01 06:00", "2021-03-02 18:30"])).dt.tz_localize(
        "Europe/Paris"),
    pd.Series([dt.datetime(2021, 3, 1, 6), dt.datetime(2021, 3, 2, 18, 30)], dtype=object),
    pd.Series(["2021-03-01 06:00", "2021-03-02 18:30"]),
])
def test_every_date_type_gives_the_same_parts(series) -> None:
    fmt = guess_date_format(series) if series.dtype != object or isinstance(series[0], str) \
        else None
    dates, not_date = to_datetimes(series, fmt)
    assert not not_date.any()
    conversion = plan_conversion("t", dates, "parts", fmt)
    assert conversion.names == ["t:year", "t:month", "t:weekday", "t:hour"]
    year, month, weekday, hour = derived_values(conversion, dates)
    assert list(year) == [2021, 2021] and list(month) == [3, 3]
    assert list(weekday) == [0, 1] and list(hour) == [6, 18]  # 2021-03-01 was a Monday


def test_timestamp_counts_days_since_1970_in_utc_for_zoned_times() -> None:
    naive = pd.Series(pd.to_datetime(["1970-01-02", "2000-01-01 12:00", None], format="ISO8601"))
    conversion = plan_conversion("t", naive, "timestamp", None)
    assert conversion.names == ["t:days_since_1970"]
    days = derived_values(conversion, naive)[0]
    np.testing.assert_allclose(days[:2], [1.0, 10957.5])
    assert np.isnan(days[2])
    zoned = pd.Series(pd.to_datetime(["1970-01-02 01:00"])).dt.tz_localize("Europe/Paris")
    np.testing.assert_allclose(derived_values(conversion, zoned)[0], [1.0])


def test_periods_and_dates_without_times_have_no_hour() -> None:
    periods = pd.Series(pd.period_range("2020-01", periods=3, freq="M"))
    dates, _ = to_datetimes(periods, None)
    assert plan_conversion("p", dates, "parts", None).parts == ("year", "month", "weekday")
    mixed = pd.Series([pd.Period("2020-01", "M"), pd.Period("2021", "Y"), None], dtype=object)
    dates, not_date = to_datetimes(mixed, None)
    assert list(dates.dt.year[:2]) == [2020, 2021] and not not_date.any()


def test_conversion_record_round_trips_through_a_dict() -> None:
    conversion = DateConversion("when", ("year", "month"), "%d/%m/%Y")
    record = conversion.to_dict()
    assert record["names"] == ["when:year", "when:month"]
    assert DateConversion.from_dict(record) == conversion


def test_datetime_features_is_checked() -> None:
    assert check_datetime_features("parts") == "parts"
    with pytest.raises(ValueError, match="datetime_features must be one of"):
        check_datetime_features("days")


def _seasonal_data(seed: int = 0) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Daily dates over six years; the target depends on month and weekend only (no trend)."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2015-01-01", "2020-12-31", freq="D")
    y = (2 * np.sin(2 * np.pi * dates.month.to_numpy() / 12)
         + 0.5 * (dates.day_of_week.to_numpy() >= 5) + rng.normal(0, 0.3, len(dates)))
    X = pd.DataFrame({"when": dates.strftime("%Y-%m-%d")})
    return X, y, np.asarray(dates < "2019-01-01")


def test_date_strings_become_parts_that_score_later_dates_well() -> None:
    X, y, train = _seasonal_data()
    with pytest.warns(DataWarning, match=r"Feature 'when' holds dates \(strings in format "
                                         r"'%Y-%m-%d'\).*'when:month'.*datetime_features="
                                         r"'timestamp'"):
        converted = ExplainableBoostingRegressor(**SMALL).fit(X[train], y[train])
    assert converted.feature_names_in_ == ["when:year", "when:month", "when:weekday"]
    assert converted.term_names_[:3] == ["when:year", "when:month", "when:weekday"]
    train_r2 = converted.score(X[train], y[train])
    test_r2 = converted.score(X[~train], y[~train])
    assert train_r2 > 0.9 and abs(train_r2 - test_r2) < 0.05, (train_r2, test_r2)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)  # one category per row
        nominal = ExplainableBoostingRegressor(**SMALL, feature_types=["nominal"]).fit(
            X[train], y[train])
    assert nominal.feature_names_in_ == ["when"]
    assert nominal.score(X[~train], y[~train]) < test_r2 - 0.5


def test_predict_converts_as_fit_did_whatever_the_date_type() -> None:
    X, y, train = _seasonal_data(1)
    X, y = X[:400], y[:400]
    with pytest.warns(DataWarning):
        model = ExplainableBoostingRegressor(**SMALL, datetime_features="timestamp").fit(X, y)
    assert model.feature_names_in_ == ["when:days_since_1970"]
    assert model.datetime_conversions_[0]["format"] == "%Y-%m-%d"
    expected = model.predict(X)
    as_datetime64 = X.assign(when=pd.to_datetime(X["when"]))
    np.testing.assert_array_equal(model.predict(as_datetime64), expected)
    np.testing.assert_array_equal(model.predict(X.assign(extra=1)[["extra", "when"]]), expected)
    np.testing.assert_array_equal(model.predict(X.to_numpy()), expected)
    # a value that is not a date scores like unseen text: its term contributes 0
    texty = X.copy()
    texty.loc[0, "when"] = "unknown"
    assert model.eval_terms(texty)[0, 0] == 0.0
    with pytest.raises(TypeError, match="'when' held dates at fit but holds dtype int64"):
        model.predict(X.assign(when=np.arange(len(X))))
    with pytest.raises(ValueError, match=r"missing feature\(s\) seen at fit: \['when'\]"):
        model.predict(X.rename(columns={"when": "date"}))
    assert clone(model).get_params()["datetime_features"] == "timestamp"


def test_datetime_objects_with_two_utc_offsets_are_converted_to_utc() -> None:
    # datetime.fromisoformat on both sides of a daylight-saving change: pandas makes the
    # second offset's values NaT instead of raising
    objects = pd.Series([dt.datetime.fromisoformat("2021-03-01T12:00:00+01:00"),
                         dt.datetime.fromisoformat("2021-07-01T12:00:00+02:00"), None],
                        dtype=object)
    dates, not_date = to_datetimes(objects, None)
    assert list(not_date) == [False, False, False]
    assert str(dates.dt.tz) == "UTC"
    assert list(dates[:2]) == [pd.Timestamp("2021-03-01 11:00", tz="UTC"),
                               pd.Timestamp("2021-07-01 10:00", tz="UTC")]
    one_zone = objects[:1]
    assert str(to_datetimes(one_zone, None)[0].dt.tz) == "UTC+01:00"  # kept when there is one


def test_strings_of_a_typed_date_column_are_read_as_iso_8601_whatever_the_batch() -> None:
    dates, not_date = to_datetimes(pd.Series(["2021-01-05", " 2021-05-01 13:00", "unknown"]),
                                   None)
    assert list(dates[:2]) == [pd.Timestamp("2021-01-05"), pd.Timestamp("2021-05-01 13:00")]
    assert list(not_date) == [False, False, True]  # no date at all: scored as unseen
    for batch in (["05/01/2021"], ["2021-01-05", "05/01/2021", "13/01/2021"]):
        with pytest.raises(ValueError, match=r"not ISO 8601 \(e\.g\. '05/01/2021'\)"):
            to_datetimes(pd.Series(batch), None)
    # strings among datetime objects follow the same rule, not a format pandas guesses
    mixed = pd.Series([dt.datetime(2021, 1, 1), "2021-05-01"], dtype=object)
    assert list(to_datetimes(mixed, None)[0]) == [pd.Timestamp("2021-01-01"),
                                                  pd.Timestamp("2021-05-01")]
    with pytest.raises(ValueError, match="'13/01/2021'"):
        to_datetimes(pd.Series(["13/01/2021", dt.datetime(2021, 1, 1)], dtype=object), None)
    # a recorded format still reads its own strings
    assert to_datetimes(pd.Series(["05/01/2021"]), "%d/%m/%Y")[0][0] == pd.Timestamp(
        "2021-01-05")


def test_a_model_fitted_on_typed_dates_scores_a_row_alike_in_any_batch() -> None:
    X, y, _ = _seasonal_data(2)
    X, y = X[:400], y[:400]
    typed = X.assign(when=pd.to_datetime(X["when"]))
    with pytest.warns(DataWarning):
        model = ExplainableBoostingRegressor(**SMALL).fit(typed, y)
    assert model.datetime_conversions_[0]["format"] is None
    alone = model.predict(pd.DataFrame({"when": ["2015-03-01"]}))
    beside = model.predict(pd.DataFrame({"when": ["2015-03-01", "2015-03-13"]}))
    assert alone[0] == beside[0] == model.predict(typed[59:60])[0]  # 2015-03-01 is row 59
    with pytest.raises(ValueError, match=r"Feature 'when' held dates at fit but holds date "
                                         r"strings that are not ISO 8601 \(e\.g\. '05/01/2015'\)"):
        model.predict(pd.DataFrame({"when": ["05/01/2015"]}))


@pytest.mark.parametrize("fmt", ["%Y-%m-%d %H:%M:%S%z", "ISO8601"])
def test_strings_with_one_utc_offset_keep_it_and_mixed_offsets_become_utc(fmt) -> None:
    local = pd.date_range("2021-03-01 00:00", periods=3, freq="5h")
    strings = pd.Series(local.strftime("%Y-%m-%d %H:%M:%S") + "+05:00")
    typed = pd.Series(local.tz_localize("Etc/GMT-5"))  # the same instants, +05:00
    assert guess_date_format(strings) == "%Y-%m-%d %H:%M:%S%z"
    dates, not_date = to_datetimes(strings, fmt)
    assert not not_date.any() and str(dates.dt.tz) == "UTC+05:00"
    conversion = plan_conversion("t", dates, "parts", fmt)
    for got, expected in zip(derived_values(conversion, dates),
                             derived_values(conversion, typed)):
        np.testing.assert_array_equal(got, expected)
    assert list(derived_values(conversion, dates)[3]) == [0, 5, 10]  # the local hours
    mixed, not_date = to_datetimes(pd.Series(["2021-03-01 12:00:00+01:00",
                                              "2021-07-01 12:00:00+02:00"]), fmt)
    assert not not_date.any() and list(mixed.dt.hour) == [11, 10]  # in UTC


def test_a_record_of_a_format_with_an_offset_and_no_utc_converts_to_utc_as_before() -> None:
    fmt = "%Y-%m-%d %H:%M%z"
    old = DateConversion.from_dict({"column": "t", "parts": ["hour"], "format": fmt})
    assert old.utc and old.to_dict()["utc"] is True
    new = DateConversion("t", ("hour",), fmt)
    assert DateConversion.from_dict(new.to_dict()) == new and new.to_dict()["utc"] is False
    assert "utc" not in DateConversion("t", ("hour",), "%Y-%m-%d %H:%M").to_dict()
    strings = pd.Series(["2021-03-01 09:00+05:00"])
    assert derived_values(old, to_datetimes(strings, fmt, old.utc)[0])[0][0] == 4
    assert derived_values(new, to_datetimes(strings, fmt, new.utc)[0])[0][0] == 9


@pytest.mark.parametrize("arrow_type", ["date32[day]", "date64[ms]", "timestamp[s]",
                                        "timestamp[us, tz=Europe/Paris]"])
def test_pyarrow_dates_and_timestamps_give_the_parts_and_timestamp_of_numpy_dates(
        arrow_type) -> None:
    numpy_dates = pd.Series(pd.to_datetime(["2021-03-01", None, "2021-03-02"]))
    if "tz=" in arrow_type:
        numpy_dates = numpy_dates.dt.tz_localize("Europe/Paris")
    arrow_dates = numpy_dates.astype(arrow_type + "[pyarrow]")
    for datetime_features in ("parts", "timestamp"):
        expected, _ = to_datetimes(numpy_dates, None)
        dates, not_date = to_datetimes(arrow_dates, None)
        conversion = plan_conversion("t", dates, datetime_features, None)
        assert conversion == plan_conversion("t", expected, datetime_features, None)
        np.testing.assert_array_equal(derived_values(conversion, dates),
                                      derived_values(conversion, expected))
        assert not not_date.any()


@pytest.mark.parametrize("missing", [np.full(2, np.nan), pd.array([None, None], dtype="Int64")])
def test_a_batch_whose_dates_are_all_missing_scores_as_missing_dates(missing) -> None:
    # pandas types a column of only missing values float64 (read_csv of empty cells, NaN)
    dates, not_date = to_datetimes(pd.Series(missing), None)
    assert dates.isna().all() and not not_date.any()
    with pytest.raises(TypeError, match="holds dtype float64 where dates are expected"):
        to_datetimes(pd.Series([np.nan, 1.0]), None)


@pytest.mark.parametrize("values", [[20200105, None], [dt.date(2020, 1, 1), 3],
                                    [1.6e18, "2020-01-01"], [True, None]])
def test_numbers_among_objects_where_dates_are_expected_are_an_error_not_1970(values) -> None:
    # pandas reads them as nanoseconds since 1970: the batch's dtype would decide between an
    # error (int64) and a date in 1970 (object)
    with pytest.raises(TypeError, match=r"holds numbers \(e\.g\. .*\) where dates are expected"):
        to_datetimes(pd.Series(values, dtype=object), None)


def _office_hours(n: int = 800, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """Times in Paris; the class is whether the local hour is an office hour."""
    rng = np.random.default_rng(seed)
    instants = pd.Timestamp("2021-01-01", tz="UTC") + pd.to_timedelta(
        rng.integers(0, 365 * 24, n), unit="h")
    when = pd.Series(instants).dt.tz_convert("Europe/Paris")
    y = ((when.dt.hour >= 9) & (when.dt.hour < 17)).to_numpy().astype(int)
    return pd.DataFrame({"when": when, "x": rng.normal(size=n)}), y


@pytest.fixture(scope="module")
def zoned_model():
    X, y = _office_hours()
    with pytest.warns(DataWarning, match="holds dates"):
        model = ExplainableBoostingClassifier(**SMALL).fit(X, y)
    return X, model


def test_a_zoned_fit_scores_the_same_instants_alike_in_any_zone(zoned_model) -> None:
    X, model = zoned_model
    assert model.datetime_conversions_[0]["tz"] == "Europe/Paris"
    expected = model.predict_proba(X)
    in_utc = X.assign(when=X["when"].dt.tz_convert("UTC"))
    in_tokyo = X.assign(when=X["when"].dt.tz_convert("Asia/Tokyo"))
    as_strings = X.assign(when=in_utc["when"].dt.strftime("%Y-%m-%dT%H:%M:%S+00:00"))
    for batch in (in_utc, in_tokyo, as_strings):
        np.testing.assert_array_equal(model.predict_proba(batch), expected)
        np.testing.assert_array_equal(FittedModel.from_attributes(model).predict_proba(batch),
                                      expected)
    # the hour matters: scoring the UTC hours as if they were Paris hours would differ
    assert np.abs(model.predict_proba(in_utc.assign(
        when=in_utc["when"].dt.tz_localize(None).dt.tz_localize("Europe/Paris",
                                                               nonexistent="shift_forward",
                                                               ambiguous="NaT")))
                  - expected).max() > 0.1


@pytest.mark.parametrize("naive", [
    lambda when: when.dt.tz_localize(None),
    lambda when: when.dt.strftime("%Y-%m-%d %H:%M"),  # strings without an offset
])
def test_a_zoned_fit_refuses_dates_without_a_zone(zoned_model, naive) -> None:
    X, model = zoned_model
    with pytest.raises(ValueError, match=r"Feature 'when' held dates at fit but holds dates "
                                         r"without a time zone, while the model was fitted on "
                                         r"dates in time zone 'Europe/Paris'"):
        model.predict(X.assign(when=naive(X["when"])))
    # missing dates have no zone to tell: a column of them scores
    model.predict(X.assign(when=np.nan))


def test_a_naive_fit_refuses_dates_in_a_zone() -> None:
    X, y = _office_hours()
    naive = X.assign(when=X["when"].dt.tz_localize(None))
    with pytest.warns(DataWarning, match="holds dates"):
        model = ExplainableBoostingClassifier(**SMALL).fit(naive, y)
    assert model.datetime_conversions_[0]["tz"] is None
    np.testing.assert_array_equal(
        model.predict_proba(naive.assign(when=naive["when"].dt.strftime("%Y-%m-%d %H:%M"))),
        model.predict_proba(naive))
    message = (r"Feature 'when' held dates at fit but holds dates in time zone '{}', while the "
               r"model was fitted on dates without a time zone")
    with pytest.raises(ValueError, match=message.format("Europe/Paris")):
        model.predict(X)
    with pytest.raises(ValueError, match=message.format(r"UTC\+01:00")):  # strings with offsets
        model.predict(X.assign(when=X["when"].dt.strftime("%Y-%m-%d %H:%M+01:00")))


def test_strings_with_an_offset_score_in_the_offset_of_the_fit() -> None:
    local = pd.date_range("2021-03-01 00:00", periods=40, freq="5h")
    y = (local.hour >= 12).astype(float)
    fmt = "%Y-%m-%d %H:%M%z"
    X = pd.DataFrame({"when": local.strftime("%Y-%m-%d %H:%M") + "+05:00"})
    with pytest.warns(DataWarning, match="holds dates"):
        model = ExplainableBoostingRegressor(**SMALL).fit(X, y)
    record = model.datetime_conversions_[0]
    assert (record["format"], record["tz"]) == (fmt, "UTC+05:00")
    elsewhere = pd.Series(local.tz_localize("UTC+05:00").tz_convert("UTC+01:00"))
    np.testing.assert_array_equal(
        model.predict(pd.DataFrame({"when": elsewhere.dt.strftime(fmt)})), model.predict(X))


def test_the_zone_of_the_fit_is_named_so_that_scoring_can_convert_to_it() -> None:
    naive = pd.Series(pd.to_datetime(["2021-03-01 06:00"]))
    assert zone_name("t", naive) is None
    for tz, name in [("Europe/Paris", "Europe/Paris"), ("UTC", "UTC"),
                     (dt.timezone(dt.timedelta(hours=-3, minutes=-30)), "UTC-03:30"),
                     (dt.timezone(dt.timedelta(hours=5)), "UTC+05:00"),
                     (dateutil.tz.tzutc(), "UTC"),
                     (dateutil.tz.tzoffset(None, -3600), "UTC-01:00")]:
        zoned = naive.dt.tz_localize(tz)
        assert zone_name("t", zoned) == name
        assert plan_conversion("t", zoned, "parts", None).tz == name
        converted = zoned.dt.tz_convert(name)  # the same local times, so the same parts
        assert converted.dt.tz_localize(None).equals(zoned.dt.tz_localize(None))
    with pytest.raises(ValueError, match=r"Feature 't' holds dates in time zone tzlocal\(\), "
                                         "which has no name"):
        zone_name("t", naive.dt.tz_localize(dateutil.tz.tzlocal()))


def test_a_record_without_a_zone_takes_parts_in_the_dates_own_zone_as_before() -> None:
    old = DateConversion.from_dict({"column": "t", "parts": ["hour"], "format": None})
    assert old.tz is UNRECORDED and "tz" not in old.to_dict()
    assert copy.deepcopy(old).tz is UNRECORDED and pickle.loads(pickle.dumps(old)) == old
    zoned = pd.Series(pd.to_datetime(["2021-03-01 06:00"])).dt.tz_localize("Asia/Tokyo")
    for dates in (zoned, zoned.dt.tz_localize(None)):
        assert in_fitted_zone(old, dates) is dates
    for tz in (None, "Europe/Paris"):
        new = DateConversion("t", ("hour",), None, tz=tz)
        assert new.to_dict()["tz"] == tz and DateConversion.from_dict(new.to_dict()) == new
    paris = DateConversion("t", ("hour",), None, tz="Europe/Paris")
    assert derived_values(paris, in_fitted_zone(paris, zoned))[0][0] == 22  # 06:00 in Tokyo


@pytest.mark.parametrize("values", [
    ["2021-03-01 10:00", "2021-03-01 10:00+01:00"],  # ISO 8601 strings
    ["2021-03-01T10:00:00Z", "2021-03-01T11:00:00"],
    [dt.datetime(2021, 3, 1, 10), dt.datetime(2021, 3, 1, 10, tzinfo=dt.timezone.utc)],
])
def test_dates_without_a_zone_beside_zoned_ones_are_refused_not_read_as_utc(zoned_model,
                                                                              values) -> None:
    _, model = zoned_model
    batch = pd.DataFrame({"when": pd.Series(values, dtype=object), "x": [0.0, 0.0]})
    with pytest.raises(ValueError, match=r"Feature 'when' held dates at fit but holds dates "
                                         r"without a time zone \(e\.g\. .*\) beside dates in one"):
        model.predict(batch)
    # values of several offsets, each with its own, score as those instants
    mixed_offsets = pd.Series(["2021-03-01 10:00+01:00", "2021-07-01 10:00+02:00", None])
    np.testing.assert_array_equal(
        model.predict_proba(pd.DataFrame({"when": mixed_offsets, "x": 0.0})),
        model.predict_proba(pd.DataFrame({"when": pd.to_datetime(mixed_offsets, utc=True),
                                          "x": 0.0})))


def test_a_column_of_dates_with_and_without_a_zone_is_not_converted_at_fit() -> None:
    values = pd.date_range("2021-03-01 06:00", periods=60, freq="7h").strftime("%Y-%m-%d %H:%M")
    mixed = pd.Series(np.where(np.arange(60) % 2, values + "+01:00", values))
    with pytest.warns(DataWarning, match=r"Feature 'when' looks like dates .* but some have a "
                                         r"time zone and some \(e\.g\. '2021-03-01 06:00'\) "
                                         r"none, whose zone is not guessed, so it was not "
                                         r"converted"):
        model = ExplainableBoostingRegressor(**SMALL).fit(pd.DataFrame({"when": mixed}),
                                                          np.arange(60.0))
    assert model.feature_names_in_ == ["when"] and not model.datetime_conversions_
