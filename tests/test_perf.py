"""Performance views: every number equals scikit-learn's metric on the same predictions."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import (average_precision_score, mean_absolute_error, mean_squared_error,
                             precision_recall_curve, r2_score, roc_auc_score, roc_curve)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from glassboost import ExplainableBoostingClassifier, ExplainableBoostingRegressor
from glassboost.explain import Explanation
from glassboost.loading import load_fitted_model
from glassboost.perf import PR, ROC, RegressionPerf


@pytest.fixture(scope="module")
def cancer():
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    X = X.iloc[:, :6]
    pipe = make_pipeline(StandardScaler(), LogisticRegression()).fit(X[:400], y[:400])
    return pipe, X[400:], y[400:].to_numpy()


def test_roc_equals_sklearn(cancer):
    model, X, y = cancer
    view = ROC(model).explain_perf(X, y)
    assert isinstance(view, Explanation)
    p = model.predict_proba(X)[:, 1]
    fpr, tpr, thresholds = roc_curve(y, p)
    numbers = view.data()
    assert numbers["auc"] == pytest.approx(roc_auc_score(y, p), abs=1e-12)
    np.testing.assert_array_equal(numbers["x_values"], fpr)
    np.testing.assert_array_equal(numbers["y_values"], tpr)
    np.testing.assert_array_equal(numbers["threshold"], thresholds)
    fig = view.visualize()
    assert isinstance(fig, go.Figure) and f"{numbers['auc']:.4f}" in fig.layout.title.text
    np.testing.assert_array_equal(fig.data[0].x, fpr)


def test_pr_equals_sklearn_with_labels_of_an_ebm(cancer):
    _, X, y = cancer
    labels = np.where(y == 1, "benign", "malignant")
    ebm = ExplainableBoostingClassifier(interactions=0, outer_bags=1, max_rounds=100)
    ebm.fit(X, labels)
    numbers = PR(ebm).explain_perf(X, labels).data()
    p = ebm.predict_proba(X)[:, 1]  # classes_[1] is "malignant", the positive class
    positive = labels == ebm.classes_[1]
    precision, recall, _ = precision_recall_curve(positive, p)
    assert numbers["auc"] == pytest.approx(average_precision_score(positive, p), abs=1e-12)
    np.testing.assert_array_equal(numbers["x_values"], recall)
    np.testing.assert_array_equal(numbers["y_values"], precision)


def test_regression_perf_equals_sklearn():
    X, y = load_diabetes(return_X_y=True)
    model = LinearRegression().fit(X[:300], y[:300])
    view = RegressionPerf(model).explain_perf(X[300:], y[300:])
    pred = model.predict(X[300:])
    numbers = view.data()
    assert numbers["mse"] == pytest.approx(mean_squared_error(y[300:], pred))
    assert numbers["rmse"] == pytest.approx(np.sqrt(mean_squared_error(y[300:], pred)))
    assert numbers["mae"] == pytest.approx(mean_absolute_error(y[300:], pred))
    assert numbers["r2"] == pytest.approx(r2_score(y[300:], pred))
    np.testing.assert_allclose(numbers["residuals"], y[300:] - pred)
    assert view.visualize().data[0].meta["role"] == "residuals"


def test_targets_that_are_not_numbers_are_named():
    X, y = load_diabetes(return_X_y=True)
    with pytest.raises(ValueError, match="y has 1 missing or infinite targets"):
        RegressionPerf(lambda rows: rows[:, 2]).explain_perf(X, np.r_[np.nan, y[1:]])
    with pytest.raises(ValueError, match="y must be numbers, the regression targets"):
        RegressionPerf(lambda rows: rows[:, 2]).explain_perf(X, np.where(y > 100, "hi", "lo"))


def test_a_loaded_regressor_is_a_regressor():
    X, y = load_diabetes(return_X_y=True)
    model = ExplainableBoostingRegressor(outer_bags=2, interactions=0, max_rounds=50).fit(X, y)
    numbers = RegressionPerf(load_fitted_model(model.to_json())).explain_perf(X, y).data()
    assert numbers["r2"] == pytest.approx(r2_score(y, model.predict(X)), abs=1e-12)


def test_a_plain_function_is_scored_too():
    X, y = load_diabetes(return_X_y=True)
    numbers = RegressionPerf(lambda rows: rows[:, 2] * 900 + 150).explain_perf(X, y).data()
    assert numbers["r2"] == pytest.approx(r2_score(y, X[:, 2] * 900 + 150))


def test_bad_inputs_are_named(cancer):
    model, X, y = cancer
    for response in ("auto", "decision_function", "predict"):
        with pytest.raises(ValueError, match="RegressionPerf takes regressors"):
            RegressionPerf(model, response=response)
    with pytest.raises(ValueError, match="rows but y has"):
        ROC(model).explain_perf(X, y[:-1])
    with pytest.raises(ValueError, match="two classes of the model"):
        ROC(model).explain_perf(X, np.where(y == 1, "a", "b"))
    with pytest.raises(ValueError, match=r"model \[0, 1\], got \['0', '1'\]"):
        ROC(model).explain_perf(X, y.astype(str))  # labels of another type are told apart
    iris_X, iris_y = load_iris(return_X_y=True)
    with pytest.raises(ValueError, match="3 classes"):
        ROC(LogisticRegression(max_iter=500).fit(iris_X, iris_y))
    with pytest.raises(ValueError, match="1 NaN or infinite scores for X"):
        ROC(lambda rows: np.r_[np.nan, np.full(len(rows) - 1, 0.5)]).explain_perf(X, y)
    with pytest.raises(KeyError, match="no parts"):
        ROC(model).explain_perf(X, y).data(0)


@pytest.mark.filterwarnings("ignore:No positive class")
def test_one_label_without_classes_is_positive_only_when_1():
    X, _ = load_breast_cancer(return_X_y=True)
    score = lambda rows: rows[:, 0]  # noqa: E731
    for label in (0, 1):
        y = np.full(len(X), label)
        expected = average_precision_score(y, X[:, 0])
        assert PR(score).explain_perf(X, y).data()["auc"] == expected
    with pytest.raises(ValueError, match="one label"):
        PR(score).explain_perf(X, np.full(len(X), "a"))


@pytest.mark.parametrize("kind", ["pipeline", "lightgbm", "function"])
def test_calibration_equals_sklearn(cancer, kind):
    from sklearn.calibration import calibration_curve
    from sklearn.metrics import brier_score_loss

    from glassboost.perf import Calibration

    model, X, y = cancer
    if kind == "lightgbm":
        lightgbm = pytest.importorskip("lightgbm")
        model = lightgbm.LGBMClassifier(n_estimators=20, verbose=-1).fit(X, y)
    elif kind == "function":
        with pytest.raises(ValueError, match="binary classifiers with predict_proba"):
            Calibration(lambda rows: rows.iloc[:, 0].to_numpy())
        return
    view = Calibration(model, n_bins=6, strategy="quantile").explain_perf(X, y)
    observed, predicted = calibration_curve(y, model.predict_proba(X)[:, 1], n_bins=6,
                                            strategy="quantile")
    d = view.data()
    np.testing.assert_allclose(d["y_values"], observed)
    np.testing.assert_allclose(d["x_values"], predicted)
    assert d["brier"] == pytest.approx(brier_score_loss(y, model.predict_proba(X)[:, 1]))
    assert isinstance(view, Explanation) and view.visualize().data[0].meta["role"] == "curve"
