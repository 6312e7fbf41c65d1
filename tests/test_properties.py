"""Property tests over random small mixed-type tables: fitting either works or raises a
documented error, and every fitted model is finite, exact (terms sum to the score) and keeps its
constraints."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from glassboost import ExplainableBoostingClassifier, ExplainableBoostingRegressor

FLOATS = st.one_of(
    st.floats(-1e6, 1e6, allow_nan=False),
    st.sampled_from([np.nan, np.inf, -np.inf, 0.0, 1e300, -1e300]),
)
WORDS = st.one_of(st.none(), st.sampled_from(["a", "b", "c", "dd", "", "1"]))


@st.composite
def tables(draw: Any) -> tuple[pd.DataFrame, str]:
    """A frame of 5-60 rows with 1-4 columns of random kinds, and the kind of each column."""
    n = draw(st.integers(5, 60))
    kinds = draw(st.lists(st.sampled_from(["number", "text", "bool", "category", "integer"]),
                          min_size=1, max_size=4))
    columns = {}
    for i, kind in enumerate(kinds):
        name = f"{kind}{i}"
        if kind == "number":
            columns[name] = np.array(draw(st.lists(FLOATS, min_size=n, max_size=n)))
        elif kind == "integer":
            columns[name] = np.array(draw(st.lists(st.integers(-5, 5), min_size=n, max_size=n)))
        elif kind == "text":
            columns[name] = np.array(draw(st.lists(WORDS, min_size=n, max_size=n)), dtype=object)
        elif kind == "bool":
            columns[name] = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)))
        else:
            values = draw(st.lists(st.sampled_from(["x", "y", "z", None]), min_size=n, max_size=n))
            columns[name] = pd.Categorical(values, ordered=draw(st.booleans()))
    return pd.DataFrame(columns)


@st.composite
def problems(draw: Any) -> dict:
    X = draw(tables())
    n = len(X)
    regression = draw(st.booleans())
    if regression:
        y = np.array(draw(st.lists(st.floats(-100, 100), min_size=n, max_size=n)))
    else:
        y = np.array(draw(st.lists(st.sampled_from(["no", "yes"]), min_size=n, max_size=n)))
    weights = None
    if draw(st.booleans()):
        weights = np.array(draw(st.lists(
            st.one_of(st.just(0.0), st.floats(0.01, 100)), min_size=n, max_size=n)))
        weights[draw(st.integers(0, n - 1))] = draw(st.floats(0.01, 100))
    params = dict(
        outer_bags=draw(st.integers(1, 2)), max_rounds=draw(st.integers(0, 30)),
        interactions=draw(st.integers(0, 2)), n_jobs=1,
        max_bins=draw(st.sampled_from([3, 16, 256])),
        max_interaction_bins=draw(st.sampled_from([3, 8])),
        min_samples_leaf=draw(st.integers(1, 4)),
    )
    return dict(X=X, y=y, weights=weights, regression=regression, params=params)


def _check_model(model: Any, X: pd.DataFrame) -> None:
    scores = model.decision_function(X)
    terms = model.eval_terms(X)
    assert np.all(np.isfinite(scores)) and np.all(np.isfinite(terms))
    intercept = np.asarray(model.intercept_, dtype=np.float64).reshape(-1)
    total = terms.sum(axis=1) + (intercept[0] if intercept.size == 1 else intercept)
    np.testing.assert_allclose(total, scores, rtol=0, atol=1e-9)
    prediction = model.predict(X)
    assert len(prediction) == len(X)
    if hasattr(model, "predict_proba"):
        probabilities = model.predict_proba(X)
        assert np.all((probabilities >= 0) & (probabilities <= 1))
        np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=0, atol=1e-12)
        assert set(prediction) <= set(model.classes_)
    else:
        assert np.all(np.isfinite(prediction))


def _fit(problem: dict, **extra: Any) -> Any:
    estimator = ExplainableBoostingRegressor if problem["regression"] \
        else ExplainableBoostingClassifier
    model = estimator(**{**problem["params"], **extra})
    return model.fit(problem["X"], problem["y"], sample_weight=problem["weights"])


def _single_class(problem: dict) -> bool:
    return not problem["regression"] and len(np.unique(problem["y"])) < 2


def _weightless_class(problem: dict) -> bool:
    """Whether a class of a classification problem weighs zero in all (refused by the fit:
    ``test_estimators.test_a_class_of_zero_weight_is_refused``)."""
    if problem["regression"] or problem["weights"] is None:
        return False
    y, weights = np.asarray(problem["y"]), problem["weights"]
    classes = np.unique(y)
    return len(classes) > 1 and any(weights[y == c].sum() <= 0 for c in classes)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_fit_works(problem: dict) -> None:
    if _weightless_class(problem):
        with pytest.raises(ValueError, match="sample_weight is zero on every row of class"):
            _fit(problem)
        return
    model = _fit(problem)
    if _single_class(problem):  # InterpretML's model of one class: that class, probability 1
        assert list(model.predict(problem["X"])) == [model.classes_[0]] * len(problem["X"])
        assert np.all(model.predict_proba(problem["X"]) == 1.0)
        return
    _check_model(model, problem["X"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(), st.sampled_from([1, -1]))
def test_monotone_constraint_holds_over_value_bins(problem: dict, direction: int) -> None:
    X = problem["X"].copy()
    rng = np.random.default_rng(len(X))
    X.insert(0, "mono", rng.normal(size=len(X)))
    problem = {**problem, "X": X}
    assume(not _single_class(problem) and not _weightless_class(problem))
    constraints = [direction] + [0] * (X.shape[1] - 1)
    model = _fit(problem, monotone_constraints=constraints)
    _check_model(model, X)
    term = model.term_names_.index("mono")
    steps = np.diff(model.term_scores_[term][1:-1]) * direction
    assert np.all(steps >= -1e-12), steps
