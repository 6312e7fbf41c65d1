"""Faithfulness measures: deletion and insertion curves follow exact attributions of a linear
model step by step, beat a random order; retrain-and-remove ranks a true order above its
reverse; an EBM recovers the true shapes and pair of a documented synthetic generator."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression, LogisticRegression

from glassboost import ExplainableBoostingClassifier
from glassboost.blackbox import EbmShap
from glassboost.faithfulness import (background_values, deletion_insertion,
                                     random_attributions, roar, shape_recovery)

sys.path.insert(0, str(Path(__file__).parents[1] / "benchmarks"))
import datasets  # noqa: E402  (benchmarks/datasets.py: the documented ga2m generator)

WEIGHTS = np.array([3.0, -2.0, 1.0, 0.5])


@pytest.fixture(scope="module")
def linear():
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(60, 4)), columns=["a", "b", "c", "d"])
    model = lambda rows: rows.to_numpy(dtype=float) @ WEIGHTS  # noqa: E731
    exact = (X - X.mean()).to_numpy() * WEIGHTS  # a linear model's exact attributions
    return model, X, exact


def test_deletion_and_insertion_curves_follow_exact_attributions(linear):
    model, X, exact = linear
    curves = deletion_insertion(model, X, exact)
    # removing the k largest attributions of each row takes them off its output
    ranked = -np.sort(-exact, axis=1)
    output = model(X)
    expected_deletion = [np.mean(output - ranked[:, :k].sum(axis=1)) for k in range(5)]
    expected_insertion = [np.mean(output - ranked[:, k:].sum(axis=1)) for k in range(5)]
    np.testing.assert_allclose(curves.data("deletion")["scores"], expected_deletion)
    np.testing.assert_allclose(curves.data("insertion")["scores"], expected_insertion)
    np.testing.assert_array_equal(curves.x, [0, 0.25, 0.5, 0.75, 1])
    chance = deletion_insertion(model, X, random_attributions(exact.shape))
    assert curves.auc["deletion"] < chance.auc["deletion"]
    assert curves.auc["insertion"] > chance.auc["insertion"]
    assert curves.visualize().data[0].meta["role"] == "curve"
    with pytest.raises(ValueError, match=r"one number per row and feature \(60, 4\)"):
        deletion_insertion(model, X, exact[:, :3])
    with pytest.raises(KeyError, match="no curve named 'area'"):
        curves.data("area")


def test_deletion_of_an_ebm_with_its_exact_shap_values_beats_random(linear):
    _, X, _ = linear
    y = (X["a"] * X["b"] + X["c"] > 0).to_numpy()
    ebm = ExplainableBoostingClassifier(interactions=[("a", "b")], outer_bags=1,
                                        max_rounds=100).fit(X, y)
    background = background_values(X)
    attributions = EbmShap(ebm, pd.DataFrame([background.to_numpy(float)],
                                             columns=X.columns)).explain_local(X)
    curves = deletion_insertion(ebm, X, attributions, background,
                                response="decision_function")
    # with the background row as SHAP's background, deletion at each step is exact for an
    # additive model's mains; at the end every feature is at the background
    assert curves.curves["deletion"][-1] == pytest.approx(
        ebm.decision_function(pd.DataFrame([background.to_numpy(float)],
                                           columns=X.columns))[0])
    chance = deletion_insertion(ebm, X, random_attributions((60, 4)), background,
                                response="decision_function")
    assert curves.auc["deletion"] < chance.auc["deletion"]


def test_categorical_columns_keep_their_type_when_replaced():
    frame = pd.DataFrame({"colour": pd.Categorical(["red", "blue", "red", "red"]),
                          "size": [1, 2, 3, 4]})
    seen = []

    def model(rows: pd.DataFrame) -> np.ndarray:
        seen.append(rows["colour"].dtype)
        return (rows["colour"] == "red").to_numpy(float) + rows["size"].to_numpy(float)

    curves = deletion_insertion(model, frame, np.array([[1.0, 0.0]] * 4))
    assert all(isinstance(d, pd.CategoricalDtype) for d in seen)
    # the background is the most common colour (red) and the mean size (2.5)
    assert curves.curves["deletion"][-1] == pytest.approx(3.5)


def test_remove_and_retrain_drops_fastest_in_the_true_order():
    rng = np.random.default_rng(1)
    X = pd.DataFrame(rng.normal(size=(600, 4)), columns=["a", "b", "c", "d"])
    y = X.to_numpy() @ WEIGHTS + rng.normal(0, 0.1, 600)
    true = roar(LinearRegression(), np.abs(WEIGHTS), X[:400], y[:400], X[400:], y[400:])
    reverse = roar(LinearRegression(), -np.abs(WEIGHTS), X[:400], y[:400], X[400:], y[400:])
    scores = true.curves["retrained"]
    assert scores[0] > 0.99 and scores[-1] < 0.05  # all removed: nothing left to predict
    assert np.all(np.diff(scores)[:3] < 0)  # removing d (weight 0.5) leaves about 0 either way
    assert true.auc["retrained"] < reverse.auc["retrained"]
    labels = y > 0
    classified = roar(LogisticRegression(), np.abs(WEIGHTS), X[:400], labels[:400], X[400:],
                      labels[400:])
    assert classified.y_title == "Test roc_auc_score"


def test_an_ebm_recovers_the_true_shapes_and_pair_of_ga2m_data():
    X, y, _ = datasets.ga2m(n_rows=6000, seed=0)
    ebm = ExplainableBoostingClassifier(outer_bags=2, random_state=0).fit(X[:5000], y[:5000])
    scale = datasets.GA2M_PAIR_SCALE
    recovered = shape_recovery(ebm, X[5000:], datasets.GA2M_MAINS,
                               {datasets.GA2M_PAIR: lambda a, b: scale * a * b})
    # the pair is found by the EBM's own interaction detection (None if it were missed)
    assert recovered["x4 & x5"] is not None
    assert min(recovered.values()) > 0.95  # 5,000 rows; benchmarks/ga2m_truth.py uses 16,000


class _ClassesReversed(LogisticRegression):
    """A classifier whose ``classes_`` are not sorted (as after ``reorder_classes``)."""

    def fit(self, X, y):
        super().fit(X, y)
        self.classes_ = self.classes_[::-1]
        return self

    def predict_proba(self, X):
        return super().predict_proba(X)[:, ::-1]


def test_remove_and_retrain_scores_the_class_whose_probability_the_model_gives():
    rng = np.random.default_rng(1)
    X = pd.DataFrame(rng.normal(size=(600, 4)), columns=["a", "b", "c", "d"])
    labels = np.where(X.to_numpy() @ WEIGHTS > 0, "yes", "no")
    sorted_classes = roar(LogisticRegression(), np.abs(WEIGHTS), X[:400], labels[:400],
                          X[400:], labels[400:])
    reversed_classes = roar(_ClassesReversed(), np.abs(WEIGHTS), X[:400], labels[:400],
                            X[400:], labels[400:])
    assert sorted_classes.curves["retrained"][0] > 0.95
    np.testing.assert_allclose(reversed_classes.curves["retrained"],
                               sorted_classes.curves["retrained"])
