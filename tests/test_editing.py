"""Editing fitted models keeps them exact sums of their terms, and monotonize and smooth keep
accuracy."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from glassboost import ExplainableBoostingClassifier, ExplainableBoostingRegressor, load
from glassboost import editing, from_interpret
from glassboost.io.detail import AbsentPart, AbsentPartError

AUC_TOLERANCE = 0.005  # monotonizing one shape may move held-out AUC by less than this
SMALL = dict(outer_bags=2, max_bins=32, max_interaction_bins=8, interactions=[(0, 1), (0, 2)],
             max_rounds=300)


@pytest.fixture(scope="module")
def credit(credit_split):
    return credit_split(random_state=1)


@pytest.fixture(scope="module")
def credit_model(credit):
    X_train, _, y_train, _ = credit
    return ExplainableBoostingClassifier(outer_bags=4, interactions=5).fit(X_train, y_train)


@pytest.fixture(scope="module")
def small():
    rng = np.random.default_rng(3)
    n = 400
    X = pd.DataFrame({"x": rng.normal(size=n), "c": rng.choice(["a", "b", "c"], n),
                      "z": rng.uniform(size=n)})
    X.loc[::9, "x"] = np.nan
    signal = np.sin(X["x"].fillna(0) * 2) + (X["c"] == "a") + X["z"]
    return X, signal.to_numpy()


@pytest.fixture(scope="module")
def small_models(small):
    X, signal = small
    return {
        "binary": ExplainableBoostingClassifier(**SMALL).fit(X, signal > 1),
        "multiclass": ExplainableBoostingClassifier(**SMALL).fit(
            X, np.digitize(signal, [0.5, 1.5])),
        "regression": ExplainableBoostingRegressor(**SMALL).fit(X, signal),
    }


def assert_sums(model, X) -> None:
    """The model is exactly intercept + sum of terms, and all per-term lists line up."""
    lists = [model.term_features_, model.term_names_, model.term_scores_,
             model.standard_deviations_, model.bagged_scores_, model.bin_weights_]
    assert len({len(v) for v in lists}) == 1
    for features, scores, sd, bags, weights in zip(*lists[:1], *lists[2:]):
        assert scores.shape == sd.shape == bags.shape[1:]
        assert weights.shape == scores.shape[:len(features)]
        np.testing.assert_allclose(bags.mean(axis=0), scores, atol=1e-12)
    total = model.eval_terms(X).sum(axis=1) + np.asarray(model.intercept_)
    np.testing.assert_allclose(model.decision_function(X), total, rtol=0, atol=1e-12)
    assert load(model.to_json()).term_names_ == model.term_names_


@pytest.mark.parametrize("kind", ["binary", "multiclass", "regression"])
def test_remove_terms(small, small_models, kind):
    X, _ = small
    model = copy.deepcopy(small_models[kind])
    before = model.eval_terms(X)
    names = list(model.term_names_)
    assert model.remove_terms(["c", 3]) is model
    assert model.term_names_ == [n for i, n in enumerate(names) if n != "c" and i != 3]
    kept = [i for i, n in enumerate(names) if n != "c" and i != 3]
    np.testing.assert_array_equal(model.eval_terms(X), before[:, kept])
    assert_sums(model, X)


def test_unknown_terms_and_features_are_named(small_models):
    model = copy.deepcopy(small_models["binary"])
    with pytest.raises(ValueError, match="unknown term 'nope'"):
        model.remove_terms(["nope"])
    with pytest.raises(ValueError, match="term index 99"):
        model.scale(99, 2.0)
    with pytest.raises(ValueError, match="unknown feature 'nope'"):
        model.remove_features("nope")
    with pytest.raises(ValueError, match="unknown term 'x & y'"):
        model.monotonize("x & y")


def test_remove_features(small, small_models):
    X, _ = small
    model = copy.deepcopy(small_models["regression"])
    before = model.predict(X)
    removed = [t for t, fs in enumerate(model.term_features_) if 1 in fs]
    contributions = model.eval_terms(X)[:, removed].sum(axis=1)
    model.remove_features(["c"])
    assert model.feature_names_in_ == ["x", "z"] and model.n_features_in_ == 2
    assert all("c" not in name.split(" & ") for name in model.term_names_)
    assert all(max(fs) < 2 for fs in model.term_features_)
    np.testing.assert_allclose(model.predict(X), before - contributions, atol=1e-12)
    np.testing.assert_allclose(model.predict(X[["x", "z"]].to_numpy()), model.predict(X),
                               atol=1e-12)
    assert_sums(model, X)


@pytest.mark.parametrize("kind", ["binary", "multiclass"])
def test_scale_and_remove_weak_terms(small, small_models, kind):
    X, _ = small
    model = copy.deepcopy(small_models[kind])
    before = model.eval_terms(X)
    model.scale("x", -2.0)
    np.testing.assert_allclose(model.eval_terms(X)[:, 0], -2.0 * before[:, 0], atol=1e-12)
    assert np.all(model.standard_deviations_[0] >= 0)
    for factor in (np.inf, [2.0], "2", None):
        with pytest.raises(ValueError, match="scale factor must be a finite number"):
            model.scale("x", factor)
    for threshold in ("x", np.nan, None):
        with pytest.raises(ValueError, match="threshold must be"):
            model.remove_weak_terms(threshold)
    for terms in (None, 2.5, {"x": 1}):
        with pytest.raises(ValueError, match="terms must be a term"):
            model.remove_terms(terms)
    importances = model.term_importances()
    threshold = np.median(importances)
    model.remove_weak_terms(threshold)
    assert len(model.term_names_) == int(np.sum(importances >= threshold))
    assert np.all(model.term_importances() >= threshold)
    assert_sums(model, X)


def test_set_term_scores(small, small_models):
    X, _ = small
    model = copy.deepcopy(small_models["binary"])
    scores = model.term_scores_[1].copy()
    with pytest.raises(ValueError, match="expected"):
        model.set_term_scores("c", scores[:-1])
    with pytest.raises(ValueError, match="NaN"):
        model.set_term_scores("c", np.full_like(scores, np.nan))
    scores[1] += 0.5  # category 'a'
    before = model.decision_function(X)
    assert model.set_term_scores("c", scores) is model
    shift = np.where(X["c"] == "a", 0.5, 0.0)
    np.testing.assert_allclose(model.decision_function(X), before + shift, atol=1e-12)
    assert_sums(model, X)


def test_monotonize_rules(small, small_models):
    X, _ = small
    model = copy.deepcopy(small_models["regression"])
    with pytest.raises(ValueError, match="interaction"):
        model.monotonize("x & c")
    with pytest.raises(ValueError, match="nominal"):
        model.monotonize("c")
    with pytest.raises(ValueError, match="one score per class"):
        copy.deepcopy(small_models["multiclass"]).monotonize("x")
    missing = X["x"].isna().to_numpy()
    before = model.predict(X)
    for increasing in (True, False, "auto"):
        model.monotonize("x", increasing=increasing)
        values = model.term_scores_[0][1:-1]
        steps = np.diff(values)
        assert np.all(steps >= -1e-12) if increasing is not False else np.all(steps <= 1e-12)
        weights = model.bin_weights_[0]
        assert abs(np.dot(weights, model.term_scores_[0])) < 1e-9 * weights.sum()
        # rows in the missing bin keep their predictions: the shift went into the intercept
        np.testing.assert_allclose(model.predict(X)[missing], before[missing], atol=1e-9)
        assert_sums(model, X)


def test_monotonize_on_credit_keeps_auc(credit, credit_model):
    """Monotonizing each continuous main effect barely changes held-out AUC."""
    _, X_test, _, y_test = credit
    base = roc_auc_score(y_test, credit_model.predict_proba(X_test)[:, 1])
    deltas = {}
    for name in ("Seniority", "Age", "Income", "Amount", "Price", "Expenses"):
        model = copy.deepcopy(credit_model).monotonize(name)
        t = model.term_names_.index(name)
        steps = np.diff(model.term_scores_[t][1:-1])
        assert np.all(steps >= -1e-12) or np.all(steps <= 1e-12)
        deltas[name] = roc_auc_score(y_test, model.predict_proba(X_test)[:, 1]) - base
        assert_sums(model, X_test)
    assert max(abs(d) for d in deltas.values()) < AUC_TOLERANCE, deltas


def test_functions_match_methods(small, small_models):
    X, _ = small
    a = editing.scale(copy.deepcopy(small_models["binary"]), "z", 0.5)
    b = copy.deepcopy(small_models["binary"]).scale("z", 0.5)
    np.testing.assert_array_equal(a.decision_function(X), b.decision_function(X))
    a = editing.smooth(copy.deepcopy(small_models["binary"]), "x", 0.1)
    b = copy.deepcopy(small_models["binary"]).smooth("x", 0.1)
    np.testing.assert_array_equal(a.decision_function(X), b.decision_function(X))


# ---- all-or-nothing edits, and models loaded from files that left parts out --------------------
def _fitted_state(model) -> dict:
    return {k: copy.deepcopy(v) for k, v in vars(model).items()
            if k.endswith("_") and not k.startswith("__")}


def assert_same(a, b, where="model") -> None:
    """Equal fitted state, compared value by value (arrays exactly, absent parts by name)."""
    if isinstance(a, AbsentPart) or isinstance(b, AbsentPart):
        assert repr(a) == repr(b), where
    elif isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), where
        for key in a:
            assert_same(a[key], b[key], f"{where}[{key!r}]")
    elif isinstance(a, (list, tuple)):
        assert type(a) is type(b) and len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f"{where}[{i}]")
    elif isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        np.testing.assert_array_equal(a, b, err_msg=where, strict=True)
    elif isinstance(a, float) and np.isnan(a):
        assert isinstance(b, float) and np.isnan(b), where
    else:
        assert a == b, where


@pytest.fixture(scope="module")
def minimal_models(small_models, tmp_path_factory):
    """Each small model saved with detail='minimal' and loaded back."""
    folder = tmp_path_factory.mktemp("minimal")
    loaded = {}
    for kind, model in small_models.items():
        model.to_json(folder / f"{kind}.json", detail="minimal")
        loaded[kind] = load(folder / f"{kind}.json")
    return loaded


FAILING_EDITS = [
    ("remove_terms", (["x", "nope"],)),
    ("remove_features", (["c", "nope"],)),
    ("scale", ("x", np.nan)),
    ("set_term_scores", ("c", np.zeros(3))),
    ("monotonize", ("x & c",)),
    ("smooth", ("x", 0.0)),
]


@pytest.mark.parametrize("edit, arguments", FAILING_EDITS)
def test_a_failing_edit_leaves_the_model_as_it_was(small_models, edit, arguments):
    model = copy.deepcopy(small_models["binary"])
    before = _fitted_state(model)
    with pytest.raises(ValueError):
        getattr(model, edit)(*arguments)
    assert_same(_fitted_state(model), before)


@pytest.mark.parametrize("edit, arguments", [("remove_weak_terms", (0.01,)), ("monotonize", ("x",)),
                                             ("smooth", ("x", 0.1))])
@pytest.mark.parametrize("kind", ["binary", "regression"])
def test_edits_needing_absent_parts_fail_and_change_nothing(minimal_models, kind, edit,
                                                            arguments):
    model = copy.deepcopy(minimal_models[kind])
    before = _fitted_state(model)
    with pytest.raises(AbsentPartError, match="bin_weights_"):
        getattr(model, edit)(*arguments)
    assert_same(_fitted_state(model), before)


@pytest.mark.parametrize("kind", ["binary", "multiclass", "regression"])
def test_edits_on_a_minimal_model(small, small_models, minimal_models, kind):
    """Edits that need only the tables work on a minimal model, as on the full one, and the
    parts the file left out stay absent."""
    X, _ = small
    full, minimal = copy.deepcopy(small_models[kind]), copy.deepcopy(minimal_models[kind])
    scores = full.term_scores_[2] + 0.25
    for model in (full, minimal):
        model.remove_terms(["c"]).scale("x", 0.5).set_term_scores("z", scores)
        model.remove_features(["x"])
    assert minimal.term_names_ == full.term_names_ == ["z"]
    np.testing.assert_allclose(minimal.decision_function(X[["c", "z"]]),
                               full.decision_function(X[["c", "z"]]), rtol=0, atol=1e-12)
    for name in ("standard_deviations_", "bin_weights_", "interaction_strengths_"):
        assert isinstance(getattr(minimal, name), AbsentPart), name
    assert minimal.bagged_scores_[0].shape[0] == 0


@pytest.mark.parametrize("edit, arguments", [("remove_terms", (["c"],)),
                                             ("remove_features", (["c"],)),
                                             ("scale", ("z", 2.0))])
def test_an_edit_failing_partway_changes_nothing(small_models, edit, arguments):
    """A model whose last per-term lists are one term short (as a hand-edited one might be):
    the edit fails on them, after the lists before them could have been changed."""
    model = copy.deepcopy(small_models["binary"])
    model.standard_deviations_ = model.standard_deviations_[:2]
    model.bin_weights_ = model.bin_weights_[:2]
    before = _fitted_state(model)
    with pytest.raises(IndexError):
        getattr(model, edit)(*arguments)
    assert_same(_fitted_state(model), before)


# ---- InterpretML's edits: sweep, masks, class order, passthrough -------------------------------
def test_sweep_purges_zero_terms_and_unused_levels(small, small_models):
    X, _ = small
    model = copy.deepcopy(small_models["regression"])
    before = model.predict(X)
    dropped = [model.term_names_.index(name) for name in ("z", "x & z")]
    for t in dropped:
        model.scale(t, 0.0)
    model.sweep()
    assert "z" not in model.term_names_ and "x & z" not in model.term_names_
    assert len(model.bins_[2]) == 1  # 'z' is in no term: only its main level is kept
    assert len(model.bins_[0]) == 2  # 'x' is in a pair: both levels stay
    contributions = small_models["regression"].eval_terms(X)[:, dropped].sum(axis=1)
    np.testing.assert_allclose(model.predict(X), before - contributions, atol=1e-12)
    model.sweep(features=True)
    assert model.feature_names_in_ == ["x", "c"] and model.n_features_in_ == 2
    assert len(model.histogram_weights_) == 2 and model.feature_bounds_.shape == (2, 2)
    assert_sums_any(model, X[["x", "c"]])
    for bad in ({"terms": 1}, {"bins": None}, {"features": "yes"}):
        with pytest.raises(ValueError, match="must be True or False"):
            model.sweep(**bad)


def assert_sums_any(model, X) -> None:
    intercept = np.asarray(model.intercept_, dtype=np.float64).reshape(-1)
    total = model.eval_terms(X).sum(axis=1) + (intercept[0] if intercept.size == 1
                                               else intercept)
    np.testing.assert_allclose(total, model.decision_function(X), atol=1e-12)


def test_boolean_masks_select_what_to_drop(small_models):
    model = copy.deepcopy(small_models["binary"])
    names = list(model.term_names_)
    model.remove_terms([name == "c" for name in names])
    assert model.term_names_ == [n for n in names if n != "c"]
    with pytest.raises(ValueError, match="one boolean for each of the 4 terms"):
        model.remove_terms([True, False])
    with pytest.raises(ValueError, match="one boolean for each"):
        model.remove_terms([True, 1, False, False])
    model.remove_features([False, False, True])
    assert model.feature_names_in_ == ["x", "c"]


def test_reorder_classes(small, small_models):
    X, _ = small
    model = copy.deepcopy(small_models["multiclass"])
    before = model.predict_proba(X)
    assert model.reorder_classes([2, 0, 1]) is model
    np.testing.assert_array_equal(model.classes_, [2, 0, 1])
    np.testing.assert_allclose(model.predict_proba(X), before[:, [2, 0, 1]], atol=1e-12)
    assert_sums_any(model, X)
    for bad, message in (([0, 1], "once"), ([0, 0, 1], "once"), ([0, 1, 5], "not classes")):
        with pytest.raises(ValueError, match=message):
            model.reorder_classes(bad)
    with pytest.raises(ValueError, match="classifier"):
        editing.reorder_classes(copy.deepcopy(small_models["regression"]), [0, 1])


@pytest.mark.filterwarnings("ignore:Missing values detected")
def test_a_term_name_that_several_terms_have_is_refused(small):
    """InterpretML names both the feature 'x & c' and the pair of x and c 'x & c'; editing by
    that name removed the first such term."""
    interpret = pytest.importorskip("interpret.glassbox")
    X, signal = small
    X = X.rename(columns={"z": "x & c"})
    theirs = interpret.ExplainableBoostingRegressor(outer_bags=1, max_rounds=20,
                                                    interactions=[(0, 1)]).fit(X, signal)
    model = from_interpret(theirs)
    assert model.term_names_.count("x & c") == 2
    with pytest.raises(ValueError, match=r"'x & c' is ambiguous: the terms at indices \[2, 3\]"):
        model.remove_terms(["x & c"])
    assert model.remove_terms([3]).term_names_ == ["x", "c", "x & c"]


@pytest.mark.filterwarnings("ignore:Missing values detected", "ignore:During fitting you should")
def test_monotonize_keeps_the_boolean_twins_of_a_converted_model(small):
    """A converted model scores booleans in the twin bins "False" and "True" (no weight) next to
    InterpretML's "0" and "1"; monotonize interpolated the twins between their neighbours, so
    booleans no longer scored as in InterpretML's model monotonized alike."""
    interpret = pytest.importorskip("interpret.glassbox")
    X, signal = small
    X = X.assign(flag=X["z"] > 0.5)
    theirs = interpret.ExplainableBoostingRegressor(
        outer_bags=1, max_rounds=100, interactions=0,
        feature_types=["continuous", "nominal", "continuous", "ordinal"]).fit(X, signal)
    model = from_interpret(theirs).monotonize("flag", increasing=True)
    theirs.monotonize("flag", increasing=True)
    np.testing.assert_allclose(model.predict(X), theirs.predict(X), rtol=0, atol=1e-9)


def test_reorder_classes_compares_labels_without_casting_them(small, small_models):
    """Labels were cast to classes_.dtype before the check: 'abcdef' became 'abc' (a <U3 dtype)
    and 1.9 became 1, so labels that are no classes were accepted."""
    X, signal = small
    text = ExplainableBoostingClassifier(outer_bags=1, max_rounds=20).fit(
        X, np.where(signal > 1, "abc", "ab"))
    assert text.classes_.dtype == np.dtype("<U3")
    with pytest.raises(ValueError, match=r"\['abcdef'\] are not classes"):
        copy.deepcopy(text).reorder_classes(["abcdef", "ab"])
    model = copy.deepcopy(small_models["multiclass"])
    with pytest.raises(ValueError, match=r"\[1\.9, 0\.4\] are not classes"):
        model.reorder_classes([1.9, 0.4, 2])
    with pytest.raises(ValueError, match=r"\['2', '0', '1'\] are not classes"):
        model.reorder_classes(["2", "0", "1"])
    np.testing.assert_array_equal(model.reorder_classes([2.0, 0.0, 1.0]).classes_, [2, 0, 1])


@pytest.mark.parametrize("passthrough", [0.0, 0.25, 1.0])
def test_monotonize_passthrough(small, small_models, passthrough):
    X, _ = small
    model = copy.deepcopy(small_models["regression"])
    old_intercept = model.intercept_
    weights = model.bin_weights_[0]
    old_mean = np.average(model.term_scores_[0][1:-1], weights=weights[1:-1])
    model.monotonize("x", True, passthrough)
    new = model.term_scores_[0]
    assert np.all(np.diff(new[1:-1]) >= -1e-12)
    if passthrough == 0.0:  # the value bins keep their mean, the intercept stays
        assert model.intercept_ == old_intercept
        assert np.average(new[1:-1], weights=weights[1:-1]) == pytest.approx(old_mean)
    else:  # the table is centered again, its mean moved into the intercept
        assert abs(np.dot(weights, new)) < 1e-9 * weights.sum()
    np.testing.assert_allclose(np.mean(model.bagged_scores_[0], axis=0), new, atol=1e-12)
    assert_sums_any(model, X)
    with pytest.raises(ValueError, match="passthrough"):
        model.monotonize("x", True, 1.5)


# ---- features derived from a date column -------------------------------------------------------
@pytest.fixture(scope="module")
def dated():
    rng = np.random.default_rng(4)
    n = 400
    when = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 900, n), unit="D")
    X = pd.DataFrame({"x": rng.normal(size=n), "when": when})
    y = X["x"] + 0.1 * when.month + (when.day_of_week == 6)
    with pytest.warns(UserWarning, match="holds dates"):
        model = ExplainableBoostingRegressor(outer_bags=2, interactions=0, max_rounds=300).fit(X, y)
    return X, model


def _without(model, features, how):
    """The model without the date-derived ``features``, dropped directly or swept away after
    their terms."""
    if how == "remove_features":
        return model.remove_features(features)
    return model.remove_terms(features).sweep(features=True)


@pytest.mark.parametrize("how", ["remove_features", "sweep"])
@pytest.mark.parametrize("features, parts", [(["when:weekday"], ["year", "month"]),
                                             (["when:year", "when:month"], ["weekday"])])
def test_dropping_date_features_drops_their_parts(dated, how, features, parts):
    X, fitted = dated
    model = _without(copy.deepcopy(fitted), features, how)
    assert [c["parts"] for c in model.datetime_conversions_] == [parts]
    assert model.feature_names_in_ == ["x"] + [f"when:{p}" for p in parts]
    kept = [fitted.term_names_.index(name) for name in model.term_names_]
    np.testing.assert_allclose(model.eval_terms(X), fitted.eval_terms(X)[:, kept], atol=1e-12)
    reloaded = load(model.to_json())
    assert reloaded.datetime_conversions_ == model.datetime_conversions_
    np.testing.assert_array_equal(reloaded.predict(X), model.predict(X))


def test_dropping_a_date_feature_keeps_the_time_zone_of_the_rest(dated):
    X, _ = dated
    rng = np.random.default_rng(5)
    paris = (pd.Timestamp("2021-01-01", tz="UTC") + pd.to_timedelta(
        rng.integers(0, 365 * 24, len(X)), unit="h")).tz_convert("Europe/Paris")
    zoned = X.assign(when=paris)
    with pytest.warns(UserWarning, match="holds dates"):
        fitted = ExplainableBoostingRegressor(outer_bags=2, interactions=0, max_rounds=300).fit(
            zoned, X["x"] + (paris.hour >= 12))
    model = copy.deepcopy(fitted).remove_features(["when:weekday"])
    assert model.datetime_conversions_[0]["tz"] == "Europe/Paris"
    in_utc = zoned.assign(when=paris.tz_convert("UTC"))
    np.testing.assert_array_equal(model.predict(in_utc), model.predict(zoned))
    with pytest.raises(ValueError, match="holds dates without a time zone"):
        model.predict(zoned.assign(when=paris.tz_localize(None)))


@pytest.mark.parametrize("how", ["remove_features", "sweep"])
def test_dropping_every_date_feature_drops_the_conversion(dated, how):
    X, fitted = dated
    model = _without(copy.deepcopy(fitted), ["when:year", "when:month", "when:weekday"], how)
    assert model.datetime_conversions_ == [] and model.feature_names_in_ == ["x"]
    np.testing.assert_allclose(model.predict(X[["x"]]), model.predict(X), atol=1e-12)
    reloaded = load(model.to_json())
    np.testing.assert_array_equal(reloaded.predict(X[["x"]]), model.predict(X))


def test_sweeping_features_of_a_model_without_terms_keeps_one_to_save(small, small_models):
    X, _ = small
    one_class = ExplainableBoostingClassifier(outer_bags=2, max_rounds=50).fit(
        X, np.zeros(len(X), dtype=int))
    assert one_class.link_ == "monoclassification"
    for model in (one_class, copy.deepcopy(small_models["regression"])):
        model.remove_terms(list(range(len(model.term_names_))))
        expected = model.predict(X)
        model.sweep(features=True)
        assert model.feature_names_in_ == ["x"] and len(model.bins_) == 1
        loaded = load(model.to_json())
        np.testing.assert_array_equal(loaded.predict(X[["x"]]), expected)
        with pytest.raises(ValueError, match="cannot remove all 1 features"):
            model.remove_features(["x"])
        assert model.feature_names_in_ == ["x"]


# ---- smoothing a main effect -------------------------------------------------------------------
def _quantile_positions(model, t) -> np.ndarray:
    w = model.bin_weights_[t][1:-1]
    return (np.cumsum(w) - w / 2) / w.sum()


def test_smooth_rules(small_models):
    model = copy.deepcopy(small_models["regression"])
    with pytest.raises(ValueError, match="interaction; only main effects can be smoothed"):
        model.smooth("x & c", 0.1)
    with pytest.raises(ValueError, match="'c' is nominal"):
        model.smooth("c", 0.1)
    for bad in (0, -0.1, np.nan, np.inf, "0.1", None):
        with pytest.raises(ValueError, match="bandwidth must be a number"):
            model.smooth("x", bad)
    with pytest.raises(ValueError, match="passthrough"):
        model.smooth("x", 0.1, 1.5)


@pytest.mark.parametrize("bandwidth", [0.15, 0.03])
def test_smooth_matches_a_weighted_line_fitted_bin_by_bin(small_models, bandwidth):
    """Each value bin's new score is the kernel-weighted least-squares line through the scores,
    read at the bin (np.polyfit per bin, over every bin, as the plain reference), plus the mean's
    correction. At 0.03 the kernel's far tail is left out of the fast path."""
    model = copy.deepcopy(small_models["regression"])
    old = model.term_scores_[0].copy()
    w = model.bin_weights_[0][1:-1]
    position = _quantile_positions(model, 0)
    expected = np.empty(len(w))
    for i, at in enumerate(position):
        kernel = np.exp(-0.5 * ((position - at) / bandwidth) ** 2) * w
        slope, intercept = np.polyfit(position - at, old[1:-1], 1, w=np.sqrt(kernel))
        expected[i] = intercept
    expected += np.average(old[1:-1] - expected, weights=w)
    new = model.smooth("x", bandwidth).term_scores_[0]
    np.testing.assert_allclose(new[1:-1], expected, rtol=0, atol=1e-10)
    assert new[0] == old[0] and new[-1] == old[-1]  # missing and unseen keep their scores


@pytest.mark.parametrize("kind", ["binary", "multiclass", "regression"])
@pytest.mark.parametrize("passthrough", [0.0, 1.0])
def test_smooth_flattens_wiggles_and_keeps_lines(small, small_models, kind, passthrough):
    X, _ = small
    model = copy.deepcopy(small_models[kind])
    old_intercept = np.copy(model.intercept_)
    weights = model.bin_weights_[0]
    old = model.term_scores_[0].copy()
    old_mean = np.average(old[1:-1], weights=weights[1:-1], axis=0)
    model.smooth("x", 0.2, passthrough)
    new = model.term_scores_[0]
    assert new.shape == old.shape
    roughness = np.abs(np.diff(new[1:-1], axis=0)).sum(axis=0)
    assert np.all(roughness < 0.5 * np.abs(np.diff(old[1:-1], axis=0)).sum(axis=0))
    if passthrough == 0.0:
        np.testing.assert_array_equal(model.intercept_, old_intercept)
        np.testing.assert_allclose(np.average(new[1:-1], weights=weights[1:-1], axis=0),
                                   old_mean, atol=1e-12)
    else:
        np.testing.assert_allclose(weights @ new, 0.0, atol=1e-9 * weights.sum())
    np.testing.assert_allclose(np.mean(model.bagged_scores_[0], axis=0), new, atol=1e-12)
    assert_sums_any(model, X)
    # a table that is a straight line over the bins' row quantiles (per class) stays as it is
    position = _quantile_positions(model, 0)
    line = np.asarray(new, dtype=np.float64).copy()
    line[1:-1] = (np.outer(position - 0.5, np.arange(1, 1 + np.size(new[0])))
                  .reshape(line[1:-1].shape))
    model.set_term_scores("x", line)
    np.testing.assert_allclose(model.smooth("x", 0.05).term_scores_[0], line, atol=1e-9)


def test_smooth_recovers_a_noisy_straight_shape_better():
    """Boosted on 3,000 Bernoulli labels, a linear effect comes out wiggly; smoothing it brings
    it closer to the true line (correlation on fresh rows) and keeps held-out AUC."""
    rng = np.random.default_rng(11)

    def draw(n):
        X = pd.DataFrame({"a": rng.uniform(-1, 1, n), "b": rng.uniform(-1, 1, n)})
        logit = 0.6 * X["a"] + np.sin(3 * X["b"])
        return X, rng.random(n) < 1 / (1 + np.exp(-logit.to_numpy()))

    X, y = draw(3000)
    X_test, y_test = draw(20000)
    model = ExplainableBoostingClassifier(outer_bags=4, interactions=0,
                                          shape_smoothing=None).fit(X, y)
    before = np.corrcoef(model.eval_terms(X_test)[:, 0], X_test["a"])[0, 1]
    auc = roc_auc_score(y_test, model.predict_proba(X_test)[:, 1])
    model.smooth("a", 0.1)
    after = np.corrcoef(model.eval_terms(X_test)[:, 0], X_test["a"])[0, 1]
    assert after > before + 0.005, (before, after)
    assert roc_auc_score(y_test, model.predict_proba(X_test)[:, 1]) > auc - AUC_TOLERANCE


def test_smooth_on_credit_keeps_auc(credit, credit_model):
    """Smoothing each continuous main effect over 2% of the rows barely changes held-out AUC."""
    _, X_test, _, y_test = credit
    base = roc_auc_score(y_test, credit_model.predict_proba(X_test)[:, 1])
    model = copy.deepcopy(credit_model)
    for name in ("Seniority", "Age", "Income", "Amount", "Price", "Expenses"):
        model.smooth(name, 0.02)
    assert_sums(model, X_test)
    auc = roc_auc_score(y_test, model.predict_proba(X_test)[:, 1])
    assert abs(auc - base) < AUC_TOLERANCE, (base, auc)
