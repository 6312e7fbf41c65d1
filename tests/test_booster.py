"""The booster's early-stopping scale: constant-model losses, loss offsets, the noise floor."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import logsumexp, softplus, xlogy

from glassboost.booster import (NOISE_FLOOR_SHARE, BinnedData, Booster, constant_loss,
                                loss_offset, noise_floor, noise_share)
from glassboost.kernels.stopping import mean_validation_loss
from glassboost.objectives import classification_objective, initial_scores, regression_objective


def _weights(n: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).uniform(0.5, 2.0, n)


@pytest.mark.parametrize("objective", ["rmse", "poisson_deviance", "binary", "multiclass"])
def test_constant_loss_is_the_mean_loss_of_the_constant_score(objective) -> None:
    rng = np.random.default_rng(3)
    n, w = 500, _weights(500, 4)
    if objective == "binary":
        obj, y = classification_objective("log_loss", 2), (rng.random(n) < 0.3).astype(float)
    elif objective == "multiclass":
        obj, y = classification_objective("log_loss", 4), rng.integers(0, 4, n).astype(float)
    else:
        obj = regression_objective(objective)
        y = rng.poisson(3.0, n).astype(float)
    base = initial_scores(obj, y, w)
    targets = np.eye(4)[y.astype(int)] if objective == "multiclass" else y[:, None]
    got = constant_loss(obj, base, w, w[:, None] * targets, loss_offset(obj, y, w))

    if objective == "rmse":  # compared as RMSE
        want = np.sqrt(np.average((y - base[0]) ** 2, weights=w))
    elif objective == "poisson_deviance":  # half the mean deviance
        mu = np.exp(base[0])
        want = np.average(xlogy(y, y / mu) - (y - mu), weights=w)
    elif objective == "binary":
        want = np.average(softplus(base[0]) - y * base[0], weights=w)
    else:
        want = np.average(logsumexp(base) - base[y.astype(int)], weights=w)
    assert got == pytest.approx(want, rel=1e-12)


def test_a_perfect_poisson_fit_has_zero_loss() -> None:
    """The offset makes Poisson's loss half the deviance: zero when every mean equals y."""
    y = np.array([1.0, 2.0, 5.0, 0.5])
    w = np.ones(4)
    obj = regression_objective("poisson_deviance")
    raw = float(np.sum(w * np.exp(np.log(y)) - w * y * np.log(y)))  # the kernels' group loss
    assert mean_validation_loss(raw, loss_offset(obj, y, w), w.sum(), obj.code) == \
        pytest.approx(0.0, abs=1e-12)


def test_the_noise_floor_shrinks_with_the_validation_set() -> None:
    assert noise_floor(0.6, 100.0, 0.0) == (0.0, 0.0)
    relative, absolute = noise_floor(0.6, 100.0, 0.01)
    # the noise of the best loss, relative to it, and never below that of a tenth of 0.6
    assert relative == pytest.approx(0.01 / 10)
    assert absolute == pytest.approx(0.01 / 10 * NOISE_FLOOR_SHARE * 0.6)
    assert noise_floor(0.6, 10_000.0, 0.01) == pytest.approx((relative / 10, absolute / 10))
    assert noise_floor(0.6, 0.0, 0.01) == (0.0, 0.0)  # no validation rows: no early stopping
    # the rise margin is a share of the same noise: 0.05 / sqrt(100 rows)
    assert noise_share(100.0, 0.05) == pytest.approx(0.005)
    assert noise_share(100.0, 0.0) == noise_share(0.0, 0.05) == 0.0


def _booster(boosted=None) -> Booster:
    """A booster of 4 bags over 3 features of 8 bins, boosting the bags ``boosted``."""
    from glassboost import ExplainableBoostingClassifier

    rng = np.random.default_rng(0)
    codes = np.asfortranarray(rng.integers(0, 8, size=(800, 3)).astype(np.uint8))
    y = (rng.random(800) < 1 / (1 + np.exp(-(codes[:, 0] - 3.5 + codes[:, 1] * codes[:, 2] / 10)))
         ).astype(np.float64)
    data = BinnedData(codes=codes, interaction_codes=codes, n_bins=np.full(3, 8),
                      n_interaction_bins=np.full(3, 8), nominal=np.zeros(3, dtype=bool),
                      monotone=np.zeros(3, dtype=np.int64), y=y, weights=np.ones(800), strata=y)
    settings = ExplainableBoostingClassifier(max_rounds=60)._boost_settings()
    return Booster(data, classification_objective("log_loss", 2), *settings, outer_bags=4,
                   validation_size=0.2, n_threads=1, random_state=5, boosted=boosted)


def test_boosters_sharing_the_bags_boost_what_one_booster_does() -> None:
    """Two boosters holding the same rows, each boosting two of the four bags, give the tables,
    best steps and pair strengths of one booster boosting all four."""
    pairs = [(0, 1), (1, 2)]
    whole = _booster()
    mains = whole.boost_mains([0, 1, 2])
    strengths = whole.rank_pairs(mains, pairs)
    bagged = whole.boost_pairs(mains, pairs, {})
    parts = []
    for boosted in ([0, 1], [2, 3]):
        booster = _booster(boosted)
        part_mains = booster.boost_mains([0, 1, 2])
        assert part_mains.ran == boosted
        parts.append((booster.rank_pairs(part_mains, pairs),
                      booster.boost_pairs(part_mains, pairs, {})))
    np.testing.assert_allclose(parts[0][0] + parts[1][0], strengths, rtol=1e-12)
    assert [b for _, part in parts for b in part.bags] == bagged.bags == [0, 1, 2, 3]
    np.testing.assert_array_equal(np.concatenate([p.best_steps for _, p in parts], axis=1),
                                  bagged.best_steps)
    for name in ("main_tables", "pair_tables"):
        shared = [tables for _, part in parts for tables in getattr(part, name)]
        for a, b in zip(shared, getattr(bagged, name), strict=True):
            for x, z in zip(a, b, strict=True):
                np.testing.assert_array_equal(x, z)


def _continuous_data(n: int, objective: str, seed: int = 0) -> BinnedData:
    """``n`` rows of 4 features of 32 bins (too many distinct rows to group) and 8 coarse
    bins, with a main effect and a pair in the target; ``objective`` "binary" (stratified) or
    "cox" (InterpretML's signed survival times)."""
    rng = np.random.default_rng(seed)
    codes = np.asfortranarray(rng.integers(0, 32, size=(n, 4)).astype(np.uint8))
    signal = (codes[:, 0] - 15.5) / 8 + (codes[:, 1] - 15.5) * (codes[:, 2] - 15.5) / 128
    if objective == "binary":
        y = (rng.random(n) < 1 / (1 + np.exp(-signal))).astype(np.float64)
    else:
        times = rng.exponential(np.exp(-signal))
        y = np.where(rng.random(n) < 0.7, times, -times)
    return BinnedData(codes=codes, interaction_codes=np.asfortranarray(codes // 4),
                      n_bins=np.full(4, 32), n_interaction_bins=np.full(4, 8),
                      nominal=np.zeros(4, dtype=bool), monotone=np.zeros(4, dtype=np.int64),
                      y=y, weights=rng.uniform(0.5, 2.0, n),
                      strata=y if objective == "binary" else None)


@pytest.mark.parametrize("objective", ["binary", "cox"])
def test_a_sampled_bag_boosts_as_its_rows_alone_would(objective) -> None:
    """With ``max_bag_rows``, every bag boosts its own sample: the tables, best steps and pair
    strengths equal those of a booster whose ``bags`` matrix trains and validates on exactly
    those rows and leaves the others out (started from the same intercept). Cox's risk sets are
    then the sample's."""
    from glassboost import ExplainableBoostingClassifier, ExplainableBoostingRegressor

    data = _continuous_data(3000, objective)
    if objective == "binary":
        obj = classification_objective("log_loss", 2)
        settings = ExplainableBoostingClassifier(max_rounds=40)._boost_settings()
    else:
        obj = regression_objective("survival_cox")
        settings = ExplainableBoostingRegressor(max_rounds=40)._boost_settings()

    def booster(**kwargs) -> Booster:
        return Booster(data, obj, *settings, outer_bags=3, validation_size=0.2, n_threads=1,
                       random_state=7, **kwargs)

    sampled = booster(max_bag_rows=1800)
    matrix = np.zeros((3000, 3), dtype=np.int64)
    for bag in range(3):
        rows, validation = sampled.bag_split(bag)
        assert len(rows) == 1800 and np.all(np.diff(rows) > 0)
        matrix[rows, bag] = np.where(validation, -1, 1)
    assert len({tuple(sampled.bag_split(b)[0][:20]) for b in range(3)}) == 3  # own samples
    by_matrix = booster(bags=matrix)
    by_matrix.base = sampled.base
    pairs = [(0, 1), (1, 2), (2, 3)]
    results = []
    for b in (sampled, by_matrix):
        mains = b.boost_mains([0, 1, 2, 3])
        results.append((b.rank_pairs(mains, pairs), b.boost_pairs(mains, pairs, {})))
    (strengths, bagged), (want_strengths, want) = results
    np.testing.assert_allclose(strengths, want_strengths, rtol=1e-9)
    assert strengths.max() > 0
    np.testing.assert_array_equal(bagged.best_steps, want.best_steps)
    assert bagged.best_steps.min() > 0
    for name in ("main_tables", "pair_tables"):
        for got_bag, want_bag in zip(getattr(bagged, name), getattr(want, name), strict=True):
            for got, expected in zip(got_bag, want_bag, strict=True):
                np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12)


def test_bags_sample_in_proportion_to_the_classes() -> None:
    """A sampled bag keeps every class's share of the rows, in its sample and its validation
    rows, and at least one row of every class; without more rows than ``max_bag_rows`` a bag
    takes every row."""
    from glassboost import ExplainableBoostingClassifier

    data = _continuous_data(3000, "binary")
    settings = ExplainableBoostingClassifier()._boost_settings()
    obj = classification_objective("log_loss", 2)
    share = data.y.mean()
    sampled = Booster(data, obj, *settings, outer_bags=2, validation_size=0.2, n_threads=1,
                      random_state=1, max_bag_rows=1000)
    rows, validation = sampled.bag_split(1)
    assert data.y[rows].mean() == pytest.approx(share, abs=1 / 1000)
    assert data.y[rows][validation].mean() == pytest.approx(share, abs=1 / 200)
    assert validation.sum() == pytest.approx(200, abs=1)
    # a class of one row in 3,000 is drawn into every third-size sample all the same
    rare = _continuous_data(3000, "binary")
    rare.strata = rare.strata.copy()
    rare.strata[17] = 2.0
    drawn = Booster(rare, obj, *settings, outer_bags=2, validation_size=0.2, n_threads=1,
                    random_state=1, max_bag_rows=1000)
    for bag in range(2):
        assert 17 in drawn.bag_split(bag)[0]
    whole = Booster(data, obj, *settings, outer_bags=2, validation_size=0.2, n_threads=1,
                    random_state=1, max_bag_rows=3000)
    rows, validation = whole.bag_split(1)
    assert rows is None and len(validation) == 3000


def test_a_quantile_intercept_on_init_scores_is_the_quantile_of_the_residuals() -> None:
    """On a target with a point mass (claims, a quarter of them zero), the best constant on top
    of per-row scores is the weighted quantile of y less those scores, exactly: a constant
    init_score moves only the intercept."""
    from glassboost import ExplainableBoostingRegressor

    data = _continuous_data(400, "cox")
    rng = np.random.default_rng(1)
    data.y = np.where(rng.random(400) < 0.25, 0.0, rng.exponential(100.0, 400))
    obj = regression_objective("quantile:alpha=0.1")
    settings = ExplainableBoostingRegressor()._boost_settings()

    def base(init_score=None) -> float:
        return float(Booster(data, obj, *settings, outer_bags=1, validation_size=0.2,
                             n_threads=1, random_state=0, init_score=init_score).base[0])

    assert base() == 0.0
    assert base(np.full((400, 1), 3.0)) == -3.0
    offsets = rng.normal(size=(400, 1))
    residuals = data.y - offsets[:, 0]
    weights = data.weights
    below = lambda b: weights[residuals < b].sum() / weights.sum()  # noqa: E731
    at = base(offsets)
    assert below(at) <= 0.1 <= below(at) + weights[residuals == at].sum() / weights.sum()


@pytest.mark.parametrize("max_time, stops", [(np.float32(0.05), True), (np.inf, False),
                                             (1e12, False)])
def test_max_time_of_any_number_type_and_size_is_kept(monkeypatch, max_time, stops) -> None:
    """A budget given as numpy's float32 stops the fit (the timer thread used to fail on it,
    and the budget was never enforced); one past the longest wait, as inf, never does, and its
    timer raises nothing in its thread."""
    import threading
    import time

    from glassboost.booster import FitMonitor

    errors = []
    monkeypatch.setattr(threading, "excepthook", errors.append)
    monitor = FitMonitor(max_time=max_time)
    monitor.start()
    time.sleep(0.3)
    monitor.close()
    assert monitor.stopped is stops and errors == []


def test_a_quantile_booster_on_init_scores_boosts_as_on_the_residuals() -> None:
    """Boosting y from init_score is boosting y - init_score from zero: the same intercept,
    pinball scale and tables. The scale used to be y's own, a hundred times the residuals'
    when init_score explains most of y, and the boosting learnt nothing past a few steps."""
    from dataclasses import replace

    from glassboost import ExplainableBoostingRegressor

    data = _continuous_data(600, "cox")
    rng = np.random.default_rng(2)
    offsets = 100.0 * (data.codes[:, 0] - 15.5)
    data.y = offsets + np.sin(data.codes[:, 1] / 4.0) + 0.3 * rng.normal(size=600)
    residuals = replace(data, y=data.y - offsets)
    obj = regression_objective("quantile:alpha=0.9")
    settings = ExplainableBoostingRegressor(max_rounds=60)._boost_settings()

    def booster(binned: BinnedData, init_score=None) -> Booster:
        return Booster(binned, obj, *settings, outer_bags=1, validation_size=0.2, n_threads=1,
                       random_state=0, init_score=init_score)

    warm, plain = booster(data, offsets[:, None]), booster(residuals)
    assert warm.base == plain.base and warm.objective_params == plain.objective_params
    for got, want in zip(warm.boost_mains([0, 1, 2, 3]).tables[0],
                         plain.boost_mains([0, 1, 2, 3]).tables[0], strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)


def test_a_row_out_of_every_bag_leaves_the_quantile_scale_alone() -> None:
    """A row that no bag trains on has no influence: the pinball steps' scale (the targets'
    mean absolute deviation) is that of the rows the bags train on, each by its largest
    replication, as the starting score is."""
    from dataclasses import replace

    from glassboost import ExplainableBoostingRegressor

    data = _continuous_data(300, "cox")
    data.y = np.abs(data.y)
    data.y[0] = 1e6  # out of every bag
    bags = np.where(np.arange(300)[:, None] % 5 == np.arange(2), -1, 1)
    bags[0] = 0
    bags[1] = 2
    obj = regression_objective("quantile:alpha=0.7")
    settings = ExplainableBoostingRegressor()._boost_settings()

    def booster(binned: BinnedData, matrix: np.ndarray) -> Booster:
        return Booster(binned, obj, *settings, outer_bags=2, validation_size=0.2, n_threads=1,
                       random_state=0, bags=matrix)

    rest = replace(data, codes=data.codes[1:], interaction_codes=data.interaction_codes[1:],
                   y=data.y[1:], weights=data.weights[1:])
    with_row, without = booster(data, bags), booster(rest, bags[1:])
    assert with_row.base == without.base
    assert with_row.objective_params == pytest.approx(without.objective_params, rel=1e-12)
