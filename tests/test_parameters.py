"""Tests of parameter validation: every error names the parameter at fault."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from glassboost import DataWarning, ExplainableBoostingClassifier, ExplainableBoostingRegressor
from glassboost.parameters import (check_number, check_random_state, check_term_names,
                                   check_validation_size, clean_init_score,
                                   few_training_rows_message, parse_exclude, parse_interactions, parse_monotone,
                                   parse_term, resolve_n_threads)

NAMES = ["a", "b", "c", "d"]


@pytest.mark.parametrize("value, kwargs", [
    (0, dict(low=1, integer=True)), (1.5, dict(low=0, integer=True)),
    (True, dict(low=0)), ("3", dict(low=0)), (np.nan, dict(low=0)),
    (0.0, dict(low=0.0, low_open=True)), (1.0, dict(low=0.0, high=1.0, high_open=True)),
    (np.inf, dict(low=0.0, high=1.0)),
])
def test_check_number_rejects(value, kwargs) -> None:
    with pytest.raises(ValueError, match="^my_param must be"):
        check_number("my_param", value, **kwargs)


def test_check_number_accepts() -> None:
    check_number("x", 3, 1, integer=True)
    check_number("x", np.int32(3), 1, integer=True)
    check_number("x", 0.5, 0.0, 1.0, high_open=True)
    check_number("x", np.inf, 0.0)


@pytest.mark.parametrize("param, value", [
    ("max_bins", 1), ("max_interaction_bins", 300), ("outer_bags", 0), ("learning_rate", 0.0),
    ("learning_rate", -1.0), ("learning_rate", "fast"), ("max_rounds", -1), ("early_stopping_rounds", 1.5),
    ("early_stopping_tolerance", -0.1), ("smoothing_rounds", -1),
    ("interaction_smoothing_rounds", "x"), ("min_samples_leaf", 0), ("min_hessian", -1.0),
    ("max_leaves", 1), ("cat_smooth", -1.0), ("greedy_ratio", -1.0),
    ("interaction_greedy_ratio", "x"), ("cyclic_progress", 1.5), ("cyclic_progress", "yes"),
    ("gain_scale", 0.0), ("random_state", -3), ("n_jobs", 0), ("early_stopping_in_smoothing", 1),
    ("early_stopping_in_smoothing", "no"), ("early_stopping_rise", -0.1),
    ("early_stopping_rise", "x"),
    ("validation_size", 1.5), ("validation_size", -1), ("interactions", -1),
    ("interactions", "3y"), ("interactions", 2.5), ("interactions", [("a", "nope")]),
    ("exclude", [("a", "b", "a")]), ("monotone_constraints", [1, 0]),
    ("monotone_constraints", [2, 0, 0, 0]), ("feature_types", ["numeric"] * 4),
])
def test_fit_errors_name_the_parameter(param, value) -> None:
    X = np.random.default_rng(0).normal(size=(40, 4))
    y = (X[:, 0] > 0).astype(int)
    model = ExplainableBoostingClassifier(feature_names=NAMES, max_rounds=5, outer_bags=1,
                                          n_jobs=1)
    model.set_params(**{param: value})
    with pytest.raises(ValueError, match=param):
        model.fit(X, y)


@pytest.mark.parametrize("objective, rate", [
    ("rmse", 0.06), ("squared_error", 0.06), ("gamma_deviance", 0.04), ("rmse_log", 0.04),
    ("quantile:alpha=0.5", 0.04)])
def test_the_regressors_auto_learning_rate_is_the_objectives(objective, rate) -> None:
    rng = np.random.default_rng(1)
    X = rng.uniform(size=(300, 3))
    y = np.exp(X[:, 0] + np.sin(4 * X[:, 1]) + rng.normal(scale=0.2, size=300))
    common = dict(objective=objective, outer_bags=2, max_rounds=60, interactions=1, n_jobs=1)
    auto = ExplainableBoostingRegressor(**common).fit(X, y)
    assert auto.get_params()["learning_rate"] == "auto"
    for given, same in ((rate, True), (0.05, False)):
        fixed = ExplainableBoostingRegressor(learning_rate=given, **common).fit(X, y)
        equal = all(np.array_equal(a, b) for a, b in zip(auto.term_scores_, fixed.term_scores_))
        assert equal == same, (objective, given)


def test_the_classifiers_auto_learning_rate_is_its_default() -> None:
    rng = np.random.default_rng(2)
    X = rng.uniform(size=(300, 3))
    y = (X[:, 0] + rng.normal(scale=0.3, size=300) > 0.5).astype(int)
    common = dict(outer_bags=2, max_rounds=60, interactions=1, n_jobs=1)
    auto = ExplainableBoostingClassifier(learning_rate="auto", **common).fit(X, y)
    default = ExplainableBoostingClassifier(**common).fit(X, y)
    assert all(np.array_equal(a, b) for a, b in zip(auto.term_scores_, default.term_scores_))


def test_objective_errors_name_the_objective() -> None:
    X = np.zeros((10, 1))
    X[:5] = 1
    with pytest.raises(ValueError, match="objective"):
        ExplainableBoostingRegressor(objective="huber").fit(X, np.arange(10.0))
    with pytest.raises(ValueError, match="objective"):
        ExplainableBoostingClassifier(objective="rmse").fit(X, np.arange(10) % 2)
    with pytest.raises(ValueError, match="poisson"):
        ExplainableBoostingRegressor(objective="poisson").fit(X, np.arange(10.0) - 1)


def test_resolve_n_threads() -> None:
    assert resolve_n_threads(None) == 1
    assert resolve_n_threads(3) == 3
    assert resolve_n_threads(-1) >= 1
    assert resolve_n_threads(-1000) == 1
    with pytest.raises(ValueError, match="n_jobs"):
        resolve_n_threads(1.5)


def test_check_random_state_and_validation_size() -> None:
    check_random_state(None)
    check_random_state(0)
    with pytest.raises(ValueError, match="random_state"):
        check_random_state(1.0)
    check_validation_size(None)
    check_validation_size(0)
    check_validation_size(50)
    with pytest.raises(ValueError, match="validation_size"):
        check_validation_size(1.0)


@pytest.mark.parametrize("interactions, expected", [
    (None, (0, None)), (0, (0, None)), ("3x", (12, None)), (" 1.5 x ", (6, None)),
    (5, (5, None)), (5.0, (5, None)), (0.5, (2, None)), (np.int64(2), (2, None)),
    ("0.3x", (2, None)), (0.1, (1, None)), ("1.1x", (5, None)),  # rounded up, as InterpretML
    ("2X", (8, None)), (".5x", (2, None)),
    ([("b", "a"), (2, 3), ["a", "b"]], (2, [(0, 1), (2, 3)])),
    ([("c", "a", "b"), (0, 1), (1, 2, 0), ("d", 0, 1, 2)], (3, [(2, 0, 1), (0, 1), (3, 0, 1, 2)])),
])
def test_parse_interactions(interactions, expected) -> None:
    assert parse_interactions(interactions, NAMES) == expected


@pytest.mark.parametrize("interactions, message", [
    ([("a",)], "not a term of two or more"), ([("a", "a")], "repeats"),
    ([("a", "b", "a")], "repeats"), ([(0, 9)], "out of range"),
    ([("a", None)], "neither"), ({"a": 1}, "interactions"), (np.nan, "interactions"),
])
def test_parse_interactions_errors(interactions, message) -> None:
    with pytest.raises(ValueError, match=message):
        parse_interactions(interactions, NAMES)


def test_parse_exclude_and_terms() -> None:
    assert parse_exclude(None, NAMES) == set()
    assert parse_exclude("mains", NAMES) == {(0,), (1,), (2,), (3,)}
    assert parse_exclude(["b", 0, ("d", "c")], NAMES) == {(1,), (0,), (2, 3)}
    assert parse_term(np.int64(2), NAMES, "exclude") == (2,)
    with pytest.raises(ValueError, match="exclude"):
        parse_exclude("a", NAMES)
    with pytest.raises(ValueError, match="exclude: unknown feature 'z'"):
        parse_exclude(["z"], NAMES)
    with pytest.raises(ValueError, match="exclude must be"):
        parse_exclude(np.array(["a", "b"]), NAMES)


def test_a_date_column_named_where_its_features_are_expected_names_them() -> None:
    names = ["a", "when:year", "when:month", "when:weekday"]
    with pytest.raises(ValueError, match=r"exclude: unknown feature 'when'; the date column "
                       r"'when' became the features \['when:year', 'when:month', "
                       r"'when:weekday'\], name those"):
        parse_exclude(["when"], names)
    with pytest.raises(ValueError, match=r"unknown feature 'whe'$"):
        parse_exclude(["whe"], names)


def test_parse_monotone() -> None:
    names = ["a", "b"]
    np.testing.assert_array_equal(parse_monotone(None, names), [0, 0])
    np.testing.assert_array_equal(parse_monotone([1, -1], names), [1, -1])
    np.testing.assert_array_equal(parse_monotone(np.array([0, 1]), names), [0, 1])
    with pytest.raises(ValueError, match=r"monotone_constraints\[0\]"):
        parse_monotone([True, 0], names)
    with pytest.raises(ValueError, match="monotone_constraints"):
        parse_monotone(1, names)
    with pytest.raises(ValueError, match=r"each of the 2 features \['a', 'b'\], got \[1\]"):
        parse_monotone([1], names)


def test_monotone_constraints_of_the_wrong_length_name_the_date_features() -> None:
    X = pd.DataFrame({"x": np.arange(40.0), "when": pd.Timestamp("2020-01-01")
                      + pd.to_timedelta(np.arange(40) * 20, unit="D")})
    expected = ("each of the 4 features ['x', 'when:year', 'when:month', 'when:weekday'], "
                "got [1, 0]")
    with pytest.warns(DataWarning, match="'when' holds dates"), \
            pytest.raises(ValueError, match=re.escape(expected)):
        ExplainableBoostingRegressor(monotone_constraints=[1, 0]).fit(X, np.arange(40.0))


def test_monotone_constraints_need_an_order() -> None:
    X = np.array([["a"], ["b"]] * 10, dtype=object)
    y = np.arange(20) % 2
    with pytest.raises(ValueError, match="monotone_constraints"):
        ExplainableBoostingClassifier(monotone_constraints=[1]).fit(X, y)
    Xn = np.arange(30.0).reshape(-1, 1)
    with pytest.raises(ValueError, match="monotone_constraints"):
        ExplainableBoostingClassifier(monotone_constraints=[1]).fit(Xn, np.arange(30) % 3)
    with pytest.raises(ValueError, match=r"interactions: pair \['feature_0000', "):
        ExplainableBoostingRegressor(monotone_constraints=[1, 0], interactions=[(0, 1)]).fit(
            np.ones((10, 2)), np.arange(10.0))
    with pytest.raises(ValueError, match=r"interactions: term of 3 features \['feature_0000', "):
        ExplainableBoostingRegressor(monotone_constraints=[1, 0, 0],
                                     interactions=[(0, 1, 2)]).fit(np.ones((10, 3)),
                                                                   np.arange(10.0))


def test_terms_that_would_share_a_name_are_refused() -> None:
    names = ["Sales", "Marketing", "Sales & Marketing", "x &", "& y", "x", "y"]
    check_term_names([(0,), (1,), (2,), (0, 3), (2, 5)], names)
    with pytest.raises(ValueError, match=r"\['Sales & Marketing'\] and \['Sales', 'Marketing'\]"):
        check_term_names([(0,), (1,), (2,), (0, 1)], names)
    with pytest.raises(ValueError, match="both be named 'x & & y'"):  # no name holds ' & '
        check_term_names([(5, 4), (3, 6)], names)


class _Predicts:
    """A fitted model as init_score takes it: predictions fixed in advance."""

    def __init__(self, values: np.ndarray, classifier: bool):
        self.predict = lambda X: values
        if classifier:
            self.predict_proba = lambda X: values


@pytest.mark.parametrize("values, classifier, link, need", [
    (np.array([[0.5, 0.5], [0.0, 1.0]]), True, "logit", "strictly between 0 and 1"),
    (np.array([[0.5, 0.25, 0.25], [0.0, 0.5, 0.5]]), True, "mlogit", "above 0"),
    (np.array([2.0, -1.0]), False, "log", "positive predictions"),
])
def test_a_model_whose_predictions_have_no_link_is_named(values, classifier, link, need) -> None:
    """A tree's probability of 1, or a linear model's negative prediction, has no log-odds or
    log: the error names the model and what it must predict, not just a row that is NaN."""
    model = _Predicts(values, classifier)
    with pytest.raises(ValueError, match=f"_Predicts's predictions have no finite '{link}' link "
                                         rf"at rows \[1\]; .* needs .*{need}"):
        clean_init_score(model, None, 2, link, values.shape[1] if link == "mlogit" else 1)


def test_a_classifier_of_other_classes_is_refused_as_init_score() -> None:
    """Its probabilities are taken by position: a model of classes a, b, c started one of
    a, b, d with c's probabilities as d's, and any binary model started any other."""
    rng = np.random.default_rng(3)
    X = pd.DataFrame({"x": rng.normal(size=120)})
    labels = np.array(list("abc"))[np.digitize(X["x"], [-0.5, 0.5])]
    small = dict(outer_bags=1, max_rounds=20, interactions=0, n_jobs=1)
    start = ExplainableBoostingClassifier(**small).fit(X, labels)
    other = np.where(labels == "c", "d", labels)
    message = (r"init_score: the ExplainableBoostingClassifier's classes \['a', 'b', 'c'\] are "
               r"not the classes \['a', 'b', 'd'\] of the model it would start")
    with pytest.raises(ValueError, match=message):
        ExplainableBoostingClassifier(**small).fit(X, other, init_score=start)
    fitted = ExplainableBoostingClassifier(**small).fit(X, other)
    with pytest.raises(ValueError, match=message):
        fitted.predict_proba(X, init_score=start)
    scores = np.log(start.predict_proba(X))  # as an array, by position, as asked
    ExplainableBoostingClassifier(**small).fit(X, other, init_score=scores)
    ExplainableBoostingClassifier(**small).fit(X, labels, init_score=start)
    assert clean_init_score(start, X, 120, "mlogit", 3, ["a", "b", "c"]).shape == (120, 3)


LIMIT_OF_EXP = r"beyond 709.78271 in magnitude, the limit of a starting score on the "
LIMIT_OF_SQUARE = r"beyond 1.3407808e\+154 in magnitude, the limit of a starting score on the "


@pytest.mark.parametrize("estimator, task, value, message", [
    (ExplainableBoostingClassifier, "binary", 1e300, r"init_score\[7\] = 1e\+300, "
     + LIMIT_OF_EXP + "'logit' link: exp of a score above it overflows"),
    (ExplainableBoostingClassifier, "binary", -710.0, r"init_score\[7\] = -710, "
     + LIMIT_OF_EXP + "'logit' link"),
    (ExplainableBoostingClassifier, "multiclass", 800.0, r"init_score\[7, 1\] = 800, "
     + LIMIT_OF_EXP + "'mlogit' link"),
    (ExplainableBoostingRegressor, "rmse", 1e300, r"init_score\[7\] = 1e\+300, "
     + LIMIT_OF_SQUARE + "'identity' link: the square of a score beyond it overflows"),
    (ExplainableBoostingRegressor, "poisson_deviance", 710.0, r"init_score\[7\] = 710, "
     + LIMIT_OF_EXP + "'log' link"),
])
def test_init_score_beyond_what_the_link_can_take_is_refused(estimator, task, value,
                                                             message) -> None:
    """A starting score whose exp (log, logit and mlogit links) or square (identity) overflows
    float64 cannot start a fit, nor be added to a model's scores: the first row beyond the
    limit is named with its value and the limit. Once, a logit score of 1e300 gave an
    intercept of -1e18 and empty terms, and a log one of 800 a model of nothing."""
    rng = np.random.default_rng(5)
    X = rng.normal(size=(200, 2))
    small = dict(outer_bags=1, max_rounds=10, interactions=0, n_jobs=1)
    if estimator is ExplainableBoostingClassifier:
        y = np.arange(200) % (2 if task == "binary" else 3)
        model = estimator(**small)
    else:
        y = np.abs(X[:, 0]) + 1.0
        model = estimator(objective=task, **small)
    init = np.zeros((200, 3)) if task == "multiclass" else np.zeros(200)
    if task == "multiclass":
        init[7:, 1] = value
    else:
        init[7:] = value
    with pytest.raises(ValueError, match=message):
        model.fit(X, y, init_score=init)
    fitted = model.fit(X, y)
    with pytest.raises(ValueError, match=message):
        fitted.decision_function(X, init_score=init)
    with pytest.raises(ValueError, match=message):
        fitted.predict(X, init_score=init)
    # within the limit, the same fit and scores are taken
    limit = 700.0 if task != "rmse" else 1e150
    within = np.clip(init, -limit, limit)
    assert np.all(np.isfinite(model.fit(X, y, init_score=within).decision_function(
        X, init_score=within)))


def test_a_model_whose_link_scores_are_beyond_the_limit_is_named() -> None:
    """A probability of 1e-320 has a log-odds of -737, whose exp overflows: the error names
    the model, the row and what to do."""
    model = _Predicts(np.array([[0.5, 0.5], [1.0, 1e-320]]), True)
    with pytest.raises(ValueError, match=r"init_score: the _Predicts's predictions through the "
                                         r"'logit' link give -736.82724 at row 1, "
                                         + LIMIT_OF_EXP + r"'logit' link: .*; clip its "
                                         r"predictions"):
        clean_init_score(model, None, 2, "logit", 1)


def test_a_callback_returning_numpy_booleans_stops_or_continues() -> None:
    """InterpretML 0.7's callback returns whether to stop; a comparison with numpy values gives
    numpy's booleans, which act as True and False."""
    from glassboost.parameters import parse_callbacks

    def legacy(bag, steps, progress, metric):
        return np.float64(metric) < 1.0

    boost, _ = parse_callbacks(legacy)
    assert boost(0, 0, 1, 0, 0.5) == "stop_current"
    assert boost(0, 0, 1, 0, 2.0) == "continue"


def test_a_validation_size_that_leaves_no_split_is_said() -> None:
    assert few_training_rows_message(0.15, 100, 250_000, 4) is None
    assert few_training_rows_message(92, 100, None, 4) is None  # 8 rows: one split
    message = few_training_rows_message(0.99, 100, None, 4)
    assert "validation_size=0.99 leaves about 1 of a bag's 100 rows" in message
    assert "intercept alone" in few_training_rows_message(95, 100, None, 4)
    # a count is of a sampled bag's rows
    assert few_training_rows_message(996, 10_000, 1000, 4) is not None
