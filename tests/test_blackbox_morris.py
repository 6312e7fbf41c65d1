"""Morris sensitivity through SALib: exact elementary effects of a linear model, and the
ranking of an EBM's features."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_diabetes
from sklearn.linear_model import LinearRegression

from glassboost import ExplainableBoostingRegressor
from glassboost.blackbox import MorrisSensitivity
from glassboost.explain import Explanation


@pytest.fixture(scope="module")
def diabetes():
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    return X[["bmi", "bp", "s5", "age"]], y.to_numpy()


def test_morris_effects_of_a_linear_model_are_exact(diabetes):
    X, y = diabetes
    model = LinearRegression().fit(X, y)
    explanation = MorrisSensitivity(model, X, N=20).explain_global()
    assert isinstance(explanation, Explanation)
    ranges = (X.max() - X.min()).to_numpy()
    d = explanation.data()
    np.testing.assert_allclose(d["mu"], model.coef_ * ranges, rtol=1e-9)
    np.testing.assert_allclose(d["scores"], np.abs(model.coef_) * ranges, rtol=1e-9)
    np.testing.assert_allclose(d["sigma"], 0, atol=1e-9)
    assert explanation.data("bp")["mu_star"] == pytest.approx(abs(model.coef_[1]) * ranges[1])
    assert explanation.visualize("bp").data[0].meta["role"] == "morris"


def test_morris_ranks_an_ebm_like_its_term_ranges(diabetes):
    X, y = diabetes
    ebm = ExplainableBoostingRegressor(interactions=0, outer_bags=1, max_rounds=200).fit(X, y)
    mu_star = MorrisSensitivity(ebm, X, N=50).explain_global().data()["scores"]
    spans = np.ptp(ebm.eval_terms(X), axis=0)  # how far each term moves over the data
    assert np.argmax(mu_star) == np.argmax(spans) and np.argmin(mu_star) == np.argmin(spans)


def test_a_constant_column_is_named(diabetes):
    X, y = diabetes
    X = X.assign(bp=1.0)
    with pytest.raises(ValueError, match=r"one value in the data.*\['bp'\]"):
        MorrisSensitivity(lambda rows: rows["bmi"].to_numpy(), X)


def test_bad_arguments_are_named(diabetes):
    X, y = diabetes

    def model(rows: pd.DataFrame) -> np.ndarray:
        return rows["bmi"].to_numpy()

    for argument, value in (("N", 0), ("num_levels", 1), ("num_levels", 2.5),
                            ("random_state", np.random.RandomState(0))):
        with pytest.raises(ValueError, match=rf"^{argument} must be"):
            MorrisSensitivity(model, X, **{argument: value})
