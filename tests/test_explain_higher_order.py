"""Explanations of terms of three or more features, on models converted from InterpretML (which
can fit such terms; its own explanations leave them out): the data is the whole table with every
feature's bins, figures draw every slice of it, and row explanations name every feature."""

from __future__ import annotations

import html
import warnings

import numpy as np
import pandas as pd
import pytest

import glassboost

glassbox = pytest.importorskip("interpret.glassbox")

THREE = "a & b & c"


def _data(n: int = 240, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"a": rng.normal(size=n),
                          "b": rng.choice(["x", "y", "z"], size=n).astype(object),
                          "c": rng.integers(0, 12, size=n).astype(float),
                          "d": rng.normal(size=n)})
    frame.loc[::13, "a"] = np.nan
    frame.loc[::11, "b"] = None
    return frame


def _signal(frame: pd.DataFrame) -> np.ndarray:
    return (frame["a"].fillna(0) * (frame["c"] > 5) + (frame["b"] == "x") - frame["d"]
            + np.random.default_rng(1).normal(size=len(frame))).to_numpy()


def _convert(ebm, frame: pd.DataFrame, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # InterpretML warns about missing values, 3-way terms
        return glassboost.from_interpret(ebm.fit(frame, y))


_COMMON = dict(outer_bags=2, max_rounds=120, n_jobs=1, max_interaction_bins=5,
               feature_types=["continuous", "nominal", [2.5, 5.5, 8.5], "continuous"])


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return _data()


@pytest.fixture(scope="module")
def binary(frame):
    y = (_signal(frame) > 0.5).astype(int)
    return _convert(glassbox.ExplainableBoostingClassifier(
        interactions=[(0, 1, 2), (0, 3)], **_COMMON), frame, y), y


@pytest.fixture(scope="module")
def multiclass(frame):
    y = np.array(["lo", "mid", "hi"])[np.digitize(_signal(frame), [0.0, 1.0])]
    return _convert(glassbox.ExplainableBoostingClassifier(
        interactions=[(0, 1, 2)], **_COMMON), frame, y), y


@pytest.fixture(scope="module")
def four_way(frame):
    y = _signal(frame)
    return _convert(glassbox.ExplainableBoostingRegressor(
        interactions=[(3, 1, 2, 0)], **_COMMON), frame, y), y


def _index(model, name: str) -> int:
    return list(model.term_names_).index(name)


def _heat_maps(fig) -> list:
    return [t for t in fig.data if t.type == "heatmap"]


def test_data_is_the_whole_table_with_each_features_bins(binary) -> None:
    model, _ = binary
    t = _index(model, THREE)
    data = model.explain_global().data(t)
    table = np.asarray(model.term_scores_[t])
    assert data["type"] == "interaction" and data["name"] == THREE
    assert data["feature_names"] == ["a", "b", "c"]
    np.testing.assert_array_equal(data["all_bins"]["scores"], table)
    np.testing.assert_array_equal(data["scores"], table[1:-1, 1:-1, 1:-1])
    np.testing.assert_array_equal(data["density"]["scores"],
                                  np.asarray(model.bin_weights_[t])[1:-1, 1:-1, 1:-1])
    assert [len(labels) for labels in data["all_bins"]["labels"]] == list(table.shape)
    assert all(labels[0] == "missing" and labels[-1] == "unseen"
               for labels in data["all_bins"]["labels"])
    names = data["axis_names"]
    assert list(names[1]) == ["x", "y", "z"]  # the categories, in the model's order
    np.testing.assert_array_equal(names[2][1:-1], [2.5, 5.5, 8.5])  # explicit cuts as edges
    assert [len(n) - (a != 1) for a, n in enumerate(names)] == [s - 2 for s in table.shape]
    assert "missing" not in data and "left_names" not in data  # neither a main nor a pair
    assert data["importance"] == pytest.approx(model.term_importances()[t])
    pair = model.explain_global().data("a & d")
    assert pair["feature_names"] == ["a", "d"]
    np.testing.assert_array_equal(pair["left_names"], pair["axis_names"][0])


def _check_slices(fig, term_scores: np.ndarray, weights: np.ndarray, n_classes: int) -> None:
    """Every heat map is the table's slice its meta names, with the weights in its hover data,
    and the slices of one class share one symmetric colour scale."""
    maps = _heat_maps(fig)
    for trace in maps:
        meta = trace.meta
        table = term_scores if meta["class"] is None else term_scores[..., meta["class"]]
        index = (slice(None), slice(None)) + tuple(meta["slice"])
        grid = np.ix_(meta["rows"], meta["cols"])
        np.testing.assert_array_equal(np.asarray(trace.z), table[index][grid])
        np.testing.assert_array_equal(np.asarray(trace.customdata), weights[index][grid])
        assert trace.zmin == -trace.zmax
    for k in range(n_classes):
        own = [trace for trace in maps if trace.meta["class"] in (k, None)]
        assert len({trace.zmax for trace in own}) == 1
        assert max(float(np.abs(np.asarray(trace.z)).max()) for trace in own) == \
            pytest.approx(own[0].zmax)


def test_figure_draws_every_slice_with_a_slider(binary) -> None:
    model, _ = binary
    t = _index(model, THREE)
    fig = model.explain_global().visualize(t)
    maps = _heat_maps(fig)
    weights = np.asarray(model.bin_weights_[t])
    shown_c = [b for b in range(weights.shape[2])
               if 0 < b < weights.shape[2] - 1 or weights[:, :, b].sum() > 0
               or np.any(model.term_scores_[t][:, :, b] != 0)]
    assert sorted(tuple(m.meta["slice"]) for m in maps) == [(b,) for b in shown_c]
    _check_slices(fig, np.asarray(model.term_scores_[t]), weights, 1)
    assert [m.visible for m in maps] == [True] + [False] * (len(maps) - 1)
    steps = fig.layout.sliders[0].steps
    assert len(steps) == len(maps)
    labels = model.explain_global().terms[t].axes[2].labels
    for i, (step, trace) in enumerate(zip(steps, maps)):
        assert step.label == f"c = {labels[trace.meta['slice'][0]]}"
        assert step.args[0]["visible"] == [j == i for j in range(len(maps))]
    assert "3-way interaction" in fig.layout.title.text
    assert THREE in html.unescape(fig.layout.title.text)


def test_multiclass_slider_walks_every_class_and_slice(multiclass) -> None:
    model, _ = multiclass
    t = _index(model, THREE)
    explanation = model.explain_global()
    scores = np.asarray(model.term_scores_[t])
    weights = np.asarray(model.bin_weights_[t])
    fig = explanation.figure(t)
    n_slices = len(explanation.terms[t].slices())
    maps = _heat_maps(fig)
    assert len(maps) == 3 * n_slices == len(fig.layout.sliders[0].steps)
    assert [m.meta["class"] for m in maps] == [k for k in range(3) for _ in range(n_slices)]
    classes = [str(c) for c in model.classes_]
    assert all(step.label.startswith(f"class {classes[m.meta['class']]}: c = ")
               for step, m in zip(fig.layout.sliders[0].steps, maps))
    _check_slices(fig, scores, weights, 3)
    one = explanation.figure(t, class_index=2)
    assert [m.meta["class"] for m in _heat_maps(one)] == [2] * n_slices
    assert f"class {classes[2]}" in one.layout.title.text


def test_four_feature_terms_slice_over_every_later_feature(four_way) -> None:
    model, _ = four_way
    t = next(i for i, f in enumerate(model.term_features_) if len(f) == 4)
    explanation = model.explain_global()
    term = explanation.terms[t]
    assert [a.feature for a in term.axes] == ["d", "b", "c", "a"]
    slices = term.slices()
    shown = [len(term.shown_bins(axis)) for axis in (2, 3)]
    assert len(slices) == shown[0] * shown[1]
    assert all(label.startswith("c = ") and ", a = " in label for _, label in slices)
    fig = explanation.figure(t)
    assert len(_heat_maps(fig)) == len(slices)
    _check_slices(fig, np.asarray(model.term_scores_[t]), np.asarray(model.bin_weights_[t]), 1)
    assert "4-way interaction" in fig.layout.title.text
    data = explanation.data(t)
    assert data["feature_names"] == ["d", "b", "c", "a"]
    assert np.asarray(data["scores"]).ndim == 4


def _panels(fig) -> list:
    """The drawn heat-map axes of a static figure (not the colour bar)."""
    return [ax for ax in fig.axes
            if ax.get_visible() and ax.collections and ax.get_label() != "<colorbar>"]


def test_static_plot_has_one_heat_map_per_slice(binary, multiclass, tmp_path) -> None:
    from glassboost.explain import static

    model, _ = binary
    t = _index(model, THREE)
    explanation = model.explain_global()
    fig = explanation.plot(t, tmp_path / "three.png")
    assert (tmp_path / "three.png").stat().st_size > 10_000
    meshes = _panels(fig)
    slices = explanation.terms[t].slices()
    assert sorted(ax.get_title() for ax in meshes) == sorted(label for _, label in slices)
    for ax, (bins, _) in zip(meshes, slices):
        term = explanation.terms[t]
        rows, cols = term.shown_bins(0), term.shown_bins(1)
        want = term.scores[:, :, bins[0]][np.ix_(rows, cols)]
        np.testing.assert_array_equal(np.asarray(ax.collections[0].get_array()).reshape(
            want.shape), want)
    mc_model, _ = multiclass
    mc = mc_model.explain_global()
    mc_fig = mc.plot(THREE, class_index=1)
    assert f"class {mc_model.classes_[1]}" in " ".join(t.get_text() for t in mc_fig.texts)
    few = static.MAX_PANELS
    try:
        static.MAX_PANELS = 2
        capped = explanation.plot(t)
        assert len(_panels(capped)) == 2
        assert f"the first 2 of {len(slices)} slices" in " ".join(
            text.get_text() for text in capped.texts)
    finally:
        static.MAX_PANELS = few


def test_waterfall_names_every_feature_of_the_term(binary, frame) -> None:
    model, y = binary
    t = _index(model, THREE)
    rows = frame.iloc[:12]
    local = model.explain_local(rows, y[:12])
    for row in range(12):
        values = local.data(row)["value_texts"][t]
        assert local.data(row)["values"][t] == ""  # InterpretML's value of an interaction
        a, b, c = (rows[f].iloc[row] for f in "abc")
        a_text = "missing" if np.isnan(a) else f"{a:.6g}"
        b_text = "missing" if pd.isna(b) else b
        assert values == f"a = {a_text} & b = {b_text} & c = {c:.6g}"
        waterfall = local.waterfall(row, max_terms=20)
        assert values in waterfall.labels
        assert waterfall.values[waterfall.labels.index(values)] == local.contributions[row, t]
        assert waterfall.score == pytest.approx(model.decision_function(rows)[row], abs=1e-9)
    fig = local.visualize(0)
    assert fig.data and local.plot(0) is not None
