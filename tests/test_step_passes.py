"""The specialised greedy step passes against a plain numpy reference."""
import numpy as np
import pytest
from numba import njit

from glassboost.kernels.loss import LOG_LOSS, PSEUDO_HUBER, SQUARED_ERROR, group_loss
from glassboost.kernels.step_passes import (log_loss_step_pass, pseudo_huber_step_pass,
                                            row_targets, squared_error_step_pass)

DELTA = 0.7


@njit
def _squared_error(codes, applied, applied_lo, histogrammed, hist_lo, hist_hi, updates, scores,
                   w, wy, val_w, val_wy, val_rows, grad_hist):
    return squared_error_step_pass(codes, applied, applied_lo, histogrammed, hist_lo, hist_hi,
                                   updates, scores, w, wy, val_w, val_wy, val_rows, grad_hist,
                                   True)


@njit
def _log_loss(codes, applied, applied_lo, histogrammed, hist_lo, hist_hi, updates, factors,
              scores, exponentials, w, wy, val_w, val_wy, val_rows, grad_hist, hess_hist):
    return log_loss_step_pass(codes, applied, applied_lo, histogrammed, hist_lo, hist_hi,
                              updates, factors, scores, exponentials, w, wy, val_w, val_wy,
                              val_rows, grad_hist, hess_hist, True)


@njit
def _pseudo_huber(codes, applied, applied_lo, histogrammed, hist_lo, hist_hi, updates, scores,
                  w, wy, val_w, val_wy, val_rows, grad_hist, hess_hist):
    targets = row_targets(PSEUDO_HUBER, w, wy)
    return pseudo_huber_step_pass(codes, applied, applied_lo, histogrammed, hist_lo, hist_hi,
                                  updates, scores, targets, w, val_w, val_wy, val_rows,
                                  grad_hist, hess_hist, True, (DELTA, 0.0))


def _problem(seed, objective):
    """Two terms of 5 and 7 cells over 300 rows, a fifth of them validating only."""
    rng = np.random.default_rng(seed)
    n_rows = 300
    codes = np.stack([rng.integers(0, 5, n_rows), rng.integers(0, 7, n_rows)]).astype(np.uint8)
    validating = rng.random(n_rows) < 0.2
    y = rng.normal(size=n_rows) if objective != LOG_LOSS else (rng.random(n_rows) < 0.4)
    if objective == PSEUDO_HUBER:
        y[::10] *= 30.0  # outliers: rows on both sides of delta
    w = np.where(validating, 0.0, rng.integers(1, 3, n_rows)).astype(float)
    val_w = np.where(validating, 1.0, 0.0)
    return codes, w, w * y, val_w, val_w * y, np.nonzero(validating)[0], rng.normal(size=n_rows)


@pytest.mark.parametrize("applied", [-1, 0])
@pytest.mark.parametrize("objective", [SQUARED_ERROR, LOG_LOSS, PSEUDO_HUBER])
def test_a_step_pass_applies_the_update_and_fills_the_next_histogram(objective, applied):
    codes, w, wy, val_w, val_wy, val_rows, scores = _problem(3 + applied, objective)
    updates = np.random.default_rng(9).normal(size=12) * 0.3  # term 0: cells 0-4, term 1: 5-11
    want_scores = scores + (updates[codes[0]] if applied == 0 else 0.0)
    params = (DELTA, 0.0) if objective == PSEUDO_HUBER else (0.0, 0.0)
    if objective == SQUARED_ERROR:
        gradient, hessian = w * want_scores - wy, w
    elif objective == PSEUDO_HUBER:
        error = want_scores - np.divide(wy, w, out=np.zeros_like(w), where=w > 0)
        root = np.sqrt(1.0 + (error / DELTA) ** 2)
        gradient, hessian = w * error / root, w / root
    else:
        p = 1.0 / (1.0 + np.exp(-want_scores))
        gradient, hessian = w * p - wy, w * p * (1.0 - p)
    want_grad = np.bincount(codes[1], gradient, minlength=7)
    want_loss = sum(group_loss(objective, want_scores[r], val_w[r], val_wy[r], params)
                    for r in val_rows)
    grad_hist, hess_hist = np.full(12, 5.0), np.full(12, 5.0)  # stale values must be cleared
    if objective == SQUARED_ERROR:
        loss = _squared_error(codes, applied, 0, 1, 5, 12, updates, scores, w, wy, val_w, val_wy,
                              val_rows, grad_hist)
    elif objective == PSEUDO_HUBER:
        loss = _pseudo_huber(codes, applied, 0, 1, 5, 12, updates, scores, w, wy, val_w, val_wy,
                             val_rows, grad_hist, hess_hist)
        np.testing.assert_allclose(hess_hist[5:], np.bincount(codes[1], hessian, minlength=7),
                                   rtol=1e-12)
    else:
        exponentials = np.exp(-scores)
        factors = np.exp(-updates[:5])
        loss = _log_loss(codes, applied, 0, 1, 5, 12, updates, factors, scores, exponentials, w,
                         wy, val_w, val_wy, val_rows, grad_hist, hess_hist)
        np.testing.assert_allclose(exponentials, np.exp(-want_scores), rtol=1e-12)
        np.testing.assert_allclose(hess_hist[5:], np.bincount(codes[1], hessian, minlength=7),
                                   rtol=1e-12)
    np.testing.assert_allclose(scores, want_scores, rtol=0, atol=1e-15)
    np.testing.assert_allclose(grad_hist[5:], want_grad, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(grad_hist[:5], 5.0)  # another term's cells are left alone
    assert loss == pytest.approx(want_loss, rel=1e-12)
