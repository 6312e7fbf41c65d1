"""Squared-error boosting in bin space: the same histograms, losses and models as row passes."""

from __future__ import annotations

import numpy as np
import pytest

from glassboost.booster import bin_space_pays
from glassboost.kernels.bin_space import (apply_in_bins, cell_sums, cooccurrence_layout,
                                          cooccurrence_prefix)
from glassboost.kernels.boost import boost_terms
from glassboost.kernels.loss import LOG_LOSS, SQUARED_ERROR


def _data(seed, n_rows=600, n_bins=(6, 9, 4)):
    rng = np.random.default_rng(seed)
    n_bins = np.array(n_bins, dtype=np.int64)
    codes = np.column_stack([rng.integers(0, n - 1, n_rows) for n in n_bins]).astype(np.uint8)
    y = (codes[:, 0] - 2.5) * 0.5 + np.sin(codes[:, 1]) + rng.normal(size=n_rows)
    w = rng.integers(1, 4, n_rows).astype(np.float64)  # bin space needs integer weights
    val = rng.random(n_rows) < 0.25
    return rng, n_bins, codes, y, np.where(val, 0.0, w), np.where(val, w, 0.0)


def test_cooccurrence_prefix_sums_the_weight_of_each_pair_of_bins() -> None:
    _, n_bins, codes, _, w, _ = _data(0)
    layout = cooccurrence_layout(n_bins)
    cum = cooccurrence_prefix(codes.T.copy(), n_bins, w, layout)
    n_terms = len(n_bins)
    for t in range(n_terms):
        for p in range(n_terms):
            if t == p:
                continue
            joint = np.zeros((n_bins[p], n_bins[t]))
            np.add.at(joint, (codes[:, p], codes[:, t]), w)
            want = np.vstack([np.zeros(n_bins[t]), np.cumsum(joint, axis=0)])
            start = layout[t * n_terms + p]
            got = cum[start:start + want.size].reshape(want.shape)
            np.testing.assert_allclose(got, want, atol=1e-12)


def test_applying_an_update_in_bins_matches_recomputing_from_the_rows() -> None:
    rng, n_bins, codes, y, train_w, val_w = _data(1)
    offsets = np.concatenate([[0], np.cumsum(n_bins)]).astype(np.int64)
    layout = cooccurrence_layout(n_bins)
    by_term = codes.T.copy()  # the kernels read one term's codes at a time
    train_cum = cooccurrence_prefix(by_term, n_bins, train_w, layout)
    val_cum = cooccurrence_prefix(by_term, n_bins, val_w, layout)
    cell_weight = [np.concatenate([np.bincount(codes[:, t], w, n) for t, n in enumerate(n_bins)])
                   for w in (train_w, val_w)]
    scores = rng.normal(size=len(y))

    def histograms(s):
        return [cell_sums(by_term, offsets, w * s - w * y) for w in (train_w, val_w)]

    def loss(s):
        return float(np.sum(val_w * s * s - 2 * val_w * y * s))

    grad, val_grad = histograms(scores)
    for p in range(len(n_bins)):
        # a tree's update: a few runs of equal values, one of them zero
        update = np.repeat(rng.normal(size=3), [2, n_bins[p] - 4, 2])
        update[-1] = 0.0
        change = apply_in_bins(p, update, n_bins, offsets, layout, train_cum, val_cum,
                               cell_weight[0], cell_weight[1], grad, val_grad)
        new_scores = scores + update[codes[:, p]]
        assert change == pytest.approx(loss(new_scores) - loss(scores), rel=1e-10)
        want_grad, want_val_grad = histograms(new_scores)
        np.testing.assert_allclose(grad, want_grad, atol=1e-9)
        np.testing.assert_allclose(val_grad, want_val_grad, atol=1e-9)
        scores = new_scores


@pytest.mark.parametrize("greedy_ratio", [0.0, 1.5])
def test_boosting_in_bins_gives_the_row_pass_model(greedy_ratio) -> None:
    """Same tables, scores, best step and loss, with smoothing rounds and early stopping."""
    _, n_bins, codes, y, train_w, val_w = _data(2, n_rows=3000)
    k = len(n_bins)
    offset = float(val_w @ y**2)
    results = []
    for in_bins in (False, True):
        tables = np.zeros((k, int(n_bins.max()), 1))
        scores = np.full((len(y), 1), 0.3)
        result = boost_terms(
            codes.T.copy(), n_bins, np.ones(k, np.int64), np.array([False, False, True]),
            np.zeros(k, np.int64), (train_w > 0).astype(float), train_w, (train_w * y)[:, None],
            val_w, (val_w * y)[:, None], offset, SQUARED_ERROR, scores, tables, 0.2, 300, 5,
            1e-6, 0.0, 3, 0.0, 3, 4, greedy_ratio, 0.0, 10.0, 5.0, in_bins, 11)
        results.append((tables, scores, result))
    (want_tables, want_scores, want), (got_tables, got_scores, got) = results
    assert got[:2] == want[:2] and 4 * k < want[0] < 300 * k  # early stopping took effect
    assert got[2] == pytest.approx(want[2], rel=1e-9)
    np.testing.assert_allclose(got_tables, want_tables, atol=1e-9)
    np.testing.assert_allclose(got_scores, want_scores, atol=1e-9)


def test_bin_space_is_chosen_only_where_it_pays() -> None:
    n1, one = np.array([20, 70, 4, 4]), np.ones(4, np.int64)
    unit = (np.ones(10_000),)
    assert bin_space_pays(SQUARED_ERROR, n1, one, 10_000, unit)
    assert bin_space_pays(SQUARED_ERROR, n1, one, 10_000, (np.full(10_000, 3.0), np.zeros(9)))
    # 98 bins: a step over the sums costs about as much as a pass over 2.2 rows per bin
    assert bin_space_pays(SQUARED_ERROR, n1, one, 246, unit)
    assert not bin_space_pays(SQUARED_ERROR, n1, one, 245, unit)
    assert not bin_space_pays(LOG_LOSS, n1, one, 10_000, unit)  # the gradient is not linear in s
    assert not bin_space_pays(SQUARED_ERROR, n1, np.array([1, 1, 5, 1]), 10_000, unit)  # a pair
    wide = np.full(20, 1026)
    assert not bin_space_pays(SQUARED_ERROR, wide, np.ones(20, np.int64), 10**8, unit)  # memory
    # float32 sums are exact only for integer weights below 2**24 in all
    assert not bin_space_pays(SQUARED_ERROR, n1, one, 10_000, (np.full(10_000, 0.5),))
    assert not bin_space_pays(SQUARED_ERROR, n1, one, 10_000, (np.full(10_000, 2000.0),))
