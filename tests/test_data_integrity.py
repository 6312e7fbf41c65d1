"""The user's data is never modified: every input is byte-identical after every call reading it.
"""

from __future__ import annotations

import copy
from typing import Any, Callable

import numpy as np
import pandas as pd
import pytest

from glassboost import ExplainableBoostingClassifier, ExplainableBoostingRegressor

TINY = dict(outer_bags=2, max_rounds=20, interactions=2, n_jobs=2)
N = 80


def _frame() -> pd.DataFrame:
    """Every column kind the schema handles, most with missing values."""
    rng = np.random.default_rng(11)
    number = rng.normal(size=N)
    number[::7] = np.nan
    number[3] = np.inf
    text = rng.choice(["a", "b", "c"], N).astype(object)
    text[::9] = None
    nullable_int = pd.array(rng.integers(0, 6, N), dtype="Int64")
    nullable_int[::5] = pd.NA
    nullable_float = pd.array(rng.uniform(size=N), dtype="Float64")
    nullable_float[1::6] = pd.NA
    return pd.DataFrame({
        "number": number,
        "integer": rng.integers(0, 100, N),
        "text": text,
        "string": pd.array(rng.choice(["x", "y", None], N), dtype="string"),
        "category": pd.Categorical(rng.choice(["lo", "hi", None], N)),
        "ordered": pd.Categorical(rng.choice(["s", "m", "l"], N), categories=["s", "m", "l"],
                                  ordered=True),
        "flag": rng.random(N) > 0.5,
        "nullable_bool": pd.array(rng.choice([True, False, None], N), dtype="boolean"),
        "nullable_int": nullable_int,
        "nullable_float": nullable_float,
        "float32": rng.normal(size=N).astype(np.float32),
    })


def _calls(model: Any) -> list[tuple[str, Callable[[Any], Any]]]:
    calls = [
        ("predict", model.predict),
        ("eval_terms", model.eval_terms),
        ("explain_local", model.explain_local),
        ("decision_function", model.decision_function),
    ]
    if hasattr(model, "predict_proba"):
        calls.append(("predict_proba", model.predict_proba))
    return calls


def _assert_array_unchanged(before: np.ndarray, after: np.ndarray) -> None:
    assert after.dtype == before.dtype
    assert after.shape == before.shape
    assert after.flags.writeable == before.flags.writeable
    assert after.flags.c_contiguous == before.flags.c_contiguous
    if before.dtype == object:
        assert all(
            (a is b) or (a == b) or (pd.isna(a) and pd.isna(b))
            for a, b in zip(before.ravel(), after.ravel())
        )
    else:
        assert after.tobytes() == before.tobytes()


def _assert_frame_unchanged(before: pd.DataFrame, after: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(after, before, check_exact=True)
    assert list(after.dtypes) == list(before.dtypes)
    for name in before.columns:
        left, right = before[name].array, after[name].array
        if isinstance(left, np.ndarray):
            _assert_array_unchanged(np.asarray(left), np.asarray(right))


def _exercise(model: Any, X: Any, y: Any, weights: Any) -> None:
    model.fit(X, y, sample_weight=weights)
    for _, call in _calls(model):
        call(X)
    model.explain_local(X, y)
    model.explain_global()
    model.term_importances()
    model.to_json()


@pytest.mark.parametrize("estimator", [ExplainableBoostingClassifier, ExplainableBoostingRegressor])
def test_dataframe_target_and_weights_are_unchanged(estimator) -> None:
    X = _frame()
    rng = np.random.default_rng(1)
    y = (rng.random(N) > 0.5).astype(int) if estimator is ExplainableBoostingClassifier \
        else rng.normal(size=N)
    weights = rng.uniform(0.5, 2.0, N)
    weights[::10] = 0.0
    X_before, y_before, w_before = X.copy(deep=True), y.copy(), weights.copy()
    _exercise(estimator(**TINY), X, y, weights)
    _assert_frame_unchanged(X_before, X)
    _assert_array_unchanged(y_before, y)
    _assert_array_unchanged(w_before, weights)


def test_pandas_series_target_and_weights_are_unchanged() -> None:
    X = _frame()
    rng = np.random.default_rng(2)
    y = pd.Series(rng.choice(["no", "yes", "maybe"], N), index=np.arange(N) * 2, name="answer")
    weights = pd.Series(rng.uniform(0.1, 1.0, N), index=y.index)
    y_before, w_before = y.copy(deep=True), weights.copy(deep=True)
    _exercise(ExplainableBoostingClassifier(**TINY), X, y, weights)
    pd.testing.assert_series_equal(y, y_before, check_exact=True)
    pd.testing.assert_series_equal(weights, w_before, check_exact=True)


@pytest.mark.parametrize("writeable", [True, False])
def test_float_array_is_unchanged(writeable: bool) -> None:
    rng = np.random.default_rng(3)
    X = rng.normal(size=(N, 4))
    X[::6, 1] = np.nan
    X[5, 2] = -np.inf
    y = X[:, 0] + np.nan_to_num(X[:, 1])
    weights = rng.uniform(size=N)
    before = [copy.deepcopy(a) for a in (X, y, weights)]
    for array in (X, y, weights, *before):
        array.flags.writeable = writeable
    _exercise(ExplainableBoostingRegressor(**TINY), X, y, weights)
    for original, now in zip(before, (X, y, weights)):
        _assert_array_unchanged(original, now)


def test_fortran_ordered_array_keeps_its_layout() -> None:
    rng = np.random.default_rng(4)
    X = np.asfortranarray(rng.normal(size=(N, 3)))
    y = (X[:, 0] > 0).astype(int)
    before = X.copy(order="K")
    _exercise(ExplainableBoostingClassifier(**TINY), X, y, None)
    assert X.flags.f_contiguous and not X.flags.c_contiguous
    assert X.tobytes(order="A") == before.tobytes(order="A")


def test_object_array_is_unchanged() -> None:
    rng = np.random.default_rng(5)
    X = np.empty((N, 3), dtype=object)
    X[:, 0] = rng.normal(size=N)
    X[:, 1] = rng.choice(["u", "v", None], N)
    X[:, 2] = [1, "two", 3.0, None] * (N // 4)
    X[7, 0] = "not a number"
    y = rng.choice(["p", "q"], N).astype(object)
    before_X, before_y = copy.deepcopy(X), copy.deepcopy(y)
    ids = [id(v) for v in X.ravel()]
    _exercise(ExplainableBoostingClassifier(**TINY), X, y, None)
    _assert_array_unchanged(before_X, X)
    _assert_array_unchanged(before_y, y)
    assert [id(v) for v in X.ravel()] == ids


def test_prediction_outputs_do_not_alias_the_model_or_the_input() -> None:
    """Writing into a returned array changes neither the model nor the next answer."""
    X = _frame()
    y = (np.random.default_rng(6).random(N) > 0.5).astype(int)
    model = ExplainableBoostingClassifier(**TINY).fit(X, y)
    scores_before = [s.copy() for s in model.term_scores_]
    first = {name: np.array(call(X), copy=True) for name, call in _calls(model)
             if name != "explain_local"}
    for name, call in _calls(model):
        if name == "explain_local":
            continue
        out = call(X)
        if out.dtype.kind == "f":
            out[...] = 12345.0
        np.testing.assert_array_equal(call(X), first[name])
    for before, now in zip(scores_before, model.term_scores_):
        np.testing.assert_array_equal(before, now)
