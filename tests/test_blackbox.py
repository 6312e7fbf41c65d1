"""Black-box explainers: partial dependence and Kernel SHAP give the numbers of the libraries
they wrap, recover an additive EBM's own terms, and share the EBM's explanation interface."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.inspection import partial_dependence
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import glassboost
from glassboost import ExplainableBoostingClassifier, ExplainableBoostingRegressor
from glassboost.blackbox import (LimeTabular, MorrisSensitivity, PartialDependence, ShapKernel,
                                 ShapPermutation)
from glassboost.explain import Explanation

FEATURES = ["bmi", "bp", "s5", "age"]


@pytest.fixture(scope="module")
def diabetes():
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    return X[FEATURES], y.to_numpy()


@pytest.fixture(scope="module")
def additive_ebm(diabetes):
    X, y = diabetes
    return ExplainableBoostingRegressor(interactions=0, outer_bags=2, max_rounds=300).fit(X, y)


@pytest.fixture(scope="module")
def cancer():
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    return X.iloc[:300, :5], y[:300].to_numpy()


def _term_shape(ebm, X: pd.DataFrame, feature: str, grid: np.ndarray) -> np.ndarray:
    """The EBM's term of ``feature`` at the grid values (other features at their medians)."""
    rows = pd.DataFrame({c: grid if c == feature else np.full(len(grid), X[c].median())
                         for c in X.columns})
    return ebm.eval_terms(rows)[:, list(X.columns).index(feature)]


def test_partial_dependence_of_an_additive_ebm_is_its_shape_plus_a_constant(diabetes,
                                                                            additive_ebm):
    X, _ = diabetes
    explanation = PartialDependence(additive_ebm, X).explain_global()
    for feature in FEATURES:
        d = explanation.data(feature)
        gap = d["scores"] - _term_shape(additive_ebm, X, feature, d["names"])
        assert np.ptp(gap) < 1e-9, feature
        # the constant is the mean of every other term, plus the intercept
        assert gap[0] == pytest.approx(additive_ebm.predict(X).mean()
                                       - _term_shape(additive_ebm, X, feature,
                                                     X[feature].to_numpy()).mean())
    assert explanation.data()["names"] == FEATURES


def test_partial_dependence_equals_sklearn(cancer):
    X, y = cancer
    model = HistGradientBoostingClassifier(max_iter=30, random_state=0).fit(X, y)
    explanation = PartialDependence(model, X, grid_resolution=15).explain_global()
    for j in (0, 3):
        ref = partial_dependence(model, X, [j], kind="both", method="brute",
                                 grid_resolution=15)
        d = explanation.data(j)
        np.testing.assert_array_equal(d["names"], ref["grid_values"][0])
        np.testing.assert_allclose(d["scores"], ref["average"][0], atol=1e-12)
        np.testing.assert_allclose(d["individual"], ref["individual"][0], atol=1e-12)
    assert np.all(explanation.data()["scores"] > 0)


def test_partial_dependence_of_integer_columns_is_sklearns_on_floats_and_keeps_their_type():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"age": rng.integers(18, 80, 200), "children": rng.integers(0, 4, 200),
                      "income": rng.normal(50, 10, 200)})
    y = (X["age"] / 40 + X["children"] / 2 + rng.normal(size=200) > 2).astype(int)
    model = HistGradientBoostingClassifier(max_iter=10, random_state=0).fit(X, y)
    seen = []

    def predict(rows: pd.DataFrame) -> np.ndarray:
        seen.append(rows.dtypes.equals(X.dtypes))
        return model.predict_proba(rows)[:, 1]

    explanation = PartialDependence(predict, X).explain_global()
    assert all(seen) and X.dtypes["age"] == np.int64
    ref = partial_dependence(model, X.astype(float), ["children"], kind="both", method="brute",
                             grid_resolution=20, percentiles=(0.05, 0.95))
    d = explanation.data("children")
    np.testing.assert_array_equal(d["names"], [0, 1, 2, 3])
    np.testing.assert_array_equal(d["scores"], ref["average"][0])
    np.testing.assert_array_equal(d["individual"], ref["individual"][0])
    ages = explanation.data("age")["names"]
    assert len(ages) > 10 and np.array_equal(ages, np.round(ages))
    for age, score in zip(ages[:3], explanation.data("age")["scores"]):
        assert score == pytest.approx(predict(X.assign(age=int(age))).mean(), abs=1e-12)


def test_partial_dependence_is_over_the_present_values_with_missing_ones_kept():
    rng = np.random.default_rng(1)
    X = pd.DataFrame({"a": rng.normal(size=300), "b": rng.normal(size=300)})
    y = (2 * X["a"] + 0.3 * X["b"] + rng.normal(size=300) > 0).astype(int)
    X.loc[::10, "a"] = np.nan
    X.loc[::7, "b"] = np.nan
    model = HistGradientBoostingClassifier(max_iter=10, random_state=0).fit(X, y)
    explanation = PartialDependence(model, X).explain_global()
    d = explanation.data("a")
    ref = partial_dependence(model, X.dropna(subset=["a"]), ["a"], kind="average",
                             method="brute", grid_resolution=20)
    np.testing.assert_array_equal(d["names"], ref["grid_values"][0])
    for value, score in zip(d["names"][::5], d["scores"][::5]):  # every row, b's NaN kept
        assert score == pytest.approx(model.predict_proba(X.assign(a=value))[:, 1].mean())
    assert explanation.data()["scores"][0] > explanation.data()["scores"][1] > 0
    with pytest.raises(ValueError, match="column 'a' has only missing values"):
        PartialDependence(model, X.assign(a=np.nan))


def test_columns_of_one_name_are_refused_rather_than_mislabelled():
    A = np.random.default_rng(0).normal(size=(50, 3))

    def model(rows) -> np.ndarray:
        return np.asarray(rows, dtype=float) @ [2.0, 1.0, 0.0]

    for X, names in ((pd.DataFrame(A, columns=["a", "a", "b"]), None),
                     (pd.DataFrame(A, columns=[0, "0", "b"]), None), (A, ["x", "b", "x"])):
        with pytest.raises(ValueError, match=r"feature names \[.*\] name more than one column"):
            PartialDependence(model, X, feature_names=names)
        with pytest.raises(ValueError, match=r"name more than one column"):
            MorrisSensitivity(model, X, feature_names=names)


def test_partial_dependence_of_a_category_with_missing_values_is_over_its_present_ones():
    frame = pd.DataFrame({"colour": ["red", None, "blue", "green", np.nan] * 8,
                          "size": np.linspace(0, 1, 40)})
    effect = {"red": 1.0, "blue": -2.0, "green": 0.5}

    def model(rows: pd.DataFrame) -> np.ndarray:
        colour = rows["colour"].map(effect).fillna(0.25).to_numpy(dtype=float)
        return colour + 3 * rows["size"].to_numpy()

    before = frame.copy()
    explanation = PartialDependence(model, frame).explain_global()
    d = explanation.data("colour")
    assert list(d["names"]) == ["blue", "green", "red"]  # sorted as scikit-learn sorts them
    np.testing.assert_allclose(d["scores"], [effect[c] + 3 * frame["size"].mean()
                                             for c in d["names"]])
    pd.testing.assert_frame_equal(frame, before)
    with pytest.raises(ValueError, match="column 'colour' mixes values of types"):
        PartialDependence(model, frame.assign(colour=["red", 2] * 20))


def test_partial_dependence_of_a_plain_function_with_a_category():
    frame = pd.DataFrame({"colour": ["red", "blue", "red", "green"] * 10,
                          "size": np.linspace(0, 1, 40)})
    effect = {"red": 1.0, "blue": -2.0, "green": 0.5}

    def model(rows: pd.DataFrame) -> np.ndarray:
        return rows["colour"].map(effect).to_numpy() + 3 * rows["size"].to_numpy()

    explanation = PartialDependence(model, frame).explain_global()
    d = explanation.data("colour")
    expected = [effect[c] + 3 * frame["size"].mean() for c in d["names"]]
    np.testing.assert_allclose(d["scores"], expected)
    # importance of a category: range / 4; of a number: std of the (linear) curve
    importances = explanation.data()["scores"]
    assert importances[0] == pytest.approx((1.0 - -2.0) / 4)
    assert importances[1] == pytest.approx(np.std(3 * explanation.data("size")["names"]))
    fig = explanation.visualize("colour")
    assert isinstance(fig, go.Figure) and fig.data[-1].meta["role"] == "score"
    with pytest.raises(KeyError, match="no feature named 'weight'"):
        explanation.data("weight")


def test_shap_values_of_an_additive_ebm_are_its_term_contributions(diabetes, additive_ebm):
    X, _ = diabetes
    background, rows = X.iloc[:40], X.iloc[100:106]
    explanation = ShapKernel(additive_ebm, background).explain_local(rows)
    exact = additive_ebm.eval_terms(rows) - additive_ebm.eval_terms(background).mean(axis=0)
    np.testing.assert_allclose(explanation.data()["scores"], exact, atol=1e-6)
    assert explanation.intercept[0] == pytest.approx(additive_ebm.predict(background).mean())


@pytest.mark.parametrize("kind", ["pipeline", "lightgbm", "function"])
def test_shap_local_accuracy_for_any_model(cancer, kind):
    X, y = cancer
    if kind == "pipeline":
        model = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)
        output = model.predict_proba(X)[:, 1]
    elif kind == "lightgbm":
        lightgbm = pytest.importorskip("lightgbm")
        model = lightgbm.LGBMClassifier(n_estimators=30, verbose=-1).fit(X, y)
        output = model.predict_proba(X)[:, 1]
    else:
        def model(rows: pd.DataFrame) -> np.ndarray:
            return np.tanh(rows.iloc[:, 0] / 20 - rows.iloc[:, 1] / 30).to_numpy()
        output = model(X)
    explanation = ShapKernel(model, X.iloc[:20]).explain_local(X.iloc[50:53], y[50:53])
    assert isinstance(explanation, Explanation)
    d = explanation.data(1)
    assert d["extra"]["scores"][0] + d["scores"].sum() == pytest.approx(output[51], abs=1e-8)
    assert d["perf"]["predicted"] == pytest.approx(output[51]) and d["perf"]["actual"] == y[51]
    fig = explanation.visualize(1)
    assert fig.data[0].meta["role"] == "waterfall"


@pytest.mark.parametrize("explainer", ["kernel", "permutation"])
def test_shap_with_a_logit_link_shows_the_logit_its_values_add_up_to(cancer, explainer):
    from shap.links import logit

    X, y = cancer
    model = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)
    if explainer == "kernel":
        explanation = ShapKernel(model, X.iloc[:20], link="logit").explain_local(X.iloc[50:53])
    else:
        explanation = ShapPermutation(model, X.iloc[:20], link=logit).explain_local(
            X.iloc[50:53])
    logit = model.decision_function(X.iloc[50:53])  # the log-odds of a logistic regression
    np.testing.assert_allclose(explanation.intercept + explanation.scores.sum(axis=1), logit,
                               atol=1e-6)
    np.testing.assert_allclose(explanation.predictions, logit, atol=1e-9)
    assert explanation.output_title == "logit of P(1)"
    assert explanation.waterfall(0).note == ""  # not mistaken for a surrogate's output


def test_a_frame_is_explained_by_the_feature_names_of_an_arrays_explainer():
    A = np.random.default_rng(0).normal(size=(60, 3))

    def model(rows) -> np.ndarray:
        return np.asarray(rows)[:, 0] * 2 + np.asarray(rows)[:, 2]

    frame = pd.DataFrame(A, columns=["a", "b", "c"])
    explainer = ShapPermutation(model, A[:20], feature_names=["a", "b", "c"])
    expected = explainer.explain_local(A[:2]).scores
    shuffled = explainer.explain_local(frame[["c", "b", "a"]].iloc[:2])
    np.testing.assert_allclose(shuffled.scores, expected, atol=1e-12)
    np.testing.assert_allclose(shuffled.predictions, model(A[:2]))
    with pytest.raises(ValueError, match=r"X lacks columns of the explainer's data: \['b'\]"):
        explainer.explain_local(frame.drop(columns="b"))


def test_every_explanation_has_the_one_interface(diabetes, additive_ebm):
    X, y = diabetes
    explanations = [additive_ebm.explain_global(), additive_ebm.explain_local(X[:3], y[:3]),
                    PartialDependence(additive_ebm, X[:50]).explain_global(),
                    ShapKernel(additive_ebm, X[:10]).explain_local(X[:2]),
                    LimeTabular(additive_ebm, X).explain_local(X[:2], num_samples=300),
                    MorrisSensitivity(additive_ebm, X, N=10).explain_global()]
    for explanation in explanations:
        assert isinstance(explanation, Explanation)
        assert isinstance(explanation.data(), dict) and isinstance(explanation.data(0), dict)
        assert isinstance(explanation.visualize(0), go.Figure)
        assert isinstance(explanation.figure(0), go.Figure)
    for explanation in explanations[2:]:  # the EBM's own display inline SVG (_repr_html_)
        bundle = explanation._repr_mimebundle_()
        assert bundle["application/vnd.plotly.v1+json"]["data"]


def test_non_numeric_columns_are_named_for_shap():
    frame = pd.DataFrame({"colour": ["red", "blue"] * 5, "size": np.arange(10.0)})
    with pytest.raises(ValueError, match=r"not numeric: \['colour'\]"):
        ShapKernel(lambda rows: rows["size"].to_numpy(), frame)


def test_predict_of_a_multiclass_or_text_labelled_classifier_is_refused():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=120), "b": rng.normal(size=120)})
    three = np.digitize(X["a"], [-0.5, 0.5])
    multiclass = LogisticRegression().fit(X, three)
    for explainer in (PartialDependence, ShapKernel):
        with pytest.raises(ValueError, match="the model has 3 classes"):
            explainer(multiclass, X, response="predict")
    text = LogisticRegression().fit(X, np.where(three > 0, "yes", "no"))
    with pytest.raises(ValueError, match=r"response='predict' .* labels \['no', 'yes'\], not "
                                         "numbers"):
        PartialDependence(text, X, response="predict")
    numbers = LogisticRegression().fit(X, (three > 0).astype(int))
    d = PartialDependence(numbers, X, response="predict").explain_global().data("a")
    assert set(np.unique(d["individual"])) == {0.0, 1.0}


def test_importing_glassboost_loads_no_explainer_library():
    code = ("import sys, glassboost, glassboost.blackbox, glassboost.perf; "
            "print([m for m in ('shap', 'lime', 'SALib') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def test_an_ebm_and_lightgbm_side_by_side(tmp_path, diabetes, additive_ebm):
    lightgbm = pytest.importorskip("lightgbm")
    X, y = diabetes
    booster = lightgbm.LGBMRegressor(n_estimators=30, verbose=-1).fit(X, y)
    dependence = PartialDependence(booster, X).explain_global("LightGBM <partial dependence>")
    path = tmp_path / "side.html"
    html = glassboost.show_side_by_side([additive_ebm.explain_global(), dependence], "bmi",
                                        path, title="EBM & LightGBM")
    assert path.read_text(encoding="utf-8") == html
    assert html.count('class="gb-plot"') == 2 and 'data-key="bmi"' in html
    assert "&lt;partial dependence&gt;" in html and "<partial dependence>" not in html
    assert "EBM &amp; LightGBM" in html
    from plotly.offline import get_plotlyjs

    assert "<script src=" not in html and get_plotlyjs() in html  # plotly.js inline: offline
    with pytest.raises(ValueError, match="2 entries for 1 explanations"):
        glassboost.show_side_by_side([dependence], ["bmi", "bp"])
    with pytest.raises(TypeError, match=r"explanations\[1\] is a LGBMRegressor"):
        glassboost.show_side_by_side([dependence, booster])


def test_log_odds_of_an_additive_ebm_classifier_are_its_terms(cancer):
    X, y = cancer
    ebm = ExplainableBoostingClassifier(interactions=0, outer_bags=1, max_rounds=100).fit(X, y)
    background, rows = X.iloc[:30], X.iloc[200:203]
    shap = ShapKernel(ebm, background, response="decision_function").explain_local(rows)
    exact = ebm.eval_terms(rows) - ebm.eval_terms(background).mean(axis=0)
    np.testing.assert_allclose(shap.data()["scores"], exact, atol=1e-6)
    dependence = PartialDependence(ebm, X, response="decision_function").explain_global()
    feature = X.columns[2]
    d = dependence.data(feature)
    assert np.ptp(d["scores"] - _term_shape(ebm, X, feature, d["names"])) < 1e-9
    assert dependence.output_title == "Score (log-odds of 1)"
    # another classifier's decision_function is a score for classes_[1], not log-odds
    labels = np.where(y == 1, "benign", "malignant")
    margin = make_pipeline(StandardScaler(), LinearSVC()).fit(X, labels)
    assert PartialDependence(margin, X, response="decision_function",
                             grid_resolution=3).function.output_title == (
        "Score of malignant (decision_function)")
