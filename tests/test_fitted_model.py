"""FittedModel, the scoring-only value: the estimators' predictions to the bit, from every kind of
model file, read-only, and without scikit-learn."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import glassboost
from glassboost import ExplainableBoostingClassifier, ExplainableBoostingRegressor
from glassboost.coverage import input_coverage
from glassboost.fitted_model import FittedModel
from glassboost.loading import load_fitted_model

DATA = Path(__file__).parent / "data"
SMALL = dict(outer_bags=2, max_bins=16, max_interaction_bins=6, interactions=[(0, 1), (0, 2)],
             max_rounds=50, early_stopping_rounds=10, n_jobs=1)
METHODS = ("decision_function", "predict", "eval_terms")


def _data(n: int = 300) -> pd.DataFrame:
    rng = np.random.default_rng(5)
    X = pd.DataFrame({"num": rng.normal(size=n), "color": rng.choice(["red", "blue", "x"], n),
                      "count": rng.integers(0, 5, n).astype(float)})
    X.loc[::7, "num"] = np.nan
    return X


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return _data()


@pytest.fixture(scope="module")
def models(data) -> dict:
    signal = data["num"].fillna(0) + (data["color"] == "red") + data["count"] / 4
    return {
        "binary": ExplainableBoostingClassifier(**SMALL).fit(data, signal > 0.7),
        "multiclass": ExplainableBoostingClassifier(**SMALL).fit(
            data, np.select([signal < 0.3, signal < 1.0], ["low", "mid"], "high")),
        "regression": ExplainableBoostingRegressor(**SMALL).fit(data, signal * 3.0),
        "poisson": ExplainableBoostingRegressor(objective="poisson_deviance", **SMALL).fit(
            data, np.round(np.exp(signal.to_numpy() / 2))),
    }


def _rows(data: pd.DataFrame) -> pd.DataFrame:
    """Rows with unseen categories, text in a numeric column and missing values."""
    rows = data.head(50).astype({"num": object})
    rows.loc[rows.index[::5], "color"] = "never seen"
    rows.loc[rows.index[1::6], "num"] = "text"
    return rows


def assert_scores_alike(fitted, estimator, rows) -> None:
    methods = METHODS + (("predict_proba",) if hasattr(estimator, "predict_proba") else ())
    for method in methods:
        got, want = getattr(fitted, method)(rows), getattr(estimator, method)(rows)
        assert np.array_equal(got, want), method
        assert got.dtype == want.dtype or method == "predict", method


@pytest.mark.parametrize("kind", ["binary", "multiclass", "regression", "poisson"])
def test_scores_exactly_as_the_estimator(models, data, kind):
    model = models[kind]
    rows = _rows(data)
    for fitted in (FittedModel.from_attributes(model),
                   load_fitted_model(model.to_json(detail="minimal")),
                   load_fitted_model(model.to_json(detail="mergeable", compact=True).encode())):
        assert_scores_alike(fitted, model, rows)
        assert fitted.term_names_ == model.term_names_
        assert fitted.is_classifier == hasattr(model, "classes_")
        assert np.array_equal(np.ravel(fitted.intercept_), np.ravel(model.intercept_))
        assert type(fitted.intercept_) is type(model.intercept_)
        pd.testing.assert_frame_equal(input_coverage(fitted, rows), input_coverage(model, rows))
    if not hasattr(model, "classes_"):
        with pytest.raises(ValueError, match="no class probabilities"):
            fitted.predict_proba(rows)


def test_reads_version_1_and_gzip_files(models, data, tmp_path):
    for name in ("model-format-1-binary.json", "model-format-1-multiclass-no-bags.json"):
        estimator = glassboost.load(DATA / name)
        fitted = load_fitted_model(DATA / name)
        rows = pd.DataFrame(np.random.default_rng(0).normal(size=(20, estimator.n_features_in_)),
                            columns=estimator.feature_names_in_)
        for method in ("decision_function", "predict_proba", "eval_terms"):
            assert np.array_equal(getattr(fitted, method)(rows), getattr(estimator, method)(rows))
    path = tmp_path / "model.json.gz"
    models["multiclass"].to_json(path, detail="interpretable", compact=True)
    assert_scores_alike(load_fitted_model(path), models["multiclass"], _rows(data))


def test_is_read_only_and_leaves_the_estimator_alone(models):
    model = models["regression"]
    fitted = FittedModel.from_attributes(model)
    with pytest.raises(dataclasses.FrozenInstanceError):
        fitted.link_ = "log"
    with pytest.raises(ValueError, match="read-only"):
        fitted.term_scores_[0][1] = 5.0
    model.term_scores_[0][1] += 0.0  # the estimator's own tables stay writeable
    assert fitted.term_scores_[0] is not model.term_scores_[0]
    assert repr(fitted) == (f"FittedModel(regressor, 3 features, {len(model.term_names_)} "
                            f"terms, objective 'rmse')")


def test_checks_its_input_as_the_estimator_does(models, data):
    fitted = load_fitted_model(models["binary"].to_json(compact=True))
    for bad in (data.drop(columns="color"), data.iloc[:0]):
        with pytest.raises(ValueError) as want:
            models["binary"].predict(bad)
        with pytest.raises(ValueError) as got:
            fitted.predict(bad)
        assert str(got.value) == str(want.value)


def test_warns_of_only_unseen_categories_as_the_estimator_does(models, data):
    fitted = load_fitted_model(models["binary"].to_json(compact=True))
    recoded = data.assign(color=data["color"].str.upper())
    for model in (models["binary"], fitted):
        with pytest.warns(glassboost.DataWarning, match="Feature 'color': none of its values"):
            model.predict(recoded)


def test_date_columns_are_converted_as_at_fit():
    rng = np.random.default_rng(2)
    days = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 900, 300), unit="D")
    X = pd.DataFrame({"when": days.strftime("%Y-%m-%d"), "num": rng.normal(size=300)})
    y = (days.month >= 6) ^ (X["num"] > 0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the date column's warning, tested elsewhere
        model = ExplainableBoostingClassifier(**dict(SMALL, interactions=0)).fit(X, y)
    assert model.datetime_conversions_
    fitted = load_fitted_model(model.to_json(detail="minimal", compact=True))
    assert np.array_equal(fitted.predict_proba(X), model.predict_proba(X))


def test_interpret_files_are_read_through_their_estimator(data, tmp_path):
    from interpret.glassbox import ExplainableBoostingClassifier as InterpretClassifier

    y = (data["num"].fillna(0) + (data["color"] == "red")) > 0.5
    ebm = InterpretClassifier(outer_bags=2, max_rounds=30, interactions=[(0, 1)], n_jobs=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ebm.fit(data, y)
        ebm.to_json(str(tmp_path / "interpret.json"), detail="minimal")
    fitted = load_fitted_model(tmp_path / "interpret.json")
    assert_scores_alike(fitted, glassboost.load(tmp_path / "interpret.json"), _rows(data))


def test_loading_and_scoring_import_no_scikit_learn(models, data, tmp_path):
    models["binary"].to_json(tmp_path / "model.json", detail="mergeable", compact=True)
    data.to_csv(tmp_path / "rows.csv", index=False)
    script = f"""
import sys
import pandas as pd
from glassboost.loading import load_fitted_model
model = load_fitted_model({str(tmp_path / "model.json")!r})
probabilities = model.predict_proba(pd.read_csv({str(tmp_path / "rows.csv")!r}))
print(probabilities.shape, sorted({{name.split(".")[0] for name in sys.modules}}
                                  & {{"sklearn", "plotly", "matplotlib"}}))
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=300)
    assert result.stdout.split() == ["(300,", "2)", "[]"], result.stdout + result.stderr


@pytest.mark.parametrize("kind", ["binary", "regression"])
def test_explanations_are_refused_saying_why(models, data, kind):
    fitted = load_fitted_model(models[kind].to_json())
    with pytest.raises(TypeError, match=r"explain_global is not available.*bin_weights_.*"
                                        r"glassboost\.load"):
        fitted.explain_global()
    with pytest.raises(TypeError, match=r"explain_local is not available.*eval_terms.*"
                                        r"glassboost\.load"):
        fitted.explain_local(data.head(3))
