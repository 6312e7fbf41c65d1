"""Shape smoothing: the local-linear kernel, the AIC choice of bandwidth, and the fit stage."""

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from glassboost import ExplainableBoostingClassifier, ExplainableBoostingRegressor
from glassboost.shape_smoothing import (BANDWIDTHS, _fit_with_leverage, bin_positions,
                                        local_linear, smooth_by_aic)


def _polyfit_line(position, weights, values, at, bandwidth) -> float:
    kernel = np.exp(-0.5 * ((position - at) / bandwidth) ** 2) * weights
    return np.polyfit(position - at, values, 1, w=np.sqrt(kernel))[1]


def test_local_linear_kernel_against_polyfit_on_many_bins():
    """With more bins than one chunk, the kernel is cut to the bins within reach; every column
    still matches a weighted line fitted over all bins (zero-weight bins included)."""
    rng = np.random.default_rng(5)
    weights = rng.integers(0, 5, 700).astype(np.float64)
    position = bin_positions(weights)
    values = rng.normal(size=(700, 2))
    bandwidth = 0.01
    fitted = local_linear(position, weights, values, bandwidth)
    for i in range(0, 700, 7):
        for column in range(2):
            line = _polyfit_line(position, weights, values[:, column], position[i], bandwidth)
            assert fitted[i, column] == pytest.approx(line, abs=1e-9)


def _smoother_matrix(position, weights, bandwidth) -> np.ndarray:
    """The plain reference: the exact fit of every unit vector, one column each."""
    return local_linear(position, weights, np.eye(len(position)), bandwidth)


@pytest.mark.parametrize("bandwidth", [0.004, 0.05, 0.3])
def test_leverage_is_the_diagonal_of_the_smoother(bandwidth):
    """Each bin's leverage is the weight of its own value in its fit; narrow kernels are exact,
    wide ones (read at anchors and interpolated) within a small fraction of the trace."""
    rng = np.random.default_rng(1)
    weights = rng.integers(1, 20, 600).astype(np.float64)
    position = bin_positions(weights)
    values = np.cumsum(rng.normal(size=(600, 1)), axis=0)
    fitted, leverage = _fit_with_leverage(position, weights, values, bandwidth)
    smoother = _smoother_matrix(position, weights, bandwidth)
    exact = smoother @ values
    if bandwidth < 0.01:  # every bin's own fit
        np.testing.assert_allclose(leverage, np.diag(smoother), rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(fitted, exact, rtol=0, atol=1e-9)
    else:
        assert leverage.sum() == pytest.approx(np.trace(smoother), rel=0.01)
        assert np.max(np.abs(fitted - exact)) < 0.01 * np.ptp(exact)


def _noisy_bins(truth, n_bins=400, rows_per_bin=25, seed=0):
    """Bin sums of squared-error gradients (hessian = rows) around a zero table."""
    rng = np.random.default_rng(seed)
    hessian = np.full((n_bins, 1), float(rows_per_bin))
    mean_residual = truth[:, None] + rng.normal(0, 1 / np.sqrt(rows_per_bin), (n_bins, 1))
    return bin_positions(hessian[:, 0]), -hessian * mean_residual, hessian


def test_aic_smooths_a_straight_shape_widely_and_a_sharp_step_narrowly():
    x = np.linspace(-1, 1, 400)
    position, gradient, hessian = _noisy_bins(0.3 * x)
    line = smooth_by_aic(position, gradient, hessian, np.zeros((400, 1)))
    assert line is not None and line.bandwidth >= 0.3
    assert np.corrcoef(line.values[:, 0], x)[0, 1] > 0.999
    position, gradient, hessian = _noisy_bins(2.0 * (x > 0))
    step = smooth_by_aic(position, gradient, hessian, np.zeros((400, 1)))
    assert step is None or step.bandwidth <= 0.01  # a few bins of 400
    if step is not None:  # ten bins from the step, the fit is on its own side of it
        assert np.all(step.values[:190, 0] < 0.5) and np.all(step.values[210:, 0] > 1.5)


def test_aic_keeps_boosting_when_the_narrowest_kernel_wins():
    """Noise-free bins: every widening costs deviance, so the shape stays as boosted."""
    x = np.linspace(-1, 1, 400)
    position, gradient, hessian = _noisy_bins(np.sin(20 * x), rows_per_bin=10**8)
    assert smooth_by_aic(position, gradient, hessian, np.zeros((400, 1))) is None


def test_aic_bandwidth_falls_as_the_shape_wiggles_faster():
    x = np.linspace(-1, 1, 400)
    chosen = []
    for frequency in (1, 3, 6):
        position, gradient, hessian = _noisy_bins(np.sin(np.pi * frequency * x), seed=frequency)
        chosen.append(smooth_by_aic(position, gradient, hessian, np.zeros((400, 1))).bandwidth)
    assert chosen[0] > chosen[1] > chosen[2] > BANDWIDTHS[0]


def _linear_and_wavy(n, seed):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"a": rng.uniform(-1, 1, n), "b": rng.uniform(-1, 1, n),
                      "c": rng.choice(list("pqrs"), n)})
    logit = 0.5 * X["a"] + np.sin(3 * X["b"]) + X["c"].map({"p": 0, "q": 1, "r": -1, "s": 0.5})
    return X, rng.random(n) < 1 / (1 + np.exp(-logit.to_numpy()))


@pytest.fixture(scope="module")
def smoothed_and_boosted():
    X, y = _linear_and_wavy(6000, 0)
    params = dict(outer_bags=4, interactions=[("a", "c")], random_state=3)
    return (X, y, ExplainableBoostingClassifier(**params).fit(X, y),
            ExplainableBoostingClassifier(shape_smoothing=None, **params).fit(X, y))


def test_the_stage_refits_only_continuous_main_effects(smoothed_and_boosted):
    X, _, smoothed, boosted = smoothed_and_boosted
    names = smoothed.term_names_
    assert not np.allclose(smoothed.term_scores_[names.index("a")],
                           boosted.term_scores_[names.index("a")])
    for name in ("c", "a & c"):  # nominal main effect and the pair: as boosted
        np.testing.assert_array_equal(smoothed.term_scores_[names.index(name)],
                                      boosted.term_scores_[names.index(name)])
    for t, features in enumerate(smoothed.term_features_):
        weights = smoothed.bin_weights_[t]
        assert abs(np.sum(weights * smoothed.term_scores_[t])) < 1e-9 * weights.sum()  # centred
        np.testing.assert_allclose(smoothed.bagged_scores_[t].mean(axis=0),
                                   smoothed.term_scores_[t], atol=1e-12)
        np.testing.assert_array_equal(smoothed.standard_deviations_[t],
                                      boosted.standard_deviations_[t])
    scores = smoothed.intercept_ + smoothed.eval_terms(X).sum(axis=1)
    np.testing.assert_allclose(scores, smoothed.decision_function(X), atol=1e-12)


def test_each_refitted_shape_is_the_boosted_one_smoothed_at_a_bandwidth_of_the_grid(
        smoothed_and_boosted):
    """The fit's stage is ``model.smooth`` (``passthrough=1``) at the bandwidth its criterion
    chose, on the value bins (the edit also shifts the empty missing and unseen bins, which the
    fit leaves): what a user can redo, or undo by fitting with None."""
    _, _, smoothed, boosted = smoothed_and_boosted
    for name in ("a", "b"):
        t = smoothed.term_names_.index(name)
        edits = [boosted.copy().smooth(name, bandwidth, 1.0) for bandwidth in BANDWIDTHS]
        matches = [edit for edit in edits if np.allclose(
            edit.term_scores_[t][1:-1], smoothed.term_scores_[t][1:-1], rtol=0, atol=1e-12)]
        assert len(matches) == 1, name
        np.testing.assert_allclose(matches[0].bagged_scores_[t][:, 1:-1],
                                   smoothed.bagged_scores_[t][:, 1:-1], rtol=0, atol=1e-12)


def test_the_stage_recovers_a_straight_shape_and_keeps_accuracy(smoothed_and_boosted):
    X_test, y_test = _linear_and_wavy(20000, 1)
    _, _, smoothed, boosted = smoothed_and_boosted
    correlation = {}
    for name, model in (("smoothed", smoothed), ("boosted", boosted)):
        a = model.eval_terms(X_test)[:, model.term_names_.index("a")]
        correlation[name] = np.corrcoef(a, X_test["a"])[0, 1]
    assert correlation["smoothed"] > correlation["boosted"] + 0.01, correlation
    auc = {name: roc_auc_score(y_test, model.predict_proba(X_test)[:, 1])
           for name, model in (("smoothed", smoothed), ("boosted", boosted))}
    assert auc["smoothed"] > auc["boosted"] - 0.002, auc


def test_the_regressor_smooths_and_monotone_features_stay_as_boosted():
    rng = np.random.default_rng(4)
    X = pd.DataFrame({"a": rng.uniform(-1, 1, 4000), "b": rng.uniform(-1, 1, 4000)})
    y = X["a"] + np.sin(3 * X["b"]) + rng.normal(0, 1, 4000)
    params = dict(outer_bags=2, interactions=0, monotone_constraints=[0, 1])
    smoothed = ExplainableBoostingRegressor(**params).fit(X, y)
    boosted = ExplainableBoostingRegressor(shape_smoothing=None, **params).fit(X, y)
    assert not np.allclose(smoothed.term_scores_[0], boosted.term_scores_[0])
    np.testing.assert_array_equal(smoothed.term_scores_[1], boosted.term_scores_[1])


def test_multiclass_models_are_left_as_boosted():
    rng = np.random.default_rng(2)
    X = pd.DataFrame({"a": rng.uniform(-1, 1, 3000)})
    y = np.digitize(X["a"] + rng.normal(0, 0.5, 3000), [-0.5, 0.5])
    params = dict(outer_bags=2, interactions=0)
    smoothed = ExplainableBoostingClassifier(**params).fit(X, y)
    boosted = ExplainableBoostingClassifier(shape_smoothing=None, **params).fit(X, y)
    np.testing.assert_array_equal(smoothed.term_scores_[0], boosted.term_scores_[0])


@pytest.mark.parametrize("bad", ["AIC", "gcv", True, 0])
def test_shape_smoothing_takes_aic_or_none(bad):
    X = pd.DataFrame({"a": np.arange(20.0)})
    with pytest.raises(ValueError, match=r"shape_smoothing must be one of \('aic', None\)"):
        ExplainableBoostingClassifier(shape_smoothing=bad).fit(X, np.arange(20) % 2)


def test_rows_left_out_of_every_bag_are_left_out_of_the_refit():
    """Labels of rows that ``bags`` leaves out of every bag change nothing in the model."""
    X, y = _linear_and_wavy(3000, 5)
    bags = np.tile(np.where(np.arange(3000) % 5 == 0, -1, 1), (2, 1)).T
    bags[:300] = 0
    flipped = y.copy()
    flipped[:300] = ~flipped[:300]
    params = dict(outer_bags=2, interactions=0)
    model = ExplainableBoostingClassifier(**params).fit(X, y, bags=bags)
    other = ExplainableBoostingClassifier(**params).fit(X, flipped, bags=bags)
    for a, b in zip(model.term_scores_, other.term_scores_):
        np.testing.assert_array_equal(a, b)


def test_a_nearly_separable_bump_is_not_flattened():
    """Where the classes are nearly separated the hessians vanish and a quadratic criterion sees
    no cost in flattening a shape; the log-loss deviance read on the rows keeps the bump."""
    rng = np.random.default_rng(3)
    X = pd.DataFrame({"hour": rng.integers(0, 24, 800).astype(float)})
    y = ((X["hour"] >= 9) & (X["hour"] < 17)).to_numpy()
    params = dict(outer_bags=2, interactions=0, n_jobs=1)
    smoothed = ExplainableBoostingClassifier(**params).fit(X, y)
    boosted = ExplainableBoostingClassifier(shape_smoothing=None, **params).fit(X, y)
    np.testing.assert_array_equal(smoothed.predict(X), y)
    office = pd.DataFrame({"hour": [12.0]})
    night = pd.DataFrame({"hour": [3.0]})
    for model in (smoothed, boosted):
        assert model.decision_function(office)[0] - model.decision_function(night)[0] > 10
