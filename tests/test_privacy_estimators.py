"""Private EBMs: fit, the standard model value, bad input, and an empirical privacy audit."""

import io
import json
import math
import warnings

import numpy as np
import pandas as pd
import pytest

import glassboost
from glassboost import DPExplainableBoostingClassifier, DPExplainableBoostingRegressor
from glassboost.privacy.dp_step import LOG_LOSS, SQUARED_ERROR, dp_boost


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="random_state=")
        warnings.filterwarnings("ignore", message="Possible privacy violation: feature types")
        yield


def _data(n=600, seed=0):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"a": rng.uniform(0, 10, n), "b": rng.normal(0, 1, n),
                      "c": rng.choice(["x", "y", "z"], n, p=[0.5, 0.3, 0.2])})
    logit = (X["a"] - 5) * 0.8 + (X["c"] == "x") * 1.5 - 0.7
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return X, y


BOUNDS = {"a": (0, 10), "b": (-4, 4)}


def test_classifier_learns_and_is_a_standard_model():
    X, y = _data(2000)
    model = DPExplainableBoostingClassifier(epsilon=8, privacy_bounds=BOUNDS, random_state=3,
                                            feature_types=["continuous", "continuous",
                                                           "nominal"]).fit(X, y)
    from sklearn.metrics import roc_auc_score
    assert roc_auc_score(y, model.predict_proba(X)[:, 1]) > 0.8
    assert model.term_names_ == ["a", "b", "c"]
    # the shape of a follows the truth: rising in a
    scores = model.term_scores_[0][1:-1]
    assert scores[-1] - scores[0] > 1
    assert np.corrcoef(np.arange(len(scores)), scores)[0, 1] > 0.9
    # exactly max_rounds steps per term, no early stopping
    assert np.all(model.best_iteration_ == 300 * 3)
    assert model.noise_scale_binning_ > 0 and model.noise_scale_boosting_ > 0
    assert "(8, 1e-05)-differentially private (gdp composition)" in model.privacy_summary()
    # the standard scoring path: terms plus intercept give the decision function
    assert np.allclose(model.eval_terms(X).sum(axis=1) + model.intercept_[0],
                       model.decision_function(X))


def test_a_zoned_date_column_records_its_zone_as_in_a_standard_model():
    X, y = _data()
    X["when"] = (pd.Timestamp("2021-01-01", tz="UTC") + pd.to_timedelta(
        np.arange(len(X)), unit="h")).tz_convert("Europe/Paris")
    bounds = BOUNDS | {"when:days_since_1970": (18_628, 18_700)}
    with pytest.warns(glassboost.DataWarning, match="'when' holds dates"):
        model = DPExplainableBoostingClassifier(max_rounds=5, privacy_bounds=bounds,
                                                feature_types=["continuous", "continuous",
                                                               "nominal", "continuous"]).fit(X, y)
    assert model.datetime_conversions_[0]["tz"] == "Europe/Paris"
    assert glassboost.load(model.to_json()).datetime_conversions_ == model.datetime_conversions_
    with pytest.raises(ValueError, match="'when' held dates at fit but holds dates without a "
                                         "time zone"):
        model.predict(X.assign(when=X["when"].dt.tz_localize(None)))


def test_json_records_the_budget_and_round_trips():
    X, y = _data()
    model = DPExplainableBoostingClassifier(epsilon=2, composition="classic", max_rounds=20,
                                            privacy_bounds=BOUNDS, random_state=1).fit(X, y)
    text = model.to_json()
    parameters = json.loads(text)["training"]["parameters"]
    assert (parameters["epsilon"], parameters["delta"], parameters["composition"]) == (
        2, 1e-5, "classic")
    loaded = glassboost.load(io.StringIO(text))
    assert np.allclose(loaded.predict_proba(X), model.predict_proba(X))
    # a loaded private model keeps its class and budget parameters, also when written again
    assert isinstance(loaded, DPExplainableBoostingClassifier)
    assert (loaded.epsilon, loaded.delta, loaded.composition) == (2, 1e-5, "classic")
    assert "(2, 1e-05)-differentially private (classic composition)" in loaded.privacy_summary()
    again = json.loads(loaded.to_json())["training"]["parameters"]
    assert again["epsilon"] == 2 and again["privacy_bounds"] == parameters["privacy_bounds"]
    assert "SELECT" in model.to_sql()


def test_editing_spends_nothing():
    X, y = _data()
    model = DPExplainableBoostingClassifier(max_rounds=20, privacy_bounds=BOUNDS,
                                            random_state=1).fit(X, y)
    before = (dict(model.privacy_budget_), model.noise_scale_binning_,
              model.noise_scale_boosting_, model.privacy_summary())
    edited = model.copy()
    edited.remove_terms(["b"])
    edited.monotonize("a")
    edited.scale("c", 0.5)
    assert edited.term_names_ == ["a", "c"]
    assert (dict(edited.privacy_budget_), edited.noise_scale_binning_,
            edited.noise_scale_boosting_, edited.privacy_summary()) == before


def test_regressor_clips_to_public_target_range():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.uniform(0, 1, 1500)})
    y = 10 + 5 * X["a"] + rng.normal(0, 0.5, 1500)
    y.iloc[0] = 1e6  # outside the public range: clipped, it cannot move the model
    model = DPExplainableBoostingRegressor(epsilon=8, privacy_bounds={"a": (0, 1)},
                                           privacy_target_min=0, privacy_target_max=20,
                                           random_state=0).fit(X, y)
    assert model.privacy_budget_["boost_sensitivity"] == pytest.approx(0.01 * 20)
    rmse = np.sqrt(np.mean((model.predict(X)[1:] - y[1:]) ** 2))
    assert rmse < 1.2  # the target's spread is 1.5
    assert (model.min_target_, model.max_target_) == (0.0, 20.0)


def test_values_outside_public_bounds_are_clipped():
    X, y = _data()
    model = DPExplainableBoostingClassifier(max_rounds=5, privacy_bounds=BOUNDS,
                                            random_state=1).fit(X, y)
    far = X.iloc[:3].copy()
    edge = X.iloc[:3].copy()
    far["a"], edge["a"] = 1e9, 10.0
    assert np.allclose(model.decision_function(far), model.decision_function(edge))
    assert model.bins_[0][0].max() < 10 and model.feature_bounds_[0].tolist() == [0, 10]


def test_bounds_taken_from_data_warn_and_say_how_to_avoid_it():
    X, y = _data()
    with pytest.warns(UserWarning, match=r"min and max of features \['a', 'b'\].*privacy_bounds"):
        DPExplainableBoostingClassifier(max_rounds=2).fit(X, y)
    with pytest.warns(UserWarning, match="privacy_target_min and privacy_target_max"):
        DPExplainableBoostingRegressor(max_rounds=2, privacy_bounds=BOUNDS).fit(X, X["a"])


def test_inferred_feature_types_warn():
    X, y = _data()
    with pytest.warns(UserWarning, match="feature types were inferred.*Pass feature_types"):
        with warnings.catch_warnings():
            warnings.filterwarnings("default", message="Possible privacy violation: feature")
            DPExplainableBoostingClassifier(max_rounds=2, privacy_bounds=BOUNDS).fit(X, y)


def test_fixed_random_state_warns():
    X, y = _data()
    with pytest.warns(UserWarning, match="random_state=5 makes the noise reproducible"):
        DPExplainableBoostingClassifier(max_rounds=2, privacy_bounds=BOUNDS,
                                        random_state=5).fit(X, y)


@pytest.mark.parametrize("params, message", [
    (dict(epsilon=0), "epsilon must be > 0"),
    (dict(epsilon=-2.0), "epsilon must be > 0"),
    (dict(delta=0), r"delta must be in the open interval \(0, 1\)"),
    (dict(delta=1.5), r"delta must be in the open interval \(0, 1\)"),
    (dict(composition="zcdp"), "composition must be one of"),
    (dict(privacy_bounds={"a": (5, 5)}), "privacy_bounds for feature 'a': min must be below"),
    (dict(privacy_bounds={"a": (3, 1)}), "privacy_bounds for feature 'a': min must be below"),
    (dict(privacy_bounds={"nope": (0, 1)}), "privacy_bounds: 'nope' is not a feature"),
    (dict(privacy_bounds=[(0, 1)]), "privacy_bounds has 1 entries for 3 features"),
    (dict(max_bins=2), "max_bins"),
    (dict(max_rounds=0), "max_rounds"),
])
def test_bad_privacy_parameters(params, message):
    X, y = _data(100)
    with pytest.raises(ValueError, match=message):
        DPExplainableBoostingClassifier(**({"privacy_bounds": BOUNDS} | params)).fit(X, y)


def test_bad_target_range_and_refused_inputs():
    X, y = _data(100)
    with pytest.raises(ValueError, match=r"privacy_target_min \(5\) must be below"):
        DPExplainableBoostingRegressor(privacy_bounds=BOUNDS, privacy_target_min=5,
                                       privacy_target_max=5).fit(X, X["a"])
    with pytest.raises(ValueError, match=r"privacy_target_max must be a number .* got inf"):
        DPExplainableBoostingRegressor(privacy_bounds=BOUNDS, privacy_target_min=0,
                                       privacy_target_max=np.inf).fit(X, X["a"])
    with warnings.catch_warnings(), pytest.raises(ValueError, match=r"\(read from y\); pass"):
        warnings.simplefilter("ignore")
        DPExplainableBoostingRegressor(privacy_bounds=BOUNDS).fit(X, np.ones(100))
    with pytest.raises(ValueError, match="sample_weight is not supported"):
        DPExplainableBoostingClassifier(privacy_bounds=BOUNDS).fit(X, y, sample_weight=np.ones(100))
    with pytest.raises(ValueError, match="binary targets only"):
        DPExplainableBoostingClassifier(privacy_bounds=BOUNDS).fit(X, np.arange(100) % 3)
    with pytest.raises(ValueError, match="Feature 'b' has infinite values: pass its public"):
        DPExplainableBoostingClassifier(privacy_bounds={"a": (0, 10)}).fit(
            X.assign(b=np.inf), y)
    # with public bounds, infinite values are clipped like any value outside them
    DPExplainableBoostingClassifier(privacy_bounds=BOUNDS, max_rounds=2).fit(
        X.assign(b=np.where(y == 1, np.inf, -np.inf)), y)
    texty = X.astype({"b": object})
    texty.loc[7, "b"] = "n/a"
    with pytest.raises(ValueError, match="Feature 'b' has non-numeric values .* row 7"):
        DPExplainableBoostingClassifier(privacy_bounds=BOUNDS, feature_types=[
            "continuous", "continuous", "nominal"]).fit(texty, y)
    with pytest.raises(ValueError, match="requires y"):
        DPExplainableBoostingClassifier(privacy_bounds=BOUNDS).fit(X, None)
    for bounds in (5, "a"):
        with pytest.raises(ValueError, match=r"privacy_bounds must be a dict .* got "):
            DPExplainableBoostingClassifier(privacy_bounds=bounds).fit(X, y)
    with pytest.raises(ValueError, match="Feature 'a': feature_types gives cut points"):
        DPExplainableBoostingClassifier(privacy_bounds=BOUNDS, feature_types=[
            [2.5, 5.0], "continuous", "nominal"]).fit(X, y)
    with pytest.raises(ValueError, match="Feature 'b': feature_types gives the binning 'uniform'"):
        DPExplainableBoostingClassifier(privacy_bounds=BOUNDS, feature_types=[
            "continuous", "uniform", "nominal"]).fit(X, y)


def test_missing_values_get_a_private_missing_bin():
    X, y = _data(3000)
    rng = np.random.default_rng(9)
    X = X.astype({"c": object})
    gone = rng.random(len(X)) < 0.25  # a quarter of a missing, where y is mostly 1
    X.loc[gone, "a"] = np.nan
    y = np.where(gone, (rng.random(len(X)) < 0.9).astype(int), y)
    X.loc[:0, "c"] = None  # one missing category: far below a category's share
    model = DPExplainableBoostingClassifier(
        epsilon=8, privacy_bounds=BOUNDS, random_state=4,
        feature_types=["continuous", "continuous", "nominal"]).fit(X, y)
    a, b, c = (model.term_names_.index(name) for name in "abc")
    weights = model.bin_weights_
    # the missing bin's weight is its noisy count (scaled like every bin), and it is boosted
    share = weights[a][0] / weights[a].sum()
    assert abs(share - gone.mean()) < 0.02
    assert model.term_scores_[a][0] > 0.5
    # no missing values, or too few: weight 0, score 0, as a standard model never seeing any
    for term in (b, c):
        assert weights[term][0] == 0 and model.term_scores_[term][0] == 0
    # the missing cell is part of each feature's histogram: no extra query, same noise
    assert model.privacy_budget_["n_binning_queries"] == 3
    assert np.all(np.isfinite(model.predict_proba(X)))


def test_categorical_feature_of_missing_values_only():
    # no category in the data: all the rows are in the missing bin, however noisy its count
    # (below 0 with seed 0 here: every weight was 0 and the fit failed as "not finite")
    X = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0], "c": [None] * 4})
    model = DPExplainableBoostingClassifier(
        feature_types=["continuous", "nominal"], privacy_bounds={"a": (0, 5)}, max_rounds=2,
        random_state=0).fit(X, [0, 1, 0, 1])
    assert model.bin_weights_[1][0] == model.bin_weights_[1].sum() > 0
    assert np.all(model.term_scores_[1] == 0)
    loaded = glassboost.load(model.to_json())
    assert np.array_equal(loaded.predict_proba(X), model.predict_proba(X))


def test_rare_categories_share_the_other_bin():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"c": np.where(rng.random(3000) < 0.5, "common",
                                    np.where(rng.random(3000) < 0.9, "also", "rare0"))})
    X.loc[:4, "c"] = ["r1", "r2", "r3", "r4", "r5"]
    y = rng.integers(0, 2, 3000)
    model = DPExplainableBoostingClassifier(max_rounds=3, max_bins=6, epsilon=4,
                                            random_state=0).fit(X, y)
    assert set(model.bins_[0][0]) == {"also", "common"}
    # the other bin has the rare categories' weight, but scores 0 as every unseen bin does
    assert model.bin_weights_[0][-1] > 0 and model.term_scores_[0][-1] == 0
    assert model.eval_terms(X.iloc[:5])[:, 0].tolist() == [0.0] * 5
    # declared ordinal levels are public: every one is kept, rare or absent, in their order
    levels = ["common", "also", "rare0", "r1", "r2", "r3", "r4", "r5", "never"]
    ordinal = DPExplainableBoostingClassifier(max_rounds=3, max_bins=6, epsilon=4,
                                              feature_types=[levels], random_state=0).fit(X, y)
    assert list(ordinal.bins_[0][0]) == levels
    with pytest.raises(ValueError, match="not among the declared ordinal"):
        DPExplainableBoostingClassifier(feature_types=[levels[:3]], max_rounds=1).fit(X, y)


def test_ordinal_levels_read_from_the_data_are_merged_as_nominal():
    # "ordinal" without a level list reads the levels from the data: a level of one record
    # must not be released for sure, as a declared level is
    X = pd.DataFrame({"c": np.array(["a", "b"] * 200 + ["only_one_record"], dtype=object)})
    y = np.arange(401) % 2
    model = DPExplainableBoostingClassifier(feature_types=["ordinal"], epsilon=100,
                                            max_rounds=1, random_state=0).fit(X, y)
    assert model.feature_types_in_ == ["ordinal"]
    assert set(model.bins_[0][0]) == {"a", "b"}


# ---- the empirical audit -----------------------------------------------------------------------
def _audit_scores(noise_on: bool, n_trials: int, seed: int):
    """The released leaf of one step on neighbouring datasets D (the target record has y=0)
    and D' (y=1): the data are the same except that record. The attack sees the released
    table and guesses D' when the record's bin value is above a threshold."""
    n = 60
    codes = np.zeros((1, n), dtype=np.uint8)
    codes[0] = 1 + np.arange(n) % 4  # four bins
    weights = np.zeros((1, 6))
    weights[0, 1:5] = n / 4
    split_bins = np.array([5])
    learning_rate = 0.5
    from glassboost.privacy.accounting import plan_budget
    budget = plan_budget(1.0, 1e-5, "gdp", 0.5, 1, 1, 1.0, learning_rate * 1.0)
    sigma = budget.noise_scale_boosting if noise_on else 0.0
    rng = np.random.default_rng(seed)
    outputs = []
    for neighbour in (0.0, 1.0):
        y = np.zeros(n)
        y[0] = neighbour
        released = []
        for _ in range(n_trials):
            tables = np.zeros((1, 6))
            dp_boost(codes, np.arange(n, dtype=np.int64), split_bins, weights, y, np.ones(n),
                     np.zeros(n), tables, rng.random((1, 1, 2)), rng.standard_normal((1, 1, 4)),
                     sigma, learning_rate, 1.0, LOG_LOSS)
            released.append(tables[0, 1])
        outputs.append(np.array(released))
    return outputs, budget


def _best_attack(out_d, out_d2):
    """Largest true-positive minus e^eps * false-positive over thresholds: (eps, delta)-DP
    bounds TPR <= e^eps FPR + delta for every test."""
    thresholds = np.unique(np.concatenate([out_d, out_d2]))
    tpr = (out_d2[None, :] > thresholds[:, None]).mean(axis=1)
    fpr = (out_d[None, :] > thresholds[:, None]).mean(axis=1)
    return tpr, fpr


def test_audit_attack_stays_within_the_budget_and_detects_no_noise():
    trials = 4000
    (out_d, out_d2), budget = _audit_scores(True, trials, seed=11)
    tpr, fpr = _best_attack(out_d, out_d2)
    eps, delta = budget.boosting_epsilon, budget.boosting_delta
    # one-sided 99.9% confidence slack for the empirical rates (normal approximation)
    slack = 3.1 * math.sqrt(0.25 / trials) * (1 + math.exp(eps))
    assert np.all(tpr <= math.exp(eps) * fpr + delta + slack)
    # the noise is not wasted: the attack has some power, as a Gaussian of this sigma allows
    assert np.max(tpr - fpr) > 0.02
    # the same attack without noise separates the neighbours perfectly: the test can fail
    (raw_d, raw_d2), _ = _audit_scores(False, 200, seed=12)
    tpr, fpr = _best_attack(raw_d, raw_d2)
    assert np.any(tpr > math.exp(eps) * fpr + delta + 0.5)


def _whole_fit_releases(trials: int):
    """Predictions at the changed record of private regressors fitted on neighbouring data:
    one record's target changed from its value to the extreme 1e9 (clipped to the public
    range [0, 1])."""
    rng = np.random.default_rng(0)
    n = 80
    X = pd.DataFrame({"a": rng.uniform(0, 1, n)})
    y = rng.uniform(0, 0.2, n)
    X.loc[0, "a"] = 0.99
    y_far = y.copy()
    y_far[0] = 1e9
    settings = dict(epsilon=1.0, max_rounds=2, max_bins=4, learning_rate=0.5,
                    privacy_bounds={"a": (0, 1)}, privacy_target_min=0,
                    privacy_target_max=1, n_jobs=1, feature_types=["continuous"])
    released = {0: [], 1: []}
    for t in range(trials):
        for which, target in ((0, y), (1, y_far)):
            model = DPExplainableBoostingRegressor(random_state=10_000 * which + t,
                                                   **settings).fit(X, target)
            released[which].append(model.predict(X.iloc[:1])[0])
    return np.array(released[0]), np.array(released[1])


def test_audit_of_whole_fits_one_record_changed_to_an_extreme(monkeypatch):
    """The best threshold test on whole fits stays within (epsilon, delta); with the noise
    switched off (the accountant's scales set to 0) the same test detects the record."""
    trials = 150
    tpr, fpr = _best_attack(*_whole_fit_releases(trials))
    slack = 3.1 * math.sqrt(0.25 / trials) * (1 + math.e)
    assert np.all(tpr <= math.e * fpr + 1e-5 + slack)

    import dataclasses

    from glassboost.privacy import estimators
    planned = estimators.plan_budget
    monkeypatch.setattr(estimators, "plan_budget", lambda *a, **k: dataclasses.replace(
        planned(*a, **k), noise_scale_binning=0.0, noise_scale_boosting=0.0))
    tpr, fpr = _best_attack(*_whole_fit_releases(20))
    assert np.any(tpr > math.e * fpr + 1e-5 + 0.5)


# ---- the step rule against a numpy reference --------------------------------------------------
def _reference_boost(codes, split_bins, bin_weights, y, scores, cut_draws, noise, noise_scale,
                     learning_rate, clip, objective):
    tables = np.zeros_like(bin_weights)
    n_rounds, n_terms, _ = cut_draws.shape
    for r in range(n_rounds):
        for t in range(n_terms):
            if objective == LOG_LOSS:
                gradient = 1 / (1 + np.exp(-scores)) - y
            else:
                gradient = np.clip(scores - y, -clip, clip)
            histogram = np.bincount(codes[t], weights=gradient, minlength=bin_weights.shape[1])
            n_bins = split_bins[t]
            free, cuts = list(range(2, n_bins)), []
            for u in cut_draws[r, t]:  # distinct cuts: the k-th of those not drawn yet
                if free:
                    cuts.append(free.pop(int(u * len(free))))
            cuts.sort()
            edges = [1] + cuts + [n_bins]
            update = np.zeros(bin_weights.shape[1])
            for leaf, (lo, hi) in enumerate(zip(edges[:-1], edges[1:])):
                noisy = learning_rate * histogram[lo:hi].sum() + noise_scale * noise[r, t, leaf]
                update[lo:hi] = -noisy / bin_weights[t, lo:hi].sum()
            if bin_weights[t, 0] > 0:  # the missing bin, a leaf of its own
                noisy = learning_rate * histogram[0] + noise_scale * noise[r, t, -1]
                update[0] = -noisy / bin_weights[t, 0]
            tables[t] += update
            scores = scores + update[codes[t]]
    return tables, scores


@pytest.mark.parametrize("objective", [LOG_LOSS, SQUARED_ERROR])
def test_step_rule_matches_numpy_reference(objective):
    rng = np.random.default_rng(objective)
    n, n_terms, max_bins = 300, 3, 9
    split_bins = np.array([8, 3, 6])
    # rows in the missing bin 0 too; the second term's missing bin has no weight (not kept)
    codes = np.stack([rng.integers(0, s, n) for s in split_bins]).astype(np.uint8)
    weights = np.zeros((n_terms, max_bins))
    for t, s in enumerate(split_bins):
        weights[t, :s] = rng.uniform(5, 50, s)
    weights[1, 0] = 0.0
    y = (rng.random(n) < 0.4).astype(float) if objective == LOG_LOSS else rng.normal(0, 3, n)
    draws = rng.random((7, n_terms, 2))
    noise = rng.standard_normal((7, n_terms, 4))
    expected_tables, expected_scores = _reference_boost(
        codes, split_bins, weights, y, np.zeros(n), draws, noise, 0.3, 0.2, 2.0, objective)
    scores, tables = np.zeros(n), np.zeros((n_terms, max_bins))
    dp_boost(codes, np.arange(n, dtype=np.int64), split_bins, weights, y, np.ones(n), scores,
             tables, draws, noise, 0.3, 0.2, 2.0, objective)
    assert np.allclose(tables, expected_tables, rtol=1e-12, atol=1e-12)
    assert np.allclose(scores, expected_scores, rtol=1e-12, atol=1e-12)
    assert tables[0, 0] != 0 and tables[1, 0] == 0  # the missing leaf, kept and not kept
    if objective == SQUARED_ERROR:  # the clip bounds every gradient, so it changes the fit
        unclipped, _ = _reference_boost(codes, split_bins, weights, y, np.zeros(n), draws,
                                        noise, 0.3, 0.2, 1e9, objective)
        assert not np.allclose(unclipped, expected_tables)


def test_log_loss_groups_rows_with_identical_codes_and_releases_the_same_sums(monkeypatch):
    """Few distinct code combinations: the step rule boosts groups (count * p - sum(y) per
    group), which is the rows' own gradient sum; the fit equals the row-by-row fit up to the
    order of additions, and so does a regressor, whose rows are never grouped."""
    import glassboost.privacy.estimators as private

    rng = np.random.default_rng(1)
    n = 3000
    X = pd.DataFrame({"a": rng.integers(0, 5, n).astype(float), "c": rng.choice(["x", "y"], n)})
    y = (rng.random(n) < 0.3 + 0.1 * X["a"] / 5).astype(int)
    params = dict(privacy_bounds={"a": (0, 4)}, feature_types=["continuous", "nominal"],
                  random_state=5, outer_bags=2, validation_size=0.2, max_rounds=50)
    seen = []
    grouped_rows = private._boosted_rows

    def watched(codes, rows, n_bins, targets, objective_code):
        result = grouped_rows(codes, rows, n_bins, targets, objective_code)
        seen.append((len(rows), len(result[1]), float(result[3][result[1]].sum())))
        return result

    monkeypatch.setattr(private, "_boosted_rows", watched)
    grouped = DPExplainableBoostingClassifier(**params).fit(X, y)
    assert all(kept < 20 and counted == n_rows for n_rows, kept, counted in seen), seen
    monkeypatch.setattr(private, "group_identical_rows", lambda *args: None)
    seen.clear()
    one_by_one = DPExplainableBoostingClassifier(**params).fit(X, y)
    assert all(kept == n_rows for n_rows, kept, _ in seen)
    for a, b in zip(grouped.term_scores_, one_by_one.term_scores_):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    assert any(np.any(t != 0) for t in grouped.term_scores_)


def test_estimate_mem_grows_with_rows_and_bags():
    X, _ = _data(1000)
    small = DPExplainableBoostingClassifier(n_jobs=1).estimate_mem(X.iloc[:100])
    large = DPExplainableBoostingClassifier(n_jobs=1).estimate_mem(X)
    bags = DPExplainableBoostingClassifier(n_jobs=2, outer_bags=2).estimate_mem(X)
    assert 0 < small < large < bags
    assert large >= 1000 * (16 + 8 + 3)  # scores, rows, target, one code byte per term


@pytest.mark.parametrize("composition", ["gdp", "classic"])
def test_noise_scales_equal_interpret(composition):
    """The same settings get the same noise as InterpretML's DP-EBM (interpret-core is a test
    reference only)."""
    privacy = pytest.importorskip("interpret.privacy")
    X, y = _data(300)
    settings = dict(epsilon=2.0, delta=1e-6, composition=composition, bin_budget_frac=0.2,
                    max_rounds=7, learning_rate=0.05, outer_bags=2, random_state=1,
                    feature_types=["continuous", "continuous", "nominal"],
                    privacy_bounds={"a": (0, 10), "b": (-4, 4)})
    target = dict(privacy_target_min=-2.0, privacy_target_max=3.0)
    pairs = [(DPExplainableBoostingClassifier(**settings),
              privacy.DPExplainableBoostingClassifier(**settings), y),
             (DPExplainableBoostingRegressor(**settings, **target),
              privacy.DPExplainableBoostingRegressor(**settings, **target), X["b"].to_numpy())]
    for ours, theirs, target_values in pairs:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ours.fit(X, target_values)
            theirs.fit(X, target_values)
        assert ours.noise_scale_binning_ == pytest.approx(theirs.noise_scale_binning_, rel=1e-6)
        assert ours.noise_scale_boosting_ == pytest.approx(theirs.noise_scale_boosting_,
                                                           rel=1e-6)
