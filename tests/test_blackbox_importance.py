"""Permutation importance through glassboost gives scikit-learn's numbers for any model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.inspection import permutation_importance
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import r2_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from glassboost.blackbox import PermutationImportance
from glassboost.explain import Explanation


@pytest.fixture(scope="module")
def cancer():
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    return X.iloc[:300, :5], y[:300].to_numpy()


@pytest.mark.parametrize("kind", ["pipeline", "lightgbm"])
def test_permutation_importance_equals_sklearn(cancer, kind):
    X, y = cancer
    if kind == "pipeline":
        model = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)
    else:
        lightgbm = pytest.importorskip("lightgbm")
        model = lightgbm.LGBMClassifier(n_estimators=30, verbose=-1).fit(X, y)
    explanation = PermutationImportance(model, n_repeats=4, random_state=3).explain_global(X, y)
    ref = permutation_importance(model, X, y, scoring="roc_auc", n_repeats=4, random_state=3)
    assert isinstance(explanation, Explanation)
    np.testing.assert_allclose(explanation.data()["importances"], ref["importances"],
                               atol=1e-12)
    np.testing.assert_allclose(explanation.data()["scores"], ref["importances_mean"],
                               atol=1e-12)
    d = explanation.data("mean texture")
    np.testing.assert_allclose(d["repeats"], ref["importances"][1], atol=1e-12)
    assert isinstance(explanation.visualize(), go.Figure)
    assert isinstance(explanation.visualize(1), go.Figure)
    assert explanation._repr_mimebundle_()["application/vnd.plotly.v1+json"]["data"]


def test_permutation_importance_of_a_plain_function_finds_its_only_feature():
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(300, 3)), columns=["x", "noise", "colour"])
    X["colour"] = np.where(X["colour"] > 0, "red", "blue")  # ignored, and not a number
    y = 2 * X["x"].to_numpy()

    def model(rows: pd.DataFrame) -> np.ndarray:
        return 2 * rows["x"].to_numpy()

    explanation = PermutationImportance(model, n_repeats=3).explain_global(X, y)
    scores = explanation.data()["scores"]
    # shuffling x takes R² from 1 to about -1 (two independent copies); the others change nothing
    assert scores[0] == pytest.approx(1 - r2_score(y, 2 * rng.permutation(X["x"])), abs=0.3)
    assert scores[1] == 0 and scores[2] == 0
    with pytest.raises(ValueError, match="X has 300 rows but y has 2 values"):
        PermutationImportance(model).explain_global(X, y[:2])
    with pytest.raises(KeyError, match="no feature named 'size'"):
        explanation.data("size")


class _Reordered:
    """A fitted classifier with its classes in the other order, as ``reorder_classes`` makes."""

    def __init__(self, model) -> None:
        self.model = model
        self.classes_ = model.classes_[::-1]

    def predict_proba(self, X) -> np.ndarray:
        return self.model.predict_proba(X)[:, ::-1]


def test_permutation_importance_does_not_depend_on_the_order_of_the_classes(cancer):
    X, y = cancer
    labels = np.where(y == 1, "yes", "no")
    model = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, labels)
    sorted_order = PermutationImportance(model, n_repeats=3).explain_global(X, labels)
    reordered = PermutationImportance(_Reordered(model), n_repeats=3).explain_global(X, labels)
    np.testing.assert_allclose(reordered.data()["importances"],
                               sorted_order.data()["importances"], atol=1e-12)
    assert reordered.data()["scores"].max() > 0.01
    with pytest.raises(ValueError, match=r"y must hold the two classes of the model"):
        PermutationImportance(model).explain_global(X, np.where(y == 1, "yes", "maybe"))


def test_permutation_importance_of_a_classifier_score_is_roc_auc_of_its_classes(cancer):
    # the score before the link ranks classes_[1] as the probability does: the same AUC drops,
    # not R² of the labels against log-odds; string labels are scored as classes_[1] or not
    X, y = cancer
    labels = np.where(y == 1, "yes", "no")
    model = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, labels)
    score = PermutationImportance(model, response="decision_function", n_repeats=3,
                                  random_state=3).explain_global(X, labels)
    ref = permutation_importance(model, X, labels == "yes", scoring="roc_auc", n_repeats=3,
                                 random_state=3)
    np.testing.assert_allclose(score.data()["importances"], ref["importances"], atol=1e-12)
    assert "roc_auc" in score.title


def test_a_metric_that_is_not_a_function_is_named(cancer):
    X, y = cancer
    model = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)
    with pytest.raises(ValueError, match=r"metric must be a function .* not 'roc_auc'"):
        PermutationImportance(model, metric="roc_auc")


def test_regression_targets_that_are_not_finite_numbers_are_named():
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(50, 2)), columns=["x", "noise"])
    y = 2 * X["x"].to_numpy()

    def model(rows: pd.DataFrame) -> np.ndarray:
        return 2 * rows["x"].to_numpy()

    with pytest.raises(ValueError, match=r"y has 1 missing or infinite targets \(first at row 3"):
        PermutationImportance(model).explain_global(X, np.r_[y[:3], np.nan, y[4:]])
    with pytest.raises(ValueError, match="y must be numbers, the regression targets"):
        PermutationImportance(model).explain_global(X, np.where(y > 0, "up", "down"))
