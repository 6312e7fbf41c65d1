"""ONNX export: ONNX Runtime reproduces decision_function, predict_proba and predict."""

from __future__ import annotations

import copy
import io
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

import glassboost  # noqa: E402
from glassboost import ExplainableBoostingClassifier, ExplainableBoostingRegressor  # noqa: E402
from glassboost.export.onnx import OPSET, onnx_inputs, to_onnx  # noqa: E402
from glassboost.loading import load_fitted_model  # noqa: E402
from glassboost.objectives import REGRESSION_OBJECTIVES  # noqa: E402

TOLERANCE = 1e-9  # the graph does the model's arithmetic in float64: far inside 1e-6
SETTINGS = dict(outer_bags=2, n_jobs=1, max_rounds=400, random_state=3)
N_ROWS = 600


def _session(proto) -> "ort.InferenceSession":
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    return ort.InferenceSession(proto.SerializeToString(), options,
                                providers=["CPUExecutionProvider"])


def _run(model, X: pd.DataFrame, proto=None) -> dict[str, np.ndarray]:
    session = _session(proto if proto is not None else model.to_onnx())
    names = [output.name for output in session.get_outputs()]
    return dict(zip(names, session.run(None, onnx_inputs(model, X))))


def _assert_reproduces(model, X: pd.DataFrame, proto=None) -> dict[str, np.ndarray]:
    out = _run(model, X, proto)
    np.testing.assert_allclose(out["decision_function"], model.decision_function(X),
                               rtol=TOLERANCE, atol=TOLERANCE)
    if hasattr(model, "predict_proba"):
        assert set(out) == {"decision_function", "predict_proba", "predict"}
        np.testing.assert_allclose(out["predict_proba"], model.predict_proba(X),
                                   rtol=TOLERANCE, atol=TOLERANCE)
    else:
        assert set(out) == {"decision_function", "predict"}
    expected = model.predict(X)
    if expected.dtype.kind == "f":
        np.testing.assert_allclose(out["predict"], expected, rtol=TOLERANCE, atol=TOLERANCE)
    else:
        assert out["predict"].tolist() == expected.tolist()
    return out


def _data(seed: int = 0) -> pd.DataFrame:
    """Continuous, integer-valued, nominal, ordinal and boolean features with missing values."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({
        "x": rng.normal(size=N_ROWS),
        "count": rng.integers(0, 6, N_ROWS).astype(float),
        "colour": rng.choice(["red", "green", "blue", "cyan", "grey", "pink"], N_ROWS),
        "size": pd.Categorical(rng.choice(["S", "M", "L"], N_ROWS), ["S", "M", "L"],
                               ordered=True),
        "flag": rng.random(N_ROWS) < 0.4,
        "level": 2.0,  # one value: no cuts
    })
    X.loc[X.index[::11], "x"] = np.nan
    X.loc[X.index[::13], "colour"] = None
    X.loc[X.index[::17], "size"] = None
    X.loc[X.index[::19], "level"] = np.nan
    return X


def _signal(X: pd.DataFrame) -> np.ndarray:
    return (X["x"].fillna(0.5).to_numpy() * (1 + X["flag"].to_numpy())
            + 0.4 * X["count"].to_numpy() * (X["colour"] == "red").to_numpy()
            + 0.3 * X["size"].cat.codes.to_numpy())


def _cut_rows(model, X: pd.DataFrame) -> pd.DataFrame:
    """X again, with continuous features set to every fine and interaction cut, to +-inf, to NaN,
    and categories replaced by labels the model never saw."""
    rows = X.copy()
    for name, kind, levels in zip(model.feature_names_in_, model.feature_types_in_, model.bins_):
        if name not in rows:
            continue
        if kind == "continuous":
            edges = np.concatenate([np.asarray(level, float) for level in levels]
                                   + [[-np.inf, np.inf, np.nan]])
            rows[name] = np.resize(edges, len(rows))
        elif isinstance(rows[name].dtype, pd.CategoricalDtype):
            rows[name] = rows[name].cat.add_categories(["XL"])
            rows.loc[rows.index[1::5], name] = "XL"
        elif rows[name].dtype == object:
            rows.loc[rows.index[1::5], name] = "never seen"
    return rows


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return _data()


@pytest.fixture(scope="module")
def binary(data):
    y = _signal(data) + np.random.default_rng(1).normal(size=N_ROWS) > 0.8
    return ExplainableBoostingClassifier(interactions=4, **SETTINGS).fit(data, y)


@pytest.fixture(scope="module")
def multiclass(data):
    score = _signal(data) + np.random.default_rng(2).normal(size=N_ROWS) * 0.5
    y = np.array(["low", "mid", "high"])[np.digitize(score, [0.2, 1.2])]
    # 4 interaction bins: the six colours are coarsened for pairs
    return ExplainableBoostingClassifier(interactions=[("colour", "x"), ("count", "size")],
                                         max_interaction_bins=4, **SETTINGS).fit(data, y)


def test_binary_classifier(binary, data):
    assert any(len(t) == 2 for t in binary.term_features_)
    out = _assert_reproduces(binary, _cut_rows(binary, data))
    assert out["predict"].dtype == bool


def test_values_on_cuts_fall_in_the_bin_above(binary, data):
    """A row on a cut scores like a row just above it, not like one just below."""
    feature = binary.feature_names_in_.index("x")
    cuts = np.asarray(binary.bins_[feature][0])
    rows = pd.concat([data.iloc[:1]] * len(cuts), ignore_index=True)
    scores = {}
    for where, values in (("on", cuts), ("above", np.nextafter(cuts, np.inf)),
                          ("below", np.nextafter(cuts, -np.inf))):
        rows["x"] = values
        scores[where] = _run(binary, rows)["decision_function"]
    np.testing.assert_array_equal(scores["on"], scores["above"])
    assert np.any(scores["on"] != scores["below"])


@pytest.mark.parametrize("n_cuts", [1, 2, 3, 4, 7, 8, 9, 1000])
def test_binning_search_on_every_cut_count(data, n_cuts):
    """With a table whose value is its bin, the score is the bin code: 0 for NaN, else 1 + the
    number of cuts <= x, for cut counts around powers of two (the search pads to 2**k - 1)."""
    rng = np.random.default_rng(n_cuts)
    model = ExplainableBoostingRegressor(interactions=0, **SETTINGS).fit(
        data[["x"]], rng.normal(size=N_ROWS))
    cuts = np.unique(rng.normal(size=n_cuts) * 10)
    model.bins_ = [[cuts, cuts]]
    model.term_scores_ = [np.arange(len(cuts) + 3, dtype=float)]
    model.intercept_ = 0.0
    x = np.concatenate([cuts, np.nextafter(cuts, np.inf), np.nextafter(cuts, -np.inf),
                        rng.normal(size=50) * 20, [np.inf, -np.inf, np.nan, 0.0]])
    rows = pd.DataFrame({"x": x})
    expected = np.where(np.isnan(x), 0, np.searchsorted(cuts, x, side="right") + 1)
    np.testing.assert_array_equal(model.decision_function(rows), expected)
    np.testing.assert_array_equal(_run(model, rows)["decision_function"], expected)


def test_multiclass_with_coarsened_categories_in_pairs(multiclass, data):
    colour = multiclass.feature_names_in_.index("colour")
    assert len(multiclass.bins_[colour]) == 2  # a coarse map of the colours for pairs
    assert {frozenset(["colour", "x"]), frozenset(["count", "size"])} <= {
        frozenset(multiclass.feature_names_in_[f] for f in t) for t in multiclass.term_features_}
    out = _assert_reproduces(multiclass, _cut_rows(multiclass, data))
    assert out["decision_function"].shape == (N_ROWS, 3)
    assert set(out["predict"]) <= {"low", "mid", "high"}


def _with_term(model, names: list[str], seed: int):
    """A copy of ``model`` with one more term over ``names``: random values on the features'
    interaction bins (what scoring reads for terms of two or more features)."""
    model = copy.deepcopy(model)
    features = tuple(model.feature_names_in_.index(n) for n in names)
    shape = []
    for f in features:
        levels = model.bins_[f]
        level = levels[min(len(features), len(levels)) - 1]
        shape.append(len(level) + 3 if model.feature_types_in_[f] == "continuous"
                     else max(level.values()) + 2)
    n_scores = np.size(model.intercept_)
    shape += [n_scores] if n_scores > 1 else []
    model.term_features_ = list(model.term_features_) + [features]
    model.term_names_ = list(model.term_names_) + [" & ".join(names)]
    model.term_scores_ = list(model.term_scores_) + [
        np.random.default_rng(seed).normal(size=shape)]
    return model


@pytest.mark.parametrize("names", [["x", "colour", "size"], ["count", "level", "flag", "x"]])
def test_terms_of_three_and_four_features(binary, multiclass, data, names):
    for model in (binary, multiclass):
        wide = _with_term(model, names, seed=len(names))
        rows = _cut_rows(wide, data)
        assert np.any(wide.decision_function(rows) != model.decision_function(rows))
        _assert_reproduces(wide, rows)


@pytest.mark.filterwarnings("ignore:Missing values detected:UserWarning",  # InterpretML's
                            "ignore:Interactions with 3 or more terms:UserWarning",
                            "ignore:For multiclass we cannot currently visualize:UserWarning")
def test_interpret_models_through_glassboost_and_json(data):
    """InterpretML's EBMs, converted by from_interpret and again after a JSON round trip, score
    in ONNX Runtime as in InterpretML: a binary classifier with a three-feature term, a
    multiclass one with a pair, and a Poisson regressor."""
    interpret = pytest.importorskip("interpret.glassbox")
    settings = dict(outer_bags=2, max_rounds=200, n_jobs=1, random_state=1)
    score = _signal(data) + np.random.default_rng(6).normal(size=N_ROWS)
    counts = np.random.default_rng(7).poisson(np.exp(0.3 * _signal(data)))
    fitted = [
        interpret.ExplainableBoostingClassifier(interactions=[(0, 2, 3), (0, 1)],
                                                **settings).fit(data, score > 0.8),
        interpret.ExplainableBoostingClassifier(interactions=[(0, 2)], **settings).fit(
            data, np.array(["low", "mid", "high"])[np.digitize(score, [0.2, 1.2])]),
        interpret.ExplainableBoostingRegressor(objective="poisson_deviance",
                                               interactions=[(0, 3)], **settings).fit(data, counts),
    ]
    assert any(len(t) == 3 for t in fitted[0].term_features_)
    assert len(fitted[1].classes_) == 3 and any(len(t) == 2 for t in fitted[1].term_features_)
    for ebm in fitted:
        converted = glassboost.from_interpret(ebm)
        for model in (converted, glassboost.load(converted.to_json())):
            rows = _cut_rows(model, data)
            out = _assert_reproduces(model, rows)
            if hasattr(ebm, "predict_proba"):
                np.testing.assert_allclose(out["decision_function"],
                                           ebm.decision_function(rows), rtol=TOLERANCE,
                                           atol=TOLERANCE)
                np.testing.assert_allclose(out["predict_proba"], ebm.predict_proba(rows),
                                           rtol=TOLERANCE, atol=TOLERANCE)
                assert out["predict"].tolist() == ebm.predict(rows).tolist()
            else:
                np.testing.assert_allclose(out["predict"], ebm.predict(rows), rtol=TOLERANCE,
                                           atol=TOLERANCE)


def test_integer_classes_and_labels(data):
    y = (_signal(data) > 0.5).astype(int) * 7 + 1  # classes 1 and 8
    model = ExplainableBoostingClassifier(interactions=0, **SETTINGS).fit(data, y)
    out = _assert_reproduces(model, data)
    assert out["predict"].dtype == np.int64


def test_unsigned_classes_beyond_int64_keep_their_value(data):
    """An int64 tensor would wrap 2**63 + 5 to a negative label."""
    y = np.where(_signal(data) > 0.5, np.uint64(2**63 + 5), np.uint64(3))
    model = ExplainableBoostingClassifier(interactions=0, **SETTINGS).fit(data, y)
    out = _assert_reproduces(model, data)
    assert out["predict"].dtype == np.uint64


#: Regression objectives and a target of their domain: counts, positive amounts or any number.
TARGETS = {"rmse": "normal", "poisson_deviance": "counts", "tweedie_deviance": "counts",
           "gamma_deviance": "amounts", "rmse_log": "amounts", "pseudo_huber": "normal",
           "quantile": "normal"}


@pytest.mark.parametrize("objective", [o for o in TARGETS if o in REGRESSION_OBJECTIVES])
def test_regressors(objective, data):
    """Every regression objective of this glassboost (identity and log links)."""
    rng = np.random.default_rng(4)
    mean = np.exp(0.4 * _signal(data))
    y = {"normal": lambda: mean + rng.normal(size=N_ROWS), "counts": lambda: rng.poisson(mean),
         "amounts": lambda: rng.gamma(2.0, mean / 2.0)}[TARGETS[objective]]()
    model = ExplainableBoostingRegressor(objective=objective, interactions=3,
                                         **SETTINGS).fit(data, y)
    assert any(len(t) == 2 for t in model.term_features_)
    _assert_reproduces(model, _cut_rows(model, data))


def test_written_file_and_loaded_model(binary, data, tmp_path):
    path = tmp_path / "model.onnx"
    binary.to_onnx(path)
    proto = onnx.load(str(path))
    assert {o.domain: o.version for o in proto.opset_import}[""] == OPSET
    _assert_reproduces(binary, data, proto)
    buffer = io.BytesIO()
    assert binary.to_onnx(buffer) == proto
    assert onnx.load_from_string(buffer.getvalue()) == proto
    loaded = glassboost.load(binary.to_json(detail="minimal"))
    _assert_reproduces(loaded, _cut_rows(loaded, data))


def test_a_model_read_by_load_fitted_model(binary, data, tmp_path):
    """``load_fitted_model`` gives a FittedModel, not an estimator: it exports all the same."""
    path = tmp_path / "model.json"
    binary.to_json(path)
    fitted = load_fitted_model(path)
    _assert_reproduces(fitted, _cut_rows(fitted, data), to_onnx(fitted))


def test_edited_models(binary, data):
    """Fewer terms, and no terms at all (the intercept alone)."""
    fewer = copy.deepcopy(binary).remove_terms([0, len(binary.term_features_) - 1])
    _assert_reproduces(fewer, data)
    none = copy.deepcopy(binary).remove_terms(list(range(len(binary.term_features_))))
    out = _assert_reproduces(none, data)
    assert np.all(out["decision_function"] == np.ravel(none.intercept_)[0])


def test_date_features_enter_as_derived_numbers():
    rng = np.random.default_rng(5)
    X = pd.DataFrame({"day": pd.Timestamp("2020-01-01") + pd.to_timedelta(
        rng.integers(0, 900, 300), unit="D"), "v": rng.normal(size=300)})
    y = X["day"].dt.month.to_numpy() + X["v"].to_numpy() + rng.normal(size=300)
    with pytest.warns(glassboost.DataWarning, match="'day' holds dates"):
        model = ExplainableBoostingRegressor(interactions=0, **SETTINGS).fit(X, y)
    inputs = onnx_inputs(model, X)
    assert list(inputs) == model.feature_names_in_ and "day" not in inputs
    _assert_reproduces(model, X)


def test_onnx_inputs_take_date_parts_in_the_time_zone_of_the_fit():
    rng = np.random.default_rng(6)
    instants = pd.Timestamp("2021-01-01", tz="UTC") + pd.to_timedelta(
        rng.integers(0, 365 * 24, 300), unit="h")
    X = pd.DataFrame({"when": pd.Series(instants).dt.tz_convert("Europe/Paris")})
    y = ((X["when"].dt.hour >= 9) & (X["when"].dt.hour < 17)).to_numpy() + rng.normal(size=300)
    with pytest.warns(glassboost.DataWarning, match="'when' holds dates"):
        model = ExplainableBoostingRegressor(interactions=0, **SETTINGS).fit(X, y)
    in_utc = X.assign(when=X["when"].dt.tz_convert("UTC"))
    np.testing.assert_array_equal(onnx_inputs(model, in_utc)["when:hour"],
                                  X["when"].dt.hour.to_numpy(dtype=np.float64))
    out = _assert_reproduces(model, in_utc)
    np.testing.assert_allclose(out["predict"], model.predict(X), rtol=TOLERANCE, atol=TOLERANCE)
    with pytest.raises(ValueError, match="'when' held dates at fit but holds dates without a "
                                         "time zone"):
        onnx_inputs(model, X.assign(when=X["when"].dt.tz_localize(None)))


def test_missing_string_is_configurable(binary, data):
    rows = data.copy()
    proto = binary.to_onnx(missing_string="<NA>")
    feeds = onnx_inputs(binary, rows, missing_string="<NA>")
    assert "<NA>" in set(feeds["colour"])
    got = _session(proto).run(["decision_function"], feeds)[0]
    np.testing.assert_allclose(got, binary.decision_function(rows), rtol=TOLERANCE,
                               atol=TOLERANCE)
    # the default "" is a different label here: it is unseen, not missing
    feeds["colour"] = np.where(feeds["colour"] == "<NA>", "", feeds["colour"]).astype(object)
    unseen = _session(proto).run(["decision_function"], feeds)[0]
    assert np.any(unseen != got)


@pytest.mark.parametrize("missing_string", ["", "<NA>"])
def test_a_value_equal_to_missing_string_scores_as_unseen(missing_string):
    rng = np.random.default_rng(9)
    # "<unseen>" is a category, so the label fed for an unseen value must step over it
    X = pd.DataFrame({"s": rng.choice(["a", "b", "<unseen>", "<NA><unseen>"], 400).astype(object)})
    X.loc[X.index[:80], "s"] = None  # the missing bin learns a score of its own
    y = X["s"].isna() * 3.0 + (X["s"] == "b") + rng.normal(size=400) * 0.1
    model = ExplainableBoostingRegressor(interactions=0, **SETTINGS).fit(X, y)
    rows = pd.DataFrame({"s": [missing_string, None, "never seen", "a", "<unseen>"]})
    feeds = onnx_inputs(model, rows, missing_string=missing_string)
    assert feeds["s"][1] == missing_string and feeds["s"][0] != missing_string
    got = _session(model.to_onnx(missing_string=missing_string)).run(
        ["decision_function"], feeds)[0]
    expected = model.decision_function(rows)
    np.testing.assert_allclose(got, expected, rtol=TOLERANCE, atol=TOLERANCE)
    assert got[0] == got[2] != got[1]  # unseen, as "never seen"; not missing


@pytest.mark.parametrize("missing_string", [None, float("nan"), b""])
def test_missing_string_that_is_not_text_is_refused_by_name(binary, data, missing_string):
    for export in (to_onnx, onnx_inputs):
        arguments = (binary,) if export is to_onnx else (binary, data)
        with pytest.raises(TypeError, match="missing_string must be a string"):
            export(*arguments, missing_string=missing_string)


def test_onnx_inputs_refuses_a_category_equal_to_missing_string(binary, data):
    with pytest.raises(ValueError, match="feature 'colour' has a category 'red'"):
        onnx_inputs(binary, data, missing_string="red")


def test_inputs_are_typed_per_feature(binary):
    proto = binary.to_onnx()
    kinds = {i.name: i.type.tensor_type.elem_type for i in proto.graph.input}
    assert kinds == {"x": onnx.TensorProto.DOUBLE, "count": onnx.TensorProto.DOUBLE,
                     "colour": onnx.TensorProto.STRING, "size": onnx.TensorProto.STRING,
                     "flag": onnx.TensorProto.STRING, "level": onnx.TensorProto.DOUBLE}


def test_models_it_cannot_represent_are_refused_by_name(binary, data):
    bad = copy.deepcopy(binary)
    bad.link_ = "cloglog"
    with pytest.raises(ValueError, match="link 'cloglog'"):
        to_onnx(bad)
    bad = copy.deepcopy(binary)
    bad.term_scores_[0] = bad.term_scores_[0][:-1]
    with pytest.raises(ValueError, match=f"term {binary.term_names_[0]!r}"):
        to_onnx(bad)
    bad = copy.deepcopy(binary)
    bad.classes_ = bad.classes_[:1]
    with pytest.raises(ValueError, match="needs 2 classes_, found 1"):
        to_onnx(bad)
    bad = copy.deepcopy(binary)
    bad.feature_types_in_ = ["text" if n == "colour" else t
                             for n, t in zip(bad.feature_names_in_, bad.feature_types_in_)]
    with pytest.raises(ValueError, match="feature 'colour' has type 'text'"):
        to_onnx(bad)
    bad = copy.deepcopy(binary)
    bad.feature_names_in_ = ["predict" if n == "x" else n for n in bad.feature_names_in_]
    with pytest.raises(ValueError, match="feature 'predict'"):
        to_onnx(bad)
    with pytest.raises(ValueError, match="feature 'colour' has a category 'red'"):
        to_onnx(binary, missing_string="red")
    rows = data.copy()
    rows["x"] = rows["x"].astype(object)
    rows.loc[rows.index[2], "x"] = "text"
    with pytest.raises(ValueError, match="feature 'x' is continuous"):
        onnx_inputs(binary, rows)


def test_import_glassboost_does_not_import_onnx():
    code = ("import sys, glassboost; glassboost.ExplainableBoostingClassifier; "
            "import glassboost.export.onnx; assert 'onnx' not in sys.modules, 'onnx imported'")
    subprocess.run([sys.executable, "-c", code], check=True)
