"""Tests of global and local explanations: their numbers are the model's, and they render."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from glassboost import ExplainableBoostingClassifier, ExplainableBoostingRegressor
from glassboost.explain import GlobalExplanation, LocalExplanation
from glassboost.explain.terms import BAND_WIDTH

SMALL = dict(outer_bags=2, interactions=2, max_rounds=300, early_stopping_rounds=20,
             random_state=0)


def _frame(n: int, seed: int) -> pd.DataFrame:
    """Numbers with missing values, strings with missing values, an ordered categorical."""
    rng = np.random.default_rng(seed)
    income = rng.lognormal(4, 0.6, n)
    income[rng.random(n) < 0.08] = np.nan
    color = rng.choice(["red", "green", "blue"], n).astype(object)
    color[rng.random(n) < 0.05] = None
    size = pd.Categorical(rng.choice(["S", "M", "L"], n), categories=["S", "M", "L"],
                          ordered=True)
    return pd.DataFrame({"income": income, "age": rng.integers(18, 80, n), "color": color,
                         "size": size})


def _signal(X: pd.DataFrame) -> np.ndarray:
    income = np.nan_to_num(np.log(X["income"].to_numpy(float)), nan=5.0)
    return (income - 4) * 1.5 + (X["age"].to_numpy() - 50) / 15 + (X["color"] == "red") * 0.8


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return _frame(800, 0)


@pytest.fixture(scope="module")
def binary(data):
    y = _signal(data) + np.random.default_rng(1).logistic(size=len(data)) > 0
    return ExplainableBoostingClassifier(**SMALL).fit(data, y), y


@pytest.fixture(scope="module")
def multiclass(data):
    s = _signal(data) + np.random.default_rng(2).normal(size=len(data))
    y = np.select([s < -0.7, s < 0.7], ["low", "mid"], "high")
    return ExplainableBoostingClassifier(**SMALL).fit(data, y), y


@pytest.fixture(scope="module")
def regressor(data):
    y = _signal(data) * 10 + np.random.default_rng(3).normal(size=len(data))
    return ExplainableBoostingRegressor(**SMALL).fit(data, y), y


@pytest.fixture(scope="module", params=["binary", "multiclass", "regressor"])
def fitted(request):
    return request.getfixturevalue(request.param)


def _score_traces(fig):
    return [t for t in fig.data if t.meta and t.meta.get("role") == "score"]


def _pick(table: np.ndarray, k) -> np.ndarray:
    return table if k is None else table[..., k]


# ---- exactness -------------------------------------------------------------------------------

def test_local_contributions_add_up_to_decision_function(fitted, data) -> None:
    model, y = fitted
    local = model.explain_local(data, y)
    assert isinstance(local, LocalExplanation)
    total = local.contributions.sum(axis=1) + local.intercept
    np.testing.assert_allclose(total, model.decision_function(data), rtol=0, atol=1e-9)
    np.testing.assert_allclose(local.scores, model.decision_function(data), rtol=0, atol=1e-9)
    np.testing.assert_array_equal(local.contributions, model.eval_terms(data))
    row = local.data(5)
    np.testing.assert_array_equal(row["scores"], local.contributions[5])
    assert row["extra"]["names"] == ["Intercept"]
    assert row["perf"]["actual"] == y[5]


def test_plotted_scores_are_the_term_tables(fitted) -> None:
    model, _ = fitted
    explanation = model.explain_global()
    n_classes = len(model.classes_) if len(getattr(model, "classes_", [])) > 2 else 0
    for t, table in enumerate(model.term_scores_):
        fig = explanation.figure(t)
        traces = _score_traces(fig)
        assert traces, model.term_names_[t]
        covered: dict = {}
        for trace in traces:
            k = trace.meta["class"]
            if "rows" in trace.meta:
                rows, cols = trace.meta["rows"], trace.meta["cols"]
                np.testing.assert_array_equal(np.asarray(trace.z, dtype=float),
                                              _pick(table, k)[np.ix_(rows, cols)])
                covered.setdefault(k, set()).update((r, c) for r in rows for c in cols)
            else:
                bins = trace.meta["bins"]
                np.testing.assert_array_equal(np.asarray(trace.y, dtype=float),
                                              _pick(table, k)[bins])
                covered.setdefault(k, set()).update(bins)
        if len(model.term_features_[t]) == 1:
            n_bins = table.shape[0]
            expected_classes = set(range(n_classes)) if n_classes else {None}
            assert set(covered) == expected_classes
            for bins in covered.values():  # every value bin is drawn
                assert set(range(1, n_bins - 1)) <= bins


def test_bands_are_score_plus_minus_bag_deviation(binary) -> None:
    model, _ = binary
    explanation = model.explain_global()
    t = model.term_names_.index("income")
    table, sd = model.term_scores_[t], model.standard_deviations_[t]
    bands = [tr for tr in explanation.figure(t).data if tr.meta and tr.meta["role"] == "band"]
    upper, lower = (np.asarray(tr.y, dtype=float) for tr in bands)
    bins = bands[0].meta["bins"]
    np.testing.assert_allclose(upper, table[bins] + BAND_WIDTH * sd[bins], atol=1e-12)
    np.testing.assert_allclose(lower, table[bins] - BAND_WIDTH * sd[bins], atol=1e-12)
    data = explanation.data(t)
    np.testing.assert_allclose(data["upper_bounds"], (table + BAND_WIDTH * sd)[1:-1])


def test_density_strip_holds_the_training_weight(binary) -> None:
    model, _ = binary
    explanation = model.explain_global()
    for t, weights in enumerate(model.bin_weights_):
        if len(model.term_features_[t]) > 1:
            continue
        density = [tr for tr in explanation.figure(t).data
                   if tr.meta and tr.meta["role"] == "density"]
        plotted = sum(float(np.sum(np.asarray(tr.y, dtype=float))) for tr in density)
        shown = explanation.terms[t].shown_bins()
        hidden = [b for b in (0, len(weights) - 1) if b not in shown]
        assert plotted == pytest.approx(weights.sum() - weights[hidden].sum())


def test_missing_bin_is_shown_when_it_has_data_and_unseen_hidden_when_empty(binary) -> None:
    model, _ = binary
    explanation = model.explain_global()
    for name in ("income", "color"):  # both have missing values in training
        fig = explanation.figure(name)
        labels = [x for tr in _score_traces(fig) for x in tr.x]
        assert "missing" in labels and "unseen" not in labels
    age = [x for tr in _score_traces(explanation.figure("age")) for x in tr.x]
    assert "missing" not in age and "unseen" not in age


# ---- InterpretML's data() and visualize() ------------------------------------------------------

def test_global_data_layout(binary) -> None:
    model, _ = binary
    explanation = model.explain_global(name="credit")
    assert isinstance(explanation, GlobalExplanation) and explanation.name == "credit"
    overall = explanation.data()
    assert overall["names"] == model.term_names_
    np.testing.assert_allclose(overall["scores"], model.term_importances())
    income = explanation.data(model.term_names_.index("income"))
    assert income["type"] == "univariate"
    assert len(income["names"]) == len(income["scores"]) + 1  # edges around the value bins
    np.testing.assert_array_equal(income["names"][1:-1], model.bins_[0][0])
    assert income["missing"]["weight"] > 0
    color = explanation.data("color")
    assert color["names"] == list(model.bins_[2][0])
    pair = next(i for i, f in enumerate(model.term_features_) if len(f) == 2)
    pair_data = explanation.data(pair)
    assert pair_data["type"] == "interaction"
    np.testing.assert_array_equal(pair_data["scores"], model.term_scores_[pair][1:-1, 1:-1])
    np.testing.assert_array_equal(pair_data["all_bins"]["weights"], model.bin_weights_[pair])
    with pytest.raises(KeyError):
        explanation.data("no such term")


def test_visualize_gives_importance_chart_and_term_figures(binary, data) -> None:
    model, y = binary
    explanation = model.explain_global()
    chart = explanation.visualize()
    bars = chart.data[0]
    assert bars.meta["role"] == "importance"
    importances = model.term_importances()
    np.testing.assert_allclose(bars.x, importances[bars.meta["terms"]])
    assert list(bars.x) == sorted(bars.x)  # drawn bottom-up: largest on top
    assert explanation.visualize(0).layout.title.text == explanation.figure(0).layout.title.text
    local = model.explain_local(data.iloc[:4], y[:4])
    assert local.visualize().data[0].meta["role"] == "waterfall"


def test_waterfall_walks_from_intercept_to_score(fitted, data) -> None:
    model, y = fitted
    local = model.explain_local(data.iloc[:10], y[:10])
    for row in range(3):
        fig = local.figure(row, max_terms=3)
        bars = fig.data[0]
        ends = fig.data[1]
        x, base = np.asarray(bars.x, dtype=float), np.asarray(bars.base, dtype=float)
        np.testing.assert_allclose(base[0], ends.x[0])
        np.testing.assert_allclose(base[1:], base[:-1] + x[:-1])
        np.testing.assert_allclose(base[-1] + x[-1], ends.x[1], atol=1e-9)
        k = local._class_of(row, None) if local.multiclass_names else None
        expected = local.scores[row] if k is None else local.scores[row][k]
        assert ends.x[1] == pytest.approx(expected, abs=1e-9)
        assert np.all(np.diff(np.abs(x[:3])) <= 1e-12)  # largest first, then "other terms"
    title = local.figure(0).layout.title.text
    assert ("predicted" in title) and ("actual" in title)


def test_multiclass_figures_draw_every_class_or_the_one_asked_for(multiclass) -> None:
    model, _ = multiclass
    explanation = model.explain_global()
    lines = _score_traces(explanation.figure("income"))
    assert {tr.meta["class"] for tr in lines} == {0, 1, 2}
    pair = next(i for i, f in enumerate(model.term_features_) if len(f) == 2)
    heat = _score_traces(explanation.figure(pair, class_index=2))
    assert [tr.meta["class"] for tr in heat] == [2]
    every = explanation.figure(pair)
    assert [tr.meta["class"] for tr in _score_traces(every)] == [0, 1, 2]
    assert [tr.visible for tr in every.data] == [True, False, False]
    assert len(every.layout.updatemenus[0].buttons) == 3
    one = _score_traces(explanation.figure("income", class_index=1))
    assert {tr.meta["class"] for tr in one} == {1}


# ---- static output and notebooks --------------------------------------------------------------

def test_static_plots_are_written(binary, data, tmp_path) -> None:
    model, y = binary
    explanation = model.explain_global()
    pair = next(i for i, f in enumerate(model.term_features_) if len(f) == 2)
    for key, name in ((None, "importance.png"), ("income", "income.svg"), ("color", "color.png"),
                      (pair, "pair.png")):
        explanation.plot(key, tmp_path / name)
        assert (tmp_path / name).stat().st_size > 5_000
    model.explain_local(data.iloc[:3], y[:3]).plot(1, tmp_path / "row.png")
    assert (tmp_path / "row.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (tmp_path / "income.svg").read_text().lstrip().startswith("<?xml")


def test_notebook_html_is_inline_svg(regressor, data) -> None:
    model, y = regressor
    global_html = model.explain_global()._repr_html_()
    local_html = model.explain_local(data.iloc[:3], y[:3])._repr_html_()
    for text in (global_html, local_html):
        assert "<svg" in text and "<script" not in text
    assert "prediction" in local_html
