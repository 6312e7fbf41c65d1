"""Tests of the offline HTML report, including a real headless browser with and without network.

The browser test needs Chromium (``.ci/setup.d/chromium.sh`` installs it in CI); it fails, not
skips, when Chromium is missing, so that a broken setup cannot pass unnoticed.
"""

from __future__ import annotations

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
# loaded prints which plot containers hold a Plotly-drawn <svg>.
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
  console.log("GB-PROBE " + JSON.stringify({
    plots: drawn("div.gb-plot", "term"), locals: drawn("div.gb-local", "row"),
    errors: window.gbErrors}));
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
        self.external: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        attributes = dict(attrs)
        classes = (attributes.get("class") or "").split()
        if tag == "div" and "gb-plot" in classes:
            self.terms.append(attributes["data-term"])
        if tag == "div" and "gb-local" in classes:
            self.rows.append(attributes["data-row"])
        for key in ("src", "href"):
            if key in attributes and not attributes[key].startswith("#"):
                self.external.append(attributes[key])


def _parse(path: Path) -> _Plots:
    parser = _Plots()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def test_report_has_every_term_and_loads_nothing(credit, credit_report) -> None:
    model, frame, _ = credit
    assert credit_report.exists()
    plots = _parse(credit_report)
    assert sorted(plots.terms) == sorted(model.term_names_ + ["__importance__"])
    assert len(plots.rows) == 6
    assert plots.external == []  # no script, stylesheet or image fetched from anywhere
    text = credit_report.read_text(encoding="utf-8")
    assert 'id="gb-filter"' in text and 'id="gb-terms"' in text
    for label in ("AUC", "Log loss", "Accuracy", f"{len(frame):,}"):
        assert label in text


def test_report_of_a_regressor_shows_regression_metrics(tmp_path) -> None:
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=300), "b": rng.choice(["x", "y"], 300)})
    y = X["a"].to_numpy() * 3 + (X["b"] == "x") + rng.normal(size=300) * 0.1
    model = ExplainableBoostingRegressor(outer_bags=1, interactions=0, max_rounds=200)
    path = report(model.fit(X, y), X, y, tmp_path / "sub" / "regression.html", examples=2)
    text = path.read_text(encoding="utf-8")
    assert all(label in text for label in ("RMSE", "MAE", "R²", "Most accurate predictions"))
    assert sorted(_parse(path).terms) == ["__importance__", "a", "b"]


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


def test_report_without_a_target_has_no_metrics_but_explains_rows(small_binary,
                                                                   tmp_path) -> None:
    model, _, X_test, _, _ = small_binary
    path = report(model, X_test, None, tmp_path / "r.html", examples=2)
    text = path.read_text(encoding="utf-8")
    assert "no metrics" in text and "AUC" not in text
    assert "Least confident predictions" in text and "Most confident predictions" in text
    assert len(_parse(path).rows) == 4


def _network_off_prefix() -> list[str]:
    """Run in a fresh network namespace (no interfaces but a down loopback) when allowed."""
    for prefix in (["unshare", "-n"], ["unshare", "-rn"]):
        if shutil.which("unshare") and subprocess.run(
                prefix + ["true"], capture_output=True).returncode == 0:
            return prefix
    return []


def _chromium_command(page: Path, screenshot: Path, profile: Path, offline: bool) -> list[str]:
    chromium = shutil.which("chromium")
    assert chromium, "chromium is not installed; run .ci/setup.d/chromium.sh"
    flags = [*CHROMIUM_FLAGS, *(OFFLINE_FLAGS if offline else []), f"--user-data-dir={profile}",
             "--enable-logging=stderr", "--v=0", "--virtual-time-budget=10000",
             "--window-size=1400,3000", f"--screenshot={screenshot}", page.as_uri()]
    return (_network_off_prefix() if offline else []) + [chromium, *flags]


@pytest.fixture(scope="module")
def browser_runs(credit_report, tmp_path_factory) -> dict[str, tuple[Path, Path, str]]:
    """Open a probed copy of the report with and without network, both browsers at once (they
    mostly wait on each other's CPU otherwise); per mode: page, screenshot, browser log."""
    runs = {}
    for network in ("online", "offline"):
        folder = tmp_path_factory.mktemp(network)
        page = folder / "probed.html"
        page.write_text(credit_report.read_text(encoding="utf-8").replace(
            "<head>", "<head>" + PROBE, 1), encoding="utf-8")
        command = _chromium_command(page, folder / "page.png", folder / "profile",
                                    offline=network == "offline")
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                   text=True)
        runs[network] = (page, folder / "page.png", process)
    return {network: (page, shot, process.communicate(timeout=180)[1])
            for network, (page, shot, process) in runs.items()}


@pytest.mark.parametrize("network", ["online", "offline"])
def test_report_renders_in_a_real_browser(credit, browser_runs, network) -> None:
    model, _, _ = credit
    page, screenshot, log = browser_runs[network]

    found = re.search(r'"GB-PROBE (\{.*\})"', log)
    assert found, f"the page did not report back; browser log:\n{log[-3000:]}"
    probe = json.loads(found.group(1))
    assert sorted(probe["plots"]) == sorted(model.term_names_ + ["__importance__"])
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
