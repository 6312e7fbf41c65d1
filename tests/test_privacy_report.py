"""The report and global explanation of a private model: its guarantee, and no fake bands."""

import io
import json
import re
import warnings

import numpy as np
import pandas as pd
import pytest
from matplotlib.container import ErrorbarContainer
from matplotlib.patches import StepPatch

import glassboost
from glassboost import DPExplainableBoostingClassifier

BOUNDS = {"a": (0, 10)}
TYPES = ["continuous", "nominal"]


def _data(n=500):
    rng = np.random.default_rng(4)
    X = pd.DataFrame({"a": rng.uniform(0, 10, n), "c": rng.choice(["x", "y", "z"], n)})
    logit = (X["a"] - 5) * 0.6 + (X["c"] == "x") * 1.0
    return X, (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)


def _fit(outer_bags=1):
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="random_state=")
        return DPExplainableBoostingClassifier(
            epsilon=4, delta=1e-6, composition="classic", max_rounds=20, outer_bags=outer_bags,
            privacy_bounds=BOUNDS, feature_types=TYPES, random_state=5).fit(*_data())


@pytest.fixture(scope="module")
def model():
    return _fit()


def _figures(html: str) -> list[dict]:
    """The Plotly figures of a report page, as JSON."""
    return [json.loads(m) for m in re.findall(r"Plotly\.newPlot\(\s*\"[^\"]+\",\s*(\[.*?\]),\s*\{",
                                              html, flags=re.S)]


def _bands_drawn(traces: list[dict]) -> int:
    return sum(1 for trace in traces
               if (trace.get("meta") or {}).get("role") == "band" or trace.get("error_y"))


def test_report_states_the_budget_and_draws_no_bands(model, tmp_path):
    X, y = _data()
    html = glassboost.report(model, X, y, tmp_path / "dp.html").read_text()
    budget = model.privacy_budget_
    assert "<h3 id=\"privacy\">Privacy</h3>" in html
    assert "epsilon = 4, delta = 1e-06" in html
    assert "<td>classic</td>" in html
    assert f"{budget['noise_scale_binning']:.4g}" in html
    assert f"{budget['noise_scale_boosting']:.4g}" in html
    assert model.privacy_summary() in html
    assert "draw no uncertainty bands" in html
    traces = [trace for figure in _figures(html) for trace in figure]
    assert len(traces) > 10  # the figures were found
    assert _bands_drawn(traces) == 0


def test_report_of_a_loaded_model_states_the_same_budget(model, tmp_path):
    X, y = _data()
    loaded = glassboost.load(io.StringIO(model.to_json(detail="interpretable")))
    html = glassboost.report(loaded, X, y, tmp_path / "loaded.html").read_text()
    assert model.privacy_summary() in html
    assert f"{model.noise_scale_boosting_:.4g}" in html


def test_bagged_private_model_draws_its_real_spread(tmp_path):
    bagged = _fit(outer_bags=2)
    assert bagged.standard_deviations_[0].max() > 0
    glob = bagged.explain_global()
    assert glob.has_band and _bands_drawn(
        [t.to_plotly_json() for t in glob.figure("a").data]) >= 2
    X, y = _data()
    html = glassboost.report(bagged, X, y, tmp_path / "bagged.html").read_text()
    assert "draw no uncertainty bands" not in html
    assert _bands_drawn([trace for figure in _figures(html) for trace in figure]) > 0


def test_explain_global_says_it_is_private(model):
    glob = model.explain_global()
    overall = glob.data()
    assert overall["privacy"]["epsilon"] == 4 and overall["privacy"]["delta"] == 1e-6
    assert overall["privacy"]["composition"] == "classic"
    assert overall["privacy"]["noise_scale_boosting"] == model.noise_scale_boosting_
    assert overall["privacy"]["summary"] == model.privacy_summary()
    assert overall["bounds"].startswith("none:")
    assert model.privacy_summary() in glob._repr_html_()
    # a standard model's explanation has no privacy entry
    standard = glassboost.ExplainableBoostingClassifier(outer_bags=2, interactions=0,
                                                        max_rounds=30).fit(*_data())
    assert "privacy" not in standard.explain_global().data()


@pytest.mark.parametrize("term", ["a", "c"])
def test_figures_of_a_one_bag_model_have_no_bands(model, term):
    glob = model.explain_global()
    traces = [t.to_plotly_json() for t in glob.figure(term).data]
    assert any((t.get("meta") or {}).get("role") == "score" for t in traces)
    assert _bands_drawn(traces) == 0
    figure = glob.plot(term)
    for ax in figure.axes:
        assert not any(isinstance(p, StepPatch) and p.get_fill() for p in ax.patches)
        assert not any(isinstance(c, ErrorbarContainer) and c.has_yerr for c in ax.containers)
