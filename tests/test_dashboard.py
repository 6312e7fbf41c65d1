"""glassboost.dashboard: an EBM and LightGBM on one page, every panel drawn in real headless
Chromium, offline, without script errors; and the CLI command that builds it."""

from __future__ import annotations

import json
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer

import glassboost
from glassboost import ExplainableBoostingClassifier
from test_report import _chromium_command, _probe

lightgbm = pytest.importorskip("lightgbm")
pytest.importorskip("shap")

# Injected first in <head>: records script errors, then prints the sections of the panels that
# hold a Plotly-drawn <svg>, and how many panels there are.
PROBE = """<script>
window.gbErrors = [];
window.addEventListener("error", function (e) { window.gbErrors.push(String(e.message)); });
window.addEventListener("load", function () { setTimeout(function () {
  var panels = document.querySelectorAll("div.gb-plot");
  var drawn = Array.prototype.filter.call(panels, function (d) {
    return d.querySelectorAll("svg.main-svg").length > 0 &&
           d.querySelectorAll("div.plotly-graph-div").length === 1; });
  console.log("GB-PROBE " + JSON.stringify({panels: panels.length,
    drawn: drawn.map(function (d) { return d.dataset.section; }), errors: window.gbErrors}));
}, 300); });
</script>"""


@pytest.fixture(scope="module")
def models():
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    X = X.iloc[:, :5]
    ebm = ExplainableBoostingClassifier(interactions=1, outer_bags=1, max_rounds=100)
    booster = lightgbm.LGBMClassifier(n_estimators=30, verbose=-1)
    return {"EBM": ebm.fit(X[:400], y[:400]), "LightGBM": booster.fit(X[:400], y[:400])}, \
        X[400:], y[400:].to_numpy()


class _Panels(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.panels: list[dict] = []
        self.external: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        attributes = dict(attrs)
        if tag == "div" and "gb-plot" in (attributes.get("class") or "").split():
            self.panels.append(attributes)
        for key in ("src", "href"):
            if attributes.get(key) and not attributes[key].startswith("#"):
                self.external.append(attributes[key])


@pytest.fixture(scope="module")
def page(models, tmp_path_factory) -> Path:
    fitted, X, y = models
    path = tmp_path_factory.mktemp("dashboard") / "dashboard.html"
    html = glassboost.dashboard(fitted, X, y, path, rows=[0, 5], title="EBM <vs> LightGBM")
    assert path.read_text(encoding="utf-8") == html
    return path


def test_dashboard_has_a_column_per_model_in_every_section(models, page):
    fitted, X, _ = models
    parser = _Panels()
    parser.feed(page.read_text(encoding="utf-8"))
    sections = [p["data-section"] for p in parser.panels]
    # ROC, PR, calibration; importance; three shapes; two rows: each once per model
    assert sections == (["performance"] * 6 + ["importance"] * 2 + ["shape"] * 6
                        + ["row"] * 4)
    shapes = [p for p in parser.panels if p["data-section"] == "shape"]
    top = fitted["EBM"].term_importances()
    mains = [n for n, f in zip(fitted["EBM"].term_names_, fitted["EBM"].term_features_)
             if len(f) == 1]
    best = sorted(mains, key=lambda n: -top[fitted["EBM"].term_names_.index(n)])[:3]
    assert [p["data-key"] for p in shapes[::2]] == best
    assert shapes[1]["data-explanation"] == "LightGBM: partial dependence"
    assert parser.external == []
    assert "EBM &lt;vs&gt; LightGBM" in page.read_text(encoding="utf-8")


def test_dashboard_renders_offline_in_a_real_browser(page, tmp_path):
    probed = tmp_path / "probed.html"
    probed.write_text(page.read_text(encoding="utf-8").replace("<head>", "<head>" + PROBE, 1),
                      encoding="utf-8")
    command = _chromium_command(probed, tmp_path / "page.png", tmp_path / "profile",
                                offline=True)
    log = subprocess.run(command, capture_output=True, text=True, timeout=180).stderr
    probe = _probe(log)
    assert probe["errors"] == []
    assert probe["panels"] == 18 and len(probe["drawn"]) == 18  # one plot drawn per panel


def test_bad_arguments_are_named(models):
    fitted, X, y = models
    with pytest.raises(ValueError, match=r"features not in X: \['height'\]"):
        glassboost.dashboard(fitted, X, y, features=["height"])
    with pytest.raises(ValueError, match=r"rows must be positions in X .* got \[1000\]"):
        glassboost.dashboard(fitted, X, y, rows=[1000])
    with pytest.raises(ValueError, match="models is empty"):
        glassboost.dashboard({}, X, y)
    for bare in (list(fitted.values()), tuple(fitted.values()), []):
        with pytest.raises(TypeError, match=r"models must be a mapping \{name: fitted model\}"
                                            rf".*not {type(bare).__name__}"):
            glassboost.dashboard(bare, X, y)


def test_cli_builds_the_dashboard_of_a_saved_model_and_a_pickled_one(models, tmp_path, capsys):
    import joblib

    from glassboost.cli import main

    fitted, X, y = models
    data = X.assign(label=y)
    data.to_csv(tmp_path / "test.csv", index=False)
    fitted["EBM"].to_json(tmp_path / "ebm.json")
    joblib.dump(fitted["LightGBM"], tmp_path / "lgbm.joblib")
    out = tmp_path / "dash.html"
    assert main(["dashboard", str(tmp_path / "ebm.json"), str(tmp_path / "test.csv"),
                 "--target", "label", "--compare", str(tmp_path / "lgbm.joblib"),
                 "--features", "mean radius", "--rows", "3", "--out", str(out)]) == 0
    assert capsys.readouterr().out.strip() == f"Wrote {out}"
    parser = _Panels()
    parser.feed(out.read_text(encoding="utf-8"))
    assert [p["data-explanation"] for p in parser.panels if p["data-section"] == "shape"] == \
        ["ebm", "lgbm: partial dependence"]
    (tmp_path / "junk.joblib").write_text("not a pickle")
    assert main(["dashboard", str(tmp_path / "ebm.json"), str(tmp_path / "test.csv"),
                 "--target", "label", "--compare", str(tmp_path / "junk.joblib"),
                 "--out", str(tmp_path / "junk.html")]) == 2
    assert "junk.joblib is not a pickle or joblib file" in capsys.readouterr().err


def test_dashboard_of_regressors_and_a_mix_refused(models):
    from sklearn.datasets import load_diabetes
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from glassboost import ExplainableBoostingRegressor

    X, y = load_diabetes(return_X_y=True, as_frame=True)
    X = X[["bmi", "bp", "s5"]]
    ebm = ExplainableBoostingRegressor(interactions=0, outer_bags=1, max_rounds=100).fit(X, y)
    pipeline = make_pipeline(StandardScaler(), Ridge()).fit(X, y)
    parser = _Panels()
    parser.feed(glassboost.dashboard({"EBM": ebm, "Ridge": pipeline}, X[:100], y[:100],
                                     features=["bmi"], rows=[0]))
    assert [p["data-section"] for p in parser.panels] == (
        ["performance"] * 2 + ["importance"] * 2 + ["shape"] * 2 + ["row"] * 2)
    assert parser.panels[1]["data-explanation"] == "Ridge: RegressionPerf"
    fitted, X_cls, y_cls = models
    with pytest.raises(ValueError, match=r"all binary classifiers or all regressors; "
                                         r"classifiers: \['EBM'\]"):
        glassboost.dashboard({"EBM": fitted["EBM"], "Ridge": pipeline}, X_cls, y_cls)
    # a classifier without probabilities is named, not scored as a regressor of its labels
    from sklearn.svm import LinearSVC

    margin = make_pipeline(StandardScaler(), LinearSVC()).fit(X_cls, y_cls)
    with pytest.raises(ValueError, match=r"classifiers \['SVM'\] have no predict_proba"):
        glassboost.dashboard({"SVM": margin}, X_cls, y_cls)


def test_every_model_labels_the_explained_rows_by_the_frames_index(models, page):
    fitted, X, _ = models
    html = page.read_text(encoding="utf-8")
    for position in (0, 5):
        label = X.index[position]  # the test rows start at 400, so labels differ from positions
        assert label != position
        assert f"Row {label}: predicted" in html  # the EBM's own contributions
        assert f"Row {label} (Permutation SHAP)" in html  # LightGBM's
    assert "Row 5 (Permutation SHAP)" not in html


def _shape_keys(html: str) -> list[tuple[str, str]]:
    parser = _Panels()
    parser.feed(html)
    return [(p["data-explanation"], p["data-key"]) for p in parser.panels
            if p["data-section"] == "shape"]


@pytest.fixture(scope="module")
def dated():
    """An EBM that turned a date column into parts, and a pipeline reading the dates itself."""
    import pandas as pd
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    rng = np.random.default_rng(0)
    n = 300
    X = pd.DataFrame({"a": rng.normal(size=n), "when": pd.Timestamp("2020-01-01")
                      + pd.to_timedelta(rng.integers(0, 700, n), unit="D")})
    y = (X.a + (X.when.dt.month > 6) + rng.normal(size=n) > 0.5).astype(int).to_numpy()
    ebm = ExplainableBoostingClassifier(outer_bags=1, interactions=0, max_rounds=50,
                                        random_state=0).fit(X, y)
    month = FunctionTransformer(lambda f: np.column_stack([f["a"], f["when"].dt.month]))
    return {"EBM": ebm, "LR": make_pipeline(month, LogisticRegression()).fit(X, y)}, X, y


def test_date_features_are_the_ebms_terms_and_the_date_column_for_other_models(dated):
    fitted, X, y = dated
    ebm = fitted["EBM"]
    assert "when" not in ebm.term_names_ and "when:month" in ebm.term_names_
    importances = ebm.term_importances()
    best = sorted(ebm.term_names_, key=lambda n: -importances[ebm.term_names_.index(n)])[:3]
    assert any(name.startswith("when:") for name in best)
    expected = [(name, key) for feature in best
                for name, key in (("EBM", feature), ("LR: partial dependence",
                                                     feature.split(":")[0]))]
    assert _shape_keys(glassboost.dashboard(fitted, X, y, rows=[0])) == expected
    explicit = glassboost.dashboard(fitted, X, y, features=["when:weekday"], rows=[0])
    assert _shape_keys(explicit) == [("EBM", "when:weekday"), ("LR: partial dependence", "when")]
    with pytest.raises(ValueError, match=r"features \['when'\] are not main terms of the EBM "
                                         r"'EBM', whose main terms are \['a', 'when:year'"):
        glassboost.dashboard(fitted, X, y, features=["when"])


def test_array_columns_are_named_as_the_ebm_names_them():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    y = (X[:, 0] + rng.normal(size=200) > 0).astype(int)
    ebm = ExplainableBoostingClassifier(outer_bags=1, interactions=0, max_rounds=50,
                                        random_state=0).fit(X, y)
    default = _shape_keys(glassboost.dashboard({"EBM": ebm}, X, y, rows=[0]))
    assert sorted(key for _, key in default) == ["feature_0000", "feature_0001", "feature_0002"]
    explicit = glassboost.dashboard({"EBM": ebm}, X, y, features=["feature_0001"], rows=[0])
    assert _shape_keys(explicit) == [("EBM", "feature_0001")]


@pytest.mark.parametrize("rows, message", [
    ([1.5], r"rows must be integer positions in X, got \[1.5\]"),
    ([0, True], r"rows must be integer positions in X, got \[True\]"),
    ("0", r"rows must be a list of row positions in X, e.g. \[0, 1\], got '0'"),
    (3, r"rows must be a list of row positions in X, e.g. \[0, 1\], got 3"),
    ([-1, 2], r"rows must be positions in X \(0 to \d+\), got \[-1\]"),
])
def test_bad_rows_are_named(models, rows, message):
    fitted, X, y = models
    with pytest.raises(ValueError, match=message):
        glassboost.dashboard(fitted, X, y, rows=rows)


def test_features_must_be_a_list_of_main_terms_of_every_ebm(models):
    fitted, X, y = models
    with pytest.raises(ValueError, match=r"features must be a list of feature names, "
                                         r"e.g. \['mean radius'\]"):
        glassboost.dashboard(fitted, X, y, features="mean radius")
    ebm = fitted["EBM"]
    pair = next(n for n, f in zip(ebm.term_names_, ebm.term_features_) if len(f) == 2)
    with pytest.raises(ValueError, match="features not in X"):
        glassboost.dashboard(fitted, X, y, features=[pair])


def test_random_state_seeds_permutation_shap_too(models, monkeypatch):
    import glassboost.blackbox as blackbox

    fitted, X, y = models
    seeds = []

    class Recorded(blackbox.ShapPermutation):
        def __init__(self, *args, **kwargs):
            seeds.append(kwargs.get("seed"))
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(blackbox, "ShapPermutation", Recorded)
    glassboost.dashboard({"LightGBM": fitted["LightGBM"]}, X, y, features=["mean radius"],
                         rows=[0], random_state=7)
    assert seeds == [7]
