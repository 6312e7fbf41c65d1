"""LIME through glassboost: the surrogate of a linear model recovers its coefficients, and its
parts add up to lime's own local prediction."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from glassboost.blackbox import LimeTabular
from glassboost.explain import Explanation


def test_lime_recovers_a_linear_model():
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    X = X[["bmi", "bp", "s5", "age"]]
    model = LinearRegression().fit(X, y)
    explanation = LimeTabular(model, X, discretize_continuous=False).explain_local(
        X.iloc[:3], num_samples=2000)
    d = explanation.data()
    # lime fits on standardized features: a weight is the coefficient times the std
    np.testing.assert_allclose(d["weights"], np.tile(model.coef_ * X.std(ddof=0).to_numpy(),
                                                     (3, 1)), rtol=0.01)
    np.testing.assert_allclose(d["intercept"] + d["scores"].sum(axis=1),
                               model.predict(X.iloc[:3]), rtol=0.01)


def test_lime_of_a_classifier_adds_up_to_its_surrogate():
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    X = X.iloc[:, :5]
    model = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)
    explainer = LimeTabular(model, X)
    explanation = explainer.explain_local(X.iloc[[0, 7]], y[[0, 7]], num_samples=1000)
    assert isinstance(explanation, Explanation)
    found = explainer.explainer_.explain_instance(
        X.iloc[7].to_numpy(), explainer._lime_predict, labels=(1,), num_features=5,
        num_samples=1000)
    row = explanation.data(1)
    assert row["extra"]["scores"][0] + row["scores"].sum() == pytest.approx(
        found.local_pred[0], rel=0.05)
    assert row["perf"]["predicted"] == pytest.approx(model.predict_proba(X.iloc[[7]])[0, 1])
    labels = explanation.waterfall(1).labels
    assert any("<=" in text or "<" in text for text in labels)  # lime's bins name the bars
    assert explanation.visualize(1).data[0].meta["role"] == "waterfall"


def test_a_text_column_is_named():
    frame = pd.DataFrame({"city": ["a", "b"] * 5, "size": np.arange(10.0)})
    with pytest.raises(ValueError, match=r"not numeric: \['city'\]"):
        LimeTabular(lambda rows: rows["size"].to_numpy(), frame)


def test_missing_values_are_named():
    frame = pd.DataFrame({"size": np.arange(10.0), "weight": np.arange(10.0)})
    frame.loc[3, "weight"] = np.nan
    with pytest.raises(ValueError, match=r"data has missing values in columns \['weight'\]"):
        LimeTabular(lambda rows: rows["size"].to_numpy(), frame)
    explainer = LimeTabular(lambda rows: rows["size"].to_numpy(), frame.fillna(0))
    with pytest.raises(ValueError, match=r"X has missing values in columns \['weight'\]"):
        explainer.explain_local(frame.iloc[2:4])


def test_a_bad_number_of_samples_is_named():
    frame = pd.DataFrame({"size": np.arange(10.0), "weight": np.arange(10.0) ** 2})
    explainer = LimeTabular(lambda rows: rows["size"].to_numpy(), frame)
    for num_samples in (0, 1, 10.5):
        with pytest.raises(ValueError, match=r"num_samples must be an integer"):
            explainer.explain_local(frame.iloc[:1], num_samples=num_samples)
