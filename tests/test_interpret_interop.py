"""InterpretML's fitted EBMs in glassboost: from_interpret, InterpretML's JSON files, and
glassboost's own JSON and SQL of the converted models, all scoring as InterpretML does (1e-9).

InterpretML (interpret-core, in the dev extra) fits the models here and is the reference; the
code under test never imports it.
"""

from __future__ import annotations

import copy
import io
import warnings
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

import glassboost
from glassboost.io import ModelFileError

glassbox = pytest.importorskip("interpret.glassbox")

TOLERANCE = 1e-9


def _data(n: int = 240, seed: int = 0) -> pd.DataFrame:
    """Continuous with missing values, a nominal with missing values, a continuous of a few
    integers (cut explicitly), and one more continuous feature."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "a": rng.normal(size=n),
        "b": rng.choice(["x", "y", "z"], size=n).astype(object),
        "c": rng.integers(0, 12, size=n).astype(float),
        "d": rng.normal(size=n),
    })
    frame.loc[::13, "a"] = np.nan
    frame.loc[::11, "b"] = None
    return frame


def _scoring_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Training rows plus unseen categories, missing values, values beyond the range and on
    the cuts."""
    rows = frame.copy()
    rows.loc[::5, "b"] = "never seen"
    rows.loc[::7, "c"] = 1000.0
    rows.loc[::9, "d"] = np.nan
    rows.loc[1::9, "c"] = 4.5  # on an explicit cut
    return rows


def _fit(estimator, frame: pd.DataFrame, y) -> object:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # InterpretML warns about missing values and 3-way terms
        return estimator.fit(frame, y)


_COMMON = dict(outer_bags=2, max_rounds=150, n_jobs=1, max_interaction_bins=6,
               feature_types=["continuous", "nominal", [2.5, 4.5, 8.5], "continuous"])


@pytest.fixture(scope="module")
def models() -> dict:
    frame = _data()
    signal = frame["a"].fillna(0) + (frame["b"] == "x") + frame["c"] / 6 - frame["d"]
    noise = np.random.default_rng(1).normal(size=len(frame))
    three = (0, 1, 2)
    return {
        "binary": _fit(glassbox.ExplainableBoostingClassifier(
            interactions=[three, (0, 3)], **_COMMON), frame, (signal + noise > 1).astype(int)),
        "multiclass": _fit(glassbox.ExplainableBoostingClassifier(
            interactions=[three], **_COMMON), frame,
            np.array(["lo", "mid", "hi"])[np.digitize(signal + noise, [0.5, 1.5])]),
        "regression": _fit(glassbox.ExplainableBoostingRegressor(
            interactions=[three, (1, 3)], **dict(_COMMON, feature_types=[
                "uniform", "nominal", [2.5, 4.5, 8.5], "continuous"])), frame, signal + noise),
        "poisson": _fit(glassbox.ExplainableBoostingRegressor(
            interactions=[(0, 1, 3)], objective="poisson_deviance", **_COMMON), frame,
            np.random.default_rng(2).poisson(np.exp(signal / 2))),
    }


def _scores(model, rows: pd.DataFrame) -> np.ndarray:
    """Scores before the link (InterpretML's regressors have no decision_function: its own
    intercept plus its own term contributions)."""
    if hasattr(model, "decision_function"):
        return model.decision_function(rows)
    return model.intercept_ + model.eval_terms(rows).sum(axis=1)


def _outputs(model, rows: pd.DataFrame) -> dict[str, np.ndarray]:
    outputs = {"decision_function": _scores(model, rows),
               "eval_terms": model.eval_terms(rows), "predict": model.predict(rows)}
    if hasattr(model, "predict_proba"):
        outputs["predict_proba"] = model.predict_proba(rows)
    return outputs


def _assert_same(reference, model, rows: pd.DataFrame) -> None:
    want, got = _outputs(reference, rows), _outputs(model, rows)
    for name, values in want.items():
        if name == "predict" and hasattr(reference, "classes_"):
            assert np.array_equal(got[name], values), name
        else:
            np.testing.assert_allclose(got[name], values, rtol=0, atol=TOLERANCE, err_msg=name)


KINDS = ["binary", "multiclass", "regression", "poisson"]


@pytest.mark.parametrize("kind", KINDS)
def test_from_interpret_scores_as_interpret(models, kind):
    ebm = models[kind]
    model = glassboost.from_interpret(ebm)
    assert type(model).__name__ == type(ebm).__name__
    assert any(len(t) == 3 for t in model.term_features_)
    rows = _scoring_rows(_data())
    _assert_same(ebm, model, rows)
    assert model.term_names_ == ebm.term_names_
    for mine, theirs in zip(model.bagged_scores_, ebm.bagged_scores_):
        np.testing.assert_array_equal(mine, theirs)
    if kind in ("binary", "multiclass"):
        assert list(model.classes_) == list(ebm.classes_)


def test_the_conversion_is_exact_on_bins(models):
    """Missing is bin 0 and unseen the last bin in both; explicit cuts and category maps carry
    over unchanged; the uniform interaction cuts here are not among the main cuts."""
    ebm = models["regression"]
    model = glassboost.from_interpret(ebm)
    assert model.bins_[1][0] == ebm.bins_[1][0]
    np.testing.assert_array_equal(model.bins_[2][0], [2.5, 4.5, 8.5])
    np.testing.assert_array_equal(model.bins_[0][0], ebm.bins_[0][0])
    np.testing.assert_array_equal(model.bins_[0][1], ebm.bins_[0][-1])
    assert not np.isin(model.bins_[0][1], model.bins_[0][0]).all()
    rows = pd.DataFrame({"a": [np.nan, 0.1], "b": [None, "never seen"], "c": [np.nan, 1e9],
                         "d": [np.nan, 0.0]})
    contributions = model.eval_terms(rows)
    main_b = model.term_names_.index("b")
    np.testing.assert_array_equal(contributions[:, main_b], ebm.term_scores_[main_b][[0, -1]])


@pytest.mark.parametrize("kind", KINDS)
def test_interpret_json_loads_and_scores_as_interpret(models, kind, tmp_path):
    ebm = models[kind]
    rows = _scoring_rows(_data())
    for detail in ("minimal", "all"):
        path = tmp_path / f"{kind}-{detail}.json"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "JSON formats are in beta"
            ebm.to_json(str(path), detail=detail)
        model = glassboost.load(path)
        _assert_same(ebm, model, rows)
    assert len(model.bagged_scores_[0]) == len(ebm.bagged_scores_[0])


@pytest.mark.parametrize("kind", KINDS)
def test_glassboost_json_and_sql_round_trips(models, kind):
    duckdb = pytest.importorskip("duckdb")
    ebm = models[kind]
    model = glassboost.from_interpret(ebm)
    rows = _scoring_rows(_data())
    for detail in ("minimal", "all"):
        _assert_same(ebm, glassboost.load(model.to_json(detail=detail)), rows)
    with duckdb.connect() as connection:
        connection.register("data", rows)
        result = connection.execute(model.to_sql(dialect="duckdb")).df()
    scores = result[[c for c in result.columns if str(c).startswith("score")]].to_numpy(float)
    want = _scores(ebm, rows)
    np.testing.assert_allclose(scores.reshape(want.shape), want, rtol=0, atol=TOLERANCE)


@pytest.mark.parametrize("kind", KINDS)
def test_round_trip_through_json_onnx_and_sql(models, kind):
    """One chain, InterpretML -> from_interpret -> glassboost JSON -> load -> ONNX Runtime and
    SQL (DuckDB), each step scoring InterpretML's model's rows: missing values, categories and
    numbers never seen in training, values on cuts, a three-feature term, multiclass. Every step
    is held to 1e-9: JSON writes floats exactly (repr), and ONNX and SQL do the model's float64
    additions, only in another order (rounding differences of about 1e-15)."""
    duckdb = pytest.importorskip("duckdb")
    onnx_export = pytest.importorskip("test_onnx_export")  # its ONNX Runtime session helpers
    ebm = models[kind]
    assert any(len(t) == 3 for t in ebm.term_features_)
    rows = _scoring_rows(_data())
    assert rows.isna().any().any() and (rows["b"] == "never seen").any()
    want = _scores(ebm, rows)
    converted = glassboost.from_interpret(ebm)
    _assert_same(ebm, converted, rows)
    loaded = glassboost.load(converted.to_json(detail="minimal"))
    _assert_same(ebm, loaded, rows)

    out = onnx_export._run(loaded, rows)
    np.testing.assert_allclose(out["decision_function"], want, rtol=0, atol=TOLERANCE)
    if hasattr(ebm, "predict_proba"):
        np.testing.assert_allclose(out["predict_proba"], ebm.predict_proba(rows), rtol=0,
                                   atol=TOLERANCE)
        assert out["predict"].tolist() == ebm.predict(rows).tolist()
    else:
        np.testing.assert_allclose(out["predict"], ebm.predict(rows), rtol=TOLERANCE,
                                   atol=TOLERANCE)

    with duckdb.connect() as connection:
        connection.register("data", rows.assign(row_id=np.arange(len(rows))))
        result = connection.execute(loaded.to_sql(dialect="duckdb")).df().sort_values("row_id")
    assert result["row_id"].tolist() == list(range(len(rows)))
    scores = result[[c for c in result.columns if str(c).startswith("score")]].to_numpy(float)
    np.testing.assert_allclose(scores.reshape(want.shape), want, rtol=0, atol=TOLERANCE)
    if hasattr(ebm, "predict_proba"):
        names = [c for c in result.columns if str(c).startswith("probability")]
        probabilities = ebm.predict_proba(rows)
        np.testing.assert_allclose(result[names].to_numpy(float),
                                   probabilities[:, 1:] if kind == "binary" else probabilities,
                                   rtol=0, atol=TOLERANCE)


def test_explain_local_of_a_three_feature_term(models):
    ebm = models["binary"]
    model = glassboost.from_interpret(ebm)
    rows = _scoring_rows(_data()).iloc[:20]
    local = model.explain_local(rows)
    wide = [i for i, t in enumerate(model.term_features_) if len(t) == 3]
    np.testing.assert_allclose(local.contributions[:, wide], ebm.eval_terms(rows)[:, wide],
                               rtol=0, atol=TOLERANCE)


@pytest.mark.parametrize("kind", KINDS)
def test_explain_local_with_init_score_as_interpret(models, kind):
    """explain_local(X, y, init_score=...): the base scores (per row, or a fitted model's
    predictions through the link) move every row's score and prediction, as InterpretML's
    do; the terms' contributions and the intercept stay the model's own."""
    ebm = models[kind]
    model = glassboost.from_interpret(ebm)
    rows = _scoring_rows(_data()).iloc[:30]
    y = np.asarray(ebm.predict(rows))[::-1]
    n_scores = len(ebm.classes_) if kind == "multiclass" else 1
    per_row = np.random.default_rng(7).normal(size=(len(rows), n_scores))
    per_row = per_row[:, 0] if n_scores == 1 else per_row
    base = glassboost.from_interpret(ebm)  # a fitted model as init_score: its own scores
    for init_score in (per_row, base):
        theirs = ebm.explain_local(rows, y, init_score=init_score)
        local = model.explain_local(rows, y, init_score=init_score)
        if init_score is per_row:  # a model's scores are its predictions through the link
            np.testing.assert_allclose(local.scores, _scores(ebm, rows) + per_row, rtol=0,
                                       atol=TOLERANCE)
        np.testing.assert_allclose(local.scores, model.decision_function(rows, init_score),
                                   rtol=0, atol=TOLERANCE)
        np.testing.assert_allclose(local.contributions, ebm.eval_terms(rows), rtol=0,
                                   atol=TOLERANCE)
        for row in range(len(rows)):
            want, got = theirs.data(row)["perf"], local.data(row)["perf"]
            _assert_same_perf(got, want)
            extra = local.data(row)["extra"]
            assert extra["names"] == ["Intercept", "init_score"]
            bars = local.waterfall(row)
            if kind != "multiclass":
                np.testing.assert_allclose(bars.score, local.scores[row], rtol=0, atol=1e-12)
                assert "init_score (base scores)" in bars.labels
    plain = model.explain_local(rows, y)
    assert plain.init_scores is None and plain.data(0)["extra"]["names"] == ["Intercept"]
    with pytest.raises(ValueError, match="init_score has shape"):
        model.explain_local(rows, y, init_score=np.zeros(len(rows) + 1))


def _assert_same_value(got, want, where: str) -> None:
    """Numbers (arrays, lists, tuples) within TOLERANCE, NaN equal to NaN; anything else
    (texts, lists mixing texts and numbers) equal item by item."""
    try:
        want_numbers = np.asarray(want, dtype=np.float64)
    except (TypeError, ValueError):
        want_numbers = None
    if want_numbers is not None:
        np.testing.assert_allclose(np.asarray(got, dtype=np.float64), want_numbers, rtol=0,
                                   atol=TOLERANCE, err_msg=where)
    elif isinstance(want, (list, tuple)):
        assert len(got) == len(want), where
        for i, (mine, theirs) in enumerate(zip(got, want)):
            _assert_same_value(mine, theirs, f"{where}[{i}]")
    else:
        assert got == want, f"{where}: {got!r} != {want!r}"


def _assert_same_dict(got: dict, want: dict, where: str) -> None:
    """Every key of InterpretML's dictionary, with the same value (glassboost may add keys)."""
    for key, value in want.items():
        assert key in got, f"{where}: no {key!r}"
        if isinstance(value, dict):
            _assert_same_dict(got[key], value, f"{where}.{key}")
        else:
            _assert_same_value(got[key], value, f"{where}.{key}")


def _assert_same_perf(got: dict, want: dict) -> None:
    _assert_same_dict(got, want, "perf")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("summaries", ["kept", "removed"])
def test_explain_global_data_as_interpret(models, kind, summaries):
    """explain_global().data(): every key of InterpretML's, with its values, for every term
    InterpretML explains: bounds of score ± sd, the training range as the outer edges (or,
    without feature_bounds_, InterpretML's extension of the outer cuts), the training
    histogram as density, one scores_range, the class labels in meta."""
    ebm = models[kind]
    if summaries == "removed":  # as a model loaded from a file: no training summaries
        ebm = copy.deepcopy(ebm)
        for name in ("feature_bounds_", "histogram_edges_", "histogram_weights_"):
            delattr(ebm, name)
    model = glassboost.from_interpret(ebm)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # InterpretML drops terms of three features
        theirs = ebm.explain_global()
    ours = model.explain_global()
    overall = theirs.data()
    assert ours.data()["type"] == overall["type"]
    for i, name in enumerate(overall["names"]):
        mine = ours.data(name)
        _assert_same_dict(mine, theirs.data(i), f"{kind} {name}")
        assert mine["importance"] == pytest.approx(overall["scores"][i], abs=TOLERANCE)


@pytest.mark.parametrize("cuts, low, high", [
    ([0.5, 1.5, 2.5], np.nan, np.nan), ([0.5, 1.5, 2.5], 0.0, 4.0), ([0.5, 1.5, 2.5], 0.7, 4.0),
    ([0.5, 1.5, 2.5], 0.0, 2.0), ([0.5], np.nan, np.nan), ([0.5], np.nan, 1.0),
    (list(np.linspace(0, 1, 40)), np.nan, 3.0), ([], np.nan, np.nan), ([], 1.0, 2.0)])
def test_graph_bounds_are_interprets(cuts, low, high):
    """The outer edges are InterpretML's (its native SuggestGraphBounds), whichever bounds are
    known, unknown or inconsistent with the cuts."""
    from interpret.utils._native import Native

    from glassboost.explain.terms import graph_bounds

    cuts = np.asarray(cuts, dtype=np.float64)
    want = Native.get_native_singleton().suggest_graph_bounds(cuts, low, high)
    np.testing.assert_allclose(graph_bounds(cuts, low, high), want, rtol=1e-12)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("with_y", [True, False])
def test_explain_local_data_as_interpret(models, kind, with_y):
    """explain_local().data(row): every key of InterpretML's, with its values: the feature
    values themselves ("" for interactions; NaN when missing; unseen categories as given),
    the intercept, and perf (classes as indices, NaN without an actual value)."""
    ebm = models[kind]
    model = glassboost.from_interpret(ebm)
    rows = _scoring_rows(_data()).iloc[:30]
    y = np.asarray(ebm.predict(rows))[::-1] if with_y else None
    theirs, ours = ebm.explain_local(rows, y), model.explain_local(rows, y)
    for row in range(len(rows)):
        _assert_same_dict(ours.data(row), theirs.data(row), f"{kind} row {row}")


# ---- what cannot be converted fails clearly ----------------------------------------------------
def _attributes(ebm, **changes) -> SimpleNamespace:
    names = ("feature_names_in_", "feature_types_in_", "bins_", "term_features_",
             "term_scores_", "intercept_", "link_", "link_param_", "classes_", "term_names_")
    values = {n: getattr(ebm, n) for n in names if hasattr(ebm, n)}
    values.update(changes)
    return SimpleNamespace(**values)


def test_unconvertible_models_fail_naming_the_attribute(models):
    ebm = models["binary"]
    with pytest.raises(ValueError, match="fitted InterpretML EBM"):
        glassboost.from_interpret(glassbox.ExplainableBoostingClassifier())
    with pytest.raises(ValueError, match="link_ 'vlogit' cannot be scored"):
        glassboost.from_interpret(_attributes(ebm, link_="vlogit"))
    # a feature whose pair and triple bin levels differ
    bins = [list(levels) for levels in ebm.bins_]
    cuts = np.asarray(bins[0][-1])
    bins[0] = [bins[0][0], cuts, cuts[::2].copy()]
    with pytest.raises(ValueError, match="bins_ of feature 'a': interactions of \\[2, 3\\]"):
        glassboost.from_interpret(_attributes(ebm, bins_=bins))
    # categories sharing a main-effect bin
    bins = [list(levels) for levels in ebm.bins_]
    bins[1] = [{"x": 1, "y": 1, "z": 2}]
    with pytest.raises(ValueError, match="bins_ of feature 'b': its categories share or skip"):
        glassboost.from_interpret(_attributes(ebm, bins_=bins))
    scores = list(ebm.term_scores_)
    scores[4] = scores[4][:-1]
    with pytest.raises(ValueError, match=r"term_scores_\[4\] \('a & d'\) has shape"):
        glassboost.from_interpret(_attributes(ebm, term_scores_=scores))


def _interpret_document(ebm, detail: str = "minimal") -> dict:
    import json

    buffer = io.StringIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ebm.to_json(buffer, detail=detail)
    return json.loads(buffer.getvalue())


def test_damaged_interpret_json_names_the_field(models):
    import json

    document = _interpret_document(models["binary"])
    document["ebm"]["terms"][0]["scores"][1] = "0.5"
    with pytest.raises(ModelFileError, match=r"ebm.terms\[0\].scores: must hold numbers"):
        glassboost.load(json.dumps(document))
    document = _interpret_document(models["binary"])
    document["ebm"]["terms"][2]["term_features"] = ["a", "nope"]
    with pytest.raises(ModelFileError, match=r"ebm.terms\[2\].term_features"):
        glassboost.load(json.dumps(document))
    document = _interpret_document(models["binary"])
    document["ebm"]["terms"][0]["scores"].append(0.0)
    with pytest.raises(ModelFileError, match=r"term_scores_\[0\] \('a'\) has shape"):
        glassboost.load(json.dumps(document))
    document = _interpret_document(models["binary"])
    document["version"] = "2.0"
    with pytest.raises(ModelFileError, match="version"):
        glassboost.load(json.dumps(document))
    document = _interpret_document(models["binary"])
    document["ebm"]["terms"][0]["scores"][1] = 1e300
    with pytest.raises(ModelFileError, match="above the limit"):
        glassboost.load(json.dumps(document))


def test_a_feature_named_like_a_pair_saves_and_loads(tmp_path):
    """InterpretML names the feature 'a & d' and the pair of 'a' and 'd' alike; glassboost's
    JSON of the converted model was refused ('terms[4].name: 'a & d' is not unique')."""
    import json

    frame = _data().rename(columns={"b": "a & d"})
    y = (frame["a"].fillna(0) * frame["d"] + frame["c"] / 6 > 0.5).astype(int)
    ebm = _fit(glassbox.ExplainableBoostingClassifier(
        interactions=[(0, 3)], **dict(_COMMON, feature_types=None)), frame, y)
    assert ebm.term_names_.count("a & d") == 2
    rows = _scoring_rows(frame.rename(columns={"a & d": "b"})).rename(columns={"b": "a & d"})
    model = glassboost.from_interpret(ebm)
    interpret_file = glassboost.load(json.dumps(_interpret_document(ebm, "all")))
    for source in (model, interpret_file):
        for detail in ("minimal", "all"):
            loaded = glassboost.load(source.to_json(detail=detail))
            assert loaded.term_names_ == ebm.term_names_
            assert loaded.term_features_ == [tuple(t) for t in ebm.term_features_]
            _assert_same(ebm, loaded, rows)
    with pytest.raises(ValueError, match="term name 'a & d' is ambiguous"):
        loaded.remove_terms(["a & d"])


@pytest.fixture(scope="module")
def one_class() -> object:
    """InterpretML's model of a one-class target (link monoclassification): its intercept and
    every cell of its terms are -inf, every row is the class with probability 1."""
    frame = _data()
    return _fit(glassbox.ExplainableBoostingClassifier(interactions=[(0, 3)], **_COMMON), frame,
                np.full(len(frame), "only"))


def test_one_class_models_score_as_interpret(one_class, tmp_path):
    """link_ 'monoclassification' could not be converted, read or written."""
    import json

    ebm = one_class
    assert ebm.link_ == "monoclassification" and len(ebm.term_features_) == 5
    rows = _scoring_rows(_data())
    converted = [glassboost.from_interpret(ebm)]
    for detail in ("minimal", "interpretable", "all"):
        document = _interpret_document(ebm, detail)
        assert document["ebm"]["intercept"] == ["-inf"]
        converted.append(glassboost.load(json.dumps(document)))
    for model in converted + [glassboost.load(model.to_json(detail="minimal", compact=compact))
                              for model in converted for compact in (False, True)]:
        assert type(model).__name__ == "ExplainableBoostingClassifier"
        assert model.link_ == "monoclassification" and model.term_features_ == []
        assert list(model.classes_) == list(ebm.classes_)
        for method in ("predict", "predict_proba", "decision_function"):
            want = getattr(ebm, method)(rows)
            assert np.array_equal(getattr(model, method)(rows), want), method
        assert np.all(model.decision_function(rows) == -np.inf)
        assert np.all(model.predict_proba(rows) == 1.0) and np.all(model.predict(rows) == "only")
    model = converted[0]
    assert np.array_equal(glassboost.load(model.to_json()).bagged_intercept_,
                          ebm.bagged_intercept_)
    with pytest.raises(ValueError, match="'monoclassification' has no SQL export"):
        model.to_sql()
    with pytest.raises(ValueError, match="'monoclassification' has no ONNX export"):
        model.to_onnx()


def test_one_class_models_glassboost_cannot_score_fail_naming_the_attribute(one_class):
    ebm = one_class
    scores = [np.array(table) for table in ebm.term_scores_]
    scores[1][0] = np.nan  # InterpretML scores such a row with probability NaN
    with pytest.raises(ValueError, match=r"term_scores_\[1\] of a one-class model .*-inf in "
                                         r"every cell"):
        glassboost.from_interpret(_attributes(ebm, term_scores_=scores))
    with pytest.raises(ValueError, match=r"intercept_ of a one-class model .* must be \[-inf\]"):
        glassboost.from_interpret(_attributes(ebm, intercept_=np.array([0.0])))
    with pytest.raises(ValueError, match="link_ 'monoclassification' does not fit 2 classes_"):
        glassboost.from_interpret(_attributes(ebm, classes_=np.array(["only", "other"])))
    with pytest.raises(ValueError, match="link_ 'logit' does not fit 1 classes_"):
        glassboost.from_interpret(_attributes(ebm, link_="logit"))


@pytest.mark.parametrize("objective, canonical", [
    ("tweedie_deviance", "tweedie_deviance:variance_power=1.5"),
    ("tweedie_deviance:variance_power=1.50", "tweedie_deviance:variance_power=1.5"),
    ("gamma_deviance", "gamma_deviance"),
    ("pseudo_huber", "pseudo_huber:delta=1.0"),
    ("pseudo_huber:delta=2", "pseudo_huber:delta=2.0"),
    ("rmse_log", "rmse_log"),
    ("poisson_deviance", "poisson_deviance")])
def test_other_objectives_score_as_interpret(objective, canonical):
    """Every regression objective of InterpretML scores through its link (log or identity); the
    converted model keeps glassboost's canonical name of the objective, however InterpretML's
    was spelled, so glassboost's JSON of it loads and scores the same."""
    frame = _data(n=150, seed=3).drop(columns=["b"])
    rng = np.random.default_rng(4)
    y = np.exp(frame["a"].fillna(0) / 3 + rng.normal(size=len(frame)) / 4)
    ebm = _fit(glassbox.ExplainableBoostingRegressor(
        objective=objective, outer_bags=1, max_rounds=60, n_jobs=1, interactions=[(0, 1, 2)],
        max_interaction_bins=5), frame, y)
    model = glassboost.from_interpret(ebm)
    assert model.link_ == ebm.link_ and model.objective_ == canonical
    rows = _scoring_rows(_data(n=150, seed=3)).drop(columns=["b"])
    _assert_same(ebm, model, rows)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        text = io.StringIO()
        ebm.to_json(text, detail="all")  # "minimal" leaves the objective out (only the link)
    from_file = glassboost.load(text.getvalue())
    assert from_file.objective_ == canonical
    _assert_same(ebm, from_file, rows)
    for detail in ("minimal", "all"):
        again = glassboost.load(model.to_json(detail=detail))
        assert again.objective_ == canonical
        _assert_same(ebm, again, rows)


def test_an_objective_glassboost_does_not_know_fails_naming_it(models):
    from glassboost.io.interpret import fitted_from_attributes

    ebm = models["regression"]
    with pytest.raises(ValueError, match="objective 'huber' of the model is not one"):
        fitted_from_attributes(lambda name: getattr(ebm, name, None), "huber", {})
    with pytest.raises(ValueError, match="link_ 'identity' does not match objective 'gamma"):
        fitted_from_attributes(lambda name: getattr(ebm, name, None), "gamma_deviance", {})


def test_numeric_and_pandas_categories_and_array_models():
    """Category labels of integers, floats and pandas categoricals (ordered too) are read as
    InterpretML writes them; a model fitted on an array matches columns by position."""
    rng = np.random.default_rng(5)
    n = 160
    frame = pd.DataFrame({
        "i": rng.integers(0, 4, size=n), "f": rng.choice([0.5, 1.0, 2.0], size=n),
        "p": pd.Categorical(rng.choice(["p", "q", "r"], size=n)),
        "o": pd.Categorical(rng.choice(["lo", "mid", "hi"], size=n),
                            categories=["lo", "mid", "hi"], ordered=True)})
    y = (rng.normal(size=n) + frame["i"] > 2).astype(int)
    ebm = _fit(glassbox.ExplainableBoostingClassifier(
        outer_bags=1, max_rounds=60, n_jobs=1, interactions=[(0, 1, 3)],
        feature_types=["nominal", "nominal", "nominal", "ordinal"]), frame, y)
    model = glassboost.from_interpret(ebm)
    assert model.feature_types_in_ == ["nominal", "nominal", "nominal", "ordinal"]
    _assert_same(ebm, model, frame)
    values = rng.normal(size=(80, 3))
    ebm = _fit(glassbox.ExplainableBoostingClassifier(outer_bags=1, max_rounds=60, n_jobs=1),
               values, (values[:, 0] > 0).astype(int))
    model = glassboost.from_interpret(ebm)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # InterpretML: "Falling back to positional columns"
        _assert_same(ebm, model, pd.DataFrame(values))
    np.testing.assert_allclose(model.predict_proba(values), ebm.predict_proba(values),
                               rtol=0, atol=TOLERANCE)


def test_merged_interpret_models_convert(models):
    """InterpretML's merge_ebms makes a model without some estimator parameters; it converts."""
    frame = _data()
    other = _fit(glassbox.ExplainableBoostingClassifier(
        interactions=[(0, 1, 2), (0, 3)], **dict(_COMMON, random_state=7)), frame.iloc[:150],
        (frame["a"].fillna(0) > 0).astype(int).iloc[:150])
    merged = glassbox.merge_ebms([models["binary"], other])
    _assert_same(merged, glassboost.from_interpret(merged), _scoring_rows(frame))


def test_hostile_interpret_json_fails_cleanly(models):
    import json

    text = json.dumps(_interpret_document(models["binary"])).replace(
        '"scores": [', '"scores": ' + "[" * 3000 + "0.0" + "]" * 3000 + ', "x": [', 1)
    with pytest.raises(ModelFileError, match="nested too deeply"):
        glassboost.load(text)
    document = _interpret_document(models["binary"])
    levels = document["ebm"]["features"][0]["cuts"]  # cut points have no size limit
    document["ebm"]["features"][0]["cuts"] = [np.linspace(1e200, 2e200, len(level)).tolist()
                                              for level in levels]
    model = glassboost.load(json.dumps(document))
    assert model.bins_[0][0][0] == 1e200


def test_interpret_json_detail_levels(models):
    """A part InterpretML's file leaves out is absent (it raises on use); one it holds is used,
    e.g. bin weights for importances."""
    import json

    from glassboost.io.detail import AbsentPart

    ebm = models["binary"]
    minimal = glassboost.load(json.dumps(_interpret_document(ebm)))
    assert isinstance(minimal.standard_deviations_, AbsentPart)
    assert isinstance(minimal.bin_weights_, AbsentPart)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        buffer = io.StringIO()
        ebm.to_json(buffer, detail="interpretable")
    interpretable = glassboost.load(buffer.getvalue())
    np.testing.assert_allclose(interpretable.term_importances(), ebm.term_importances(),
                               rtol=1e-12)
    assert len(interpretable.bagged_scores_[0]) == 0
    again = glassboost.load(interpretable.to_json(detail="interpretable"))
    _assert_same(ebm, again, _scoring_rows(_data()))


def _interpret_json(ebm, detail: str = "all") -> str:
    buffer = io.StringIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ebm.to_json(buffer, detail=detail)
    return buffer.getvalue()


def test_models_monotonized_by_interpret_convert_and_load(models):
    """InterpretML's monotonize sets the term's standard deviations and per-bag scores, and the
    bagged intercepts, to None (its files leave them out): the model has no bags, and that term
    zero spread (InterpretML draws it without a band)."""
    ebm = copy.deepcopy(models["binary"]).monotonize("a")
    rows = _scoring_rows(_data())
    for model in (glassboost.from_interpret(ebm), glassboost.load(_interpret_json(ebm)),
                  glassboost.load(_interpret_json(ebm, "interpretable"))):
        _assert_same(ebm, model, rows)
        assert len(model.bagged_intercept_) == 0 and len(model.bagged_scores_[1]) == 0
        assert np.all(model.standard_deviations_[0] == 0)
        np.testing.assert_array_equal(model.standard_deviations_[1], ebm.standard_deviations_[1])


def test_models_swept_by_interpret_convert_and_load(models):
    """InterpretML's sweep empties the bins of the features no term uses (bins_ entry []);
    such a feature still names a column, which scores nothing."""
    ebm = copy.deepcopy(models["regression"])
    ebm.remove_terms([t for t, name in enumerate(ebm.term_names_) if "b" in name.split(" & ")])
    ebm.sweep()
    assert len(ebm.bins_[1]) == 0
    rows = _scoring_rows(_data())
    for model in (glassboost.from_interpret(ebm), glassboost.load(_interpret_json(ebm))):
        _assert_same(ebm, model, rows)
        _assert_same(ebm, glassboost.load(model.to_json()), rows)


# ---- booleans, integers and floats as InterpretML labels them ---------------------------------
def _flags(n: int = 160, seed: int = 6) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A number, a boolean flag and a target that depends on both."""
    rng = np.random.default_rng(seed)
    a = rng.normal(size=n)
    flag = rng.random(n) > 0.4
    return a, flag, a + 1.5 * flag + rng.normal(size=n) / 2


def _boolean_forms(flag: np.ndarray) -> dict[str, pd.Series]:
    """One boolean column in every form a user may hand over, with missing values where the
    form allows them."""
    gaps = np.arange(len(flag)) % 9 == 4
    python = [None if gap else bool(v) for v, gap in zip(flag, gaps)]
    return {
        "bool": pd.Series(flag),
        "boolean with NA": pd.Series(python, dtype="boolean"),
        "objects": pd.Series(python, dtype=object),
        "numpy bools as objects": pd.Series([np.bool_(v) for v in flag], dtype=object),
        "categorical": pd.Series(pd.Categorical(flag)),
        "integers": pd.Series(flag.astype(int)),
        "floats with NaN": pd.Series(np.where(gaps, np.nan, flag.astype(float))),
    }


def _frame_scores(model, frame: pd.DataFrame) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # InterpretML: missing values, positional columns
        return _scores(model, frame)


@pytest.mark.parametrize("flag_type", ["auto", "nominal", "ordinal"])
@pytest.mark.parametrize("training_form", ["bool", "boolean with NA", "objects"])
def test_boolean_columns_score_as_interpret(flag_type, training_form):
    """InterpretML types a boolean column continuous (0/1) unless told otherwise, and labels
    its booleans "1"/"0" as categories; the converted model scores every form of booleans (and
    the numbers 0 and 1) as InterpretML, alone and in a pair, also after both JSON formats."""
    a, flag, y = _flags()
    forms = _boolean_forms(flag)
    frame = pd.DataFrame({"a": a, "flag": forms[training_form]})
    types = None if flag_type == "auto" else ["continuous", flag_type]
    ebm = _fit(glassbox.ExplainableBoostingRegressor(
        outer_bags=2, max_rounds=60, n_jobs=1, interactions=[(0, 1)], feature_types=types),
        frame, y)
    assert ebm.feature_types_in_[1] == ("continuous" if flag_type == "auto" else flag_type)
    model = glassboost.from_interpret(ebm)
    for form, column in forms.items():
        rows = pd.DataFrame({"a": a, "flag": column})
        want = _frame_scores(ebm, rows)
        np.testing.assert_allclose(model.decision_function(rows), want, rtol=0, atol=TOLERANCE,
                                   err_msg=form)
        np.testing.assert_allclose(model.eval_terms(rows), ebm.eval_terms(rows), rtol=0,
                                   atol=TOLERANCE, err_msg=form)
    rows = pd.DataFrame({"a": a, "flag": forms["objects"]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        text = io.StringIO()
        ebm.to_json(text, detail="all")
    for again in (glassboost.load(text.getvalue()), glassboost.load(model.to_json())):
        np.testing.assert_allclose(again.decision_function(rows), _frame_scores(ebm, rows),
                                   rtol=0, atol=TOLERANCE)


def test_boolean_categories_get_twins_without_weight():
    """A category InterpretML labels "1" is also glassboost's "True" (a twin bin of the same
    scores and no weight) in mains, pairs and three-feature terms of a multiclass model:
    importances and the weights' totals stay InterpretML's."""
    a, flag, y = _flags()
    other = np.roll(flag, 5).astype(int)
    frame = pd.DataFrame({"a": a, "flag": flag, "other": other})
    classes = np.array(["lo", "mid", "hi"])[np.digitize(y, [0.5, 1.5])]
    ebm = _fit(glassbox.ExplainableBoostingClassifier(
        outer_bags=2, max_rounds=60, n_jobs=1, interactions=[(0, 1), (0, 1, 2)],
        feature_types=["continuous", "nominal", "nominal"]), frame, classes)
    assert ebm.bins_[1][0] == {"0": 1, "1": 2}
    model = glassboost.from_interpret(ebm)
    assert model.bins_[1][0] == {"0": 1, "False": 2, "1": 3, "True": 4}
    twin_of = [0, 1, 1, 2, 2, 3]
    main = model.term_names_.index("flag")
    np.testing.assert_array_equal(model.term_scores_[main], ebm.term_scores_[main][twin_of])
    np.testing.assert_array_equal(model.bagged_scores_[main],
                                  ebm.bagged_scores_[main][:, twin_of])
    np.testing.assert_array_equal(model.bin_weights_[main][[2, 4]], [0.0, 0.0])
    triple = model.term_names_.index("a & flag & other")
    np.testing.assert_array_equal(model.term_scores_[triple],
                                  ebm.term_scores_[triple][:, twin_of][:, :, twin_of])
    for t, term in enumerate(model.term_names_):
        assert model.bin_weights_[t].sum() == pytest.approx(ebm.bin_weights_[t].sum()), term
    np.testing.assert_allclose(model.term_importances(), ebm.term_importances(), rtol=1e-12)
    rows = frame.assign(flag=frame["flag"].astype(object), other=frame["other"] == 1)
    _assert_same(ebm, model, rows)


def test_boolean_array_models_score_as_interpret():
    """Models fitted on numpy arrays: all-boolean (typed continuous by InterpretML, or declared
    nominal) and objects mixing numbers and Python booleans; scored from arrays and frames."""
    a, flag, y = _flags()
    other = np.roll(flag, 7)
    booleans = np.column_stack([flag, other])
    mixed = np.empty((len(a), 2), dtype=object)
    mixed[:, 0], mixed[:, 1] = a, flag.tolist()
    for values, types in [(booleans, None), (booleans, ["nominal", "continuous"]),
                          (mixed, None), (mixed, ["continuous", "nominal"])]:
        ebm = _fit(glassbox.ExplainableBoostingRegressor(
            outer_bags=1, max_rounds=60, n_jobs=1, interactions=[(0, 1)], feature_types=types),
            values, y)
        model = glassboost.from_interpret(ebm)
        flipped = values.copy()
        flipped[::3, 1] = ~flag[::3] if values.dtype == bool else (~flag[::3]).tolist()
        for rows in (values, flipped, pd.DataFrame(flipped)):
            np.testing.assert_allclose(model.decision_function(rows), _frame_scores(ebm, rows),
                                       rtol=0, atol=TOLERANCE, err_msg=str(types))


def test_integer_and_float_categories_score_as_interpret():
    """Integers, floats (1.0 is "1", 1e16 is "1e+16" apart from the integer 10**16), float32
    columns and booleans, as numbers, objects, text and booleans."""
    rng = np.random.default_rng(8)
    n = 180
    frame = pd.DataFrame({
        "i": rng.choice([0, 1, 2, 10**17], size=n),
        "f": rng.choice([0.0, 1.0, 2.5, 1e16, -3e20], size=n),
        "g": rng.choice([0.1, 2.0, 1e20], size=n).astype(np.float32),
    })
    y = rng.normal(size=n) + (frame["i"] == 1) + (frame["f"] > 2)
    ebm = _fit(glassbox.ExplainableBoostingRegressor(
        outer_bags=1, max_rounds=60, n_jobs=1, interactions=[(0, 1, 2)],
        feature_types=["nominal", "nominal", "nominal"]), frame, y)
    assert "1e+16" in ebm.bins_[1][0] and "1.0000000200408773e+20" in ebm.bins_[2][0]
    model = glassboost.from_interpret(ebm)
    assert model.bins_[0][0] == {"0": 1, "False": 2, "1": 3, "True": 4, "2": 5,
                                 "100000000000000000": 6}
    scoring = [frame, frame.astype(object), frame.astype({"i": float}),
               frame.assign(i=frame["i"].astype(str), f=frame["f"].map(str)),
               frame.assign(i=frame["i"] == 1, f=frame["f"] == 0),
               frame.assign(f=frame["f"].astype("Float64"), g=frame["g"].astype(float)),
               frame.assign(g=pd.Series(list(frame["g"].to_numpy()), dtype=object))]
    for rows in scoring:
        np.testing.assert_allclose(model.decision_function(rows), _frame_scores(ebm, rows),
                                   rtol=0, atol=TOLERANCE)


def test_categories_glassboost_cannot_tell_apart_fail_naming_the_feature(models):
    ebm = models["binary"]
    assert set(ebm.bins_[1][0]) == {"x", "y", "z"}
    for labels in ({"1": 1, "True": 2, "z": 3}, {"False": 1, "y": 2, "0": 3}):
        bins = [list(levels) for levels in ebm.bins_]
        bins[1] = [labels]
        with pytest.raises(ValueError, match=r"bins_ of feature 'b': InterpretML's categories "
                                             r"'([01])' and '(True|False)' hold values that "
                                             r"glassboost labels alike"):
            glassboost.from_interpret(_attributes(ebm, bins_=bins))


def test_glassboost_models_score_booleans_in_continuous_features_as_numbers():
    """The same reading holds for glassboost's own models when scoring (a continuous feature
    fitted on 0/1 scores True/False as 1/0); at fit a boolean column declared continuous stays
    an error."""
    a, flag, y = _flags()
    numbers = pd.DataFrame({"a": a, "flag": flag.astype(int)})
    model = glassboost.ExplainableBoostingRegressor(outer_bags=1, max_rounds=40).fit(numbers, y)
    assert model.feature_types_in_ == ["continuous", "continuous"]
    for column in (pd.Series(flag), pd.Series(flag.tolist(), dtype=object),
                   pd.Series(flag, dtype="boolean")):
        np.testing.assert_array_equal(model.predict(numbers.assign(flag=column)),
                                      model.predict(numbers))
    with pytest.raises(TypeError, match="Feature 'flag' is boolean but was declared continuous"):
        glassboost.ExplainableBoostingRegressor(feature_types=["continuous", "continuous"]).fit(
            numbers.assign(flag=flag), y)
