"""Tests of global and local explanations: their numbers are the model's, and they render."""

from __future__ import annotations

import re

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
    for bad in (len(data), -len(data) - 1):
        with pytest.raises(IndexError, match=f"key {bad} is not a row position"):
            local.data(bad)
        with pytest.raises(IndexError, match=f"key {bad} is not a row position"):
            local.visualize(bad)
    assert row["extra"]["names"] == ["Intercept"]
    if hasattr(model, "classes_"):  # InterpretML's perf: the classes' indices
        assert model.classes_[row["perf"]["actual"]] == y[5]
        assert model.classes_[row["perf"]["predicted"]] == local.predictions[5]
    else:
        assert row["perf"]["actual"] == y[5]


def test_writing_into_an_explanations_numbers_leaves_the_model_as_it_is(fitted, data) -> None:
    model, y = fitted
    model = model.copy()
    expected = model.decision_function(data)

    def arrays(value):
        if isinstance(value, np.ndarray) and value.dtype.kind == "f" and value.flags.writeable:
            yield value
        elif isinstance(value, dict):
            for item in value.values():
                yield from arrays(item)
        elif isinstance(value, (list, tuple)):
            for item in value:
                yield from arrays(item)

    explanation = model.explain_global()
    local = model.explain_local(data.iloc[:5], y[:5])
    parts = [explanation.data(k) for k in range(len(explanation.terms))] + [local.data()]
    written = 0
    for array in arrays(parts):
        array[...] = 7.0  # e.g. a user centring the scores for a plot of their own
        written += 1
    assert written > 3 * len(explanation.terms)
    np.testing.assert_array_equal(model.decision_function(data), expected)


def test_local_takes_y_as_one_column(fitted, data) -> None:
    model, y = fitted
    rows, column = data.iloc[:4], pd.DataFrame({"y": y[:4]})
    expected = [model.explain_local(rows, y[:4]).data(r)["perf"] for r in range(4)]
    local = model.explain_local(rows, column)
    assert [local.data(r)["perf"] for r in range(4)] == expected
    np.testing.assert_array_equal(local.actual, y[:4])


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
    """The figures draw score ± 1.96 sd; the data keep InterpretML's bounds, score ± sd."""
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
    np.testing.assert_allclose(data["upper_bounds"], (table + sd)[1:-1])
    np.testing.assert_allclose(data["lower_bounds"], (table - sd)[1:-1])
    assert data["missing"]["upper_bound"] == table[0] + sd[0]


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


def test_missing_bin_is_shown_when_it_has_data_and_unseen_bin_always(binary) -> None:
    """The unseen bin tells what a value never seen in training scores (0): every main effect
    shows it, with its score; the missing bin shows when training had missing values."""
    model, _ = binary
    explanation = model.explain_global()
    for name in ("income", "color", "age"):
        t = model.term_names_.index(name)
        fig = explanation.figure(name)
        specials = {x: y for tr in _score_traces(fig)
                    if tr.type == "scatter" and tr.mode == "markers" for x, y in zip(tr.x, tr.y)}
        assert specials["unseen"] == model.term_scores_[t][-1] == 0.0
        assert ("missing" in specials) == (name != "age")  # age has no missing values
        if name != "age":
            assert specials["missing"] == model.term_scores_[t][0]


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


def test_class_index_is_checked(multiclass, binary, data) -> None:
    for model, bad, message in ((multiclass[0], 3, "not a position in the model's 3 classes"),
                                (binary[0], 0, "one score per row")):
        explanation, local = model.explain_global(), model.explain_local(data.iloc[:2])
        for draw in (explanation.figure, explanation.plot, local.figure, local.plot):
            with pytest.raises(ValueError, match=message):
                draw(0, class_index=bad)


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


# ---- missing and unseen values in local explanations ------------------------------------------

def test_local_explanation_counts_and_marks_missing_and_unseen(binary, data) -> None:
    model, _ = binary
    rows = data.iloc[:4].copy()
    rows["color"] = pd.Series(["purple", "red", None, "teal"], index=rows.index, dtype=object)
    rows["income"] = [np.nan, 50.0, 60.0, 70.0]
    local = model.explain_local(rows)
    counts = local.input_coverage().set_index("feature")
    assert counts.loc["color", ["missing", "unseen"]].tolist() == [1, 2]
    assert counts.loc["income", ["missing", "unseen"]].tolist() == [1, 0]
    assert counts.loc["age", ["missing", "unseen"]].tolist() == [0, 0]

    everything = local.data()
    assert everything["feature_names"] == model.feature_names_in_
    np.testing.assert_array_equal(everything["unseen"][:, 2], [True, False, False, True])
    pd.testing.assert_frame_equal(everything["coverage"], local.input_coverage())
    first = local.data(0)
    assert first["unseen_features"] == ["color"] and first["missing_features"] == ["income"]
    assert "color = purple (unseen)" in first["value_texts"]
    assert first["values"][model.term_names_.index("color")] == "purple"
    assert np.isnan(first["values"][model.term_names_.index("income")])
    color = model.term_names_.index("color")
    assert first["scores"][color] == 0.0  # an unseen category adds nothing

    fig = local.figure(0)
    assert "Unseen in training (scored 0): color" in fig.layout.title.text
    assert "missing: income" in fig.layout.title.text
    assert "Unseen" not in local.figure(1).layout.title.text
    texts = [t.get_text() for t in local.plot(0).findobj(lambda a: hasattr(a, "get_text"))]
    assert any("Unseen in training (scored 0): color" in t for t in texts)
    assert "color: 1 missing, 2 unseen" in local._repr_html_()


def test_largest_errors_are_misclassified_rows_only() -> None:
    """A correct row with a low probability of its class must not come before a wrong row."""
    from glassboost.explain.examples import pick_examples

    probabilities = np.array([[0.40, 0.30, 0.30],   # class a, correct, P(true) 0.40
                              [0.45, 0.55, 0.00],   # class a, wrong,   P(true) 0.45
                              [0.10, 0.80, 0.10],   # class b, correct
                              [0.20, 0.20, 0.60],   # class c, correct
                              [0.05, 0.90, 0.05]])  # class c, wrong,   P(true) 0.05
    local = LocalExplanation.__new__(LocalExplanation)
    local.__dict__.update(
        is_classifier=True, classes=["a", "b", "c"], probabilities=probabilities,
        actual=np.array(["a", "a", "b", "c", "c"]), actual_class=np.array([0, 0, 1, 2, 2]),
        scores=np.zeros((5, 3)))
    picked = pick_examples(local, count=3)
    assert picked["Largest errors"] == [4, 1]
    assert picked["Least sure correct predictions"] == [0]
    assert picked["Most confident predictions"] == [2, 3]
    local.probabilities = np.eye(3)[[0, 0, 1, 2, 2]] * 0.8 + 0.2 / 3
    assert "Largest errors" not in pick_examples(local, count=2)



@pytest.mark.parametrize("count", [-1, 2.5, True, "3", None])
def test_example_count_must_be_a_non_negative_integer(count) -> None:
    """A negative count would slice from the end and pick nearly every row."""
    from glassboost.explain.examples import pick_examples

    local = LocalExplanation.__new__(LocalExplanation)
    local.__dict__.update(is_classifier=False, actual=None, predictions=np.arange(5.0))
    with pytest.raises(ValueError, match=rf"count must be a non-negative integer .*got "
                                         rf"{re.escape(repr(count))}"):
        pick_examples(local, count)
    assert pick_examples(local, np.int64(0)) == {"Lowest predictions": [],
                                                 "Highest predictions": []}


def test_metrics_need_the_models_labels_and_are_nan_only_where_undefined() -> None:
    """Labels match the classes as values (1.0 is class 1); a label that is no class (text '1'
    against the class 1) is an error naming y, not NaN metrics."""
    from glassboost.explain.metrics import classification_metrics

    classes = np.array([0, 1])
    probabilities = np.array([[0.8, 0.2], [0.3, 0.7], [0.6, 0.4], [0.1, 0.9]])
    predictions = classes[probabilities.argmax(axis=1)]
    as_floats = classification_metrics(classes, np.array([0.0, 1.0, 1.0, 1.0]), probabilities,
                                       predictions)
    assert as_floats["AUC"] == 1.0 and as_floats["Accuracy"] == 0.75
    one_class = classification_metrics(classes, np.ones(4, dtype=int), probabilities,
                                       predictions)
    assert np.isnan(one_class["AUC"]) and one_class["Accuracy"] == 0.5
    with pytest.raises(ValueError, match=r"y holds labels that are not classes of the model: "
                                         r"\['0', '1'\]; the model's classes are \[0, 1\]"):
        classification_metrics(classes, np.array(["0", "1", "1", "1"]), probabilities,
                               predictions)

def test_actual_classes_match_by_value(data) -> None:
    """Labels 1 and 1.0 are the same class (a model trained on integers, targets read as
    floats); a label the model does not know matches nothing."""
    y = (np.arange(len(data)) % 3 == 0).astype(int)
    model = ExplainableBoostingClassifier(**dict(SMALL, interactions=0)).fit(data, y)
    actual = y[:20].astype(float)
    actual[0] = 7.0
    local = model.explain_local(data.iloc[:20], actual)
    np.testing.assert_array_equal(local.actual_class, np.r_[-1, y[1:20]])
    unknown, known = local.data(0)["perf"], local.data(1)["perf"]
    assert np.isnan(unknown["actual"]) and unknown["actual_score"] == 0.0  # InterpretML's
    assert known["actual"] == y[1]
    assert known["actual_score"] == local.probabilities[1, y[1]]



def test_a_decimal_nan_in_y_is_a_missing_actual_value(multiclass, regressor, data) -> None:
    """Decimal NaNs (a signaling one cannot even be hashed) are missing targets, as in fit."""
    from decimal import Decimal

    model, y = multiclass
    actual = np.array([Decimal("sNaN"), Decimal("NaN")] + list(y[2:10]), dtype=object)
    local = model.explain_local(data.iloc[:10], actual)
    assert local.actual_class[:2].tolist() == [-1, -1]
    assert local.actual_class[2] == list(model.classes_).index(y[2])
    assert np.isnan(local.data(0)["perf"]["actual"])
    local.visualize(0)
    model, y = regressor
    actual = [Decimal("sNaN")] + [Decimal(str(v)) for v in y[1:10]]
    local = model.explain_local(data.iloc[:10], actual)
    assert np.isnan(local.data(0)["perf"]["actual"])
    assert local.data(1)["perf"]["actual"] == Decimal(str(y[1]))
    local.visualize(0)


def test_terms_sharing_a_name_get_a_row_each_and_a_name_refuses_to_choose(binary) -> None:
    """A model converted from InterpretML may name a feature 'a & b' beside the pair of 'a'
    and 'b' (model files allow it): the importance bars stay apart, a name picks no term."""
    model = binary[0].copy()
    pair = next(i for i, f in enumerate(model.term_features_) if len(f) == 2)
    shared = model.term_names_[0]
    model.term_names_[pair] = shared
    explanation = model.explain_global()
    bars = explanation.importance_figure().data[0]
    assert len(set(bars.y)) == len(model.term_names_)
    assert {f"{shared} [0]", f"{shared} [{pair}]"} <= set(bars.y)
    assert explanation.term_names.count(shared) == 2  # the names themselves are the model's
    labels = [t.get_text() for t in explanation.plot().axes[0].get_yticklabels()]
    assert f"{shared} [{pair}]" in labels
    with pytest.raises(ValueError, match=rf"term name '{shared}' is ambiguous: the terms at "
                                         rf"indices \[0, {pair}\]"):
        explanation.data(shared)
    with pytest.raises(ValueError, match="is ambiguous"):
        explanation.figure(shared)
    assert "left_names" in explanation.data(pair)
    assert explanation.data(0)["names"] is not None

# ---- value axes of continuous shapes ----------------------------------------------------------

@pytest.fixture(scope="module")
def long_tail():
    rng = np.random.default_rng(5)
    debt = np.where(rng.random(1500) < 0.6, 0.0, rng.lognormal(6, 1.6, 1500))
    X = pd.DataFrame({"debt": debt, "price": rng.lognormal(7, 1.2, 1500),
                      "change": rng.normal(size=1500)})
    y = np.log1p(X["debt"]) * 0.3 - np.log(X["price"]) * 0.2 + rng.normal(size=1500) * 0.2
    return ExplainableBoostingRegressor(**SMALL).fit(X, y)


def _weight_span(fig, model, t) -> float:
    """Share of the plotted x range that holds the central 90% of the training weight."""
    line = next(tr for tr in _score_traces(fig) if tr.type == "scatter" and tr.mode == "lines")
    x = np.asarray(line.x, dtype=float)
    weights = model.bin_weights_[t][1:-1]
    cumulative = np.concatenate(([0.0], np.cumsum(weights))) / weights.sum()
    low, high = np.interp([0.05, 0.95], cumulative, x)
    return (high - low) / (x[-1] - x[0])


def _value_axis(fig):
    """The x axis under the shape (the density strip's), which carries title and ticks."""
    strip = next(tr for tr in fig.data if tr.meta["role"] == "density" and "bins" not in tr.meta)
    return fig.layout["xaxis" + strip.xaxis[1:]]


def test_long_tails_get_a_quantile_axis_that_spreads_the_data(long_tail) -> None:
    model = long_tail
    explanation = model.explain_global()
    for name in ("debt", "price"):
        t = model.term_names_.index(name)
        linear = explanation.figure(name, x_scale="linear")
        auto = explanation.figure(name)
        assert _weight_span(linear, model, t) < 0.2  # squeezed on a linear axis
        assert _weight_span(auto, model, t) > 0.6
        axis = _value_axis(auto)
        assert "quantile scale" in axis.title.text
        cuts = model.bins_[model.feature_names_in_.index(name)][0]
        values = [float(text.replace(",", "")) for text in axis.ticktext]
        assert values[-1] == pytest.approx(cuts[-1], rel=1e-3)  # the last cut is labelled
        assert all(v == pytest.approx(cuts[np.argmin(np.abs(cuts - v))], rel=1e-3)
                   for v in values)
        assert list(axis.tickvals) == sorted(axis.tickvals) and len(values) >= 4
    assert _value_axis(explanation.figure("price", x_scale="log")).title.text == \
        "price (log scale)"
    change = explanation.figure("change")  # normal, not long-tailed: linear
    assert _weight_span(change, model, model.term_names_.index("change")) > 0.3
    assert "scale" not in _value_axis(change).title.text
    with pytest.raises(ValueError, match="x_scale='log' needs positive cut points.*'change'"):
        explanation.figure("change", x_scale="log")
    with pytest.raises(ValueError, match="x_scale='sqrt' is not one of"):
        explanation.figure("price", x_scale="sqrt")


def test_static_plots_use_the_same_axes(long_tail, tmp_path) -> None:
    explanation = long_tail.explain_global()
    for scale in ("auto", "linear", "quantile", "log"):
        fig = explanation.plot("price", tmp_path / f"price-{scale}.png", x_scale=scale)
        density = fig.axes[1]
        label = density.get_xlabel()
        assert ("quantile" in label) == (scale in ("auto", "quantile"))
        assert ("log scale" in label) == (scale == "log")
    # the same positions as the interactive figure
    fig = explanation.plot("debt")
    line = next(tr for tr in _score_traces(explanation.figure("debt")) if tr.mode == "lines")
    assert fig.axes[1].get_xlim() == pytest.approx((line.x[0], line.x[-1]))


# ---- hostile labels ----------------------------------------------------------------------------

HOSTILE_FEATURE = "<b>Price</b>"
HOSTILE_CATEGORIES = ['<a href="https://example.com/">link</a>', "$a^^b$", "R&amp;D", "%{y}"]
HOSTILE_CLASSES = ["<i>no</i>", "$yes$"]
HOSTILE_KIND = "kind<br>$x$ %{z}"


@pytest.fixture(scope="module")
def hostile():
    rng = np.random.default_rng(7)
    X = pd.DataFrame({HOSTILE_FEATURE: rng.normal(size=400),
                      HOSTILE_KIND: rng.choice(HOSTILE_CATEGORIES, 400)})
    signal = X[HOSTILE_FEATURE] + (X[HOSTILE_KIND] == "$a^^b$") + rng.logistic(size=400) * 0.3
    y = np.where(signal > 0.2, HOSTILE_CLASSES[1], HOSTILE_CLASSES[0])
    model = ExplainableBoostingClassifier(**dict(SMALL, interactions=[(0, 1)])).fit(X, y)
    return model, X, y


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)


def test_plotly_gets_names_as_plain_text(hostile) -> None:
    from glassboost.explain.labels import plotly_text

    model, X, y = hostile
    explanation = model.explain_global()
    figures = [explanation.figure(t) for t in range(len(model.term_names_))]
    figures += [explanation.importance_figure(), model.explain_local(X.iloc[:3], y[:3]).figure(0)]
    raw = [HOSTILE_FEATURE, HOSTILE_KIND, *HOSTILE_CATEGORIES[:3], *HOSTILE_CLASSES]
    texts = [s for fig in figures for s in _strings(fig.to_plotly_json())]
    for name in raw:
        assert not any(name in s for s in texts), name
        if name != HOSTILE_CLASSES[0]:  # the binary classes show only in the local title
            assert any(plotly_text(name) in s for s in texts), name
    pair = explanation.figure(model.term_names_.index(f"{HOSTILE_FEATURE} & {HOSTILE_KIND}"))
    template = pair.data[0].hovertemplate  # a name in a template must not fill in a value
    assert "kind&lt;br&gt;&#36;x&#36; &#37;{z}" in template and "%{z}<br>" not in template
    assert "%{y}" in texts  # a category named like a placeholder stays data, not a template
    assert plotly_text("$a^^b$") == "&#36;a^^b&#36;"
    assert plotly_text("R&amp;D") == "R&amp;amp;D"


def test_matplotlib_gets_names_as_plain_text(hostile, tmp_path) -> None:
    import matplotlib

    model, X, y = hostile
    explanation = model.explain_global()
    local = model.explain_local(X.iloc[:3], y[:3])
    with matplotlib.rc_context({"svg.fonttype": "none"}):  # text stays text in the SVG
        for t in range(len(model.term_names_)):
            explanation.plot(t, tmp_path / f"term{t}.svg")
        explanation.plot(None, tmp_path / "importance.png")
        local.plot(0, tmp_path / "row.svg")
        svg = (tmp_path / "term1.svg").read_text()
        assert "$a^^b$" in svg and "%{y}" in svg and "kind&lt;br&gt;$x$ %{z}" in svg
        assert "$yes$" in (tmp_path / "row.svg").read_text()
    assert "<svg" in explanation._repr_html_() and "<svg" in local._repr_html_()


def test_a_one_class_model_explains_its_rows_and_refuses_a_waterfall(data):
    """Every row of a one-class model scores -inf: its waterfall failed with an IndexError
    (Plotly) or matplotlib's 'Axis limits cannot be NaN or Inf'."""
    X = data.head(100)
    model = ExplainableBoostingClassifier(outer_bags=2).fit(X, np.full(len(X), "only"))
    local = model.explain_local(X.head(3), np.full(3, "only"))
    row = local.data(0)
    assert row["decision_score"] == -np.inf and row["perf"]["predicted_score"] == 1.0
    assert row["names"] == [] and row["extra"]["scores"] == [-np.inf]
    for draw in (local.visualize, local.waterfall, lambda row: local.plot(row, "x.png")):
        with pytest.raises(ValueError, match="one-class model.*no waterfall.*'only' with "
                                             "probability 1"):
            draw(0)
    assert model.explain_global().data()["names"] == []
