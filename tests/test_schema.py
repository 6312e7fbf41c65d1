"""Tests of input validation, category labels and feature typing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from glassboost.schema import (CONTINUOUS, NOMINAL, ORDINAL, align_for_predict, category_label,
                               categorical_column, continuous_column, infer_feature_type,
                               to_dataframe, type_table, validate_feature_types)


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


@pytest.mark.parametrize("series", [pd.Series(pd.date_range("2020", periods=3)),
                                    pd.Series(pd.to_timedelta([1, 2], unit="D"))])
def test_datetimes_are_rejected_with_the_feature_name(series) -> None:
    with pytest.raises(TypeError, match="'when'"):
        infer_feature_type("when", series)


def test_continuous_column_flags_text_and_keeps_missing() -> None:
    column = continuous_column("f", pd.Series([1, "2.5", "abc", None, np.nan, True], dtype=object))
    np.testing.assert_array_equal(np.isnan(column.values), [False, False, True, True, True, True])
    assert column.values[1] == 2.5
    np.testing.assert_array_equal(column.not_number, [False, False, True, False, False, True])
    nullable = continuous_column("g", pd.Series([1, None], dtype="Int64"))
    assert nullable.values[0] == 1.0 and np.isnan(nullable.values[1])
    assert not nullable.not_number.any()
    with pytest.raises(TypeError, match="'b'"):
        continuous_column("b", pd.Series([True, False]))


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
