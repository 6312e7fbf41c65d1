"""The smoothing rounds' row samples (``kernels.row_sample``) and the kernel's use of them."""

from __future__ import annotations

import numpy as np
import pytest

from glassboost.kernels.block_passes import PASS_CHUNK, block_pass
from glassboost.kernels.boost import boost_terms
from glassboost.kernels.loss import (LOG_LOSS, MULTICLASS_LOG_LOSS, NO_PARAMS, POISSON_DEVIANCE,
                                     PSEUDO_HUBER, SQUARED_ERROR)
from glassboost.kernels.row_sample import row_sample, uniform, weigh_rows
from numba import njit


@njit
def _draws(seed, round_index, n):
    out = np.empty(n)
    for row in range(n):
        out[row] = uniform(seed, round_index, row)
    return out


def test_draws_are_uniform_and_new_each_round_and_seed() -> None:
    first, second, other_seed = _draws(7, 0, 200_000), _draws(7, 1, 200_000), _draws(8, 0, 200_000)
    assert first.min() >= 0.0 and first.max() < 1.0
    counts = np.histogram(first, bins=10, range=(0, 1))[0]
    assert np.abs(counts / 20_000 - 1).max() < 0.03  # 10 bins of 20,000 expected draws
    for other in (second, other_seed):
        assert abs(np.corrcoef(first, other)[0, 1]) < 0.01
    np.testing.assert_array_equal(first, _draws(7, 0, 200_000))


def _weights(n=50_000, n_scores=3, seed=0):
    rng = np.random.default_rng(seed)
    train_w = np.where(rng.random(n) < 0.8, rng.uniform(0.5, 2.0, n), 0.0)  # 0: validation
    train_wy = train_w[:, None] * rng.dirichlet(np.ones(n_scores), n)
    return train_w, train_wy


def test_a_sample_keeps_the_rate_weighs_up_and_restores_the_bag() -> None:
    train_w, train_wy = _weights()
    w, wy = train_w.copy(), train_wy.copy()
    n_train = int((train_w > 0).sum())
    sample = row_sample(w, wy, n_train // 4, 3)
    rate = sample[2]
    assert rate == pytest.approx(0.25, rel=1e-3)
    weigh_rows(sample, w, wy, 0, 10)
    kept = w > 0
    assert not (kept & (train_w == 0)).any()  # validation rows stay out
    assert kept.sum() / n_train == pytest.approx(rate, abs=0.01)
    np.testing.assert_allclose(w[kept], train_w[kept] / rate, rtol=1e-15)
    np.testing.assert_allclose(wy[kept], train_wy[kept] / rate, rtol=1e-15)
    assert not wy[~kept].any()
    assert w.sum() == pytest.approx(train_w.sum(), rel=0.02)  # weighted up: unbiased
    first = kept.copy()
    weigh_rows(sample, w, wy, 1, 10)
    assert 0.2 < np.mean(first[w > 0]) < 0.3  # round 1 draws its own rows
    weigh_rows(sample, w, wy, 10, 10)  # past the sampled rounds: the bag again, exactly
    np.testing.assert_array_equal(w, train_w)
    np.testing.assert_array_equal(wy, train_wy)


@pytest.mark.parametrize("max_rows", [0, 10**9])
def test_no_sample_leaves_the_weights_alone(max_rows) -> None:
    train_w, train_wy = _weights(n=1000)
    w, wy = train_w.copy(), train_wy.copy()
    sample = row_sample(w, wy, max_rows, 3)
    assert sample[2] == 1.0 and sample[0].size == 0
    weigh_rows(sample, w, wy, 0, 10)
    np.testing.assert_array_equal(w, train_w)
    np.testing.assert_array_equal(wy, train_wy)


@pytest.mark.parametrize("objective, n_scores", [(LOG_LOSS, 1), (MULTICLASS_LOG_LOSS, 3)])
def test_the_kernel_samples_only_the_smoothing_rounds_and_not_the_callers_arrays(
        objective, n_scores) -> None:
    """A sample changes the tables, leaves the caller's weights as given, and the rounds after
    smoothing use every row: with as many smoothing rounds as rounds, the fit differs, and with
    no smoothing rounds it is the same."""
    rng = np.random.default_rng(1)
    n_rows, n_bins = 2000, np.array([6, 9], dtype=np.int64)
    codes = np.stack([rng.integers(0, n, n_rows) for n in n_bins]).astype(np.uint16)
    y = (codes[0] + codes[1] + rng.integers(0, 4, n_rows)) % max(n_scores, 2)
    train_w = np.where(rng.random(n_rows) < 0.8, 1.0, 0.0)
    targets = np.eye(max(n_scores, 2))[y][:, -n_scores:] if n_scores > 1 else y[:, None] * 1.0
    given_w, given_wy = train_w.copy(), train_w[:, None] * targets

    def fit(smoothing_rounds, smoothing_rows):
        scores = np.zeros((n_rows, n_scores))
        tables = np.zeros((2, int(n_bins.max()), n_scores))
        train_wy = given_wy.copy()
        boost_terms(codes, n_bins, np.ones(2, np.int64), np.zeros(2, np.bool_),
                    np.zeros(2, np.int64), (train_w > 0).astype(float), train_w, train_wy,
                    1.0 - train_w, (1.0 - train_w)[:, None] * targets, 0.0, objective, scores,
                    tables, 0.1, 20, 0, 0.0, 0.0, 3, 0.0, 2, smoothing_rounds, 0.0, 0.0, 10.0,
                    1.0, False, 5, smoothing_rows=smoothing_rows)
        np.testing.assert_array_equal(train_w, given_w)
        np.testing.assert_array_equal(train_wy, given_wy)
        return tables

    assert not np.allclose(fit(20, 500), fit(20, 0))
    np.testing.assert_array_equal(fit(0, 500), fit(0, 0))


@njit
def _one_pass(codes, offsets, updates, scores, train_w, train_wy, val_w, val_wy, objective,
              grad_hist, hess_hist, want_loss, params, sparse):
    return block_pass(codes, offsets, 0, 2, 2, 4, updates, scores, train_w, train_wy, val_w,
                      val_wy, objective, grad_hist, hess_hist, want_loss, None, params, None,
                      None, sparse)


@pytest.mark.parametrize("objective", [LOG_LOSS, SQUARED_ERROR, POISSON_DEVIANCE, PSEUDO_HUBER])
@pytest.mark.parametrize("want_loss", [False, True])
def test_a_sparse_pass_is_the_dense_pass_of_the_same_weights(objective, want_loss) -> None:
    """A pass over a sample's weights that gathers the kept rows (``sparse``) gives the scores,
    histograms and validation loss of the pass that adds every row's zero, to the bit, across
    chunks (a random third of the training rows kept, the rest weighted zero)."""
    rng = np.random.default_rng(4)
    n = 2 * PASS_CHUNK + 123
    n_bins = 7
    codes = rng.integers(0, n_bins, (4, n)).astype(np.uint16)
    offsets = np.arange(5, dtype=np.int64) * n_bins
    updates = rng.normal(0.0, 0.3, (4 * n_bins, 1))
    y = rng.poisson(1.5, n).astype(float)
    if objective == LOG_LOSS:
        y = (y > 1).astype(float)
    training = rng.random(n) < 0.85
    train_w = np.where(training & (rng.random(n) < 1 / 3), 3.0, 0.0)
    val_w = np.where(training, 0.0, 1.0)
    start = rng.normal(0.0, 0.5, (n, 1))
    results = []
    for sparse in (False, True):
        scores = start.copy()
        grad, hess = np.full((4 * n_bins, 1), 9.0), np.full((4 * n_bins, 1), 9.0)
        loss = _one_pass(codes, offsets, updates, scores, train_w, (train_w * y)[:, None],
                         val_w, (val_w * y)[:, None], objective, grad, hess, want_loss,
                         (1.0, 1.0) if objective == PSEUDO_HUBER else NO_PARAMS, sparse)
        results.append((scores, grad[2 * n_bins:], hess[2 * n_bins:], loss))
    (s0, g0, h0, l0), (s1, g1, h1, l1) = results
    np.testing.assert_array_equal(s1, s0)
    np.testing.assert_array_equal(g1, g0)
    assert np.abs(g0).sum() > 0.0
    if objective != SQUARED_ERROR:  # its hessians are the constant weights, never refilled
        np.testing.assert_array_equal(h1, h0)
    assert l1 == l0 and (l0 != 0.0) == want_loss
