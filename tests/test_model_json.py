"""Model files: exact round trips at every detail level, gzip, size limits, old versions, and a
loader that rejects every inconsistent file naming the field (random damage: test_model_fuzz)."""

from __future__ import annotations

import gzip
import io
import json
import re
import time
from importlib import resources
from pathlib import Path

import jsonschema
import numpy as np
import pandas as pd
import pytest

from glassboost import ExplainableBoostingClassifier, ExplainableBoostingRegressor, load
from glassboost.loading import load_fitted_model
from glassboost.datetimes import DateConversion
from glassboost.estimators import FITTED_ATTRIBUTES
from glassboost.io import ModelFileError, to_json
from glassboost.io.detail import DETAILS, AbsentPart, AbsentPartError, absent_parts

DATA = Path(__file__).parent / "data"
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


def _rows(model, data):
    return _probe(data) if model._match_by_name else data[["num", "count"]].to_numpy()[:80]


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


# ---- round trips -----------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["binary", "multiclass", "regression", "poisson",
                                  "numpy_int_classes"])
def test_round_trip_is_exact(models, data, kind):
    model = models[kind]
    loaded = load(to_json(model))
    assert type(loaded) is type(model)
    X = _rows(model, data)
    for attribute in FITTED_ATTRIBUTES:
        if hasattr(model, attribute):
            assert_same_value(getattr(model, attribute), getattr(loaded, attribute), attribute)
    assert loaded.get_params() == json.loads(json.dumps(model.get_params(), default=list))
    np.testing.assert_array_equal(loaded.eval_terms(X), model.eval_terms(X))
    np.testing.assert_array_equal(loaded.decision_function(X), model.decision_function(X))
    assert np.array_equal(loaded.predict(X), model.predict(X))
    if hasattr(model, "predict_proba"):
        np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    assert to_json(loaded) == to_json(model)


@pytest.mark.parametrize("kind", ["binary", "multiclass", "regression", "poisson"])
@pytest.mark.parametrize("detail", DETAILS)
def test_every_detail_level_loads_and_predicts_the_same(models, data, kind, detail):
    model = models[kind]
    text = model.to_json(detail=detail)
    assert json.loads(text)["detail"] == detail
    loaded = load(text)
    X = _rows(model, data)
    np.testing.assert_array_equal(loaded.decision_function(X), model.decision_function(X))
    assert np.array_equal(loaded.predict(X), model.predict(X))
    assert loaded.to_json(detail=detail) == text
    rank = DETAILS.index(detail)
    assert absent_parts(loaded) == (["standard_deviations_", "bin_weights_",
                                     "interaction_strengths_"] if rank == 0 else [])
    assert (loaded.best_iteration_ is None) == (rank < 2)
    n_bags = loaded.bagged_intercept_.shape[0]
    assert n_bags == (model.outer_bags if rank == 3 else 0)
    assert all(b.shape == (n_bags,) + s.shape
               for b, s in zip(loaded.bagged_scores_, loaded.term_scores_))
    if rank == 3:
        np.testing.assert_array_equal(loaded.predict_with_uncertainty(X),
                                      model.predict_with_uncertainty(X))
    else:
        with pytest.raises(AbsentPartError, match=r"predict_with_uncertainty needs the per-bag "
                                                  r"tables .*zero bags.*detail='all'"):
            loaded.predict_with_uncertainty(X)
    if rank >= 1:
        assert_same_value(model.standard_deviations_, loaded.standard_deviations_, "sd")
        assert_same_value(model.bin_weights_, loaded.bin_weights_, "weights")
        np.testing.assert_array_equal(loaded.term_importances(), model.term_importances())


@pytest.mark.parametrize("kind", ["multiclass", "poisson"])
@pytest.mark.parametrize("compact", [False, True])
def test_a_model_without_terms_round_trips(models, data, kind, compact):
    """Removing every term leaves the intercept; the score bounds check failed on no tables
    with a numpy IndexError, writing or loading."""
    model = models[kind].copy()
    model.remove_terms(range(len(model.term_names_)))
    loaded = load(model.to_json(compact=compact))
    assert loaded.term_names_ == []
    score = "predict_proba" if kind == "multiclass" else "predict"
    np.testing.assert_array_equal(getattr(loaded, score)(_probe(data)),
                                  getattr(model, score)(_probe(data)))


def test_detail_levels_grow_and_compress(models, tmp_path):
    model = models["multiclass"]
    sizes = [len(model.to_json(detail=d, indent=None)) for d in DETAILS]
    assert sizes == sorted(sizes) and sizes[0] < sizes[-1] / 2
    for detail in DETAILS:
        path = tmp_path / f"model-{detail}.json.gz"
        model.to_json(path, detail=detail)
        raw = path.read_bytes()
        assert raw[:2] == b"\x1f\x8b" and gzip.decompress(raw).decode() == model.to_json(
            detail=detail)
        assert len(raw) < len(model.to_json(detail=detail)) / 2
        model.to_json(tmp_path / "again.json.gz", detail=detail)
        assert (tmp_path / "again.json.gz").read_bytes() == raw  # no time stamp inside
        for source in (path, str(path), raw, io.BytesIO(raw)):
            assert load(source).to_json(detail=detail) == model.to_json(detail=detail)


def test_missing_parts_fail_clearly(models, data):
    model = models["binary"]
    minimal = load(model.to_json(detail="minimal"))
    assert isinstance(minimal.standard_deviations_, AbsentPart)
    for use in (minimal.term_importances, minimal.explain_global,
                lambda: minimal.remove_weak_terms(0.1),
                lambda: np.asarray(minimal.bin_weights_),
                lambda: minimal.standard_deviations_[0], lambda: len(minimal.bin_weights_)):
        with pytest.raises(AbsentPartError, match=r"(bin_weights_|standard_deviations_) is not "
                                                  r"in this model.*detail='minimal'"):
            use()
    with pytest.raises(ValueError, match="cannot write detail='interpretable'.*'minimal'"):
        minimal.to_json(detail="interpretable")
    # what needs no missing part still works: scoring, local explanations, SQL
    assert minimal.explain_local(_probe(data).head(3)) is not None
    assert "CASE" in minimal.to_sql()
    interpretable = load(model.to_json(detail="interpretable"))
    assert interpretable.explain_global() is not None


def test_file_arguments(models, tmp_path):
    model = models["binary"]
    text = model.to_json()
    assert text.startswith('{\n  "format": "glassboost.ebm"')  # indent=2, like InterpretML
    compact = model.to_json(indent=None)
    assert "\n" not in compact and json.loads(compact) == json.loads(text)
    path = tmp_path / "model.json"
    assert model.to_json(path) is None and path.read_text(encoding="utf-8") == text
    assert model.to_json(str(tmp_path / "s.json"), "minimal") is None
    assert json.loads((tmp_path / "s.json").read_text())["detail"] == "minimal"
    text_file, binary_file = io.StringIO(), io.BytesIO()
    model.to_json(text_file, detail="mergeable")
    model.to_json(binary_file, detail="mergeable")
    assert text_file.getvalue() == binary_file.getvalue().decode() == model.to_json(
        detail="mergeable")
    document = json.loads(text)
    assert document["format"] == "glassboost.ebm" and document["format_version"] == 2
    assert document["classes"] == {"type": "bool", "values": [False, True]}
    assert document["link_param"] == {"float": "nan"}
    for source in (path, str(path), text, text.encode(), io.StringIO(text),
                   io.BytesIO(text.encode())):
        assert load(source).term_names_ == model.term_names_
    with pytest.raises(ModelFileError, match="cannot read"):
        load(tmp_path / "missing.json")
    with pytest.raises(ValueError, match="detail='full' is not one of"):
        model.to_json(detail="full")
    with pytest.raises(TypeError, match="file must be a path"):
        model.to_json(3)


def test_unwritable_model_touches_no_file(models, tmp_path):
    model = load(models["regression"].to_json())
    model.term_scores_[1] = model.term_scores_[1] * np.nan
    path = tmp_path / "model.json"
    with pytest.raises(ValueError, match=r"terms\[1\]\.scores: holds a non-finite number"):
        model.to_json(path)
    assert not path.exists()


def test_the_published_schema_describes_every_detail_level(models):
    schema = json.loads(resources.files("glassboost.io").joinpath("model.schema.json")
                        .read_text())
    validator = jsonschema.Draft202012Validator(schema)
    for model in models.values():
        for detail in DETAILS:
            document = json.loads(model.to_json(detail=detail))
            assert not list(validator.iter_errors(document)), detail
            mislabeled = dict(document, detail=DETAILS[(DETAILS.index(detail) + 1) % 4])
            assert list(validator.iter_errors(mislabeled)), detail


def test_bag_shares_load_and_are_checked(models):
    """A merged model's file keeps each bag's share (merge_ebms; round trips: test_merge)."""
    schema = json.loads(resources.files("glassboost.io").joinpath("model.schema.json")
                        .read_text())
    validator = jsonschema.Draft202012Validator(schema)
    document = json.loads(models["regression"].to_json())  # 3 bags
    assert "bag_shares" not in document
    shared = dict(document, bag_shares=[0.25, 0.25, 0.5])
    assert not list(validator.iter_errors(shared))
    model = load(json.dumps(shared))
    np.testing.assert_array_equal(model.bag_shares_, [0.25, 0.25, 0.5])
    for shares, message in (([0.25, 0.25, 0.6], r"bag_shares: must sum to 1"),
                            ([0.5, 0.5], r"bag_shares"),
                            ([1.5, -0.5, 0.0], r"bag_shares")):
        with pytest.raises(ModelFileError, match=message):
            load(json.dumps(dict(document, bag_shares=shares)))
    mergeable = dict(json.loads(models["regression"].to_json(detail="mergeable")),
                     bag_shares=[0.25, 0.25, 0.5])
    assert list(validator.iter_errors(mergeable))
    with pytest.raises(ModelFileError, match="bag_shares"):
        load(json.dumps(mergeable))


# ---- old files and limits --------------------------------------------------------------------
@pytest.mark.parametrize("name, detail", [("model-format-1-binary.json", "all"),
                                          ("model-format-1-multiclass-no-bags.json",
                                           "mergeable")])
def test_version_1_files_still_load(name, detail):
    document = json.loads((DATA / name).read_text())
    assert document["format_version"] == 1
    model = load(DATA / name)
    for t, term in enumerate(document["terms"]):
        np.testing.assert_array_equal(model.term_scores_[t], term["scores"])
        np.testing.assert_array_equal(model.standard_deviations_[t],
                                      term["standard_deviations"])
    assert model.term_names_ == [t["name"] for t in document["terms"]]
    rewritten = json.loads(model.to_json(detail=detail))
    assert rewritten["format_version"] == 2
    for key in ("features", "intercept", "classes", "link"):
        assert rewritten[key] == document[key]
    assert [t["scores"] for t in rewritten["terms"]] == [t["scores"] for t in document["terms"]]
    assert load(json.dumps(rewritten)).to_json(detail=detail) == model.to_json(detail=detail)


def test_size_limit_is_checked_before_parsing(models, tmp_path):
    text = models["binary"].to_json()
    path = tmp_path / "model.json"
    path.write_text(text + " " * 1000)
    assert load(path).term_names_ == models["binary"].term_names_
    garbage = tmp_path / "garbage.json"
    garbage.write_text("{" + "x" * 20_000)  # not JSON, but the size error comes first
    for source in (garbage, garbage.read_text(), garbage.read_bytes(),
                   io.BytesIO(garbage.read_bytes())):
        with pytest.raises(ModelFileError, match="above the limit of 10,000 bytes") as error:
            load(source, max_bytes=10_000)
        assert error.value.field is None
    bomb = gzip.compress(b" " * 5_000_000)  # 5 KB that expand to 5 MB
    with pytest.raises(ModelFileError, match="decompresses to 1,000,001 bytes or more"):
        load(bomb, max_bytes=1_000_000)
    with pytest.raises(ModelFileError, match="damaged gzip"):
        load(gzip.compress(text.encode())[:-30])
    for bad in (0, -1, 1.5, True, "10"):
        with pytest.raises(ValueError, match="max_bytes must be a positive integer"):
            load(text, max_bytes=bad)


def test_rejecting_a_million_entry_file_is_fast(models):
    """It took 46 s when every array item went through jsonschema."""
    document = json.loads(models["binary"].to_json())
    document["features"][0]["cuts"] = [0.5] * 1_000_000
    text = json.dumps(document)
    start = time.process_time()
    with pytest.raises(ModelFileError, match=r"features\[0\]\.cuts: must be strictly"):
        load(text)
    assert time.process_time() - start < 3.0  # about 0.4 s on a loaded 2-core machine


# ---- meaning checks --------------------------------------------------------------------------
def _tampered(model, edit, detail: str = "all") -> str:
    document = json.loads(to_json(model, detail=detail))
    edit(document)
    return json.dumps(document)


def _set(path: list, value):
    def edit(document):
        node = document
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
    return edit


def _three_feature_term(document):
    """A term over features 0, 1 and 3 whose 3-D table is shaped by the main-effect bins:
    interactions of any order need the interaction bins."""
    bins = [len(f["cuts"]) + 3 if f["type"] == "continuous"
            else len(f["categories"]) + 2 for f in document["features"]]
    shape = (bins[0], bins[1], bins[3])
    zeros = np.zeros(shape).tolist()
    document["terms"].append({"name": "num & color & size", "features": [0, 1, 3],
                              "scores": np.full(shape, 0.5).tolist(),
                              "standard_deviations": zeros, "bin_weights": zeros,
                              "bagged_scores": [zeros] * len(document["bagged_intercept"])})


def _huge_pair(document):
    for term in document["terms"][:2]:
        term["scores"][1] = 6e99


def _log_overflow(document):
    document["terms"][0]["scores"][1] = 400.0
    document["terms"][1]["scores"][1] = 400.0


def _reversed_pair(document):
    pair = next(t for t in document["terms"] if len(t["features"]) == 2)
    document["terms"].append(dict(pair, name="again", features=pair["features"][::-1]))


def _weights(document):
    document["terms"][2]["bin_weights"][1] += 5.0


def _nested(depth: int) -> list:
    value: list = [1]
    for _ in range(depth):
        value = [value]
    return value


def _date(document):
    document["datetime_conversions"] = [{"column": "when", "parts": ["year", "month"],
                                         "format": None}]


BINARY_CASES = [
    (_set(["format_version"], 5), "format_version", "version 5 is not supported"),
    (_set(["format"], "other"), "format", "not a glassboost model file"),
    (_set(["detail"], "full"), "detail", "must be one of"),
    (_three_feature_term, "terms[6].scores", "entries"),
    (_set(["terms", 0, "features"], []), "terms[0].features", "needs at least one feature"),
    (_set(["terms", 0, "features"], [True]), "terms[0].features", "feature indices"),
    (_set(["terms", 0, "features"], [4]), "terms[0].features", "feature indices"),
    (_set(["terms", 0, "features"], [-1]), "terms[0].features", "feature indices"),
    (_set(["terms", 4, "features"], [0, 0]), "terms[4].features", "uses a feature twice"),
    (_reversed_pair, "terms[6].features", "use the same features"),
    (_huge_pair, "terms[0].scores", "scores could reach 1.2e+100"),
    (_set(["terms", 0, "scores", 1], 1e101), "terms[0].scores", "above the limit 1e+100"),
    (_set(["terms", 0, "scores", 1], {"float": "nan"}), "terms[0].scores", "non-finite"),
    (_set(["terms", 0, "scores", 1], "0.5"), "terms[0].scores", "found a string"),
    (_set(["terms", 0, "scores", 1], True), "terms[0].scores", "found a boolean"),
    (_set(["terms", 0, "scores", 1], [0.5]), "terms[0].scores", "too deep"),
    (_set(["terms", 0, "scores", 1], 10 ** 400), "terms[0].scores", "too large for a float"),
    (_set(["terms", 0, "scores"], [0.0, 1.0]), "terms[0].scores", "has 2 entries, expected"),
    (_set(["terms", 4, "scores", 1], [0.0]), "terms[4].scores", "has 1 entries instead of"),
    (_set(["terms", 0, "standard_deviations", 0], -1.0), "terms[0].standard_deviations",
     "negative"),
    (_set(["terms", 0, "surprise"], 1), "terms[0].surprise", "is not a field here"),
    (_weights, "terms[2].bin_weights", "but training.n_samples is 500"),
    (_set(["bagged_intercept"], [0.1]), "terms[0].bagged_scores", "expected 1"),
    (_set(["features", 0, "cuts", 1], -1e9), "features[0].cuts", "strictly increasing"),
    (_set(["features", 1, "categories", "red"], 7), "features[1].categories",
     "bins must be the integers 1..4"),
    (_set(["features", 1, "categories", "re\x00d"], 5), "features[1].categories", "NUL"),
    (_set(["features", 0, "name"], "n\ud800m"), "features[0].name", "lone surrogate"),
    (_set(["features", 2, "name"], "num"), "features[2].name", "'num' is not unique"),
    (_set(["classes", "values"], [False, True, "x"]), "classes.values", "of type bool"),
    (_set(["classes", "values"], [True, True]), "classes.values", "2 distinct values"),
    (_set(["link"], "identity"), "link", "2 classes needs link 'logit'"),
    (_set(["task"], "regression"), "classes", "must be null for a regression model"),
    (_set(["training", "objective"], "rmse"), "training.objective", "not a classification"),
    (_set(["intercept"], [0.1, 0.2]), "intercept", "has 2 entries, expected 1"),
    (_set(["training", "interaction_strengths"], [{"features": ["a", "b"], "strength": 1}]),
     "training.interaction_strengths[0].features", "two different features of the model"),
    (_set(["training", "parameters", "deep"], _nested(40) + ["a\x00"]), "training.parameters",
     "must not contain NUL"),
    (_set(["training", "best_iteration"], [[1, 2], [3]]), "training.best_iteration",
     "has 1 entries instead of 2"),
    (_date, "datetime_conversions[0].parts", "'when:year' must be a continuous feature"),
]


@pytest.mark.parametrize("edit, field, message", BINARY_CASES)
def test_inconsistent_files_are_rejected_naming_the_field(models, edit, field, message):
    with pytest.raises(ModelFileError, match=re.escape(message)) as error:
        load(_tampered(models["binary"], edit))
    assert error.value.field == field
    assert str(error.value).startswith(field + ": ")


@pytest.mark.parametrize("kind, edit, field, message", [
    ("regression", _set(["link"], "log"), "link", "objective 'rmse' needs link 'identity'"),
    ("poisson", _set(["link"], "identity"), "link", "needs link 'log'"),
    ("poisson", _log_overflow, "terms[0].scores", "with the log link, scores could reach"),
    ("regression", _set(["classes"], {"type": "int", "values": [0, 1]}), "classes", "null"),
    ("multiclass", _set(["link"], "logit"), "link", "3 classes needs link 'mlogit'"),
    ("multiclass", _set(["classes", "values", 2], "high"), "classes.values", "distinct"),
    ("multiclass", _set(["intercept"], [0.0, 0.0]), "intercept", "expected 3"),
    ("multiclass", _set(["bagged_intercept"], []), "terms[0].bagged_scores", "expected 0"),
])
def test_meaning_checks_of_other_models(models, kind, edit, field, message):
    with pytest.raises(ModelFileError, match=re.escape(message)) as error:
        load(_tampered(models[kind], edit))
    assert error.value.field == field


@pytest.mark.parametrize("detail, edit, field", [
    ("minimal", _set(["terms", 0, "standard_deviations"], [0.0]),
     "terms[0].standard_deviations"),
    ("minimal", _set(["bagged_intercept"], []), "bagged_intercept"),
    ("interpretable", _set(["training", "best_iteration"], None), "training.best_iteration"),
    ("mergeable", lambda d: d["training"].pop("best_iteration"), "training.best_iteration"),
    ("all", lambda d: d.pop("bagged_intercept"), "bagged_intercept"),
    ("all", lambda d: d.pop("detail"), "detail"),
])
def test_fields_follow_the_detail_level(models, detail, edit, field):
    with pytest.raises(ModelFileError) as error:
        load(_tampered(models["binary"], edit, detail))
    assert error.value.field == field


# ---- one-class models ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def one_class(data):
    """A classifier fitted on a target of one class: link monoclassification, no terms, and an
    intercept of -inf (the log-odds of any other class), as InterpretML's."""
    return ExplainableBoostingClassifier(**SMALL).fit(data, np.full(len(data), "only"))


@pytest.mark.parametrize("compact", [False, True])
@pytest.mark.parametrize("detail", DETAILS)
def test_a_one_class_model_round_trips(one_class, data, detail, compact):
    """The format required two classes and finite intercepts: such a model could not be
    written."""
    model = one_class
    text = model.to_json(detail=detail, compact=compact)
    document = json.loads(text)
    assert document["link"] == "monoclassification" and document["terms"] == []
    assert document["classes"] == {"type": "str", "values": ["only"]}
    assert document["intercept"] == [{"float": "-inf"}]
    loaded = load(text)
    assert type(loaded) is type(model) and loaded.to_json(detail=detail, compact=compact) == text
    for attribute in ("classes_", "intercept_", "link_", "objective_", "term_features_",
                      "feature_names_in_", "bins_") + (("bagged_intercept_",)
                                                        if detail == "all" else ()):
        assert_same_value(getattr(model, attribute), getattr(loaded, attribute), attribute)
    X = _probe(data)
    for method in ("predict", "predict_proba", "decision_function", "eval_terms"):
        expected = getattr(model, method)(X)
        assert np.array_equal(getattr(loaded, method)(X), expected), method
        assert np.array_equal(getattr(load_fitted_model(text), method)(X), expected), method
    assert np.all(loaded.predict(X) == "only") and np.all(loaded.predict_proba(X) == 1.0)
    assert np.all(loaded.decision_function(X) == -np.inf)
    mine, theirs = model.explain_local(X.head(5)), loaded.explain_local(X.head(5))
    for key in (None, 0):
        for name in ("names", "scores", "decision_scores", "probabilities", "predictions",
                     "decision_score", "perf", "extra"):
            if name in mine.data(key):
                assert_same_value(mine.data(key)[name], theirs.data(key)[name], name)
    if detail != "minimal":
        assert_same_value(model.explain_global().data(), loaded.explain_global().data(),
                          "explain_global")
    schema = json.loads(resources.files("glassboost.io").joinpath("model.schema.json")
                        .read_text())
    assert not list(jsonschema.Draft202012Validator(schema).iter_errors(document))


@pytest.mark.parametrize("edit, field, message", [
    (_set(["intercept"], [0.0]), "intercept", '[{"float": "-inf"}] for a one-class model'),
    (_set(["intercept"], [{"float": "-inf"}] * 2), "intercept", "for a one-class model"),
    (_set(["bagged_intercept", 1], -1e9), "bagged_intercept", "-inf for every bag"),
    (_set(["link"], "logit"), "link", "a classifier with 1 class needs link "
                                      "'monoclassification', found 'logit'"),
    (_set(["classes", "values"], []), "classes.values", "or one value for a one-class model"),
    (_set(["classes", "values"], ["only", "other"]), "link",
     "2 classes needs link 'logit', found 'monoclassification'"),
    (_set(["task"], "regression"), "classes", "must be null for a regression model"),
])
def test_one_class_files_are_checked(one_class, edit, field, message):
    with pytest.raises(ModelFileError, match=re.escape(message)) as error:
        load(_tampered(one_class, edit))
    assert error.value.field == field


def test_a_one_class_model_has_no_terms_in_its_file(one_class, models):
    """Its score is -inf whatever the features: a term could not change a prediction, and its
    finite tables would mean nothing."""
    document = json.loads(one_class.to_json())
    document["terms"] = json.loads(models["binary"].to_json())["terms"][:1]
    with pytest.raises(ModelFileError, match="must be empty for a one-class model") as error:
        load(json.dumps(document))
    assert error.value.field == "terms"


def test_terms_sharing_a_name_are_told_apart_by_their_features(models, data):
    """Names are labels: InterpretML names a feature 'a & b' and the pair of 'a' and 'b' alike,
    and such a converted model could not be saved ('terms[3].name: ... is not unique')."""
    model = models["binary"].copy()
    pair = model.term_features_.index((0, 1))
    model.term_names_[pair] = model.term_names_[0]
    for compact in (False, True):
        loaded = load(model.to_json(compact=compact))
        assert loaded.term_names_ == model.term_names_
        assert loaded.term_names_.count(model.term_names_[0]) == 2
        assert loaded.term_features_ == model.term_features_
        X = _probe(data)
        np.testing.assert_array_equal(loaded.eval_terms(X), model.eval_terms(X))
        np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
        with pytest.raises(ValueError, match="term name 'num' is ambiguous"):
            loaded.copy().remove_terms(["num"])


def test_date_conversions_round_trip(models, data):
    document = json.loads(models["regression"].to_json())
    document["features"][2]["name"] = "when:year"
    for term in document["terms"]:
        term["name"] = term["name"].replace("count", "when:year")
    for entry in document["training"]["interaction_strengths"]:
        entry["features"] = [n.replace("count", "when:year") for n in entry["features"]]
    document["datetime_conversions"] = [{"column": "when", "parts": ["year"],
                                         "format": "%Y-%m-%d"}]
    model = load(json.dumps(document))
    assert model.datetime_conversions_ == [{"column": "when", "parts": ["year"],
                                            "format": "%Y-%m-%d", "names": ["when:year"]}]
    assert json.loads(model.to_json())["datetime_conversions"] == document[
        "datetime_conversions"]


@pytest.mark.parametrize("source", ["", "{", "[]", "null", '{"format": NaN}', '{"a": 1, "a": 2}',
                                    b"\xff\xfe{", '{"a": ' + "1" * 5000 + "}", b"[" * 100000,
                                    "{" + '"a":[' * 100000, '{"a": 1e999}', b"\x1f\x8bxyz"])
def test_not_model_json(source):
    with pytest.raises(ModelFileError) as error:
        load(source)
    assert error.value.field in (None, "format")


def test_non_finite_json_numbers_are_rejected(models):
    text = models["binary"].to_json(indent=None)
    first = json.loads(text)["terms"][0]["scores"][0]
    with pytest.raises(ModelFileError, match="non-finite") as error:
        load(text.replace(f'"scores":[{first!r},', '"scores":[1e999,', 1))
    assert error.value.field == "terms[0].scores"


def test_sources_of_other_types_are_type_errors():
    with pytest.raises(TypeError, match="expected a path, JSON text, bytes or a file object"):
        load(3.5)


def test_categories_coarsened_for_pairs_round_trip():
    rng = np.random.default_rng(5)
    X = pd.DataFrame({"x": rng.normal(size=300), "city": rng.choice(list("abcdefghijkl"), 300)})
    y = (X["x"] + (X["city"] < "f") > 0.5).to_numpy()
    model = ExplainableBoostingClassifier(**dict(SMALL, interactions=[(0, 1)])).fit(X, y)
    assert len(model.bins_[1]) == 2  # 12 categories, at most 5 interaction bins
    document = json.loads(model.to_json())
    coarse = document["features"][1]["interaction_categories"]
    assert sorted(coarse) == list("abcdefghijkl") and max(coarse.values()) == 5
    loaded = load(json.dumps(document))
    assert_same_value(model.bins_, loaded.bins_, "bins_")
    np.testing.assert_array_equal(loaded.decision_function(X), model.decision_function(X))
    for value, message in (({"a": 1}, "exactly the feature's categories"),
                           (dict(coarse, a=7), "integers 1..m, each used"),
                           (dict(coarse, a="1"), "integers 1..m, each used")):
        document["features"][1]["interaction_categories"] = value
        with pytest.raises(ModelFileError, match=re.escape(message)) as error:
            load(json.dumps(document))
        assert error.value.field == "features[1].interaction_categories"
    document["features"][1].update(type="ordinal", interaction_categories=dict(
        zip("abcdefghijkl", [1, 1, 2, 2, 2, 1, 3, 3, 4, 4, 5, 5])))
    with pytest.raises(ModelFileError, match="runs of neighbouring levels"):
        load(json.dumps(document))


# ---- batched checks name the same field as item-by-item checks ------------------------------
def _pair_first(document):
    """The first pair term moved to the front: tables of one depth are checked in batches."""
    terms = document["terms"]
    pair = next(t for t, term in enumerate(terms) if len(term["features"]) == 2)
    terms.insert(0, terms.pop(pair))


def _then(*edits):
    def edit(document):
        for step in edits:
            step(document)
    return edit


def _renamed(document, names: dict) -> None:
    for feature in document["features"]:
        feature["name"] = names.get(feature["name"], feature["name"])
    for entry in document["training"]["interaction_strengths"]:
        entry["features"] = [names.get(n, n) for n in entry["features"]]


def _converted(*records):
    def edit(document):
        _renamed(document, {"num": "when:year", "count": "when:month"})
        document["datetime_conversions"] = [dict(zip(("column", "parts", "format"), r))
                                            for r in records]
    return edit


def _strengths(*pairs):
    return _set(["training", "interaction_strengths"],
                [{"features": list(p), "strength": 1.0} for p in pairs])


BATCH_CASES = [
    (_then(_pair_first, _set(["terms", 1, "scores", 1], {"float": "nan"})), "terms[1].scores",
     "non-finite"),
    (_then(_pair_first, _set(["terms", 1, "scores", 1], {"float": "nan"}),
           _set(["terms", 0, "scores", 1, 1], {"float": "inf"})), "terms[0].scores",
     "non-finite"),
    (_then(_pair_first, _set(["terms", 1, "scores", 1], "x"),
           _set(["terms", 0, "scores", 1, 1], None)), "terms[0].scores", "found null"),
    (_then(_pair_first, _set(["terms", 2, "bin_weights", 1], 1e6),
           lambda d: d["terms"][0]["bin_weights"][1].__setitem__(1, 1e6)),
     "terms[0].bin_weights", "but training.n_samples is 500"),
    (_then(_pair_first, _set(["terms", 3, "scores", 1], 6e99),
           lambda d: d["terms"][0]["scores"][1].__setitem__(1, 6e99)), "terms[0].scores",
     "scores could reach 1.2e+100"),
    (_then(_pair_first, _set(["terms", 5, "features"], [0, 1])), "terms[5].features",
     "terms 0 and 5 use the same features"),
    (_then(_pair_first, _set(["terms", 4, "bagged_scores", 0, 1], [1.0])),
     "terms[4].bagged_scores", "too deep"),
    (_set(["features", 2, "cuts"], {}), "features[2].cuts", "found an object"),
    (_set(["features", 3, "type"], ["ordinal"]), "features[3].type", "found an array"),
    (_set(["terms", 3, "features"], [[3]]), "terms[3].features", "feature indices"),
    (_set(["terms", 3, "name"], ["size"]), "terms[3].name", "must be a string"),
    (_strengths(["num", ["count"]]), "training.interaction_strengths[0].features",
     "two different features"),
    (_converted(("when", [["year"]], None)), "datetime_conversions[0].parts",
     "must be distinct names"),
    (_converted((["when"], ["year"], None)), "datetime_conversions[0].column",
     "must be a string"),
    (_strengths(["num", "count"], ["count", "num"]), "training.interaction_strengths[1].features",
     "appears twice"),
    (_strengths(["num", "count"], ["size", "size"]), "training.interaction_strengths[1].features",
     "two different features"),
    (_converted(("when", ["year"], None), ("when", ["month"], None)),
     "datetime_conversions[1].column", "'when' is already a feature or converted"),
    (_converted(("when", ["year", "year"], None)), "datetime_conversions[0].parts",
     "must be distinct names"),
    (_converted(("when", ["year"], None), ("other", ["year"], None)),
     "datetime_conversions[1].parts", "'other:year' must be a continuous feature"),
    (_converted(("when", ["year", "month"], "%Y\x00")), "datetime_conversions[0].format",
     "NUL"),
]


@pytest.mark.parametrize("edit, field, message", BATCH_CASES)
def test_batched_checks_name_the_first_field_at_fault(models, edit, field, message):
    with pytest.raises(ModelFileError, match=re.escape(message)) as error:
        load(_tampered(models["binary"], edit))
    assert error.value.field == field


def test_valid_date_conversions_of_several_parts_load(models):
    model = load(_tampered(models["binary"], _converted(("when", ["year", "month"], None))))
    assert model.datetime_conversions_ == [{"column": "when", "parts": ["year", "month"],
                                            "format": None,
                                            "names": ["when:year", "when:month"]}]


def test_bin_weight_totals_are_checked_to_the_tolerance(models):
    def weights_plus(extra):
        return _set(["terms", 2, "bin_weights", 1], 500 * extra + json.loads(
            models["binary"].to_json())["terms"][2]["bin_weights"][1])
    load(_tampered(models["binary"], weights_plus(0.8e-6)))
    with pytest.raises(ModelFileError, match="add up to") as error:
        load(_tampered(models["binary"], weights_plus(1.5e-6)))
    assert error.value.field == "terms[2].bin_weights"


def test_score_bounds_name_the_class(models):
    def huge(document):
        for term in document["terms"][:2]:
            term["scores"][1][2] = 6e99
    with pytest.raises(ModelFileError, match="1.2e\\+100 for class 'mid'") as error:
        load(_tampered(models["multiclass"], huge))
    assert error.value.field == "terms[0].scores"


def test_many_interleaved_main_and_pair_terms_keep_their_tables():
    """Mains and pairs in mixed order are checked in batches per depth; every term keeps its
    own table, and an interleaved file round-trips exactly."""
    n = 12
    features = [{"name": f"f{i}", "type": "continuous", "cuts": [float(i)],
                 "interaction_cuts": []} for i in range(n)]
    rng = np.random.default_rng(3)
    terms = [{"name": f"m{i}", "features": [i], "scores": rng.normal(size=4).tolist()}
             for i in range(n)]
    terms += [{"name": f"p{i},{j}", "features": [j, i] if (i + j) % 2 else [i, j],
               "scores": rng.normal(size=(3, 3)).tolist()}
              for i in range(n) for j in range(i + 1, n)]
    order = rng.permutation(len(terms))
    terms = [terms[t] for t in order]
    model = ExplainableBoostingRegressor(**dict(SMALL, interactions=0)).fit(
        pd.DataFrame(rng.normal(size=(50, 2)), columns=["a", "b"]), rng.normal(size=50))
    document = json.loads(model.to_json(detail="minimal"))
    document.update(features=features, terms=terms)
    loaded = load(json.dumps(document))
    assert loaded.term_names_ == [t["name"] for t in terms]
    assert loaded.term_features_ == [tuple(t["features"]) for t in terms]
    for term, table in zip(terms, loaded.term_scores_):
        np.testing.assert_array_equal(table, np.array(term["scores"]))
    assert [b[0].tolist() for b in loaded.bins_] == [[float(i)] for i in range(n)]
    assert json.loads(loaded.to_json(detail="minimal"))["terms"] == terms


# ---- naming the first bad entry among many ------------------------------------------------------
def _many_terms_document(n: int) -> dict:
    """An interpretable regression file of ``n`` tiny features, a main term on each and the
    strengths of the pairs of the first 30."""
    return {
        "format": "glassboost.ebm", "format_version": 2, "detail": "interpretable",
        "glassboost_version": "0", "task": "regression", "link": "identity",
        "link_param": 0.0, "classes": None, "match_by_name": True,
        "features": [{"name": f"f{i}", "type": "continuous", "cuts": [],
                      "interaction_cuts": []} for i in range(n)],
        "intercept": [0.0],
        "terms": [{"name": f"t{i}", "features": [i], "scores": [0.0, 0.5, 0.0],
                   "standard_deviations": [0.0] * 3, "bin_weights": [0.0, 2.0, 0.0]}
                  for i in range(n)],
        "training": {"objective": "rmse", "parameters": {}, "n_samples": 2.0,
                     "interaction_strengths": [
                         {"features": [f"f{i}", f"f{j}"], "strength": 0.5}
                         for i in range(30) for j in range(i + 1, 30)]}}


TERM_FAULTS = [
    lambda terms, t, rng: terms[t].update(features=list(terms[rng.integers(t)]["features"])),
    lambda terms, t, rng: terms[t].update(scores=[0.0, 0.0]),
    lambda terms, t, rng: terms[t].update(scores=[0.0, "1", 0.0]),
    lambda terms, t, rng: terms[t].update(extra=1),
    lambda terms, t, rng: terms[t].pop("bin_weights"),
    lambda terms, t, rng: terms[t].update(features=[10**6]),
    lambda terms, t, rng: terms[t].update(features=[t, t]),
    lambda terms, t, rng: terms[t].update(features=None),
    lambda terms, t, rng: terms.__setitem__(t, [1]),
]
STRENGTH_FAULTS = [
    lambda entries, i, rng: entries[i].update(
        features=entries[rng.integers(i)]["features"][::-1]),
    lambda entries, i, rng: entries[i].update(features=["f0", "nope"]),
    lambda entries, i, rng: entries[i].update(features=["f3", "f3"]),
    lambda entries, i, rng: entries[i].update(strength="high"),
    lambda entries, i, rng: entries[i].update(extra=1),
]


@pytest.mark.parametrize("seed", range(40))
def test_the_first_bad_term_or_strength_is_named_as_one_by_one(seed, monkeypatch):
    """Faults among many terms and interaction strengths are named as the one-by-one check of
    every entry names them (the first at fault), though the loader finds it in batches."""
    from glassboost.io import model_check

    rng = np.random.default_rng(seed)
    document = _many_terms_document(300)
    for _ in range(rng.integers(1, 4)):
        if rng.random() < 0.6:
            TERM_FAULTS[rng.integers(len(TERM_FAULTS))](document["terms"],
                                                        int(rng.integers(1, 300)), rng)
        else:
            entries = document["training"]["interaction_strengths"]
            STRENGTH_FAULTS[rng.integers(len(STRENGTH_FAULTS))](
                entries, int(rng.integers(1, len(entries))), rng)
    text = json.dumps(document)
    with pytest.raises(ModelFileError) as found:
        load(text)
    monkeypatch.setattr(model_check, "_first_failing", lambda n, passes: 0)  # one by one
    with pytest.raises(ModelFileError) as expected:
        load(text)
    assert (found.value.field, str(found.value)) == (expected.value.field, str(expected.value))


@pytest.mark.parametrize("utc", [None, True, False])
def test_date_conversions_of_strings_with_an_offset_keep_their_utc_rule(models, utc):
    document = json.loads(models["regression"].to_json())
    _renamed(document, {"count": "when:year"})
    for term in document["terms"]:
        term["name"] = term["name"].replace("count", "when:year")
    record = {"column": "when", "parts": ["year"], "format": "%Y-%m-%d %H:%M%z"}
    if utc is not None:
        record["utc"] = utc
    document["datetime_conversions"] = [record]
    model = load(json.dumps(document))
    # a file without the field was written when such strings were converted to UTC
    assert DateConversion.from_dict(model.datetime_conversions_[0]).utc is (utc is not False)
    assert json.loads(model.to_json())["datetime_conversions"] == [record]


def test_utc_is_refused_without_a_format_with_an_offset(models):
    def edit(document):
        _converted(("when", ["year", "month"], "%Y-%m-%d"))(document)
        document["datetime_conversions"][0]["utc"] = False

    with pytest.raises(ModelFileError, match="is only for a format with %z") as error:
        load(_tampered(models["binary"], edit))
    assert error.value.field == "datetime_conversions[0].utc"


@pytest.fixture(scope="module")
def zoned():
    """A classifier fitted on times in Paris whose class is the local office hour."""
    rng = np.random.default_rng(4)
    instants = pd.Timestamp("2021-01-01", tz="UTC") + pd.to_timedelta(
        rng.integers(0, 365 * 24, 600), unit="h")
    X = pd.DataFrame({"when": pd.Series(instants).dt.tz_convert("Europe/Paris")})
    y = ((X["when"].dt.hour >= 9) & (X["when"].dt.hour < 17)).to_numpy()
    with pytest.warns(UserWarning, match="holds dates"):
        model = ExplainableBoostingClassifier(outer_bags=2, interactions=0).fit(X, y)
    return X, model


def test_the_time_zone_of_a_date_column_survives_a_round_trip(zoned):
    X, model = zoned
    document = json.loads(model.to_json())
    assert document["datetime_conversions"][0]["tz"] == "Europe/Paris"
    schema = json.loads(resources.files("glassboost.io").joinpath("model.schema.json")
                        .read_text())
    assert not list(jsonschema.Draft202012Validator(schema).iter_errors(document))
    loaded = load(json.dumps(document))
    in_utc = X.assign(when=X["when"].dt.tz_convert("UTC"))
    np.testing.assert_array_equal(loaded.predict_proba(in_utc), model.predict_proba(X))
    with pytest.raises(ValueError, match="'when' held dates at fit but holds dates without a "
                                         "time zone"):
        loaded.predict(X.assign(when=X["when"].dt.tz_localize(None)))
    assert json.loads(loaded.to_json()) == document


def test_a_file_without_time_zones_scores_dates_in_their_own_zone_as_before(zoned):
    X, model = zoned
    document = json.loads(model.to_json())
    del document["datetime_conversions"][0]["tz"]
    loaded = load(json.dumps(document))
    assert "tz" not in json.loads(loaded.to_json())["datetime_conversions"][0]
    local_as_utc = X.assign(when=X["when"].dt.tz_localize(None).dt.tz_localize("UTC"))
    np.testing.assert_array_equal(loaded.predict_proba(local_as_utc), model.predict_proba(X))
    naive = X.assign(when=X["when"].dt.tz_localize(None))
    np.testing.assert_array_equal(loaded.predict_proba(naive), model.predict_proba(X))


@pytest.mark.parametrize("tz, message", [
    ("Nowhere/Town", "'Nowhere/Town' is not a time zone name"),
    (1, "must be a string, found"),
])
def test_a_time_zone_that_scoring_cannot_convert_to_is_refused(zoned, tz, message):
    def edit(document):
        document["datetime_conversions"][0]["tz"] = tz

    with pytest.raises(ModelFileError, match=message) as error:
        load(_tampered(zoned[1], edit))
    assert error.value.field == "datetime_conversions[0].tz"
