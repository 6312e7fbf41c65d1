"""InterpretML's fit parameters: regularization, missing values, rare categories, bags,
init_score, callbacks, and glassboost's max_time and max_bag_rows."""

from __future__ import annotations

import time

import numpy as np
import pytest

from glassboost import ExplainableBoostingClassifier, ExplainableBoostingRegressor
from glassboost.booster import stratified_mask
from glassboost.kernels.split import (MISSING_GAIN, MISSING_HIGH, MISSING_LOW, main_term_update,
                                      pair_term_update, split_options)

LR = 0.1


# ---- kernels: the split options against plain references ------------------------------------
def _l1(g, alpha):
    return np.sign(g) * max(abs(g) - alpha, 0.0)


def _step(g, h, alpha, lam, cap):
    """libebm's update before the learning rate: -T(G) / (H + lambda), capped."""
    step = _l1(g, alpha) / (h + lam)
    if cap > 0:
        step = float(np.clip(step, -cap, cap))
    return -step


def _gain(g, h, alpha, lam, cap):
    t, u = _l1(g, alpha), -_step(g, h, alpha, lam, cap)
    return u * (2 * t - u * (h + lam))


def _reference(grad, hess, counts, alpha, lam, cap, min_samples_leaf=1):
    """Best two-leaf tree of a continuous main term with separate missing, by brute force."""
    n = len(grad)
    update = np.zeros(n)
    if counts[0] >= min_samples_leaf and hess[0] > 0:
        update[0] = LR * _step(grad[0], hess[0], alpha, lam, cap)
    values = range(1, n - 1)
    parent = _gain(grad[1:n - 1].sum(), hess[1:n - 1].sum(), alpha, lam, cap)
    best, best_cut = 0.0, None
    for cut in values[1:]:
        left, right = slice(1, cut), slice(cut, n - 1)
        if counts[left].sum() < min_samples_leaf or counts[right].sum() < min_samples_leaf:
            continue
        gain = (_gain(grad[left].sum(), hess[left].sum(), alpha, lam, cap)
                + _gain(grad[right].sum(), hess[right].sum(), alpha, lam, cap) - parent)
        if gain > best:
            best, best_cut = gain, cut
    if best_cut is not None:
        for side in (slice(1, best_cut), slice(best_cut, n - 1)):
            update[side] = LR * _step(grad[side].sum(), hess[side].sum(), alpha, lam, cap)
    return update, best


def _main(grad, hess, counts, options, nominal=False, monotone=0, min_samples_leaf=1):
    n_bins = len(grad)
    update = np.full((n_bins + 2, 1), np.nan)
    gain = main_term_update(grad[:, None], hess[:, None], counts, n_bins, nominal, monotone, LR,
                            min_samples_leaf, 0.0, 2, False, 10.0, update, options)
    return update[:n_bins, 0], gain


def _histogram(seed, n_bins=9):
    rng = np.random.default_rng(seed)
    grad = rng.normal(size=n_bins) * 3
    hess = rng.uniform(0.5, 3.0, size=n_bins)
    counts = rng.integers(1, 9, size=n_bins).astype(float)
    grad[-1] = hess[-1] = counts[-1] = 0.0  # the unseen bin
    return grad, hess, counts


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("alpha, lam, cap", [(0.0, 5.0, 0.0), (1.5, 0.0, 0.0), (0.0, 0.0, 0.3),
                                             (0.7, 2.0, 0.4)])
def test_regularized_main_tree_matches_libebm_formulas(seed, alpha, lam, cap) -> None:
    grad, hess, counts = _histogram(seed)
    got, gain = _main(grad, hess, counts, split_options(alpha, lam, cap))
    want, want_gain = _reference(grad, hess, counts, alpha, lam, cap)
    assert gain == pytest.approx(want_gain, abs=1e-9)
    if want_gain < 1e-9:  # no cut gains (both sides capped alike): a cut by rounding may win
        whole = LR * _step(grad[1:-1].sum(), hess[1:-1].sum(), alpha, lam, cap)
        assert np.allclose(got[1:-1], whole, atol=1e-12) or not got[1:-1].any()
        got, want = got[[0, -1]], want[[0, -1]]
    np.testing.assert_allclose(got, want, atol=1e-12)


def test_zero_options_are_the_plain_path_and_none() -> None:
    assert split_options() is None
    grad, hess, counts = _histogram(0)
    plain, _ = _main(grad, hess, counts, None)
    # lambda = 0 and no cap through the options path: the same tree
    regularized, _ = _main(grad, hess, counts, split_options(0.0, 0.0, 0.0, MISSING_LOW * 0,
                                                             min_cat_samples=1))
    np.testing.assert_allclose(regularized, plain, atol=1e-12)


def test_max_delta_step_caps_every_leaf_and_reg_alpha_zeroes_small_sums() -> None:
    grad, hess, counts = _histogram(3)
    capped, _ = _main(grad * 100, hess, counts, split_options(max_delta_step=0.25))
    assert np.max(np.abs(capped)) == pytest.approx(LR * 0.25)
    zeroed, gain = _main(grad, hess, counts, split_options(reg_alpha=1e6))
    assert not zeroed.any() and gain == 0.0


def test_missing_low_high_and_gain_place_the_missing_bin() -> None:
    grad, hess, counts = _histogram(5)
    for mode, side in ((MISSING_LOW, 1), (MISSING_HIGH, -2)):
        update, _ = _main(grad, hess, counts, split_options(missing=mode))
        assert update[0] == update[side]  # the missing bin shares that end's leaf
    # missing's gradient like the high end's: 'gain' puts it there
    grad = np.array([-5.0, 4, 4, 4, -4, -4, -4, 0.0])
    hess = np.array([1.0, 1, 1, 1, 1, 1, 1, 0.0])
    counts = np.array([3.0, 3, 3, 3, 3, 3, 3, 0.0])
    update, gain = _main(grad, hess, counts, split_options(missing=MISSING_GAIN))
    low, low_gain = _main(grad, hess, counts, split_options(missing=MISSING_LOW))
    assert update[0] == update[-2] and update[0] != update[1] and gain > low_gain


def test_min_cat_samples_pools_rare_categories() -> None:
    grad = np.array([0.0, 6.0, -6.0, 1.0, -2.0, 0.5, 3.0, 0.0])
    hess = np.array([0.0, 2.0, 2.0, 1.0, 1.0, 1.0, 1.0, 0.0])
    counts = np.array([0.0, 20.0, 20.0, 2.0, 3.0, 1.0, 2.0, 0.0])
    pooled, _ = _main(grad, hess, counts, split_options(min_cat_samples=10), nominal=True)
    assert len(set(pooled[3:7])) == 1  # the four rare categories step as one
    alone, _ = _main(grad, hess, counts, None, nominal=True)
    assert len(set(alone[3:7])) == 2  # each sorted by its own ratio


def test_regularized_pair_tree_shrinks_and_caps() -> None:
    rng = np.random.default_rng(2)
    n1, n2 = 6, 5
    grad = rng.normal(size=(n1 * n2, 1)) * 4
    hess = rng.uniform(0.5, 2.0, size=(n1 * n2, 1))
    counts = np.full(n1 * n2, 3.0)
    plain = np.zeros((n1 * n2, 1))
    pair_term_update(grad, hess, counts, n1, n2, LR, 1, 0.0, False, plain, np.zeros(0), None)
    capped = np.zeros((n1 * n2, 1))
    pair_term_update(grad, hess, counts, n1, n2, LR, 1, 0.0, False, capped, np.zeros(0), None,
                     split_options(max_delta_step=0.05))
    assert np.max(np.abs(capped)) <= LR * 0.05 + 1e-15 < np.max(np.abs(plain))
    ridge = np.zeros((n1 * n2, 1))
    pair_term_update(grad, hess, counts, n1, n2, LR, 1, 0.0, False, ridge, np.zeros(0), None,
                     split_options(reg_lambda=1e9))
    assert np.max(np.abs(ridge)) < 1e-8


# ---- fits -----------------------------------------------------------------------------------
def _regression(n=1500, seed=0, missing=0.0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    y = 2 * X[:, 0] + np.sin(2 * X[:, 1]) + 0.3 * rng.normal(size=n)
    if missing:
        X[rng.random(n) < missing, 0] = np.nan
        y = np.where(np.isnan(X[:, 0]), 3.0, y)
    return X, y


SMALL = dict(outer_bags=2, interactions=0, n_jobs=1)
FIXED_STEPS = dict(SMALL, validation_size=0, greedy_ratio=0.0, smoothing_rounds=0)


def _spread(model) -> float:
    return float(sum(np.abs(s).sum() for s in model.term_scores_))


def test_reg_lambda_shrinks_term_scores_toward_zero() -> None:
    X, y = _regression()
    plain = ExplainableBoostingRegressor(max_rounds=30, **FIXED_STEPS).fit(X, y)
    ridge = ExplainableBoostingRegressor(max_rounds=30, reg_lambda=1500.0, **FIXED_STEPS).fit(X, y)
    assert _spread(ridge) < 0.8 * _spread(plain)


def test_max_delta_step_bounds_each_update_and_reg_alpha_can_zero_the_model() -> None:
    X, y = _regression()
    rounds, cap = 5, 0.5
    model = ExplainableBoostingRegressor(max_rounds=rounds, learning_rate=0.5, max_delta_step=cap,
                                         **FIXED_STEPS).fit(X, y)
    plain = ExplainableBoostingRegressor(max_rounds=rounds, learning_rate=0.5,
                                         **FIXED_STEPS).fit(X, y)
    bound = rounds * 0.5 * cap  # each step moves a bin by at most learning_rate * cap
    for capped, free in zip(model.bagged_scores_, plain.bagged_scores_):
        assert np.ptp(capped, axis=1).max() <= 2 * bound + 1e-9  # centered: twice the reach
    assert max(np.ptp(s, axis=1).max() for s in plain.bagged_scores_) > 2 * bound
    nothing = ExplainableBoostingRegressor(max_rounds=5, reg_alpha=1e12, **FIXED_STEPS).fit(X, y)
    assert all(not np.any(s) for s in nothing.term_scores_)


@pytest.mark.parametrize("missing, neighbour", [("low", 1), ("high", -2)])
def test_missing_low_and_high_join_an_end_bin(missing, neighbour) -> None:
    """Three missing values, fewer than min_samples_leaf (4): no cut can give them a leaf of
    their own, so at every step they share the leaf of the end they are placed at; with
    'separate' their own leaf is too small to be updated at all."""
    X, y = _regression()
    X[:3, 0] = np.nan
    model = ExplainableBoostingRegressor(max_rounds=50, missing=missing, **FIXED_STEPS).fit(X, y)
    for bag in model.bagged_scores_[0]:
        assert bag[0] == bag[neighbour] and bag[0] != 0.0
    separate = ExplainableBoostingRegressor(max_rounds=50, **FIXED_STEPS).fit(X, y)
    assert separate.term_scores_[0][0] != separate.term_scores_[0][neighbour]


def test_missing_gain_fits_missing_values_like_the_end_they_resemble() -> None:
    """Missing values whose target is like the high end's: with 'gain' each step puts them
    at that end, so their score ends near the highest bin's, far from the lowest's."""
    X, y = _regression(n=2000)
    X[:200, 0] = np.nan
    y[:200] = 2 * np.nanmax(X[:, 0])  # what the highest values of x0 give
    model = ExplainableBoostingRegressor(max_rounds=200, missing="gain", **FIXED_STEPS).fit(X, y)
    scores = model.term_scores_[0]
    assert abs(scores[0] - scores[-2]) < abs(scores[0] - scores[1])


def test_min_cat_samples_fits_rare_categories_as_one() -> None:
    rng = np.random.default_rng(4)
    n = 1200
    category = np.where(rng.random(n) < 0.97, rng.choice(["a", "b"], n),
                        rng.choice(["r1", "r2", "r3", "r4"], n)).astype(object)
    y = np.where(category == "a", 1.0, 0.0) + rng.normal(size=n) + (category == "r1") * 5.0
    X = np.column_stack([category, rng.normal(size=n)])
    pooled = ExplainableBoostingRegressor(max_rounds=40, min_cat_samples=100, feature_types=[
        "nominal", "continuous"], **FIXED_STEPS).fit(X, y)
    cats = pooled.bins_[0][0]
    rare = [pooled.term_scores_[0][cats[c]] for c in ("r1", "r2", "r3", "r4")]
    assert np.ptp(rare) < 1e-12
    alone = ExplainableBoostingRegressor(max_rounds=40, feature_types=["nominal", "continuous"],
                                         **FIXED_STEPS).fit(X, y)
    assert alone.term_scores_[0][cats["r1"]] > alone.term_scores_[0][cats["r2"]] + 1.0


# ---- bags -----------------------------------------------------------------------------------
def test_bags_of_the_default_splits_fit_the_default_model() -> None:
    """Rows marked -1 in a bag are its validation rows: giving glassboost's own splits as bags
    reproduces the default fit, to rounding: the starting score is then the mean of the rows
    some bag trains on, which leaves out the few rows that validate in all three bags."""
    X, y = _regression(n=800)
    params = dict(outer_bags=3, interactions=0, n_jobs=1, random_state=7, max_rounds=300)
    default = ExplainableBoostingRegressor(**params).fit(X, y)
    seeds = np.random.SeedSequence(7).generate_state(6)[:3]
    bags = np.column_stack([np.where(stratified_mask(len(y), None, 0.15,
                                                     np.random.default_rng(s)), -1, 1)
                            for s in seeds])
    given = ExplainableBoostingRegressor(**params).fit(X, y, bags=bags)
    for a, b in zip(default.bagged_scores_, given.bagged_scores_):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-9)
    np.testing.assert_array_equal(default.best_iteration_, given.best_iteration_)


def test_rows_left_out_of_every_bag_do_not_matter() -> None:
    X, y = _regression(n=800)
    rng = np.random.default_rng(1)
    bags = np.where(rng.random((800, 2)) < 0.2, -1, 1)
    bags[:100] = 0
    y_changed = y.copy()
    y_changed[:100] = 1e3
    a = ExplainableBoostingRegressor(max_rounds=100, **SMALL).fit(X, y, bags=bags)
    b = ExplainableBoostingRegressor(max_rounds=100, **SMALL).fit(X, y_changed, bags=bags)
    np.testing.assert_allclose(a.predict(X), b.predict(X), atol=1e-9)


def test_interpretml_bag_values_replicate_validate_and_leave_out() -> None:
    """InterpretML's explicit-bags test: 2 trains a row twice, -1 validates, 0 leaves it out."""
    rng = np.random.default_rng(6)
    X = rng.normal(size=(100, 3))
    y = (X[:, 0] > 0).astype(int)
    bags = np.ones((100, 3), np.int8)
    bags[[1, 2, 3], [0, 1, 2]] = -1
    bags[[4, 5, 6], [0, 1, 2]] = 2
    bags[[7, 8, 9], [0, 1, 2]] = 0
    model = ExplainableBoostingClassifier(max_rounds=1, outer_bags=3, n_jobs=1).fit(X, y,
                                                                                    bags=bags)
    assert len(model.bagged_intercept_) == 3
    # a row trained twice weighs as a row of sample weight 2 (counts aside)
    twice = np.ones((100, 1), np.int8)
    twice[:10] = 2
    weights = np.ones(100)
    weights[:10] = 2.0
    params = dict(outer_bags=1, n_jobs=1, interactions=0, max_rounds=50, min_samples_leaf=1)
    a = ExplainableBoostingClassifier(**params).fit(X, y, bags=twice)
    b = ExplainableBoostingClassifier(**params).fit(X, y, sample_weight=weights,
                                                    bags=np.ones((100, 1)))
    np.testing.assert_allclose(a.decision_function(X), b.decision_function(X), atol=1e-9)


# ---- init_score -----------------------------------------------------------------------------
def test_constant_init_score_only_moves_the_intercept() -> None:
    X, y = _regression(n=800)
    plain = ExplainableBoostingRegressor(max_rounds=200, **SMALL).fit(X, y)
    shifted = ExplainableBoostingRegressor(max_rounds=200, **SMALL).fit(
        X, y, init_score=np.full(len(y), 2.5))
    for a, b in zip(plain.term_scores_, shifted.term_scores_):
        np.testing.assert_allclose(a, b, atol=1e-9)
    assert shifted.intercept_ + 2.5 == pytest.approx(plain.intercept_, abs=1e-9)


def test_init_score_from_a_model_is_its_link_scores() -> None:
    rng = np.random.default_rng(3)
    X = rng.normal(size=(600, 3))
    y = (X[:, 0] + rng.normal(size=600) > 0).astype(int)
    base = ExplainableBoostingClassifier(max_rounds=50, **SMALL).fit(X[:, :1], y)
    residual = ExplainableBoostingClassifier(max_rounds=50, **SMALL)
    # the base model scores the same columns it was fitted on: wrap it
    from sklearn.base import BaseEstimator, ClassifierMixin

    class FirstColumn(ClassifierMixin, BaseEstimator):
        def predict_proba(self, X):
            return base.predict_proba(np.asarray(X)[:, :1])

    by_model = residual.fit(X, y, init_score=FirstColumn()).decision_function(X)
    by_scores = residual.fit(X, y, init_score=base.decision_function(X[:, :1]))
    np.testing.assert_allclose(by_model, by_scores.decision_function(X), atol=1e-9)


def test_multiclass_init_score_of_equal_class_shifts_changes_nothing() -> None:
    """Adding the same number to every class's score leaves the softmax unchanged: a per-row
    shift shared by the classes must give the model fitted without init_score."""
    rng = np.random.default_rng(7)
    X = rng.normal(size=(600, 3))
    y = rng.choice(3, 600)
    plain = ExplainableBoostingClassifier(max_rounds=40, **SMALL).fit(X, y)
    shift = np.repeat(rng.normal(size=(600, 1)), 3, axis=1)
    shifted = ExplainableBoostingClassifier(max_rounds=40, **SMALL).fit(X, y, init_score=shift)
    np.testing.assert_allclose(plain.predict_proba(X), shifted.predict_proba(X), atol=1e-9)


def test_init_score_agrees_with_interpretml() -> None:
    """Boosting the residual of base scores: glassboost and InterpretML, the same init_score.

    Both fit the same additive correction on top of the base scores; they differ only by
    their training randomness (bags, random cuts) and their stopping, so their predictions
    (base + model) agree to a small fraction of the noise (0.3 here): the RMSE between them
    is below 0.1 and their training RMSEs are within 5% of each other.
    """
    interpret = pytest.importorskip("interpret.glassbox")
    X, y = _regression(n=2000, seed=8)
    init = 1.5 * X[:, 0]  # the base model knows part of the first feature's effect
    ours = ExplainableBoostingRegressor(interactions=0, outer_bags=4, n_jobs=1).fit(
        X, y, init_score=init)
    theirs = interpret.ExplainableBoostingRegressor(interactions=0, outer_bags=4, n_jobs=1)
    theirs.fit(X, y, init_score=init)
    ours_pred = init + ours.predict(X)
    theirs_pred = theirs.predict(X, init_score=init)
    assert np.sqrt(np.mean((ours_pred - theirs_pred) ** 2)) < 0.1
    ours_rmse = np.sqrt(np.mean((y - ours_pred) ** 2))
    theirs_rmse = np.sqrt(np.mean((y - theirs_pred) ** 2))
    assert abs(ours_rmse / theirs_rmse - 1) < 0.05
    # the model is the correction alone: about 0.5 * x0 + sin(2 x1), not the base's 1.5 * x0
    slope = np.polyfit(X[:, 0], ours.eval_terms(X)[:, 0], 1)[0]
    assert 0.35 < slope < 0.65


def test_inner_bags_agree_with_interpretml() -> None:
    """InterpretML's inner bags: each step averages the trees of ``inner_bags`` resamples of the
    bag. Both libraries' fits with 4 inner bags predict alike (RMSE between them far below the
    noise, 0.3) and as accurately on held-out rows; the draws follow ``random_state``."""
    interpret = pytest.importorskip("interpret.glassbox")
    X, y = _regression(n=3000, seed=9)
    train, test = slice(0, 2000), slice(2000, None)
    settings = dict(interactions=0, outer_bags=2, n_jobs=1, inner_bags=4)
    ours = ExplainableBoostingRegressor(**settings).fit(X[train], y[train])
    theirs = interpret.ExplainableBoostingRegressor(**settings).fit(X[train], y[train])
    assert np.sqrt(np.mean((ours.predict(X) - theirs.predict(X)) ** 2)) < 0.1
    ours_rmse = np.sqrt(np.mean((y[test] - ours.predict(X[test])) ** 2))
    theirs_rmse = np.sqrt(np.mean((y[test] - theirs.predict(X[test])) ** 2))
    assert abs(ours_rmse / theirs_rmse - 1) < 0.03
    again = ExplainableBoostingRegressor(**settings).fit(X[train], y[train])
    np.testing.assert_array_equal(again.predict(X), ours.predict(X))
    plain = ExplainableBoostingRegressor(**dict(settings, inner_bags=0)).fit(X[train], y[train])
    assert np.abs(plain.predict(X) - ours.predict(X)).max() > 1e-3


@pytest.mark.parametrize("make", [ExplainableBoostingClassifier, ExplainableBoostingRegressor])
def test_inner_bags_fit_pairs_and_classes(make) -> None:
    """Inner bags in every stage: multiclass main effects and pairs, regression pairs."""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(1500, 3))
    signal = X[:, 0] * X[:, 1] + X[:, 2]
    y = np.digitize(signal, [-0.5, 0.5]) if make is ExplainableBoostingClassifier \
        else signal + 0.3 * rng.normal(size=1500)
    model = make(inner_bags=3, outer_bags=2, interactions=[(0, 1)], n_jobs=1).fit(X, y)
    score = model.score(X, y)
    assert score > (0.8 if make is ExplainableBoostingClassifier else 0.9)
    assert np.abs(model.term_scores_[-1]).max() > 0.1  # the pair learned the product


# ---- callbacks and max_time -----------------------------------------------------------------
def test_callbacks_receive_interpretml_arguments_and_can_stop() -> None:
    X, y = _regression(n=800)
    calls = []

    def boost(*, bag, stage, step, term, metric):
        calls.append((bag, stage, step, term, metric))

    model = ExplainableBoostingRegressor(outer_bags=2, interactions=2, n_jobs=1, max_rounds=300,
                                         callbacks=[boost]).fit(X, y)
    bags, stages, steps, terms, metrics = map(np.array, zip(*calls))
    assert set(bags) == {0, 1} and set(stages) == {0, 1}
    assert np.all(np.isfinite(metrics)) and terms.min() >= 0 and terms.max() < 3
    for bag in (0, 1):
        main_steps = steps[(bags == bag) & (stages == 0)]
        assert np.all(np.diff(main_steps) > 0) and main_steps[-1] <= 300 * 3
        assert model.best_iteration_[0][bag] <= main_steps[-1]

    def stop_all(*, bag, stage, step, term, metric):
        return "stop_all" if step >= 30 else "continue"

    stopped = ExplainableBoostingRegressor(outer_bags=2, interactions=0, n_jobs=1,
                                           callbacks=stop_all).fit(X, y)
    assert len(stopped.bagged_scores_[0]) == 1  # bag 1 had not started: left out
    assert stopped.best_iteration_.max() <= 33
    legacy = []  # InterpretML 0.7's callback(bag, steps, progress, metric): True stops
    ExplainableBoostingRegressor(outer_bags=2, interactions=0, n_jobs=1, callbacks=lambda b, s, p, m: (
        legacy.append(s) or s >= 12)).fit(X, y)
    assert max(legacy) <= 15 and len(legacy) == 2 * len(set(legacy))


def test_callable_objects_and_interpretml_actions_as_callbacks() -> None:
    """InterpretML's own test: a callable object returning ``CallbackAction`` members (an
    Enum of "continue", "stop_current", "stop_all"), stopping every bag after a few steps."""
    import enum

    class CallbackAction(enum.Enum):
        CONTINUE = "continue"
        STOP_CURRENT = "stop_current"
        STOP_ALL = "stop_all"

    class StopAfter:
        def __init__(self, steps):
            self.steps, self.seen = steps, []

        def __call__(self, *, bag, stage, step, term, metric, extra=None):
            self.seen.append((bag, stage))
            return CallbackAction.STOP_ALL if step >= self.steps else CallbackAction.CONTINUE

    rng = np.random.default_rng(5)
    X = rng.normal(size=(600, 3))
    y = rng.choice(["a", "b", "c"], 600)
    callback = StopAfter(9)
    model = ExplainableBoostingClassifier(callbacks=callback, **SMALL).fit(X, y)
    assert set(callback.seen) == {(0, 0)} and model.predict_proba(X).shape == (600, 3)


def test_interaction_callbacks_see_every_pair_strength_and_can_stop() -> None:
    X, y = _regression(n=800)
    X = np.column_stack([X, X[:, 0] * X[:, 1]])
    seen = []

    def ranked(*, bag, term, strength):
        seen.append((bag, term, strength))

    model = ExplainableBoostingRegressor(outer_bags=2, interactions=2, n_jobs=1, max_rounds=100,
                                         callbacks=[ranked]).fit(X, y)
    pairs = {term for _, term, _ in seen}
    assert len(pairs) == 6 and {bag for bag, _, _ in seen} == {0, 1} and len(seen) == 12
    for (a, b), total in model.interaction_strengths_.items():
        pair = (model.feature_names_in_.index(a), model.feature_names_in_.index(b))
        assert sum(s for _, t, s in seen if t == pair) == pytest.approx(total)

    def stop_all(*, bag, term, strength):
        return "stop_all"

    none = ExplainableBoostingRegressor(outer_bags=2, interactions=2, n_jobs=1, max_rounds=100,
                                        callbacks=[stop_all]).fit(X, y)
    assert all(len(t) == 1 for t in none.term_features_)


def test_interpretml_07_callback_name_is_taken() -> None:
    """interpret-core 0.7's ``callback(bag, step, progress, metric)`` under its own name."""
    X, y = _regression(n=600)
    calls = []
    model = ExplainableBoostingRegressor(
        callback=lambda bag, step, progress, metric: calls.append((bag, step)) or step >= 30,
        **SMALL).fit(X, y)
    assert calls and max(step for _, step in calls) <= 30 + model.n_features_in_
    assert {bag for bag, _ in calls} == {0, 1}


def test_a_failing_callback_fails_the_fit() -> None:
    X, y = _regression(n=300)

    def broken(*, bag, stage, step, term, metric):
        raise RuntimeError("callback failed")

    model = ExplainableBoostingRegressor(callbacks=broken, **SMALL)
    with pytest.raises(RuntimeError, match="callback failed"):
        model.fit(X, y)
    assert not hasattr(model, "term_scores_")


def test_max_time_stops_at_the_budget_with_a_usable_model() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30000, 12))
    y = X @ rng.normal(size=12) + np.sin(3 * X[:, 0]) + rng.normal(size=30000)
    params = dict(outer_bags=4, interactions=0, n_jobs=1, early_stopping_rounds=0,
                  max_rounds=10**6)
    ExplainableBoostingRegressor(max_time=0.5, **params).fit(X[:300], y[:300])  # compile
    budget = 3.0
    last = []
    start = time.perf_counter()
    model = ExplainableBoostingRegressor(
        max_time=budget, callbacks=lambda *, bag, stage, step, term, metric: last.append(
            time.perf_counter()), **params).fit(X, y)
    elapsed = time.perf_counter() - start
    # the last step ends within 10% of the budget; finishing the model adds a little more
    assert budget * 0.9 <= last[-1] - start <= budget * 1.1
    assert elapsed <= budget * 1.25
    # without a budget this fit runs 10**6 rounds: the budget stopped it; one bag ran
    assert len(model.bagged_scores_[0]) == 1
    r2 = 1 - np.mean((y - model.predict(X)) ** 2) / np.var(y)
    assert r2 > 0.8


# ---- max_bag_rows ---------------------------------------------------------------------------
def test_max_bag_rows_at_or_above_the_rows_fits_every_bag_on_every_row() -> None:
    X, y = _regression(n=800)
    params = dict(outer_bags=3, max_rounds=200, n_jobs=1)
    every = ExplainableBoostingRegressor(max_bag_rows=None, **params).fit(X, y)
    for max_bag_rows in (800, 250_000):
        capped = ExplainableBoostingRegressor(max_bag_rows=max_bag_rows, **params).fit(X, y)
        for a, b in zip(every.bagged_scores_, capped.bagged_scores_, strict=True):
            np.testing.assert_array_equal(a, b)


def test_sampled_bags_train_on_their_own_rows_whatever_n_jobs() -> None:
    """Each bag trains on its sample less its validation share, so InterpretML's
    ``bag_weights_`` counts 425 of the 500 sampled rows; the model does not depend on the
    number of threads, and differs from the fit on every row."""
    X, y = _regression(n=1500)
    params = dict(outer_bags=3, max_rounds=200, max_bag_rows=500)
    one = ExplainableBoostingRegressor(n_jobs=1, **params).fit(X, y)
    np.testing.assert_array_equal(one.bag_weights_, [425.0, 425.0, 425.0])
    two = ExplainableBoostingRegressor(n_jobs=2, **params).fit(X, y)
    for a, b in zip(one.bagged_scores_, two.bagged_scores_, strict=True):
        np.testing.assert_array_equal(a, b)
    every = ExplainableBoostingRegressor(n_jobs=1, **dict(params, max_bag_rows=None)).fit(X, y)
    assert not np.allclose(one.predict(X), every.predict(X), atol=1e-6)
    rmse = [np.sqrt(np.mean((m.predict(X) - y) ** 2)) for m in (one, every)]
    assert rmse[0] < 1.1 * rmse[1]  # noise is 0.3; three samples of a third still fit the shapes


def test_smoothing_max_rows_at_or_above_the_training_rows_changes_nothing() -> None:
    X, y = _regression(n=800)
    params = dict(outer_bags=2, max_rounds=200, n_jobs=1)
    every = ExplainableBoostingRegressor(**params).fit(X, y)
    capped = ExplainableBoostingRegressor(smoothing_max_rows=680, **params).fit(X, y)
    for a, b in zip(every.bagged_scores_, capped.bagged_scores_, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("make, n_classes", [
    (ExplainableBoostingRegressor, 0), (ExplainableBoostingClassifier, 2),
    (ExplainableBoostingClassifier, 3)])
def test_smoothing_samples_fit_the_shapes_every_row_fits(make, n_classes) -> None:
    """Smoothing rounds on a quarter of the rows: another model (the smoothing saw other rows),
    whatever the number of threads, as accurate as the one on every row. Squared error keeps its
    hessian histograms of every row, so a sample weighted up (not down) keeps its steps."""
    X, y = _regression(n=3000)
    if n_classes:
        y = np.digitize(y, np.quantile(y, np.linspace(0, 1, n_classes + 1)[1:-1]))
    test = slice(2000, None)
    params = dict(outer_bags=2, interactions=2)
    every = make(n_jobs=1, **params).fit(X[:2000], y[:2000])
    one = make(n_jobs=1, smoothing_max_rows=400, **params).fit(X[:2000], y[:2000])
    two = make(n_jobs=2, smoothing_max_rows=400, **params).fit(X[:2000], y[:2000])
    for a, b in zip(one.bagged_scores_, two.bagged_scores_, strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.allclose(one.decision_function(X), every.decision_function(X), atol=1e-6)
    if n_classes:
        accuracy = [np.mean(m.predict(X[test]) == y[test]) for m in (one, every)]
        assert accuracy[0] > accuracy[1] - 0.02
    else:
        rmse = [np.sqrt(np.mean((m.predict(X[test]) - y[test]) ** 2)) for m in (one, every)]
        assert rmse[0] < 1.02 * rmse[1]


def test_the_classifier_smooths_on_a_sample_of_5000_rows_by_default() -> None:
    """A default classifier on more training rows than 5,000 is the one given
    ``smoothing_max_rows=5000``, not InterpretML's every-row fit (None, the regressor's and the
    Dask estimators' default); on fewer, the sample is every row and the models are one."""
    from glassboost.dask import DaskExplainableBoostingClassifier, DaskExplainableBoostingRegressor

    assert ExplainableBoostingRegressor().smoothing_max_rows is None
    assert DaskExplainableBoostingClassifier().smoothing_max_rows is None
    assert DaskExplainableBoostingRegressor().smoothing_max_rows is None
    X, y = _regression(n=8_000)
    y = y > np.median(y)
    params = dict(outer_bags=1, interactions=0, n_jobs=1, smoothing_rounds=20, max_rounds=30)
    default = ExplainableBoostingClassifier(**params).fit(X, y)  # 6,800 training rows
    same = ExplainableBoostingClassifier(smoothing_max_rows=5_000, **params).fit(X, y)
    every = ExplainableBoostingClassifier(smoothing_max_rows=None, **params).fit(X, y)
    np.testing.assert_array_equal(default.decision_function(X), same.decision_function(X))
    assert not np.allclose(default.decision_function(X), every.decision_function(X), atol=1e-6)
    small = ExplainableBoostingClassifier(**params).fit(X[:5_500], y[:5_500])
    small_every = ExplainableBoostingClassifier(smoothing_max_rows=None, **params).fit(
        X[:5_500], y[:5_500])  # 4,675 training rows
    np.testing.assert_array_equal(small.decision_function(X), small_every.decision_function(X))


def test_a_bags_matrix_leaves_max_bag_rows_unused() -> None:
    X, y = _regression(n=800)
    bags = np.where(np.random.default_rng(2).random((800, 2)) < 0.2, -1, 1)
    a = ExplainableBoostingRegressor(max_bag_rows=100, max_rounds=100, **SMALL).fit(X, y,
                                                                                   bags=bags)
    b = ExplainableBoostingRegressor(max_bag_rows=None, max_rounds=100, **SMALL).fit(X, y,
                                                                                    bags=bags)
    np.testing.assert_array_equal(a.predict(X), b.predict(X))


# ---- bad values -----------------------------------------------------------------------------
@pytest.mark.parametrize("params, message", [
    (dict(reg_alpha=-1.0), "reg_alpha"), (dict(reg_lambda=np.nan), "reg_lambda"),
    (dict(max_delta_step="big"), "max_delta_step"), (dict(min_cat_samples=2.5), "min_cat_samples"),
    (dict(missing="middle"), "missing"), (dict(inner_bags=-1), "inner_bags"),
    (dict(inner_bags=2.5), "inner_bags"), (dict(max_time=0), "max_time"),
    (dict(callbacks=5), "callbacks"), (dict(callbacks=[lambda x: None]), "callbacks"),
    # five required parameters with other names: not InterpretML's four-argument callback
    (dict(callbacks=lambda bag, stage, steps, term, metric: None),
     r"\['bag', 'stage', 'steps', 'term', 'metric'\] is neither"),
    (dict(callbacks=lambda a, b, c, d, *, e: None), "is neither"),
    (dict(callbacks=lambda *, bag, stage, step, term, gain: None), "callbacks"),
    (dict(callbacks=lambda *, bag, stage, step, term, metric, strength: None), "callbacks"),
    (dict(callbacks=[lambda *, bag, term, strength: None] * 2), "more than one"),
    (dict(callbacks=lambda *, bag, term, strength: None, callback=lambda a, b, c, d: None),
     "give only one"),
    (dict(max_bag_rows=1), "max_bag_rows"), (dict(max_bag_rows=2.5), "max_bag_rows"),
    (dict(max_bag_rows=50, validation_size=60), "validation_size=60 rows must be below "
     "max_bag_rows=50"),
    (dict(smoothing_max_rows=0), "smoothing_max_rows"),
    (dict(smoothing_max_rows=2.5), "smoothing_max_rows"),
    (dict(smoothing_max_rows="all"), "smoothing_max_rows"),
])
def test_bad_parameters_are_named(params, message) -> None:
    X, y = _regression(n=100)
    with pytest.raises(ValueError, match=message):
        ExplainableBoostingRegressor(**params).fit(X, y)


@pytest.mark.parametrize("bags, message", [
    (np.ones((100, 3)), "outer_bags"), (np.ones(100), "2-dimensional"),
    (np.ones((99, 2)), "rows"), (np.full((100, 2), 200), "-128 to 127"),
    (np.full((100, 2), 0.5), "whole numbers"), (np.full((100, 2), -1), "no training rows"),
])
def test_bad_bags_are_named(bags, message) -> None:
    X, y = _regression(n=100)
    with pytest.raises(ValueError, match=message):
        ExplainableBoostingRegressor(outer_bags=2).fit(X, y, bags=bags)


@pytest.mark.parametrize("init_score, message", [
    (np.zeros(99), "shape"), (np.full(100, np.nan), "NaN"), (np.array(["a"] * 100), "numbers"),
])
def test_bad_init_score_is_named(init_score, message) -> None:
    X, y = _regression(n=100)
    with pytest.raises(ValueError, match=f"init_score.*{message}|{message}.*init_score"):
        ExplainableBoostingRegressor().fit(X, y, init_score=init_score)
    with pytest.raises(ValueError, match="init_score"):
        ExplainableBoostingClassifier().fit(X, y > 0, init_score=ExplainableBoostingRegressor(
            **SMALL).fit(X, y))
