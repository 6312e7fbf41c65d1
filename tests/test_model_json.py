"""Model files: exact round trips, and a loader that rejects every damaged file cleanly."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from glassboost import ExplainableBoostingClassifier, ExplainableBoostingRegressor, load
from glassboost.estimators import FITTED_ATTRIBUTES
from glassboost.io import ModelFileError, to_json

SMALL = dict(outer_bags=2, max_bins=8, max_interaction_bins=5, interactions=[(0, 1), (0, 3)],
             max_rounds=60, early_stopping_rounds=10, n_jobs=1)


def _data(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({
        "num": rng.normal(size=n),
        "color": rng.choice(["red", "green", "blue", "it's"], n),
        "count": rng.integers(0, 6, n).astype(float),
        "size": pd.Categorical(rng.choice(["S", "M", "L"], n), categories=["S", "M", "L"],
                               ordered=True),
    })
    X.loc[::11, "num"] = np.nan
    X.loc[::13, "color"] = None
    return X


def _probe(X: pd.DataFrame) -> pd.DataFrame:
    """Scoring data with missing values, unseen categories and text in a numeric column."""
    probe = X.head(60).astype({"num": object, "color": object})
    probe.loc[probe.index[::4], "color"] = "never seen"
    probe.loc[probe.index[1::9], "num"] = "text"
    return probe


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return _data(500)


@pytest.fixture(scope="module")
def models(data) -> dict:
    """Fitted models covering every task, link and class type."""
    X = data
    signal = X["num"].fillna(0) + (X["color"] == "red") + X["count"] / 3
    binary = (signal > 0.8).to_numpy()  # bool classes
    three = np.select([signal < 0.5, signal < 1.2], ["low", "mid"], "high")
    kw = dict(SMALL, outer_bags=3, max_bins=32, max_interaction_bins=10)
    return {
        "binary": ExplainableBoostingClassifier(**kw).fit(X, binary),
        "multiclass": ExplainableBoostingClassifier(**kw).fit(X, three),
        "regression": ExplainableBoostingRegressor(**kw).fit(X, signal * 2.0),
        "poisson": ExplainableBoostingRegressor(objective="poisson_deviance", **kw).fit(
            X, np.round(np.exp(signal.to_numpy() / 2))),
        "numpy_int_classes": ExplainableBoostingClassifier(**dict(kw, interactions=1)).fit(
            X[["num", "count"]].to_numpy(), (signal > 0.8).astype(int).to_numpy() * 3 + 1),
    }


def assert_same_value(a, b, name: str) -> None:
    """Exact equality of fitted attribute values, including types and NaN.

    String classes load as Python strings in an object array, whatever numpy string dtype they
    were fitted with.
    """
    assert type(a) is type(b) or (isinstance(a, tuple) and isinstance(b, tuple)), name
    if isinstance(a, np.ndarray):
        kinds = {a.dtype.kind, b.dtype.kind}
        assert (len(kinds) == 1 or kinds == {"U", "O"}) and a.shape == b.shape, name
        assert np.array_equal(a, b, equal_nan=a.dtype.kind == "f"), name
    elif isinstance(a, dict):
        assert list(a) == list(b), name
        for key in a:
            assert_same_value(a[key], b[key], f"{name}[{key!r}]")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), name
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same_value(x, y, f"{name}[{i}]")
    elif isinstance(a, float) and np.isnan(a):
        assert np.isnan(b), name
    else:
        assert a == b, name


@pytest.mark.parametrize("kind", ["binary", "multiclass", "regression", "poisson",
                                  "numpy_int_classes"])
def test_round_trip_is_exact(models, data, kind):
    model = models[kind]
    loaded = load(to_json(model))
    assert type(loaded) is type(model)
    X = _probe(data) if model._match_by_name else data[["num", "count"]].to_numpy()[:80]
    for attribute in FITTED_ATTRIBUTES:
        if hasattr(model, attribute):
            assert_same_value(getattr(model, attribute), getattr(loaded, attribute), attribute)
    assert loaded.get_params() == json.loads(json.dumps(model.get_params(), default=list))
    np.testing.assert_allclose(loaded.eval_terms(X), model.eval_terms(X), rtol=0, atol=1e-12)
    np.testing.assert_allclose(loaded.decision_function(X), model.decision_function(X),
                               rtol=0, atol=1e-12)
    assert np.array_equal(loaded.predict(X), model.predict(X))
    if hasattr(model, "predict_proba"):
        np.testing.assert_allclose(loaded.predict_proba(X), model.predict_proba(X), atol=1e-12)
    assert to_json(loaded) == to_json(model)


def test_sources_paths_files_bytes(models, tmp_path):
    model = models["binary"]
    path = tmp_path / "model.json"
    assert model.to_json(path) is None
    text = path.read_text(encoding="utf-8")
    assert text == model.to_json()
    document = json.loads(text)
    assert document["format"] == "glassboost.ebm" and document["format_version"] == 1
    assert document["classes"] == {"type": "bool", "values": [False, True]}
    assert document["link_param"] == {"float": "nan"}
    for source in (path, str(path), text.encode(), io.StringIO(text), io.BytesIO(text.encode())):
        assert load(source).term_names_ == model.term_names_
    with pytest.raises(ModelFileError, match="cannot read"):
        load(tmp_path / "missing.json")


def test_without_bags(models, data):
    model = models["multiclass"]
    loaded = load(to_json(model, include_bagged=False))
    assert loaded.bagged_intercept_.shape == (0, 3)
    assert all(b.shape == (0,) + s.shape for b, s in zip(loaded.bagged_scores_,
                                                          loaded.term_scores_))
    np.testing.assert_array_equal(loaded.decision_function(data), model.decision_function(data))


def _tampered(model, edit) -> str:
    document = json.loads(to_json(model))
    edit(document)
    return json.dumps(document)


def _set(path: list, value):
    def edit(document):
        node = document
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
    return edit


@pytest.mark.parametrize("edit, message", [
    (_set(["format_version"], 2), "version 2 is not supported"),
    (_set(["format"], "other"), "not a glassboost model file"),
    (_set(["features", 0, "cuts", 1], -1e9), "strictly increasing"),
    (lambda d: d["features"][0].update(interaction_cuts=[sum(d["features"][0]["cuts"][:2]) / 2]),
     "subset of cuts"),
    (_set(["features", 1, "categories", "red"], 7), "indices must be the integers"),
    (_set(["terms", 0, "features"], [9]), "distinct indices"),
    (_set(["terms", 0, "scores"], [0.0, 1.0]), "has shape"),
    (_set(["terms", 4, "scores", 1], [0.0]), "rectangular"),
    (_set(["terms", 0, "standard_deviations", 0], -1.0), "negative"),
    (_set(["terms", 1, "name"], "num"), "term names must be unique"),
    (_set(["classes", "values"], [False, True, "x"]), "classes must be distinct"),
    (_set(["link"], "identity"), "needs link 'logit'"),
    (_set(["task"], "regression"), "regression model"),
    (_set(["intercept"], [0.1, 0.2]), "intercept has shape"),
    (_set(["bagged_intercept"], [0.1]), "same 1 bags"),
    (_set(["training", "interaction_strengths"], [{"features": ["a", "b"], "strength": 1}]),
     "unknown features"),
    (_set(["terms", 0, "surprise"], 1), "schema"),
])
def test_tampered_files_are_rejected_clearly(models, edit, message):
    with pytest.raises(ModelFileError, match=message):
        load(_tampered(models["binary"], edit))


@pytest.mark.parametrize("source", ["", "{", "[]", "null", '{"format": NaN}', '{"a": 1, "a": 2}',
                                    b"\xff\xfe{", '{"a": ' + "1" * 5000 + "}", 3.5,
                                    "[" * 100000])
def test_not_model_json(source):
    with pytest.raises(ModelFileError):
        load(source)


# ---- property test: damaged files -------------------------------------------------------------
def _paths(node, prefix=()):
    """Every path into a JSON tree (the root excluded)."""
    items = node.items() if isinstance(node, dict) else (
        enumerate(node) if isinstance(node, list) else ())
    for key, child in items:
        yield prefix + (key,)
        yield from _paths(child, prefix + (key,))


json_values = st.one_of(
    st.none(), st.booleans(), st.integers(-10**30, 10**30),
    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=6),
    st.lists(st.floats(-1e3, 1e3), max_size=3), st.just({}), st.just({"float": "nan"}),
    st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
)
operations = ["delete", "replace", "number", "shrink", "grow", "swap"]


def _mutate(document, path, op, draw) -> None:
    """Apply one damage at ``path``; paths that earlier damage removed are left alone."""
    parent = document
    try:
        for key in path[:-1]:
            parent = parent[key]
        key = path[-1]
        old = parent[key]
    except (KeyError, IndexError, TypeError):
        return
    if op == "delete":
        del parent[key]
    elif op == "replace":
        parent[key] = draw(json_values)
    elif op == "number" and isinstance(old, (int, float)) and not isinstance(old, bool):
        change = draw(st.integers(-3, 3) | st.floats(-1e300, 1e300))
        parent[key] = change if isinstance(change, float) else old + change
    elif op == "shrink" and isinstance(old, list) and old:
        old.pop()
    elif op == "grow" and isinstance(old, list) and old:
        old.append(old[-1])
    elif op == "swap" and isinstance(old, list) and len(old) > 1:
        old[0], old[-1] = old[-1], old[0]


@pytest.fixture(scope="module")
def base_documents(data) -> list[tuple[str, list]]:
    """Small valid model files to damage, with every path into their JSON trees."""
    X = data.head(200)
    signal = X["num"].fillna(0) + (X["color"] == "red")
    texts = [
        to_json(ExplainableBoostingClassifier(**SMALL).fit(X, signal > 0.5)),
        to_json(ExplainableBoostingClassifier(**SMALL).fit(
            X, np.select([signal < 0, signal < 1], ["a", "b"], "c"))),
        to_json(ExplainableBoostingRegressor(**SMALL).fit(X, signal)),
    ]
    return [(text, list(_paths(json.loads(text)))) for text in texts]


def assert_consistent(model, data: pd.DataFrame) -> None:
    """What a loaded model must satisfy: scoring works and adds up, and files are stable."""
    probe = _probe(data).iloc[:20, :model.n_features_in_]
    probe.columns = model.feature_names_in_
    scores = model.decision_function(probe)
    assert scores.shape == (len(probe),) + np.shape(model.term_scores_[0])[
        len(model.term_features_[0]):]
    text = to_json(model)
    assert to_json(load(text)) == text


@settings(max_examples=2000, deadline=5000, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(which=st.integers(0, 2), data_draw=st.data())
def test_damaged_files_fail_cleanly_or_load_consistent_models(base_documents, data, which,
                                                              data_draw):
    """Every damaged file ends in ModelFileError or loads a fully consistent model.

    Acceptable loads are damages that leave a valid model, e.g. another finite number in a table,
    a renamed term, a swapped pair of equal-sized bins, or a dropped optional field.
    """
    text, paths = base_documents[which]
    kind = data_draw.draw(st.sampled_from(["tree", "tree", "tree", "truncate", "bytes", "flip"]))
    if kind == "bytes":
        damaged = data_draw.draw(st.binary(max_size=300))
    elif kind == "truncate":
        damaged = text[:data_draw.draw(st.integers(0, len(text) - 1))]
    elif kind == "flip":
        position = data_draw.draw(st.integers(0, len(text) - 1))
        damaged = text[:position] + data_draw.draw(st.characters()) + text[position + 1:]
    else:
        document = json.loads(text)
        for _ in range(data_draw.draw(st.integers(1, 3))):
            _mutate(document, paths[data_draw.draw(st.integers(0, len(paths) - 1))],
                    data_draw.draw(st.sampled_from(operations)), data_draw.draw)
        damaged = json.dumps(document)
    try:
        model = load(damaged)
    except ModelFileError as error:
        assert isinstance(error, ValueError) and str(error)
        return
    assert_consistent(model, data)
