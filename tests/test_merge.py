"""merge_ebms: exact weighted averages of models with different bins, and accurate on real data."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from glassboost import (ExplainableBoostingClassifier, ExplainableBoostingRegressor, load,
                        merge_ebms)
from glassboost.io.detail import AbsentPartError

AUC_TOLERANCE = 0.005  # the merged model may not lose more than this against the full model
CREDIT_SETTINGS = dict(outer_bags=4, interactions=5)  # the same for the full model and halves
SMALL = dict(outer_bags=2, max_bins=24, max_interaction_bins=8, max_rounds=300)


@pytest.fixture(scope="module")
def credit(credit_split):
    return credit_split(random_state=0)


@pytest.fixture(scope="module")
def credit_models(credit):
    X_train, _, y_train, _ = credit
    half = len(X_train) // 2
    fit = lambda X, y: ExplainableBoostingClassifier(**CREDIT_SETTINGS).fit(X, y)  # noqa: E731
    return (fit(X_train, y_train), fit(X_train.iloc[:half], y_train[:half]),
            fit(X_train.iloc[half:], y_train[half:]))


def _weighted_average(models, X) -> np.ndarray:
    sizes = np.array([m.bin_weights_[0].sum() for m in models])
    scores = [m.decision_function(X) for m in models]
    return sum(s * w for s, w in zip(scores, sizes)) / sizes.sum()


def assert_consistent(model, X) -> None:
    total = model.eval_terms(X).sum(axis=1) + np.asarray(model.intercept_)
    np.testing.assert_allclose(model.decision_function(X), total, rtol=0, atol=1e-12)
    for features, scores, weights in zip(model.term_features_, model.term_scores_,
                                         model.bin_weights_):
        mean = np.tensordot(weights, scores, axes=weights.ndim) / weights.sum()
        np.testing.assert_allclose(mean, 0.0, atol=1e-10)
    reloaded = load(model.to_json())  # every shape check of the loader passes
    np.testing.assert_allclose(reloaded.decision_function(X), model.decision_function(X),
                               atol=1e-12)


def test_merged_halves_score_like_the_full_model(credit, credit_models):
    _, X_test, _, y_test = credit
    full, a, b = credit_models
    merged = merge_ebms([a, b])
    auc = {name: roc_auc_score(y_test, m.predict_proba(X_test)[:, 1])
           for name, m in (("full", full), ("half_a", a), ("half_b", b), ("merged", merged))}
    # Pooling two 4-bag models gives an 8-bag ensemble: on some splits it even beats the full
    # model by more than the tolerance, so only a loss is bounded.
    assert auc["merged"] > auc["full"] - AUC_TOLERANCE, auc
    np.testing.assert_allclose(merged.decision_function(X_test),
                               _weighted_average([a, b], X_test), atol=1e-12)
    assert_consistent(merged, X_test)


def test_merged_bins_and_weights(credit, credit_models):
    X_train = credit[0]
    _, a, b = credit_models
    merged = merge_ebms([a, b])
    for f, kind in enumerate(merged.feature_types_in_):
        if kind == "continuous":
            for level in (0, 1):
                union = np.union1d(a.bins_[f][level], b.bins_[f][level])
                np.testing.assert_array_equal(merged.bins_[f][level], union)
            assert np.all(np.isin(merged.bins_[f][1], merged.bins_[f][0]))
        else:
            assert set(merged.bins_[f][0]) == set(a.bins_[f][0]) | set(b.bins_[f][0])
            assert sorted(merged.bins_[f][0].values()) == list(
                range(1, len(merged.bins_[f][0]) + 1))
    for weights in merged.bin_weights_:
        assert weights.sum() == pytest.approx(len(X_train))
    assert merged.bagged_intercept_.shape == (8,)
    assert all(len(s) == 8 for s in merged.bagged_scores_)
    assert set(merged.term_names_) == set(a.term_names_) | set(b.term_names_)


@pytest.fixture(scope="module")
def small():
    rng = np.random.default_rng(5)
    n = 600
    X = pd.DataFrame({"x": rng.normal(size=n), "c": rng.choice(["a", "b", "c", "d"], n),
                      "z": rng.uniform(size=n)})
    X.loc[::7, "x"] = np.nan
    X.loc[:299, "c"] = X.loc[:299, "c"].replace("d", "a")  # 'd' only in the second half
    signal = np.sin(2 * X["x"].fillna(0)) + (X["c"] == "b") + X["z"] * X["x"].fillna(1)
    return X, signal.to_numpy()


@pytest.mark.parametrize("kind", ["multiclass", "regression"])
def test_different_terms_and_categories(small, kind):
    X, signal = small
    first, second = slice(0, 300), slice(300, None)
    if kind == "regression":
        one = ExplainableBoostingRegressor(**SMALL, interactions=[(0, 2)]).fit(
            X[first], signal[first])
        two = ExplainableBoostingRegressor(**SMALL, interactions=[(2, 1)], exclude=[(2,)]).fit(
            X[second], signal[second])
    else:
        y = np.digitize(signal, [0.3, 1.2])
        one = ExplainableBoostingClassifier(**SMALL, interactions=0).fit(X[first], y[first])
        two = ExplainableBoostingClassifier(**SMALL, interactions=[(0, 1)]).fit(
            X[second], y[second])
    merged = merge_ebms([one, two])
    probe = X.copy()
    probe.loc[::5, "c"] = "never seen"
    np.testing.assert_allclose(merged.decision_function(probe),
                               _weighted_average([one, two], probe), atol=1e-12)
    assert_consistent(merged, probe)
    assert "d" in merged.bins_[1][0]


def test_incompatible_models(small):
    X, signal = small
    regressor = ExplainableBoostingRegressor(**SMALL, interactions=0).fit(X, signal)
    classifier = ExplainableBoostingClassifier(**SMALL, interactions=0).fit(X, signal > 1)
    renamed = ExplainableBoostingRegressor(**SMALL, interactions=0).fit(
        X.rename(columns={"z": "w"}), signal)
    three = ExplainableBoostingClassifier(**SMALL, interactions=0).fit(
        X, np.digitize(signal, [0.3, 1.2]))
    with pytest.raises(ValueError, match="ExplainableBoostingClassifier vs"):
        merge_ebms([regressor, classifier])
    with pytest.raises(ValueError, match="ExplainableBoostingRegressor vs"):
        merge_ebms([classifier, regressor])
    with pytest.raises(ValueError, match="feature names"):
        merge_ebms([regressor, renamed])
    with pytest.raises(ValueError,
                       match=r"link/objective.*classes \[0, 1, 2\] vs \[False, True\]"):
        merge_ebms([classifier, three])
    numbered = ExplainableBoostingClassifier(**SMALL, interactions=0).fit(
        X, (signal > 1).astype(int))
    with pytest.raises(ValueError, match=r"classes \[0, 1\] vs \[False, True\]"):
        merge_ebms([classifier, numbered])
    with pytest.raises(ValueError, match="at least one"):
        merge_ebms([])
    single = merge_ebms([regressor])
    np.testing.assert_allclose(single.predict(X), regressor.predict(X), atol=1e-12)


def test_ordinal_features_with_different_levels_do_not_merge(small):
    X, signal = small
    c = X.columns.get_loc("c")
    order = [["continuous"] * X.shape[1] for _ in range(3)]
    order[0][c], order[1][c], order[2][c] = ["a", "b", "c"], ["c", "b", "a"], ["a", "c"]
    rows = [X["c"] != "d", X["c"] != "d", X["c"].isin(["a", "c"])]
    models = [ExplainableBoostingRegressor(**SMALL, interactions=0, feature_types=types).fit(
        X[r], signal[r]) for types, r in zip(order, rows)]
    for other, levels in ((models[1], r"\['c', 'b', 'a'\]"), (models[2], r"\['a', 'c'\]")):
        with pytest.raises(ValueError, match=rf"ordinal feature 'c' has levels {levels} vs "
                                             r"\['a', 'b', 'c'\]"):
            merge_ebms([models[0], other])
    assert list(merge_ebms([models[0], models[0]]).bins_[c][0]) == ["a", "b", "c"]


@pytest.mark.parametrize("detail", ["interpretable", "mergeable"])
def test_a_model_without_bags_gives_a_merged_model_without_bags(small, tmp_path, detail):
    """Bags cannot be pooled when one model has none: the merged model has none, rather than
    the other model's bags alone (whose mean is not the merged table)."""
    X, signal = small
    one = ExplainableBoostingRegressor(**SMALL, interactions=[(0, 2)]).fit(X[:300], signal[:300])
    two = ExplainableBoostingRegressor(**SMALL, interactions=[(2, 1)]).fit(X[300:], signal[300:])
    one.to_json(tmp_path / "one.json", detail=detail)
    bagless = load(tmp_path / "one.json")
    assert len(bagless.bagged_intercept_) == 0
    for models in ([bagless, two], [two, bagless]):
        merged = merge_ebms(models)
        assert merged.bagged_intercept_.shape == (0,)
        with pytest.raises(AbsentPartError, match="predict_with_uncertainty needs the per-bag"):
            merged.predict_with_uncertainty(X)
        for scores, bagged in zip(merged.term_scores_, merged.bagged_scores_):
            assert bagged.shape == (0,) + scores.shape
        np.testing.assert_allclose(merged.decision_function(X),
                                   _weighted_average([one, two], X), atol=1e-12)
        assert_consistent(merged, X)
    with_bags = merge_ebms([one, two])
    assert with_bags.bagged_intercept_.shape == (4,)
    for scores, bagged in zip(with_bags.term_scores_, with_bags.bagged_scores_):
        np.testing.assert_allclose(bagged.mean(axis=0), scores, atol=1e-12)


def _bag_scores(model, X) -> np.ndarray:
    """Every bag's scores, from a copy of the model whose tables are that bag's."""
    scores = []
    for bag, intercept in enumerate(model.bagged_intercept_):
        one = model.copy()
        one.term_scores_ = [s[bag] for s in model.bagged_scores_]
        one.intercept_ = intercept if np.ndim(model.intercept_) else float(intercept)
        scores.append(one.decision_function(X))
    return np.array(scores)


@pytest.mark.parametrize("kind", ["multiclass", "regression"])
def test_uncertainty_of_unequal_models_is_centred_on_the_merged_score(small, kind):
    """A model of 100 rows and 2 bags merged with one of 500 rows and 4: the merged tables give
    each model its share of the training weight, so its bags weigh 1/12 and 5/24 of the mean,
    not 1/6 each, and predict_with_uncertainty must weigh them so too."""
    X, signal = small
    if kind == "regression":
        y, estimator = signal, ExplainableBoostingRegressor
    else:
        y, estimator = np.digitize(signal, [0.3, 1.2]), ExplainableBoostingClassifier
    one = estimator(**{**SMALL, "outer_bags": 2}, interactions=0).fit(X[:100], y[:100])
    two = estimator(**{**SMALL, "outer_bags": 4}, interactions=0).fit(X[100:], y[100:])
    three = estimator(**{**SMALL, "outer_bags": 3}, interactions=0).fit(X[:200], y[:200])
    assert not hasattr(one, "bag_shares_")
    merged = merge_ebms([one, two])
    for model in (merged, merge_ebms([merged, three])):  # a merged model merges again alike
        uncertainty = model.predict_with_uncertainty(X)
        np.testing.assert_allclose(uncertainty[:, 0], model.decision_function(X), rtol=0,
                                   atol=1e-12)
        if model is merged:
            np.testing.assert_allclose(model.bag_shares_, [1 / 12] * 2 + [5 / 24] * 4,
                                       rtol=1e-12)
        bags = _bag_scores(model, X)
        shares = model.bag_shares_.reshape((-1,) + (1,) * (bags.ndim - 1))
        spread = np.sqrt(np.sum(shares * (bags - uncertainty[:, 0]) ** 2, axis=0))
        np.testing.assert_allclose(uncertainty[:, 1], spread, rtol=1e-12, atol=1e-12)
        for scores, sd, bagged in zip(model.term_scores_, model.standard_deviations_,
                                      model.bagged_scores_):  # the terms' spread is weighted too
            weights = model.bag_shares_.reshape((-1,) + (1,) * scores.ndim)
            np.testing.assert_allclose(np.tensordot(model.bag_shares_, bagged, axes=1), scores,
                                       rtol=0, atol=1e-12)
            np.testing.assert_allclose(np.sqrt(np.sum(weights * (bagged - scores) ** 2, axis=0)),
                                       sd, rtol=1e-9, atol=1e-12)
        reloaded = load(model.to_json())  # the file keeps the shares
        np.testing.assert_array_equal(reloaded.bag_shares_, model.bag_shares_)
        np.testing.assert_array_equal(reloaded.predict_with_uncertainty(X), uncertainty)
        assert not hasattr(load(model.to_json(detail="mergeable")), "bag_shares_")  # no bags


def test_a_fitted_model_weighs_its_bags_alike(small):
    X, signal = small
    model = ExplainableBoostingRegressor(**SMALL, interactions=0).fit(X, signal)
    bags = _bag_scores(model, X)
    uncertainty = model.predict_with_uncertainty(X)
    np.testing.assert_allclose(uncertainty[:, 0], bags.mean(axis=0), rtol=0, atol=1e-13)
    np.testing.assert_allclose(uncertainty[:, 1], bags.std(axis=0), rtol=0, atol=1e-13)


def test_pairs_of_nominals_coarsened_differently(tmp_path):
    """Each model coarsens a 30-category nominal for its pairs in its own way; the merged pair
    bins refine both, so the merged model is still exactly the weighted average."""
    rng = np.random.default_rng(7)
    n = 1200
    X = pd.DataFrame({"a": rng.integers(0, 30, n).astype(str), "x": rng.normal(size=n)})
    X.loc[:599, "a"] = X.loc[:599, "a"].replace("29", "0")  # '29' only in the second half
    y = (X["a"].astype(int) % 3 == 0) ^ (X["x"] > 0)
    settings = dict(outer_bags=2, max_rounds=40, max_interaction_bins=6, n_jobs=1,
                    interactions=[("a", "x")])
    one = ExplainableBoostingClassifier(**settings).fit(X[:600], y[:600])
    two = ExplainableBoostingClassifier(**settings).fit(X[600:], y[600:])
    assert len(one.bins_[0]) == len(two.bins_[0]) == 2  # both coarsened for pairs
    merged = merge_ebms([one, two])
    assert len(merged.bins_[0]) == 2 and "29" in merged.bins_[0][1]
    probe = X.copy()
    probe.loc[::5, "a"] = "never seen"
    probe.loc[2::7, "a"] = None
    np.testing.assert_allclose(merged.decision_function(probe),
                               _weighted_average([one, two], probe), atol=1e-12)
    assert_consistent(merged, probe)


@pytest.fixture(scope="module")
def dated():
    """Two regressors fitted on halves of data with a date column (given as date strings)."""
    rng = np.random.default_rng(3)
    n = 600
    when = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 900, n), unit="D")
    X = pd.DataFrame({"x": rng.normal(size=n), "when": when.strftime("%Y-%m-%d")})
    y = X["x"] + 0.1 * when.month + (when.day_of_week == 6)
    settings = dict(SMALL, interactions=0)
    with pytest.warns(UserWarning, match="holds dates"):
        one = ExplainableBoostingRegressor(**settings).fit(X[:300], y[:300])
        two = ExplainableBoostingRegressor(**settings).fit(X[300:], y[300:])
    return X, one, two


def test_models_with_dates_merge_into_their_weighted_average(dated):
    X, one, two = dated
    merged = merge_ebms([one, two])
    assert merged.datetime_conversions_ == one.datetime_conversions_
    probe = X.copy()
    probe.loc[::9, "when"] = None
    np.testing.assert_allclose(merged.decision_function(probe),
                               _weighted_average([one, two], probe), atol=1e-12)
    assert_consistent(merged, probe)  # also after a JSON round trip


def _reloaded_without_utc(model):
    """The model as a file from before ``utc`` was recorded loads it: converting to UTC."""
    document = model.to_jsonable()
    for record in document["datetime_conversions"]:
        del record["utc"]
    return load(json.dumps(document))


@pytest.mark.parametrize("change, message", [
    (lambda X: X.assign(when=pd.to_datetime(X["when"])), r"format None vs '%Y-%m-%d'"),
    (lambda X: X.assign(when=pd.to_datetime(X["when"]).dt.strftime("%d.%m.%Y")),
     r"format '%d.%m.%Y' vs '%Y-%m-%d'"),
    (lambda X: X.assign(when=X["when"] + " 06:30"),
     r"parts \('year', 'month', 'weekday', 'hour'\) vs \('year', 'month', 'weekday'\)"),
])
def test_models_converting_a_date_column_differently_do_not_merge(dated, change, message):
    X, one, _ = dated
    with pytest.warns(UserWarning, match="holds dates"):
        other = ExplainableBoostingRegressor(**SMALL, interactions=0).fit(change(X), X["x"])
    with pytest.raises(ValueError, match="date column 'when' converted differently: .*" + message):
        merge_ebms([one, other])


def test_date_strings_taken_in_utc_or_not_do_not_merge(dated):
    X, _, _ = dated
    zoned = X.assign(when=X["when"] + "T12:00:00+0200")
    with pytest.warns(UserWarning, match="holds dates"):
        local = ExplainableBoostingRegressor(**SMALL, interactions=0).fit(zoned, X["x"])
    in_utc = _reloaded_without_utc(local)
    with pytest.raises(ValueError,
                       match="date column 'when' converted differently: utc True vs False"):
        merge_ebms([local, in_utc])


def test_models_taking_date_parts_in_different_time_zones_do_not_merge(dated):
    X, _, _ = dated
    instants = pd.to_datetime(X["when"] + " 12:00").dt.tz_localize("UTC")
    fitted = {}
    for tz in ("UTC", "Europe/Paris"):
        with pytest.warns(UserWarning, match="holds dates"):
            fitted[tz] = ExplainableBoostingRegressor(**SMALL, interactions=0).fit(
                X.assign(when=instants.dt.tz_convert(tz)), X["x"])
    with pytest.raises(ValueError, match="date column 'when' converted differently: time zone "
                                         "'Europe/Paris' vs 'UTC'"):
        merge_ebms([fitted["UTC"], fitted["Europe/Paris"]])
    document = fitted["UTC"].to_jsonable()
    del document["datetime_conversions"][0]["tz"]  # a file from before zones were recorded
    with pytest.raises(ValueError, match=r"time zone not recorded \(a model from before zones "
                                         r"were\) vs 'UTC'"):
        merge_ebms([fitted["UTC"], load(json.dumps(document))])
    with pytest.warns(UserWarning, match="holds dates"):
        naive = ExplainableBoostingRegressor(**SMALL, interactions=0).fit(
            X.assign(when=instants.dt.tz_localize(None)), X["x"])
    with pytest.raises(ValueError, match=r"time zone none \(naive dates\) vs 'UTC'"):
        merge_ebms([fitted["UTC"], naive])


def test_a_date_column_converted_by_one_model_only_does_not_merge(dated):
    """Numeric columns named like the derived features are no date: the models read different
    columns of the data to score."""
    X, one, _ = dated
    when = pd.to_datetime(X["when"])
    numeric = pd.DataFrame({"x": X["x"], "when:year": when.dt.year, "when:month": when.dt.month,
                            "when:weekday": when.dt.day_of_week})
    other = ExplainableBoostingRegressor(**SMALL, interactions=0).fit(numeric, X["x"])
    assert list(other.feature_names_in_) == list(one.feature_names_in_)
    with pytest.raises(ValueError, match="date column 'when' converted to features by only one"):
        merge_ebms([one, other])


def test_private_models_merge_with_their_common_account_only():
    from glassboost import DPExplainableBoostingClassifier

    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.uniform(0, 1, 400), "c": rng.choice(["x", "y"], 400)})
    y = (X["a"] > 0.5).astype(int).to_numpy()
    settings = dict(feature_types=["continuous", "nominal"], privacy_bounds={"a": (0, 1)},
                    max_rounds=3)
    with pytest.warns(UserWarning, match="random_state="):
        first, second, spent_more = (
            DPExplainableBoostingClassifier(**settings, epsilon=eps, random_state=seed).fit(
                X.iloc[rows], y[rows])
            for eps, seed, rows in ((1, 0, slice(200)), (1, 1, slice(200, None)),
                                    (3, 2, slice(200, None))))
    merged = merge_ebms([first, second])
    # disjoint rows: the merged model is as private as each, and says so in full
    assert merged.privacy_budget_ == first.privacy_budget_
    assert merged.privacy_summary() == first.privacy_summary()
    assert load(merged.to_json(compact=True)).privacy_budget_ == first.privacy_budget_
    # it would state the first model's epsilon of 1 for a model that spent 3
    with pytest.raises(ValueError, match=r"model 1 with model 0: different privacy accounts"):
        merge_ebms([first, spent_more])


def test_one_class_models_are_refused_clearly():
    """They have no terms: the refusal spoke of a missing training weight."""
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=60), "b": rng.normal(size=60)})
    model = ExplainableBoostingClassifier(outer_bags=2).fit(X, np.full(60, "only"))
    again = load(model.to_json())
    with pytest.raises(ValueError, match=r"cannot merge model 0 with model 0: a one-class model "
                                         r"\(link 'monoclassification'\).*any of the models is "
                                         r"their merge"):
        merge_ebms([model, again])
