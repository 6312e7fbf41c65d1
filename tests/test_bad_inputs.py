"""Bad and edge inputs: every mistake gets an exception whose message names the culprit, and the
edge cases that are allowed (extra columns, infinities, text, odd column types) behave as
documented in docs/input-handling.md."""

from __future__ import annotations

import importlib
import tracemalloc
import warnings
from functools import lru_cache
from typing import Any, Callable
from unittest import mock

import numpy as np
import pandas as pd
import pytest

from glassboost import ExplainableBoostingClassifier, ExplainableBoostingRegressor
from glassboost.schema import DataWarning

TINY = dict(outer_bags=1, max_rounds=20, interactions=0, n_jobs=1)
N = 60


def _frame() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({
        "age": rng.normal(40, 10, N),
        "income": rng.uniform(0, 1, N),
        "color": rng.choice(["red", "green", "blue"], N),
    })


X = _frame()
Y_CLASS = (X["age"] > 40).to_numpy().astype(int)
Y_REG = X["age"].to_numpy() * 0.1 + X["income"].to_numpy()


def _with(y: np.ndarray, row: int, value: Any) -> np.ndarray:
    out = y.astype(object if value is None else np.float64).copy()
    out[row] = value
    return out


def _clf(**params: Any) -> ExplainableBoostingClassifier:
    return ExplainableBoostingClassifier(**{**TINY, **params})


def _reg(**params: Any) -> ExplainableBoostingRegressor:
    return ExplainableBoostingRegressor(**{**TINY, **params})


@lru_cache(maxsize=None)
def _fitted_on_frame() -> ExplainableBoostingClassifier:
    return _clf().fit(X, Y_CLASS)


@lru_cache(maxsize=None)
def _fitted_on_array() -> ExplainableBoostingClassifier:
    return _clf().fit(X.to_numpy(), Y_CLASS)


def _fit_clf(**params: Any) -> Callable[[], Any]:
    return lambda: _clf(**params).fit(X, Y_CLASS)


def _fit_reg(**params: Any) -> Callable[[], Any]:
    return lambda: _reg(**params).fit(X, Y_REG)


def _warns(**columns: Any) -> Callable[[], Any]:
    """Fit on X with extra columns, DataWarning raised as an error so that its row can check it."""
    def fit() -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("error", DataWarning)
            return _clf().fit(X.assign(**columns), Y_CLASS)
    return fit


def _objects(*values: Any) -> pd.Series:
    """A column of N Python objects cycling through ``values`` (kept as objects)."""
    column = np.empty(N, dtype=object)
    for i in range(N):
        column[i] = values[i % len(values)]
    return pd.Series(column, index=X.index, dtype=object)


DAYS = pd.date_range("2020-01-01", periods=N)


@lru_cache(maxsize=None)
def _fitted_with_dates() -> ExplainableBoostingClassifier:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        return _clf().fit(X.assign(when=DAYS.strftime("%Y-%m-%d")), Y_CLASS)


# (id, action, exception type, regex the message must match: it names the column or argument)
CASES: list[tuple[str, Callable[[], Any], type, str]] = [
    # the target
    ("y-nan-classifier", lambda: _clf().fit(X, _with(Y_CLASS, 3, np.nan)), ValueError,
     r"y contains NaN.*rows \[3\]"),
    ("y-inf-classifier", lambda: _clf().fit(X, _with(Y_CLASS, 3, np.inf)), ValueError,
     r"y contains infinity"),
    ("y-none-classifier", lambda: _clf().fit(X, _with(Y_CLASS, 0, None)), ValueError,
     r"y contains NaN.*rows \[0\]"),
    ("y-nan-regressor", lambda: _reg().fit(X, _with(Y_REG, 3, np.nan)), ValueError,
     r"y .*NaN"),
    ("y-inf-regressor", lambda: _reg().fit(X, _with(Y_REG, 3, np.inf)), ValueError,
     r"y .*infinity"),
    ("y-none-regressor", lambda: _reg().fit(X, _with(Y_REG, 0, None)), ValueError,
     r"y .*NaN"),
    ("y-text-regressor", lambda: _reg().fit(X, np.array(["a"] * N)), ValueError,
     r"Target y of a regressor must be finite numbers"),
    ("y-timedelta-regressor", lambda: _reg().fit(X, pd.to_timedelta(Y_REG, unit="D")),
     ValueError, r"Target y of a regressor holds timedelta64\[.*\] values.*convert them"),
    ("y-datetime-regressor", lambda: _reg().fit(X, pd.Series(DAYS)), ValueError,
     r"Target y of a regressor holds datetime64\[.*\] values"),
    ("y-continuous-classifier", lambda: _clf().fit(X, Y_REG), ValueError,
     r"Target y: Unknown label type: continuous"),
    ("y-wrong-length", lambda: _clf().fit(X, Y_CLASS[:-1]), ValueError,
     r"X has 60 rows but y has 59 values"),
    ("y-missing", lambda: _clf().fit(X, None), ValueError, r"target y is None"),
    ("y-two-columns", lambda: _clf().fit(X, np.c_[Y_CLASS, Y_CLASS]), ValueError,
     r"y should be a 1d array"),
    # the table
    ("X-empty-frame", lambda: _clf().fit(X.iloc[:0], Y_CLASS[:0]), ValueError,
     r"X has no rows.*0 sample"),
    ("X-no-columns", lambda: _clf().fit(X[[]], Y_CLASS), ValueError,
     r"X has no columns: 0 feature\(s\)"),
    ("X-one-row", lambda: _clf().fit(X.iloc[:1], Y_CLASS[:1]), ValueError,
     r"n_samples=1: at least 2 samples"),
    ("X-one-row-regressor", lambda: _reg().fit(X.iloc[:1], Y_REG[:1]), ValueError,
     r"n_samples=1: at least 2 samples"),
    ("X-series", lambda: _clf().fit(X["age"], Y_CLASS), ValueError, r"X.to_frame\(\)"),
    ("X-duplicated-columns", lambda: _clf().fit(X.set_axis(["a", "a", "c"], axis=1), Y_CLASS),
     ValueError, r"X has duplicated column names: \['a'\]"),
    ("X-datetime-column", _warns(when=DAYS), DataWarning,
     r"Feature 'when' holds dates \(datetime64\[.*\] values\); it became the continuous "
     r"features 'when:year', 'when:month', 'when:weekday'.*datetime_features='timestamp'"),
    ("X-timezone-column", _warns(when=DAYS.tz_localize("UTC")), DataWarning,
     r"Feature 'when' holds dates \(datetime64\[.*UTC\] values\)"),
    ("X-period-column", _warns(when=DAYS.to_period("D")), DataWarning,
     r"Feature 'when' holds dates \(period\[D\] values\)"),
    ("X-datetime-objects", _warns(when=_objects(*DAYS.to_pydatetime())), DataWarning,
     r"Feature 'when' holds dates \(date objects\)"),
    ("X-date-strings", _warns(when=DAYS.strftime("%d/%m/%Y")), DataWarning,
     r"Feature 'when' holds dates \(strings in format '%d/%m/%Y'\)"),
    ("X-date-strings-that-do-not-parse",
     _warns(when=np.r_[DAYS[:-1].strftime("%Y-%m-%d"), ["2020-02-30"]]), DataWarning,
     r"Feature 'when' looks like dates .* 1 of 60 values are not dates in that format "
     r"\(e.g. '2020-02-30'\), so it was not converted"),
    ("X-datetime_features-unknown", _fit_clf(datetime_features="epoch"), ValueError,
     r"datetime_features must be one of \('parts', 'timestamp'\), got 'epoch'"),
    ("X-derived-name-taken",
     lambda: _clf().fit(X.assign(**{"when:year": 1, "when": DAYS}), Y_CLASS), ValueError,
     r"Feature 'when:year', derived from the date column 'when', has the name of another"),
    ("X-row-id-column", _warns(rownames=np.arange(1, N + 1)), DataWarning,
     r"Feature 'rownames' looks like a row ID: 60 distinct integers from 1 to 60.*"
     r"exclude=\['rownames'\]"),
    ("X-string-id-column", _warns(customer=[f"C{i:04d}" for i in range(N)]), DataWarning,
     r"Feature 'customer' looks like an ID: 60 distinct values in 60 rows"),
    ("X-nearly-unique-nominal", _warns(city=[f"city{i % 40}" for i in range(N)]), DataWarning,
     r"Feature 'city' has 40 categories in 60 rows \(67% distinct\)"),
    ("X-list-column", lambda: _clf().fit(X.assign(tags=_objects("a", ["b", "c"])), Y_CLASS),
     ValueError, r"Feature 'tags' holds a list in row 1 \(\['b', 'c'\]\); every value must be "
     r"one number or one category"),
    ("X-dict-column", lambda: _clf().fit(X.assign(meta=_objects({"k": 1})), Y_CLASS),
     ValueError, r"Feature 'meta' holds a dict in row 0"),
    ("X-set-column", lambda: _clf().fit(X.assign(tags=_objects(None, {"a"})), Y_CLASS),
     ValueError, r"Feature 'tags' holds a set in row 1"),
    ("X-interval-column",
     lambda: _clf().fit(X.assign(span=_objects(pd.Interval(0, 1), pd.Interval(1, 2))), Y_CLASS),
     ValueError, r"Feature 'span' holds intervals \(e.g. \(0, 1\]\)"),
    ("X-polars-series", lambda: _clf().fit(importlib.import_module("polars").Series(X["age"]),
                                           Y_CLASS),
     ValueError, r"Expected a 2D table for X, got a polars Series; use X.to_frame\(\)"),
    ("X-pyarrow-array", lambda: _clf().fit(importlib.import_module("pyarrow").chunked_array(
        [X["age"]]), Y_CLASS), ValueError, r"got a pyarrow ChunkedArray"),
    ("X-timedelta-column",
     lambda: _clf().fit(X.assign(wait=pd.to_timedelta(np.arange(N), unit="D")), Y_CLASS),
     TypeError, r"Feature 'wait' has dtype timedelta64"),
    ("X-boolean-declared-continuous",
     lambda: _clf(feature_types=["continuous", "continuous", "nominal", "continuous"]).fit(
         X.assign(flag=X["age"] > 40), Y_CLASS),
     TypeError, r"Feature 'flag' is boolean but was declared continuous"),
    ("X-ordinal-level-not-declared",
     lambda: _clf(feature_types=["continuous", "continuous", ["red", "green"]]).fit(X, Y_CLASS),
     ValueError, r"Feature 'color': values \['blue'\] are not among the declared"),
    # predicting
    ("predict-missing-column", lambda: _fitted_on_frame().predict(X[["age", "income"]]),
     ValueError, r"X is missing feature\(s\) seen at fit: \['color'\]"),
    ("predict-renamed-column",
     lambda: _fitted_on_frame().predict(X.rename(columns={"income": "salary"})),
     ValueError, r"missing feature\(s\) seen at fit: \['income'\]"),
    ("predict-array-narrower", lambda: _fitted_on_array().predict(X.to_numpy()[:, :2]),
     ValueError, r"X has 2 features, but ExplainableBoostingClassifier is expecting 3"),
    ("predict-array-wider", lambda: _fitted_on_array().predict(X.assign(e=1).to_numpy()),
     ValueError, r"X has 4 features, but ExplainableBoostingClassifier is expecting 3"),
    ("predict-no-rows", lambda: _fitted_on_frame().predict(X.iloc[:0]), ValueError,
     r"X has no rows"),
    ("predict-datetime-column",
     lambda: _fitted_on_frame().predict(X.assign(age=pd.date_range("2020", periods=N))),
     TypeError, r"Feature 'age' has dtype datetime64"),
    ("predict-numbers-where-dates-were",
     lambda: _fitted_with_dates().predict(X.assign(when=np.arange(N))), TypeError,
     r"Feature 'when' held dates at fit but holds dtype int64"),
    ("predict-date-column-missing", lambda: _fitted_with_dates().predict(X), ValueError,
     r"X is missing feature\(s\) seen at fit: \['when'\]"),
    ("predict-list-column",
     lambda: _fitted_on_frame().predict(X.assign(color=_objects("red", ["b"]))), ValueError,
     r"Feature 'color' holds a list in row 1"),
    # sample weights
    ("weights-negative", lambda: _clf().fit(X, Y_CLASS, sample_weight=np.r_[-1.0, np.ones(N - 1)]),
     ValueError, r"Negative values in data passed to sample_weight"),
    ("weights-nan", lambda: _clf().fit(X, Y_CLASS, sample_weight=np.r_[np.nan, np.ones(N - 1)]),
     ValueError, r"sample_weight contains NaN or infinity"),
    ("weights-inf", lambda: _clf().fit(X, Y_CLASS, sample_weight=np.r_[np.inf, np.ones(N - 1)]),
     ValueError, r"sample_weight contains NaN or infinity"),
    ("weights-all-zero", lambda: _clf().fit(X, Y_CLASS, sample_weight=np.zeros(N)), ValueError,
     r"sample_weight is zero everywhere"),
    ("weights-wrong-length", lambda: _clf().fit(X, Y_CLASS, sample_weight=np.ones(N - 1)),
     ValueError, r"sample_weight.shape == \(59,\), expected \(60,\)"),
    ("weights-text", lambda: _clf().fit(X, Y_CLASS, sample_weight=["heavy"] * N), ValueError,
     r"sample_weight must be numbers"),
    # numbers too large for float64 sums, and memory: never a NaN model or a bare crash
    ("weights-total-overflows", lambda: _clf().fit(X, Y_CLASS, sample_weight=1e308), ValueError,
     r"sample_weight: the weights total inf, above 3.27e\+150.*divide them"),
    ("y-huge-regressor", lambda: _reg().fit(X, np.linspace(0, 1e308, N)), ValueError,
     r"y: targets up to 1e\+308 .* the rmse loss's sums"),
    ("y-huge-poisson", lambda: _reg(objective="poisson").fit(X, np.full(N, 1e308)), ValueError,
     r"y: targets up to 1e\+308 .* the poisson_deviance loss's sums"),
    ("model-not-finite", lambda: _reg(learning_rate=1e300, validation_size=0).fit(X, Y_REG),
     ValueError, r"the fitted model is not finite: .*learning_rate"),
    ("memory-short", mock.patch("glassboost.resources.available_memory", lambda: 1000)(
        _fit_clf()), MemoryError,
     r"fitting 60 rows x 3 features needs about .* \(\d+ bytes\) of memory but only 1000 bytes"),
    # parameters: each error names the parameter and what is allowed
    ("max_bins-1", _fit_clf(max_bins=1), ValueError,
     r"max_bins must be an integer in the range \[2, inf\), got 1"),
    ("max_bins-float", _fit_clf(max_bins=2.5), ValueError, r"max_bins must be an integer"),
    ("max_interaction_bins-1", _fit_clf(max_interaction_bins=1), ValueError,
     r"max_interaction_bins must be an integer in the range \[2, 253\]"),
    ("max_interaction_bins-1000", _fit_clf(max_interaction_bins=1000), ValueError,
     r"max_interaction_bins .*\[2, 253\], got 1000"),
    ("validation_size-negative", _fit_clf(validation_size=-0.1), ValueError,
     r"validation_size must be a number in the range \[0.0, 1.0\)"),
    ("validation_size-1.0", _fit_clf(validation_size=1.0), ValueError,
     r"validation_size .*\[0.0, 1.0\), got 1.0"),
    ("validation_size-all-rows", _fit_clf(validation_size=N), ValueError,
     r"validation_size=60 rows must be below the 60 rows of X"),
    ("outer_bags-0", _fit_clf(outer_bags=0), ValueError,
     r"outer_bags must be an integer in the range \[1, inf\), got 0"),
    ("learning_rate-0", _fit_clf(learning_rate=0.0), ValueError,
     r"learning_rate must be a number in the range \(0.0, inf\), got 0.0"),
    ("learning_rate-negative", _fit_clf(learning_rate=-0.1), ValueError,
     r"learning_rate .*\(0.0, inf\)"),
    ("learning_rate-inf", _fit_clf(learning_rate=np.inf), ValueError,
     r"learning_rate .*\(0.0, inf\), got inf"),
    ("learning_rate-nan", _fit_clf(learning_rate=np.nan), ValueError,
     r"learning_rate .*got nan"),
    ("max_rounds-negative", _fit_clf(max_rounds=-1), ValueError,
     r"max_rounds must be an integer in the range \[0, inf\), got -1"),
    ("early_stopping_rounds-negative", _fit_clf(early_stopping_rounds=-1), ValueError,
     r"early_stopping_rounds must be an integer in the range \[0, inf\)"),
    ("early_stopping_tolerance-negative", _fit_clf(early_stopping_tolerance=-1e-3), ValueError,
     r"early_stopping_tolerance must be a number in the range \[0.0, inf\)"),
    ("min_samples_leaf-0", _fit_clf(min_samples_leaf=0), ValueError,
     r"min_samples_leaf must be an integer in the range \[1, inf\), got 0"),
    ("min_hessian-negative", _fit_clf(min_hessian=-1.0), ValueError,
     r"min_hessian must be a number in the range \[0.0, inf\)"),
    ("max_leaves-1", _fit_clf(max_leaves=1), ValueError,
     r"max_leaves must be an integer in the range \[2, inf\), got 1"),
    ("smoothing_rounds-negative", _fit_clf(smoothing_rounds=-5), ValueError,
     r"smoothing_rounds must be an integer in the range \[0, inf\)"),
    ("interactions-bad-string", _fit_clf(interactions="lots"), ValueError,
     r"interactions='lots': a string must be a multiple of the feature count"),
    ("interactions-negative", _fit_clf(interactions=-1), ValueError,
     r"interactions must be >= 0, got -1"),
    ("interactions-fractional-count", _fit_clf(interactions=1.5), ValueError,
     r"interactions=1.5: a count must be a whole number"),
    ("interactions-single-feature", _fit_clf(interactions=[("age",)]), ValueError,
     r"interactions: \('age',\) is not a term of two or more features"),
    ("interactions-unknown-feature", _fit_clf(interactions=[("age", "height")]), ValueError,
     r"interactions: unknown feature 'height'"),
    ("interactions-repeated-feature", _fit_clf(interactions=[("age", "age")]), ValueError,
     r"interactions: term .* repeats a feature"),
    ("exclude-unknown-feature", _fit_clf(exclude=["height"]), ValueError,
     r"exclude: unknown feature 'height'"),
    ("exclude-index-out-of-range", _fit_clf(exclude=[7]), ValueError,
     r"exclude: feature index 7 is out of range 0..2"),
    ("monotone-wrong-length", _fit_clf(monotone_constraints=[1]), ValueError,
     r"monotone_constraints must list one of -1, 0, 1 for each of the 3 features"),
    ("monotone-value-2", _fit_clf(monotone_constraints=[2, 0, 0]), ValueError,
     r"monotone_constraints\[0\]=2 must be -1, 0 or 1"),
    ("monotone-on-nominal", _fit_clf(monotone_constraints=[0, 0, 1]), ValueError,
     r"monotone_constraints: feature 'color' is nominal and has no order"),
    ("objective-unknown-classifier", _fit_clf(objective="hinge"), ValueError,
     r"objective='hinge' is not a classification objective; use one of \('log_loss',\)"),
    ("objective-regression-on-classifier", _fit_clf(objective="rmse"), ValueError,
     r"objective='rmse' is not a classification objective"),
    ("objective-unknown-regressor", _fit_reg(objective="huber"), ValueError,
     r"objective='huber' is not a regression objective; use one of \[.*'poisson'"),
    ("objective-classification-on-regressor", _fit_reg(objective="log_loss"), ValueError,
     r"objective='log_loss' is not a regression objective"),
    ("n_jobs-0", _fit_clf(n_jobs=0), ValueError,
     r"n_jobs must be a non-zero integer \(or None\), got 0"),
    ("random_state-negative", _fit_clf(random_state=-1), ValueError,
     r"random_state must be None or a non-negative integer, got -1"),
    ("feature_types-bad-name", _fit_clf(feature_types=["numeric", "continuous", "nominal"]),
     ValueError, r"feature_types\[0\] \(feature 'age'\)='numeric' is not one of \('continuous', "
     r"'nominal'"),
    ("feature_types-wrong-length", _fit_clf(feature_types=["continuous"]), ValueError,
     r"feature_types has 1 entries but X has 3 features"),
    ("feature_types-not-a-list", _fit_clf(feature_types="continuous"), ValueError,
     r"feature_types must be a list with one entry per feature"),
    ("feature_names-wrong-length", _fit_clf(feature_names=["a"]), ValueError,
     r"feature_names has 1 names but X has 3 columns"),
]


@pytest.mark.parametrize(("action", "exception", "pattern"),
                         [pytest.param(a, e, p, id=i) for i, a, e, p in CASES])
def test_bad_input_gets_a_clear_error(action: Callable[[], Any], exception: type,
                                      pattern: str) -> None:
    with pytest.raises(exception, match=pattern):
        action()


def test_there_are_enough_cases() -> None:
    assert len(CASES) >= 40
    assert len({case[0] for case in CASES}) == len(CASES)


def test_reordered_and_extra_columns_give_identical_predictions() -> None:
    model = _fitted_on_frame()
    expected = model.predict_proba(X)
    np.testing.assert_array_equal(model.predict_proba(X[["color", "income", "age"]]), expected)
    extra = X.assign(unused=np.arange(N), note="text")
    np.testing.assert_array_equal(model.predict_proba(extra), expected)
    np.testing.assert_array_equal(model.eval_terms(extra[extra.columns[::-1]]),
                                  model.eval_terms(X))


@pytest.mark.parametrize("value", [np.inf, -np.inf, 1e300, -1e300, 1.7e308])
def test_infinite_and_huge_feature_values_fit_and_predict_finite(value: float) -> None:
    Xv = X.assign(age=np.where(np.arange(N) % 3 == 0, value, X["age"]))
    model = _reg().fit(Xv, Y_REG)
    assert np.all(np.isfinite(model.bins_[0][0]))
    assert np.all(np.isfinite(model.predict(Xv)))
    assert np.all(np.isfinite(model.predict(X.assign(age=-value))))
    assert '"Infinity"' not in model.to_json() and "NaN" not in model.to_json()


def test_text_in_numeric_column_at_predict_goes_to_unseen_bin_and_scores_zero() -> None:
    model = _fitted_on_frame()
    texty = X.astype({"age": object})
    texty.loc[:9, "age"] = "unknown"
    contributions = model.eval_terms(texty)
    age = model.term_names_.index("age")
    assert model.term_scores_[age][-1] == 0.0
    np.testing.assert_array_equal(contributions[:10, age], 0.0)
    np.testing.assert_array_equal(contributions[10:], model.eval_terms(X)[10:])


def test_a_validation_size_that_leaves_a_bag_nothing_to_split_warns() -> None:
    with pytest.warns(DataWarning, match=r"validation_size=0\.95 leaves about 3 .* intercept"):
        _clf(validation_size=0.95).fit(X, Y_CLASS)


def test_unseen_category_scores_zero() -> None:
    model = _fitted_on_frame()
    color = model.term_names_.index("color")
    contributions = model.eval_terms(X.assign(color="purple"))
    np.testing.assert_array_equal(contributions[:, color], 0.0)


def test_a_column_of_only_unseen_categories_warns_naming_it() -> None:
    """Two or more values and none seen in training: a changed encoding scores 0 on every row,
    which is said, not silent."""
    model = _fitted_on_frame()
    recoded = X.assign(color=X["color"].map(lambda c: f"{c}!"))
    with pytest.warns(DataWarning, match="Feature 'color': none of its values .* seen in training"):
        model.predict(recoded)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.predict(X.assign(color="purple"))  # one new category is new data
        model.predict(X)


@pytest.mark.parametrize("column", [
    pd.Series([np.nan] * N), pd.Series([None] * N, dtype=object), pd.Series([3.5] * N),
    pd.Series(["same"] * N),
])
def test_all_missing_and_constant_columns_fit_and_contribute_nothing(column: pd.Series) -> None:
    Xc = X.assign(odd=column.to_numpy())
    model = _clf().fit(Xc, Y_CLASS)
    odd = model.term_names_.index("odd")
    np.testing.assert_allclose(model.eval_terms(Xc)[:, odd], 0.0, atol=1e-12)
    assert np.all(np.isfinite(model.predict_proba(Xc)))


def test_boolean_column_is_nominal_with_two_levels() -> None:
    Xb = X.assign(flag=X["age"].to_numpy() > 40)
    model = _clf().fit(Xb, Y_CLASS)
    assert model.feature_types_in_[-1] == "nominal"
    assert set(model.bins_[-1][0]) == {"False", "True"}
    flag = model.term_names_.index("flag")
    assert model.term_scores_[flag][1] != model.term_scores_[flag][2]


def test_mixed_object_column_is_nominal() -> None:
    mixed = np.array([1, "a", 2.5, None] * (N // 4), dtype=object)
    model = _clf().fit(X.assign(mixed=mixed), Y_CLASS)
    assert model.feature_types_in_[-1] == "nominal"
    assert set(model.bins_[-1][0]) == {"1", "a", "2.5"}


def test_categorical_with_100000_levels_fits_in_bounded_memory() -> None:
    n = 100_000
    rng = np.random.default_rng(5)
    Xl = pd.DataFrame({"id": np.array([f"id{i}" for i in range(n)], dtype=object),
                       "x": rng.normal(size=n)})
    y = (Xl["x"].to_numpy() + rng.normal(size=n) > 0).astype(int)
    tracemalloc.start()
    try:
        model = _clf().fit(Xl, y)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert model.term_scores_[0].shape == (n + 2,)
    # The input holds ~7 MB of strings; a dense one-hot or a per-level copy of the rows would
    # need gigabytes.
    assert peak < 250e6, f"peak traced memory {peak / 1e6:.0f} MB"


def test_multiclass_model_without_terms_scores_the_intercept() -> None:
    y = np.array(["low", "mid", "high"] * (N // 3))
    model = _clf().fit(X, y)
    model.remove_terms(list(range(len(model.term_names_))))
    assert model.eval_terms(X).shape == (N, 0, 3)
    scores = model.decision_function(X)
    np.testing.assert_array_equal(scores, np.tile(model.intercept_, (N, 1)))
    probabilities = model.predict_proba(X)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0)
    assert np.all(model.predict(X) == model.classes_[np.argmax(model.intercept_)])


def test_binary_model_without_terms_scores_the_intercept() -> None:
    model = _clf().fit(X, Y_CLASS)
    model.remove_terms(list(range(len(model.term_names_))))
    assert model.eval_terms(X).shape == (N, 0)
    np.testing.assert_array_equal(model.decision_function(X), np.full(N, model.intercept_[0]))


def test_text_in_a_column_declared_continuous_at_fit_is_not_learned_from() -> None:
    age = X["age"].astype(object)
    age[:10] = "n/a"
    y = np.where(np.arange(N) < 10, 5.0, 0.0) + Y_REG
    model = _reg(feature_types=["continuous", "continuous", "nominal"]).fit(
        X.assign(age=age), y)
    term = model.term_names_.index("age")
    assert model.bin_weights_[term][-1] == 10
    assert model.term_scores_[term][-1] == 0.0
