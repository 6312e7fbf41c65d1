"""Tests of predict-time coverage: missing and unseen entries counted as scoring bins them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import glassboost
from glassboost import ExplainableBoostingClassifier, ExplainableBoostingRegressor
from glassboost.coverage import coverage_of, input_coverage

SMALL = dict(outer_bags=1, interactions=0, max_rounds=100, random_state=0)


def _train(n: int = 300, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({
        "amount": rng.normal(size=n),
        "city": rng.choice(["Oslo", "Rome", "Lima"], n),
        "size": pd.Categorical(rng.choice(["S", "M", "L"], n), categories=["S", "M", "L"],
                               ordered=True),
    })
    y = X["amount"].to_numpy() + (X["city"] == "Rome") + rng.normal(size=n) * 0.1
    return X, y


@pytest.fixture(scope="module")
def model():
    X, y = _train()
    return ExplainableBoostingRegressor(**SMALL).fit(X, y)


def _new_rows() -> pd.DataFrame:
    return pd.DataFrame({
        "amount": pd.Series([0.5, np.nan, "n/a", np.inf, -1.0, np.nan], dtype=object),
        "city": ["Oslo", "Paris", None, "Rome", "Paris", "Tokyo"],
        "size": pd.Categorical(["S", "M", None, "L", "S", "M"], categories=["S", "M", "L"],
                               ordered=True),
    })


def test_counts_missing_and_unseen_per_feature(model) -> None:
    table = input_coverage(model, _new_rows())
    assert list(table.columns) == ["feature", "type", "rows", "missing", "unseen"]
    assert table["feature"].tolist() == ["amount", "city", "size"]
    assert table["type"].tolist() == ["continuous", "nominal", "ordinal"]
    assert table["rows"].tolist() == [6, 6, 6]
    # amount: NaN twice is missing, text is unseen, inf falls in the outermost value bin
    assert table["missing"].tolist() == [2, 1, 1]
    assert table["unseen"].tolist() == [1, 3, 0]


def test_unseen_entries_are_the_ones_scoring_zero(model) -> None:
    """The counts come from the scoring bins: an unseen main effect contributes exactly 0, and
    a missing one contributes the table's missing-bin value."""
    rows = _new_rows()
    coverage = coverage_of(model, rows)
    contributions = model.eval_terms(rows)
    for f, name in enumerate(coverage.features):
        t = model.term_names_.index(name)
        np.testing.assert_array_equal(contributions[coverage.unseen[:, f], t], 0.0)
        np.testing.assert_array_equal(contributions[coverage.missing[:, f], t],
                                      model.term_scores_[t][0])
    np.testing.assert_array_equal(coverage.unseen[:, 1],
                                  [False, True, False, False, True, True])


def test_columns_are_matched_as_predict_matches_them(model) -> None:
    rows = _new_rows()
    shuffled = rows[["size", "city", "amount"]].assign(extra="ignored")
    pd.testing.assert_frame_equal(input_coverage(model, shuffled), input_coverage(model, rows))
    with pytest.raises(ValueError, match="missing feature"):
        input_coverage(model, rows.drop(columns="city"))


def test_declared_ordinal_value_outside_its_categories_is_unseen() -> None:
    X = pd.DataFrame({"grade": ["low", "high", "mid"] * 40,
                      "x": np.random.default_rng(1).normal(size=120)})
    y = np.arange(120) % 2
    model = ExplainableBoostingClassifier(feature_types=[["low", "mid", "high"], "continuous"],
                                          **SMALL).fit(X, y)
    table = input_coverage(model, pd.DataFrame({"grade": ["mid", "extreme", None],
                                                "x": [1.0, 2.0, 3.0]}))
    assert table.set_index("feature").loc["grade", ["missing", "unseen"]].tolist() == [1, 1]


def test_arrays_and_loaded_models(model, tmp_path) -> None:
    X, y = _train()
    numbers = ExplainableBoostingRegressor(**SMALL).fit(X[["amount"]].to_numpy(), y)
    table = input_coverage(numbers, np.array([[np.nan], [1.0], [np.nan]]))
    assert table["feature"].tolist() == ["feature_0000"]
    assert table[["missing", "unseen"]].to_numpy().tolist() == [[2, 0]]

    path = tmp_path / "model.json"
    model.to_json(path)
    loaded = glassboost.load(path)
    pd.testing.assert_frame_equal(input_coverage(loaded, _new_rows()),
                                  input_coverage(model, _new_rows()))


def test_unfitted_model_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="not fitted"):
        input_coverage(ExplainableBoostingClassifier(), _new_rows())


def test_models_with_date_columns_convert_dates_before_counting() -> None:
    """Coverage and local explanations bin a date column through the fitted conversion."""
    days = pd.date_range("2019-01-01", periods=200, freq="D")
    X = pd.DataFrame({"when": days.strftime("%Y-%m-%d"),
                      "x": np.random.default_rng(2).normal(size=200)})
    y = (days.month.to_numpy() > 6).astype(int)
    with pytest.warns(glassboost.DataWarning, match="when"):
        model = ExplainableBoostingClassifier(**SMALL).fit(X, y)
    new = pd.DataFrame({"when": ["2019-03-01", "not a date", None], "x": [0.0, 1.0, 2.0]})
    table = input_coverage(model, new).set_index("feature")
    assert table.loc["when:month", "rows"] == 3
    assert table.loc["when:month", ["missing", "unseen"]].sum() == 2
    explanation = model.explain_local(new)
    pd.testing.assert_frame_equal(explanation.input_coverage(), input_coverage(model, new))
