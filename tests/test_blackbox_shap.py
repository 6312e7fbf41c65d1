"""shap's permutation and tree explainers through glassboost, and an EBM's exact SHAP values:
the libraries' own numbers, local accuracy, and equality with shap's exact explainer on an EBM
with pairs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeRegressor

from glassboost import ExplainableBoostingClassifier, ExplainableBoostingRegressor
from glassboost.loading import load_fitted_model
from glassboost.blackbox import EbmShap, ShapPermutation, ShapTree
from glassboost.explain import Explanation

shap = pytest.importorskip("shap")
lightgbm = pytest.importorskip("lightgbm")


@pytest.fixture(scope="module")
def cancer():
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    return X.iloc[:300, :5], y[:300].to_numpy()


def _model(kind: str, X: pd.DataFrame, y: np.ndarray):
    """A LightGBM model, a scikit-learn pipeline or a plain function, and its output on X."""
    if kind == "pipeline":
        model = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)
        return model, model.predict_proba(X)[:, 1]
    if kind == "lightgbm":
        model = lightgbm.LGBMClassifier(n_estimators=30, verbose=-1).fit(X, y)
        return model, model.predict_proba(X)[:, 1]

    def model(rows: pd.DataFrame) -> np.ndarray:
        return np.tanh(rows.iloc[:, 0] / 20 - rows.iloc[:, 1] / 30).to_numpy()
    return model, model(X)


@pytest.mark.parametrize("kind", ["pipeline", "lightgbm", "function"])
def test_permutation_shap_equals_shap_and_is_locally_accurate(cancer, kind):
    X, y = cancer
    model, output = _model(kind, X, y)
    explanation = ShapPermutation(model, X.iloc[:20]).explain_local(X.iloc[50:54], y[50:54])
    assert isinstance(explanation, Explanation)
    d = explanation.data()
    np.testing.assert_allclose(d["intercept"] + d["scores"].sum(axis=1), output[50:54],
                               atol=1e-8)
    # the same numbers as calling shap directly on the model's output
    direct = shap.PermutationExplainer(
        lambda A: _output(model, A, X),
        shap.maskers.Independent(X.iloc[:20].to_numpy(), max_samples=20), seed=0)
    ref = direct(X.iloc[50:54].to_numpy(), silent=True)
    np.testing.assert_allclose(d["scores"], ref.values, atol=1e-12)
    assert explanation.visualize(2).data[0].meta["role"] == "waterfall"
    assert explanation.data(2)["perf"]["actual"] == y[52]


def _output(model, A: np.ndarray, X: pd.DataFrame) -> np.ndarray:
    rows = pd.DataFrame(A, columns=X.columns)
    return model.predict_proba(rows)[:, 1] if hasattr(model, "predict_proba") else model(rows)


def test_tree_shap_of_lightgbm_and_a_sklearn_tree(cancer):
    X, y = cancer
    booster = lightgbm.LGBMClassifier(n_estimators=30, verbose=-1).fit(X, y)
    explanation = ShapTree(booster, X.iloc[:50]).explain_local(X.iloc[100:104], y[100:104])
    d = explanation.data()
    np.testing.assert_allclose(d["intercept"] + d["scores"].sum(axis=1),
                               booster.predict_proba(X.iloc[100:104])[:, 1], atol=1e-6)
    raw = ShapTree(booster, X.iloc[:50], response="decision_function").explain_local(
        X.iloc[100:104])
    np.testing.assert_allclose(raw.intercept + raw.scores.sum(axis=1),
                               booster.predict(X.iloc[100:104], raw_score=True), atol=1e-6)
    # interventional tree SHAP is exact: it equals shap's exact explainer on the same background
    tree = DecisionTreeRegressor(max_depth=4, random_state=0).fit(X, y.astype(float))
    explanation = ShapTree(tree, X.iloc[:30]).explain_local(X.iloc[200:203])
    masker = shap.maskers.Independent(X.iloc[:30].to_numpy(), max_samples=30)
    exact = shap.explainers.Exact(lambda A: tree.predict(pd.DataFrame(A, columns=X.columns)),
                                  masker)(X.iloc[200:203].to_numpy())
    np.testing.assert_allclose(explanation.scores, exact.values, atol=1e-7)  # float32 tree
    with pytest.raises(TypeError, match="cannot read a Pipeline.*ShapPermutation"):
        ShapTree(make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y), X)
    # a classifier's labels are not what the trees' values add up to (its probability)
    with pytest.raises(ValueError, match="response='predict' explains a classifier's predicted"):
        ShapTree(booster, X.iloc[:50], response="predict")


@pytest.fixture(scope="module")
def pair_ebm():
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(400, 4)), columns=["a", "b", "c", "d"])
    y = X["a"] * X["b"] + np.sin(2 * X["c"]) + 0.3 * X["d"] + rng.normal(0, 0.1, 400)
    ebm = ExplainableBoostingRegressor(interactions=[("a", "b"), ("c", "d")], outer_bags=1,
                                       max_rounds=200).fit(X, y)
    assert any(len(f) == 2 for f in ebm.term_features_)
    return ebm, X


def test_exact_ebm_shap_equals_shaps_exact_and_permutation_explainers(pair_ebm):
    ebm, X = pair_ebm
    background, rows = X.iloc[:25], X.iloc[300:306]
    explanation = EbmShap(ebm, background).explain_local(rows)
    masker = shap.maskers.Independent(background.to_numpy(), max_samples=len(background))

    def score(A: np.ndarray) -> np.ndarray:
        return ebm.predict(pd.DataFrame(A, columns=X.columns))

    exact = shap.explainers.Exact(score, masker)(rows.to_numpy())
    np.testing.assert_allclose(explanation.scores, exact.values, atol=1e-9)
    np.testing.assert_allclose(explanation.intercept, exact.base_values, atol=1e-9)
    permutation = shap.PermutationExplainer(score, masker, seed=0)(rows.to_numpy())
    np.testing.assert_allclose(explanation.scores, permutation.values, atol=1e-9)
    np.testing.assert_allclose(explanation.intercept + explanation.scores.sum(axis=1),
                               ebm.predict(rows), atol=1e-9)
    assert explanation.data(0)["names"] == ["a", "b", "c", "d"]


def test_exact_ebm_shap_of_a_loaded_regressor_is_titled_as_its_score(pair_ebm):
    ebm, X = pair_ebm
    loaded = load_fitted_model(ebm.to_json())  # classes_ is None, as on a regressor
    explanation = EbmShap(loaded, X.iloc[:20]).explain_local(X.iloc[300:302])
    np.testing.assert_allclose(explanation.scores,
                               EbmShap(ebm, X.iloc[:20]).shap_values(X.iloc[300:302]), atol=1e-12)
    assert explanation.output_title == "Score"


def test_exact_ebm_shap_of_a_classifier_is_on_the_log_odds(cancer):
    X, y = cancer
    ebm = ExplainableBoostingClassifier(interactions=2, outer_bags=1, max_rounds=100).fit(X, y)
    explanation = EbmShap(ebm, X.iloc[:15]).explain_local(X.iloc[200:203], y[200:203])
    np.testing.assert_allclose(explanation.intercept + explanation.scores.sum(axis=1),
                               ebm.decision_function(X.iloc[200:203]), atol=1e-9)
    assert explanation.output_title == "Score (log-odds of 1)"
    assert explanation.data(1)["values"][0] == X.iloc[201, 0]
    with pytest.raises(ValueError, match=r"lacks the model's input columns: \['mean texture'\]"):
        EbmShap(ebm, X.drop(columns="mean texture"))
    with pytest.raises(TypeError, match="explains fitted glassboost EBMs"):
        EbmShap(LogisticRegression(), X)


def test_exact_ebm_shap_of_a_three_feature_term_equals_shaps_exact_explainer():
    rng = np.random.default_rng(2)
    X = pd.DataFrame(rng.normal(size=(500, 4)), columns=["a", "b", "c", "d"])
    y = X["a"] * X["b"] * X["c"] + 0.5 * X["d"] + rng.normal(0, 0.1, 500)
    ebm = ExplainableBoostingRegressor(interactions=[(2, 0, 1)], outer_bags=1,
                                       max_rounds=100).fit(X, y)
    assert any(len(f) == 3 for f in ebm.term_features_)
    background, rows = X.iloc[:20], X.iloc[400:404]
    masker = shap.maskers.Independent(background.to_numpy(), max_samples=len(background))
    exact = shap.explainers.Exact(lambda A: ebm.predict(pd.DataFrame(A, columns=X.columns)),
                                  masker)(rows.to_numpy())
    np.testing.assert_allclose(EbmShap(ebm, background).shap_values(rows), exact.values,
                               atol=1e-9)


def test_exact_ebm_shap_of_a_date_column_is_shaps_exact_explainer_over_the_input_columns():
    rng = np.random.default_rng(3)
    days = rng.integers(18_000, 18_700, 400)
    X = pd.DataFrame({"a": rng.normal(size=400),
                      "when": pd.to_datetime(days, unit="D")})
    y = X["a"] * (X["when"].dt.month > 6) + 0.5 * X["when"].dt.weekday + rng.normal(0, 0.1, 400)
    ebm = ExplainableBoostingRegressor(interactions=[("a", "when:month")], outer_bags=1,
                                       max_rounds=100).fit(X, y)
    assert ("a", "when:month") in [tuple(ebm.feature_names_in_[j] for j in f)
                                   for f in ebm.term_features_]
    background, rows = X.iloc[:20], X.iloc[300:304]

    def score(A: np.ndarray) -> np.ndarray:  # the date column as days since 1970 for shap
        return ebm.predict(pd.DataFrame({"a": A[:, 0], "when": pd.to_datetime(A[:, 1], unit="D")}))

    as_days = background.assign(when=days[:20]).to_numpy(dtype=np.float64)
    masker = shap.maskers.Independent(as_days, max_samples=len(background))
    exact = shap.explainers.Exact(score, masker)(
        rows.assign(when=days[300:304]).to_numpy(dtype=np.float64))
    explanation = EbmShap(ebm, background).explain_local(rows)
    assert explanation.data()["names"] == ["a", "when"]
    np.testing.assert_allclose(explanation.scores, exact.values, atol=1e-9)
    np.testing.assert_allclose(explanation.intercept + explanation.scores.sum(axis=1),
                               ebm.predict(rows), atol=1e-9)


def test_local_attributions_are_labelled_by_the_frames_index_or_by_position(pair_ebm):
    ebm, X = pair_ebm
    rows = X.iloc[[310, 302]]
    for explainer in (EbmShap(ebm, X.iloc[:25]), ShapPermutation(ebm, X.iloc[:25])):
        labelled = explainer.explain_local(rows)
        assert labelled.row_ids == [310, 302] == ebm.explain_local(rows).row_ids
        assert labelled.data(1)["row_id"] == 302 and labelled.data()["row_ids"] == [310, 302]
        assert labelled.waterfall(1).title.startswith("Row 302 (")
        assert explainer.explain_local(rows.to_numpy()).row_ids == [0, 1]
        # a row label given for a position is named, not an IndexError from deep inside
        for call in (labelled.data, labelled.waterfall, labelled.visualize):
            with pytest.raises(IndexError, match=r"key 310 is not a row position .* row_ids"):
                call(310)
        assert labelled.data(-1)["row_id"] == 302
