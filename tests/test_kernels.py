"""The numba kernels against plain numpy re-implementations on small random inputs."""

from __future__ import annotations

import itertools
from functools import partial

import numpy as np
import pytest
from numba import njit
from scipy.special import expit, logsumexp, softmax

from glassboost.kernels.block_passes import PASS_CHUNK, SOFTMAX_CHUNK
from glassboost.kernels.boost import boost_terms
from glassboost.kernels.interactions import pair_strengths
from glassboost.kernels.loss import (LOG_LOSS, MULTICLASS_LOG_LOSS, NO_PARAMS,
                                     POISSON_DEVIANCE, SQUARED_ERROR, add_group_loss,
                                     finish_loss, group_gradient, group_loss,
                                     group_softmax_gradient, score_exponential)
from glassboost.kernels.predict import bin_values, gather_terms, sum_terms
from glassboost.kernels.split import (main_term_update, nominal_order, pair_hessian_tables,
                                      pair_term_update)
from glassboost.kernels.stopping import (RISE_ROUNDS, SMOOTHING_RISE_ROUNDS,
                                        SMOOTHING_WINDOW_FACTOR)

LR = 0.1


# ---- plain reference implementations ------------------------------------------------------------
def _allowed(g, h, n, min_samples_leaf, min_hessian) -> bool:
    return n >= min_samples_leaf and bool(np.all(h >= min_hessian)) and bool(np.all(h > 0))


def _score(g, h) -> float:
    return float(np.sum(g * g / h))


def reference_main_update(grad, hess, counts, nominal=False, monotone=0, min_samples_leaf=1,
                          min_hessian=0.0, cat_smooth=10.0, lr=LR, with_gain=False):
    """One greedy tree with at most two value leaves, plus the missing bin's own Newton step.

    The missing bin steps only when it holds at least ``min_samples_leaf`` rows (and some).
    With ``with_gain``, returns (update, the cut's gain).
    """
    n_bins, n_scores = grad.shape
    update = np.zeros((n_bins, n_scores))
    if counts[0] > 0 and _allowed(grad[0], hess[0], counts[0], min_samples_leaf, min_hessian):
        update[0] = -lr * grad[0] / hess[0]
    value_bins = np.arange(1, n_bins - 1)
    if nominal:
        value_bins = value_bins[counts[1:-1] > 0]
        ratio = grad[value_bins].sum(axis=1) / (hess[value_bins].sum(axis=1) + cat_smooth)
        value_bins = value_bins[np.argsort(ratio, kind="stable")]
    g_all, h_all = grad[value_bins].sum(axis=0), hess[value_bins].sum(axis=0)
    best, best_gain = None, 0.0
    for cut in range(1, len(value_bins)):
        left, right = value_bins[:cut], value_bins[cut:]
        gl, hl, nl = grad[left].sum(0), hess[left].sum(0), counts[left].sum()
        gr, hr, nr = grad[right].sum(0), hess[right].sum(0), counts[right].sum()
        if not (_allowed(gl, hl, nl, min_samples_leaf, min_hessian)
                and _allowed(gr, hr, nr, min_samples_leaf, min_hessian)):
            continue
        if monotone and (-gl[0] / hl[0] - (-gr[0] / hr[0])) * monotone > 0:
            continue
        gain = _score(gl, hl) + _score(gr, hr) - _score(g_all, h_all)
        if gain > best_gain:
            best, best_gain = (left, right, gl, hl, gr, hr), gain
    if best is not None:
        left, right, gl, hl, gr, hr = best
        update[left] = -lr * gl / hl
        update[right] = -lr * gr / hr
    return (update, best_gain) if with_gain else update


def _rect(table, i0, i1, j0, j1):
    return table[i0:i1, j0:j1].sum(axis=(0, 1))


def reference_pair_update(grad, hess, counts, n1, n2, min_samples_leaf=1, min_hessian=0.0):
    """The best tree of a cut on one feature and at most one cut of the other on each side."""
    n_scores = grad.shape[1]
    G = grad.reshape(n1, n2, n_scores)[:-1, :-1]  # the unseen row and column never take part
    H = hess.reshape(n1, n2, n_scores)[:-1, :-1]
    N = counts.reshape(n1, n2)[:-1, :-1]
    parent = _score(_rect(G, 0, None, 0, None), _rect(H, 0, None, 0, None))
    best_gain, best_leaves = 0.0, None
    for transpose in (False, True):
        g, h, n = (G.transpose(1, 0, 2), H.transpose(1, 0, 2), N.T) if transpose else (G, H, N)
        a1, a2 = n.shape
        for cut in range(1, a1):
            sides, total = [], 0.0
            for i0, i1 in ((0, cut), (cut, a1)):
                whole = (_rect(g, i0, i1, 0, a2), _rect(h, i0, i1, 0, a2), n[i0:i1].sum())
                if not _allowed(whole[0], whole[1], whole[2], min_samples_leaf, min_hessian):
                    break
                side_best, side_leaves = _score(whole[0], whole[1]), [(i0, i1, 0, a2)]
                for j in range(1, a2):
                    parts = [(i0, i1, 0, j), (i0, i1, j, a2)]
                    stats = [(_rect(g, *p), _rect(h, *p), n[p[0]:p[1], p[2]:p[3]].sum())
                             for p in parts]
                    if all(_allowed(*s, min_samples_leaf, min_hessian) for s in stats):
                        value = sum(_score(s[0], s[1]) for s in stats)
                        if value > side_best:
                            side_best, side_leaves = value, parts
                sides.append(side_leaves)
                total += side_best
            else:
                if total - parent > best_gain:
                    best_gain, best_leaves = total - parent, (transpose, sides)
    update = np.zeros((n1, n2, n_scores))
    if best_leaves is not None:
        transpose, sides = best_leaves
        view = update.transpose(1, 0, 2) if transpose else update
        g, h = (G.transpose(1, 0, 2), H.transpose(1, 0, 2)) if transpose else (G, H)
        for i0, i1, j0, j1 in itertools.chain(*sides):
            view[i0:i1, j0:j1] = -LR * _rect(g, i0, i1, j0, j1) / _rect(h, i0, i1, j0, j1)
    return update.reshape(n1 * n2, n_scores)


def _targets(objective, y, n_scores):
    """Targets as the kernels take them: one column, or one-hot classes."""
    if objective == MULTICLASS_LOG_LOSS:
        return np.eye(n_scores)[y.astype(int)]
    return y[:, None].astype(float)


def _gradients(objective, scores, y):
    if objective == LOG_LOSS:
        p = expit(scores[:, 0])
        return (p - y)[:, None], (p * (1 - p))[:, None]
    if objective == POISSON_DEVIANCE:
        mu = np.exp(scores[:, 0])
        return (mu - y)[:, None], mu[:, None]
    if objective == MULTICLASS_LOG_LOSS:
        p = softmax(scores, axis=1)
        onehot = np.eye(scores.shape[1])[y.astype(int)]
        return p - onehot, p * (1 - p)
    return (scores[:, 0] - y)[:, None], np.ones((len(y), 1))


# ---- random inputs --------------------------------------------------------------------------
def _histogram(rng, n_bins, n_scores, empty=0.0):
    grad = rng.normal(size=(n_bins, n_scores))
    hess = rng.uniform(0.2, 2.0, size=(n_bins, n_scores))
    counts = rng.integers(1, 8, size=n_bins).astype(float)
    empty_bins = rng.random(n_bins) < empty
    grad[empty_bins], hess[empty_bins], counts[empty_bins] = 0.0, 0.0, 0.0
    grad[-1], hess[-1], counts[-1] = 0.0, 0.0, 0.0  # nothing is ever in the unseen bin
    return grad, hess, counts


def _main(grad, hess, counts, nominal=False, monotone=0, min_samples_leaf=1, min_hessian=0.0):
    n_bins, n_scores = grad.shape
    update = np.full((n_bins + 3, n_scores), np.nan)
    main_term_update(grad, hess, counts, n_bins, nominal, monotone, LR, min_samples_leaf,
                     min_hessian, 2, False, 10.0, update)
    return update[:n_bins]


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("n_scores", [1, 3])
def test_main_term_update_matches_reference(seed, n_scores) -> None:
    rng = np.random.default_rng(seed)
    grad, hess, counts = _histogram(rng, int(rng.integers(4, 12)), n_scores)
    got = _main(grad, hess, counts)
    np.testing.assert_allclose(got, reference_main_update(grad, hess, counts), atol=1e-12)
    assert len(np.unique(got[1:-1, 0])) == 2 and got[-1].tolist() == [0.0] * n_scores


@pytest.mark.parametrize("seed", range(6))
def test_main_term_update_min_samples_leaf(seed) -> None:
    rng = np.random.default_rng(100 + seed)
    grad, hess, counts = _histogram(rng, 9, 1)
    grad[1:4] -= 3.0  # a strong cut near the low end, which a large min_samples_leaf forbids
    for leaf in (1, 12, int(counts.sum())):
        got = _main(grad, hess, counts, min_samples_leaf=leaf)
        want = reference_main_update(grad, hess, counts, min_samples_leaf=leaf)
        np.testing.assert_allclose(got, want, atol=1e-12)
    assert np.all(_main(grad, hess, counts, min_samples_leaf=int(counts.sum()))[1:] == 0.0)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("monotone", [1, -1])
def test_main_term_update_monotone(seed, monotone) -> None:
    rng = np.random.default_rng(200 + seed)
    grad, hess, counts = _histogram(rng, 10, 1)
    got = _main(grad, hess, counts, monotone=monotone)
    np.testing.assert_allclose(got, reference_main_update(grad, hess, counts, monotone=monotone),
                               atol=1e-12)
    assert np.all(np.diff(got[1:-1, 0]) * monotone >= 0)


@pytest.mark.parametrize("seed", range(6))
def test_main_term_update_nominal_ordering(seed) -> None:
    rng = np.random.default_rng(300 + seed)
    grad, hess, counts = _histogram(rng, 10, 1, empty=0.2)
    got = _main(grad, hess, counts, nominal=True)
    np.testing.assert_allclose(got, reference_main_update(grad, hess, counts, nominal=True),
                               atol=1e-12)
    assert np.all(got[1:-1][counts[1:-1] == 0] == 0.0)  # categories without data are untouched


@njit
def _seeded_nominal_order(seed, grad, hess, counts):
    np.random.seed(seed)
    return nominal_order(grad, hess, counts, grad.shape[0], 10.0)


def test_several_scores_cut_categories_in_a_drawn_order_that_sums_do_not_move() -> None:
    """Softmax: the categories with rows, in an order drawn from the random stream. The same
    seed gives the same order when every sum moves by rounding (as summing in another order,
    or across shares, moves it); another seed gives another. One score: the ratio order."""
    rng = np.random.default_rng(7)
    grad, hess, counts = _histogram(rng, 40, 3, empty=0.2)
    grad -= grad.mean(axis=1, keepdims=True)  # softmax: a bin's gradients sum to zero
    with_rows = np.flatnonzero(counts[1:-1] > 0) + 1
    order = _seeded_nominal_order(5, grad, hess, counts)
    assert sorted(order) == list(with_rows) and list(order) != list(with_rows)
    moved = _seeded_nominal_order(5, grad * (1 + 1e-15), hess * (1 - 1e-15), counts)
    np.testing.assert_array_equal(moved, order)
    assert list(_seeded_nominal_order(6, grad, hess, counts)) != list(order)
    one = _seeded_nominal_order(5, grad[:, :1], hess[:, :1], counts)
    ratio = grad[with_rows, 0] / (hess[with_rows, 0] + 10.0)
    np.testing.assert_array_equal(one, with_rows[np.argsort(ratio, kind="stable")])


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("n_scores", [1, 2])
def test_pair_term_update_matches_reference(seed, n_scores) -> None:
    rng = np.random.default_rng(400 + seed)
    n1, n2 = int(rng.integers(3, 7)), int(rng.integers(3, 7))
    grad, hess, counts = _histogram(rng, n1 * n2, n_scores)
    for unseen in ([(i, n2 - 1) for i in range(n1)] + [(n1 - 1, j) for j in range(n2)]):
        cell = unseen[0] * n2 + unseen[1]
        grad[cell], hess[cell], counts[cell] = 0.0, 0.0, 0.0
    for leaf in (1, 10):
        update = np.full((n1 * n2 + 5, n_scores), np.nan)
        pair_term_update(grad, hess, counts, n1, n2, LR, leaf, 0.0, False, update, np.zeros(0))
        want = reference_pair_update(grad, hess, counts, n1, n2, min_samples_leaf=leaf)
        np.testing.assert_allclose(update[:n1 * n2], want, atol=1e-12)


@pytest.mark.parametrize("n1, n2", [(9, 17), (17, 9), (2, 8), (8, 2), (3, 3)])
@pytest.mark.parametrize("n_scores", [1, 2])
def test_pair_term_update_matches_reference_on_wide_and_thin_tables(n1, n2, n_scores) -> None:
    """Tables with one value row or column (a single orientation can cut), and wider ones."""
    rng = np.random.default_rng(n1 * 100 + n2)
    grad, hess, counts = _histogram(rng, n1 * n2, n_scores)
    grad, hess, counts = grad.reshape(n1, n2, -1), hess.reshape(n1, n2, -1), counts.reshape(n1, n2)
    grad[-1], hess[-1], counts[-1] = 0.0, 0.0, 0.0  # the unseen row and column
    grad[:, -1], hess[:, -1], counts[:, -1] = 0.0, 0.0, 0.0
    grad, hess, counts = grad.reshape(-1, n_scores), hess.reshape(-1, n_scores), counts.ravel()
    for leaf, min_hessian in ((1, 0.0), (10, 0.0), (1, 2.0)):
        update = np.full((n1 * n2, n_scores), np.nan)
        pair_term_update(grad, hess, counts, n1, n2, LR, leaf, min_hessian, False, update,
                         np.zeros(0))
        want = reference_pair_update(grad, hess, counts, n1, n2, min_samples_leaf=leaf,
                                     min_hessian=min_hessian)
        np.testing.assert_allclose(update, want, atol=1e-12)


@pytest.mark.parametrize("seed", range(8))
def test_pair_tree_from_fixed_hessian_tables_matches_the_direct_search(seed) -> None:
    """Squared error's hessians (the weights) never change: the precomputed reciprocal tables
    give the same tree, leaf values and gain as the search that divides."""
    rng = np.random.default_rng(450 + seed)
    n1, n2 = int(rng.integers(3, 12)), int(rng.integers(3, 12))
    counts = rng.integers(0, 6, (n1, n2)).astype(float)
    counts[-1, :] = counts[:, -1] = 0.0  # the unseen bins
    hess = counts * rng.choice([1.0, 2.0], (n1, n2))  # integer sample weights
    grad = rng.normal(size=(n1, n2)) * hess + (np.arange(n1)[:, None] > n1 // 2) * hess
    grad, hess, counts = grad.reshape(-1, 1), hess.reshape(-1, 1), counts.reshape(-1)
    for leaf, min_hessian in ((1, 0.0), (6, 0.0), (3, 4.0), (int(counts.sum()), 0.0)):
        want = np.full((n1 * n2, 1), np.nan)
        want_gain = pair_term_update(grad, hess, counts, n1, n2, LR, leaf, min_hessian, False,
                                     want, np.zeros(0))
        tables = pair_hessian_tables(hess, counts, n1, n2, leaf, min_hessian)
        got = np.full((n1 * n2, 1), np.nan)
        got_gain = pair_term_update(grad, hess, counts, n1, n2, LR, leaf, min_hessian, False, got,
                                    tables)
        assert got_gain == pytest.approx(want_gain, rel=1e-9, abs=1e-12)
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-14)
        if leaf == int(counts.sum()):  # no cut leaves enough rows on both sides
            assert got_gain == 0.0 and np.all(got == 0.0)


def test_pair_term_update_finds_a_planted_interaction() -> None:
    n1 = n2 = 6
    grad = np.zeros((6, 6, 1))
    grad[1:3, 3:5] = -2.0  # one block where the score should go up
    hess = np.ones((6, 6, 1))
    hess[-1, :] = hess[:, -1] = 0.0
    counts = hess[..., 0] * 4
    update = np.zeros((36, 1))
    pair_term_update(grad.reshape(36, 1), hess.reshape(36, 1), counts.reshape(36), n1, n2, LR,
                     1, 0.0, False, update, np.zeros(0))
    table = update.reshape(6, 6)
    assert np.all(table[1:3, 3:5] == table[1, 3]) and table[1, 3] > 0
    assert table[1, 3] > table[0, 0] and table[1, 3] > table[4, 4]


# ---- interaction strengths ---------------------------------------------------------------------
def reference_strength(codes, f1, f2, n1, n2, g, h, w, min_samples_leaf, min_hessian):
    used = w > 0
    G = np.zeros((n1, n2, g.shape[1]))
    H = np.zeros((n1, n2, g.shape[1]))
    N = np.zeros((n1, n2))
    np.add.at(G, (codes[used, f1], codes[used, f2]), g[used] * w[used, None])
    np.add.at(H, (codes[used, f1], codes[used, f2]), h[used] * w[used, None])
    np.add.at(N, (codes[used, f1], codes[used, f2]), 1.0)
    G, H, N = G[:-1, :-1], H[:-1, :-1], N[:-1, :-1]
    parent = _score(G.sum((0, 1)), H.sum((0, 1)))
    best = 0.0
    for i in range(1, n1 - 1):
        for j in range(1, n2 - 1):
            quads = [(slice(None, i), slice(None, j)), (slice(None, i), slice(j, None)),
                     (slice(i, None), slice(None, j)), (slice(i, None), slice(j, None))]
            stats = [(G[q].sum((0, 1)), H[q].sum((0, 1)), N[q].sum()) for q in quads]
            if all(_allowed(*s, min_samples_leaf, min_hessian) for s in stats):
                best = max(best, sum(_score(s[0], s[1]) for s in stats) - parent)
    return best


@pytest.mark.parametrize("objective, n_scores", [(SQUARED_ERROR, 1), (LOG_LOSS, 1),
                                                 (MULTICLASS_LOG_LOSS, 3)])
def test_pair_strengths_brute_force(objective, n_scores) -> None:
    rng = np.random.default_rng(500 + objective)
    n_rows, n_bins = 300, np.array([5, 4, 6])
    codes = np.column_stack([rng.integers(0, n - 1, n_rows) for n in n_bins]).astype(np.uint8)
    if objective == MULTICLASS_LOG_LOSS:
        y = rng.integers(0, 3, n_rows).astype(float)
    elif objective == LOG_LOSS:
        y = (rng.random(n_rows) < 0.4).astype(float)
    else:
        y = rng.normal(size=n_rows) + (codes[:, 0] >= 2) * (codes[:, 1] >= 2)
    scores = rng.normal(scale=0.3, size=(n_rows, n_scores))
    w = rng.uniform(0.5, 2.0, n_rows) * (rng.random(n_rows) < 0.8)
    pairs = np.array([[0, 1], [0, 2], [1, 2]], dtype=np.int64)
    count, wy = (w > 0).astype(float), w[:, None] * _targets(objective, y, n_scores)
    got = pair_strengths(codes, pairs, n_bins, scores, count, w, wy, objective, 5, 1e-4,
                         NO_PARAMS, None)
    g, h = _gradients(objective, scores, y)
    want = [reference_strength(codes, a, b, n_bins[a], n_bins[b], g, h, w, 5, 1e-4)
            for a, b in pairs]
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)
    assert np.all(got > 0)


# ---- one or two rounds of boosting -----------------------------------------------------------
def reference_boost(codes, n_bins, y, w, objective, base, rounds, min_samples_leaf, lr):
    """Cyclic boosting in blocks: the terms of a block all step from the same gradients.

    Blocks are as even as possible and hold at most ``int(0.5 / lr)`` terms, so with a large
    learning rate every block is one term (plain cyclic boosting).
    """
    n_rows, n_terms = codes.shape
    largest = max(1, int(0.5 / lr))
    n_blocks = -(-n_terms // largest)
    bounds = [b * n_terms // n_blocks for b in range(n_blocks + 1)]
    scores = np.tile(base, (n_rows, 1)).astype(float)
    tables = [np.zeros((n, len(base))) for n in n_bins]
    for _ in range(rounds):
        for lo, hi in zip(bounds[:-1], bounds[1:]):
            g, h = _gradients(objective, scores, y)
            updates = []
            for t in range(lo, hi):
                grad = np.zeros((n_bins[t], len(base)))
                hess = np.zeros((n_bins[t], len(base)))
                np.add.at(grad, codes[:, t], g * w[:, None])
                np.add.at(hess, codes[:, t], h * w[:, None])
                counts = np.bincount(codes[:, t][w > 0], minlength=n_bins[t]).astype(float)
                updates.append(reference_main_update(grad, hess, counts,
                                                     min_samples_leaf=min_samples_leaf, lr=lr))
            for t, update in zip(range(lo, hi), updates):
                tables[t] += update
                scores += update[codes[:, t]]
    return tables, scores


def _boosting_problem(seed, objective, n_scores, n_bins, second_signal, n_rows=400):
    """Codes, targets, training weights (some zero) and a start score for boosting tests; the
    target depends on feature 0 and on feature ``second_signal``."""
    rng = np.random.default_rng(seed)
    codes = np.column_stack([rng.integers(0, n - 1, n_rows) for n in n_bins]).astype(np.uint8)
    signal = (codes[:, 0].astype(float) - 3) * 0.4 + (codes[:, second_signal] % 3) * 0.3
    if objective == MULTICLASS_LOG_LOSS:
        y = np.clip(np.round(signal + rng.normal(size=n_rows)), 0, 2)
    elif objective == LOG_LOSS:
        y = (rng.random(n_rows) < expit(signal)).astype(float)
    elif objective == POISSON_DEVIANCE:
        y = rng.poisson(np.exp(signal * 0.5)).astype(float)
    else:
        y = signal + rng.normal(size=n_rows)
    train_w = rng.uniform(0.5, 2.0, n_rows) * (rng.random(n_rows) < 0.85)
    return codes, y, train_w, rng.normal(scale=0.1, size=n_scores)


@pytest.mark.parametrize("learning_rate", [0.4, 0.1])
@pytest.mark.parametrize("rounds", [1, 2])
@pytest.mark.parametrize("objective, n_scores", [(SQUARED_ERROR, 1), (LOG_LOSS, 1),
                                                 (POISSON_DEVIANCE, 1),
                                                 (MULTICLASS_LOG_LOSS, 3),
                                                 (MULTICLASS_LOG_LOSS, 7)])
def test_boost_terms_matches_reference(learning_rate, rounds, objective, n_scores) -> None:
    n_rows, n_bins = 400, np.array([7, 5, 9], dtype=np.int64)
    codes, y, train_w, base = _boosting_problem(600 + objective, objective, n_scores, n_bins, 2)
    scores = np.tile(base, (n_rows, 1))
    tables = np.zeros((3, int(n_bins.max()), n_scores))
    k = 3
    targets = _targets(objective, y, n_scores)
    best, run, _ = boost_terms(
        codes.T.copy(), n_bins, np.ones(k, np.int64), np.zeros(k, np.bool_), np.zeros(k, np.int64),
        (train_w > 0).astype(float), train_w, train_w[:, None] * targets, np.zeros(n_rows),
        np.zeros((n_rows, n_scores)), 0.0, objective, scores, tables, learning_rate, rounds, 0,
        0.0, 0.0, 3, 0.0, 2, 0, 0.0, 0.0, 10.0, 1.0, False, 1)
    want_tables, want_scores = reference_boost(codes, n_bins, y, train_w, objective, base,
                                               rounds, 3, learning_rate)
    assert run == best == rounds * k  # steps: one per term and round
    for t, n in enumerate(n_bins):
        np.testing.assert_allclose(tables[t, :n], want_tables[t], atol=1e-10)
        assert np.abs(want_tables[t][1:-1]).max() > 0  # every term took a step
    np.testing.assert_allclose(scores, want_scores, atol=1e-10)


def _inner_bag_problem(objective, n_scores, greedy):
    """A fit function of (weights, sample counts, draws per inner bag or None) -> tables."""
    n_rows, n_bins = 400, np.array([7, 5, 9], dtype=np.int64)
    codes, y, train_w, base = _boosting_problem(700 + objective, objective, n_scores, n_bins, 2)
    targets = _targets(objective, y, n_scores)

    def fit(w, count, occurrences=None):
        tables = np.zeros((3, int(n_bins.max()), n_scores))
        boost_terms(
            codes.T.copy(), n_bins, np.ones(3, np.int64), np.zeros(3, np.bool_),
            np.zeros(3, np.int64), count, w, w[:, None] * targets, np.zeros(n_rows),
            np.zeros((n_rows, n_scores)), 0.0, objective, np.tile(base, (n_rows, 1)), tables,
            0.1, 4 if greedy else 1, 0, 0.0, 0.0, 3, 0.0, 2, 0, 1.0 if greedy else 0.0, 0.0,
            10.0, 1.0, False, 1, occurrences=occurrences)
        return tables

    return fit, train_w, (train_w > 0).astype(float)


@pytest.mark.parametrize("objective, n_scores", [(SQUARED_ERROR, 1), (LOG_LOSS, 1),
                                                 (MULTICLASS_LOG_LOSS, 3)])
def test_inner_bags_average_one_tree_per_inner_bag(objective, n_scores) -> None:
    """With inner bags a step's tree is the mean of the trees grown on each inner bag's rows
    (weights and sample counts times the row's draws): a round of steps from the same scores
    (one block) equals the mean of separate fits on those weights."""
    fit, train_w, count = _inner_bag_problem(objective, n_scores, greedy=False)
    draws = np.random.default_rng(7).integers(0, 3, size=(2, len(train_w))).astype(float)
    together = fit(train_w, count, draws)
    separate = np.mean([fit(train_w * d, count * d) for d in draws], axis=0)
    np.testing.assert_allclose(together, separate, atol=1e-12)
    assert np.abs(together - fit(train_w, count)).max() > 1e-6  # the draws change the trees


@pytest.mark.parametrize("greedy", [False, True])
@pytest.mark.parametrize("objective, n_scores", [(SQUARED_ERROR, 1), (LOG_LOSS, 1),
                                                 (POISSON_DEVIANCE, 1), (MULTICLASS_LOG_LOSS, 3)])
def test_one_inner_bag_of_every_row_once_is_the_plain_fit(objective, n_scores, greedy) -> None:
    """Every pass fills the inner histograms (cyclic passes, greedy step passes): with one
    inner bag that draws each row once, every step is the plain fit's."""
    fit, train_w, count = _inner_bag_problem(objective, n_scores, greedy)
    np.testing.assert_array_equal(fit(train_w, count, np.ones((1, len(train_w)))),
                                  fit(train_w, count))


@pytest.mark.parametrize("objective, n_scores", [(SQUARED_ERROR, 1), (LOG_LOSS, 1),
                                                 (MULTICLASS_LOG_LOSS, 3),
                                                 (MULTICLASS_LOG_LOSS, 5)])
def test_passes_over_several_chunks_of_rows_match_reference(objective, n_scores) -> None:
    """Passes go over the rows in chunks (PASS_CHUNK; softmax: SOFTMAX_CHUNK); the last chunk
    is a partial one."""
    n_rows, n_bins = 2 * PASS_CHUNK + 77, np.array([7, 5, 9], dtype=np.int64)
    codes, y, train_w, base = _boosting_problem(650 + objective, objective, n_scores, n_bins, 2,
                                                n_rows)
    scores = np.tile(base, (n_rows, 1))
    tables = np.zeros((3, int(n_bins.max()), n_scores))
    targets = _targets(objective, y, n_scores)
    best, run, _ = boost_terms(
        codes.T.copy(), n_bins, np.ones(3, np.int64), np.zeros(3, np.bool_), np.zeros(3, np.int64),
        (train_w > 0).astype(float), train_w, train_w[:, None] * targets, np.zeros(n_rows),
        np.zeros((n_rows, n_scores)), 0.0, objective, scores, tables, 0.1, 2, 0, 0.0, 0.0, 3, 0.0,
        2, 0, 0.0, 0.0, 10.0, 1.0, False, 1)
    want_tables, want_scores = reference_boost(codes, n_bins, y, train_w, objective, base, 2, 3,
                                               0.1)
    assert run == best == 6
    for t, n in enumerate(n_bins):
        np.testing.assert_allclose(tables[t, :n], want_tables[t], atol=1e-10)
    np.testing.assert_allclose(scores, want_scores, atol=1e-10)


@pytest.mark.parametrize("n_scores", [3, 5, 7])
def test_softmax_passes_validation_loss_matches_reference(n_scores) -> None:
    """The cyclic softmax pass scores the validation rows it skips for training (over several
    chunks of rows): the stage's best loss is the mean multiclass log loss of those rows at the
    reference scores of the same steps."""
    n_rows, n_bins = 3 * SOFTMAX_CHUNK + 41, np.array([7, 5, 9], dtype=np.int64)
    codes, y, train_w, base = _boosting_problem(660 + n_scores, MULTICLASS_LOG_LOSS, n_scores,
                                                n_bins, 2, n_rows)
    val_w = np.where(train_w > 0, 0.0, np.random.default_rng(n_scores).uniform(0.5, 2.0, n_rows))
    targets = _targets(MULTICLASS_LOG_LOSS, y, n_scores)
    tables = np.zeros((3, int(n_bins.max()), n_scores))
    best, run, loss = boost_terms(
        codes.T.copy(), n_bins, np.ones(3, np.int64), np.zeros(3, np.bool_), np.zeros(3, np.int64),
        (train_w > 0).astype(float), train_w, train_w[:, None] * targets, val_w,
        val_w[:, None] * targets, 0.0, MULTICLASS_LOG_LOSS, np.tile(base, (n_rows, 1)), tables,
        0.1, 2, 100, 0.0, 0.0, 3, 0.0, 2, 0, 0.0, 0.0, 10.0, 1.0, False, 1)
    _, want_scores = reference_boost(codes, n_bins, y, train_w, MULTICLASS_LOG_LOSS, base, 2, 3,
                                     0.1)
    rows_loss = logsumexp(want_scores, axis=1) - want_scores[np.arange(n_rows), y.astype(int)]
    assert run == best == 6
    assert loss == pytest.approx(float(val_w @ rows_loss / val_w.sum()), rel=1e-12)


def reference_greedy(codes, n_bins, nominal, y, w, objective, base, n_steps, greedy_steps,
                     gain_scale, min_samples_leaf, lr, progress=False):
    """Greedy boosting: a sweep ranks every term by its tree's gain, then each step recomputes
    the top term's tree (the first step reuses the sweep's), records its gain and applies it.

    With ``progress``, every sweep is a cyclic round that applies its trees one term at a time.
    """
    n_rows, n_terms = codes.shape
    scores = np.tile(base, (n_rows, 1)).astype(float)
    tables = [np.zeros((n, len(base))) for n in n_bins]

    def tree(t):
        g, h = _gradients(objective, scores, y)
        grad = np.zeros((n_bins[t], len(base)))
        hess = np.zeros((n_bins[t], len(base)))
        np.add.at(grad, codes[:, t], g * w[:, None])
        np.add.at(hess, codes[:, t], h * w[:, None])
        counts = np.bincount(codes[:, t][w > 0], minlength=n_bins[t]).astype(float)
        update, gain = reference_main_update(grad, hess, counts, nominal=nominal[t],
                                             min_samples_leaf=min_samples_leaf, lr=lr,
                                             with_gain=True)
        return update, gain * (gain_scale if nominal[t] else 1.0)

    steps = 0
    while steps < n_steps:
        swept = []
        for t in range(n_terms):
            swept.append(tree(t))
            if progress:
                tables[t] += swept[t][0]
                scores += swept[t][0][codes[:, t]]
                steps += 1
        gains = [gain for _, gain in swept]
        for step in range(greedy_steps):
            if steps == n_steps:
                break
            t = int(np.argmax(gains))
            update = swept[t][0] if step == 0 and not progress else None
            if update is None:
                update, gains[t] = tree(t)
            tables[t] += update
            scores += update[codes[:, t]]
            steps += 1
    return tables, scores


@pytest.mark.parametrize("objective, n_scores", [(SQUARED_ERROR, 1), (LOG_LOSS, 1),
                                                 (POISSON_DEVIANCE, 1),
                                                 (MULTICLASS_LOG_LOSS, 3),
                                                 (MULTICLASS_LOG_LOSS, 7)])
def test_greedy_boosting_matches_reference(objective, n_scores) -> None:
    n_rows, n_bins = 400, np.array([7, 6, 9], dtype=np.int64)
    # multiclass gradients sum to zero over classes, so nominal bins would sort by rounding noise
    nominal = np.array([False, n_scores == 1, False])
    codes, y, train_w, base = _boosting_problem(700 + objective, objective, n_scores, n_bins, 1)
    scores = np.tile(base, (n_rows, 1))
    tables = np.zeros((3, int(n_bins.max()), n_scores))
    targets = _targets(objective, y, n_scores)
    rounds, greedy_ratio, gain_scale, lr = 4, 5 / 3, 3.0, 0.2  # 12 steps, 5 per sweep
    best, run, _ = boost_terms(
        codes.T.copy(), n_bins, np.ones(3, np.int64), nominal, np.zeros(3, np.int64),
        (train_w > 0).astype(float), train_w, train_w[:, None] * targets, np.zeros(n_rows),
        np.zeros((n_rows, n_scores)), 0.0, objective, scores, tables, lr, rounds, 0, 0.0, 0.0,
        3, 0.0, 2, 0, greedy_ratio, 0.0, 10.0, gain_scale, False, 1)
    want_tables, want_scores = reference_greedy(codes, n_bins, nominal, y, train_w, objective,
                                                base, 12, 5, gain_scale, 3, lr)
    assert run == best == 12
    for t, n in enumerate(n_bins):
        np.testing.assert_allclose(tables[t, :n], want_tables[t], atol=1e-10)
    np.testing.assert_allclose(scores, want_scores, atol=1e-10)
    # the greedy path differs from cyclic rounds: some term stepped more often than another
    cyclic_tables, _ = reference_boost(codes, n_bins, y, train_w, objective, base, rounds, 3, 0.4)
    assert not all(np.allclose(a[:len(b)], b) for a, b in zip(tables, cyclic_tables))


def test_greedy_boosting_with_cyclic_progress_matches_reference() -> None:
    """cyclic_progress=1: every sweep applies its trees (a cyclic round), then greedy steps."""
    rng = np.random.default_rng(800)
    n_rows, n_bins = 400, np.array([7, 6, 9], dtype=np.int64)
    nominal = np.array([False, True, False])
    codes = np.column_stack([rng.integers(0, n - 1, n_rows) for n in n_bins]).astype(np.uint8)
    y = (rng.random(n_rows) < expit((codes[:, 0] - 3) * 0.4)).astype(float)
    train_w = rng.uniform(0.5, 2.0, n_rows) * (rng.random(n_rows) < 0.85)
    scores, tables = np.zeros((n_rows, 1)), np.zeros((3, int(n_bins.max()), 1))
    lr = 0.3  # one term per block: the cyclic round steps term by term
    best, run, _ = boost_terms(
        codes.T.copy(), n_bins, np.ones(3, np.int64), nominal, np.zeros(3, np.int64),
        (train_w > 0).astype(float), train_w, (train_w * y)[:, None], np.zeros(n_rows),
        np.zeros((n_rows, 1)), 0.0, LOG_LOSS, scores, tables, lr, 4, 0, 0.0, 0.0, 3, 0.0, 2, 0,
        5 / 3, 1.0, 10.0, 3.0, False, 1)
    want_tables, want_scores = reference_greedy(codes, n_bins, nominal, y, train_w, LOG_LOSS,
                                                np.zeros(1), 12, 5, 3.0, 3, lr, progress=True)
    assert run == best == 12
    for t, n in enumerate(n_bins):
        np.testing.assert_allclose(tables[t, :n], want_tables[t], atol=1e-10)
    np.testing.assert_allclose(scores, want_scores, atol=1e-10)


def _one_signal_stage(objective, seed, n_rows, validation_share, max_rounds, window, smoothing,
                      stop_in_smoothing, rise=0.0):
    """Boost one signal feature and two noise features (9, 6 and 12 bins), a random
    ``validation_share`` of the rows validating: (best step, steps run, best loss, tables)."""
    rng = np.random.default_rng(seed)
    n_bins, k = np.array([9, 6, 12], dtype=np.int64), 3
    codes = np.column_stack([rng.integers(0, n - 1, n_rows) for n in n_bins]).astype(np.uint8)
    val = rng.random(n_rows) < validation_share
    y = (codes[:, 0] - 4.0) * 0.3 + rng.normal(size=n_rows)
    if objective == LOG_LOSS:
        y = (y > 0).astype(float)
    train_w, val_w = np.where(val, 0.0, 1.0), np.where(val, 1.0, 0.0)
    offset = float(val_w @ y**2) if objective == SQUARED_ERROR else 0.0
    tables = np.zeros((k, int(n_bins.max()), 1))
    best, run, loss = boost_terms(
        codes.T.copy(), n_bins, np.ones(k, np.int64), np.zeros(k, np.bool_),
        np.zeros(k, np.int64), train_w.copy(), train_w, (train_w * y)[:, None], val_w,
        (val_w * y)[:, None], offset, objective, np.zeros((n_rows, 1)), tables, 0.2, max_rounds,
        window, 0.0, 0.0, 3, 0.0, 3, smoothing, 1.0, 0.0, 10.0, 5.0, False, 5,
        stop_in_smoothing=stop_in_smoothing, rise=rise)
    return best, run, loss, tables


@pytest.mark.parametrize("objective", [SQUARED_ERROR, LOG_LOSS])
def test_early_stopping_may_end_the_smoothing_rounds(objective) -> None:
    """One signal feature and two noise features: the validation loss stops improving well
    inside the smoothing rounds. Counting the window from the first round ends the stage
    ``SMOOTHING_WINDOW_FACTOR`` windows after its best step, inside the smoothing rounds;
    InterpretML's rule runs every smoothing round and then a window. The same seed takes the
    same random cuts, so the shorter stage is the longer one's start: here neither finds a
    later best, and both keep the same tables."""
    k, smoothing, window = 3, 60, 5
    best, run, loss, tables = _one_signal_stage(objective, 31, 2000, 0.3, 300, window,
                                                smoothing, True)
    full_best, full_run, full_loss, full_tables = _one_signal_stage(
        objective, 31, 2000, 0.3, 300, window, smoothing, False)
    assert 0 < best and run == best + SMOOTHING_WINDOW_FACTOR * window * k
    assert run < smoothing * k
    assert full_run >= (smoothing + window) * k
    assert loss >= full_loss and best <= full_best
    assert full_best == best and loss == full_loss
    np.testing.assert_array_equal(tables, full_tables)


@pytest.mark.parametrize("objective", [SQUARED_ERROR, LOG_LOSS])
def test_a_rising_validation_loss_ends_the_stage_before_its_window(objective) -> None:
    """Few rows, so the greedy steps overfit: the validation loss rises after its best. With a
    rise margin the stage stops ``RISE_ROUNDS`` rounds after the loss left the margin, long
    before the window ends; the same seed takes the same steps, so the best step, its loss
    and its tables are the window's."""
    k, smoothing, window = 3, 4, 60
    stage = partial(_one_signal_stage, objective, 33, 240, 0.4, 400, window, smoothing, True)
    best, run, loss, tables = stage(rise=0.002)
    full_best, full_run, full_loss, full_tables = stage()
    assert full_run == full_best + window * k  # the window ran out
    assert best > smoothing * k  # the best came from greedy steps
    assert best + RISE_ROUNDS * k <= run < full_run - window * k // 2
    assert (best, loss) == (full_best, full_loss)
    np.testing.assert_array_equal(tables, full_tables)


@pytest.mark.parametrize("objective", [SQUARED_ERROR, LOG_LOSS])
def test_a_short_rise_inside_the_smoothing_rounds_waits_for_the_window(objective) -> None:
    """Random cuts' losses jump: inside the smoothing rounds a rise must last
    ``SMOOTHING_RISE_ROUNDS`` rounds, so a window shorter than that (two windows of five
    rounds, the stage of ``test_early_stopping_may_end_the_smoothing_rounds``) ends the stage
    first, whatever the margin."""
    k, smoothing, window = 3, 60, 5
    assert SMOOTHING_WINDOW_FACTOR * window < SMOOTHING_RISE_ROUNDS
    best, run, _, _ = _one_signal_stage(objective, 31, 2000, 0.3, 300, window, smoothing, True,
                                        rise=1e-9)
    assert run == best + SMOOTHING_WINDOW_FACTOR * window * k < smoothing * k


@pytest.mark.parametrize("objective", [SQUARED_ERROR, LOG_LOSS])
def test_a_long_rise_inside_the_smoothing_rounds_ends_the_stage(objective) -> None:
    """Few rows: the validation loss's best comes early in the smoothing rounds and the random
    cuts then overfit. With a rise margin the stage stops once the loss has stayed above it for
    ``SMOOTHING_RISE_ROUNDS`` rounds, inside the smoothing rounds and long before two windows;
    the same seed takes the same cuts, so the best step, its loss and its tables are those of
    the stage without the margin, which runs every smoothing round. InterpretML's rule
    (``stop_in_smoothing`` off) never stops inside them."""
    k, smoothing, window = 3, 100, 60
    stage = partial(_one_signal_stage, objective, 33, 240, 0.4, 400, window, smoothing)
    best, run, loss, tables = stage(True, rise=0.002)
    full_best, full_run, full_loss, full_tables = stage(True)
    assert best + SMOOTHING_RISE_ROUNDS * k <= run < smoothing * k <= full_run
    assert (best, loss) == (full_best, full_loss)
    np.testing.assert_array_equal(tables, full_tables)
    assert stage(False, rise=0.002)[1] > smoothing * k


@pytest.mark.parametrize("objective", [LOG_LOSS, SQUARED_ERROR])
def test_without_early_stopping_every_round_runs(objective) -> None:
    """No window (``early_stopping_rounds=0``) and no validation rows: nothing stops the
    smoothing rounds or the greedy steps before ``max_rounds``."""
    max_rounds, k = 40, 3
    for validation_share, window in ((0.25, 0), (0.0, 5)):
        best, run, _, _ = _one_signal_stage(objective, 32, 600, validation_share, max_rounds,
                                            window, 25, True)
        assert run == best == max_rounds * k


# ---- losses and gradients --------------------------------------------------------------------
@pytest.mark.parametrize("objective", [LOG_LOSS, POISSON_DEVIANCE, SQUARED_ERROR])
@pytest.mark.parametrize("score, target", [(-1.3, 0.0), (0.2, 1.0), (2.5, 3.0)])
def test_scalar_gradients_match_finite_differences(objective, score, target) -> None:
    if objective == LOG_LOSS:
        target = min(target, 1.0)
    eps = 1e-5
    loss = lambda s: group_loss(objective, s, 1.0, target)  # noqa: E731
    first = (loss(score + eps) - loss(score - eps)) / (2 * eps)
    second = (loss(score + eps) - 2 * loss(score) + loss(score - eps)) / eps ** 2
    g, h = group_gradient(objective, score, 1.0, target)
    # squared error's loss is (s - y)^2 while its gradient is that of (s - y)^2 / 2
    scale = 2.0 if objective == SQUARED_ERROR else 1.0
    assert g * scale == pytest.approx(first, rel=1e-6, abs=1e-8)
    assert h * scale == pytest.approx(second, rel=1e-3)
    assert g / h == pytest.approx(first / second, rel=1e-3)  # the Newton step


def test_log_loss_is_stable_for_large_scores() -> None:
    assert group_loss(LOG_LOSS, 800.0, 1.0, 1.0) == pytest.approx(0.0, abs=1e-12)
    assert group_loss(LOG_LOSS, -800.0, 1.0, 1.0) == pytest.approx(800.0)
    g, h = group_gradient(LOG_LOSS, -800.0, 1.0, 1.0)
    assert g == pytest.approx(-1.0) and h > 0


@pytest.mark.parametrize("label", [0, 1, 2])
def test_softmax_gradient_matches_finite_differences(label) -> None:
    rng = np.random.default_rng(label)
    scores = rng.normal(size=(4, 3))  # the row is an index into rows x classes
    row = 2
    gradient, hessian = np.empty(3), np.empty(3)
    onehot = np.eye(3)[rng.integers(0, 3, 4)]
    onehot[row] = np.eye(3)[label]
    loss = group_softmax_gradient(scores, onehot, row, 1.0, gradient, hessian)
    assert loss == pytest.approx(logsumexp(scores[row]) - scores[row, label], rel=1e-12)
    eps = 1e-5
    for k in range(3):
        step = np.zeros((4, 3))
        step[row, k] = eps
        values = [group_softmax_gradient(scores + d, onehot, row, 1.0, np.empty(3),
                                         np.empty(3)) for d in (step, 0 * step, -step)]
        assert gradient[k] == pytest.approx((values[0] - values[2]) / (2 * eps), abs=1e-8)
        assert hessian[k] == pytest.approx((values[0] - 2 * values[1] + values[2]) / eps ** 2,
                                           rel=1e-3)


@pytest.mark.parametrize("objective", [LOG_LOSS, POISSON_DEVIANCE, SQUARED_ERROR])
def test_group_gradient_and_loss_are_sums_over_the_rows(objective) -> None:
    rng = np.random.default_rng(objective)
    w = rng.uniform(0.5, 2.0, 7)
    y = (rng.random(7) < 0.5).astype(float) if objective == LOG_LOSS else rng.poisson(2.0, 7)
    score = 0.3
    rows = [group_gradient(objective, score, wi, wi * yi) for wi, yi in zip(w, y)]
    g, h = group_gradient(objective, score, w.sum(), w @ y)
    assert g == pytest.approx(sum(r[0] for r in rows)) and h == pytest.approx(sum(r[1] for r in rows))
    loss = sum(group_loss(objective, score, wi, wi * yi) for wi, yi in zip(w, y))
    assert group_loss(objective, score, w.sum(), w @ y) == pytest.approx(loss)


@pytest.mark.parametrize("objective", [LOG_LOSS, POISSON_DEVIANCE, SQUARED_ERROR])
def test_running_loss_equals_the_sum_of_group_losses(objective) -> None:
    # unit and other weights, and scores far out (exp(-s) beyond the product's factor limit)
    rng = np.random.default_rng(objective + 10)
    n = 101
    w = np.where(rng.random(n) < 0.7, 1.0, rng.uniform(0.2, 3.0, n))
    y = (rng.random(n) < 0.4).astype(float) if objective == LOG_LOSS else rng.poisson(1.5, n)
    scores = rng.normal(0.0, 3.0, n)
    if objective == LOG_LOSS:
        scores[:6] = [-800.0, -60.0, -45.0, 45.0, 800.0, -30.0]
    loss, product, length = 0.0, 1.0, 0
    for s, wi, yi in zip(scores, w, y):
        loss, product, length = add_group_loss(objective, s, score_exponential(objective, s),
                                               wi, wi * yi, loss, product, length)
    want = sum(group_loss(objective, s, wi, wi * yi) for s, wi, yi in zip(scores, w, y))
    assert finish_loss(loss, product) == pytest.approx(want, rel=1e-12)


# ---- scoring ---------------------------------------------------------------------------------
@pytest.mark.parametrize("n_cuts", [0, 1, 2, 3, 7, 8, 100, 1023])
def test_bin_values_matches_searchsorted(n_cuts) -> None:
    rng = np.random.default_rng(n_cuts)
    cuts = np.unique(np.round(rng.normal(size=n_cuts), 2)) if n_cuts else np.zeros(0)
    values = np.concatenate([np.round(rng.normal(size=1001), 2), cuts,
                             [np.inf, -np.inf, np.nan, 1e300, -1e300]])
    codes = np.empty(len(values), dtype=np.int64)
    bin_values(values, cuts, codes)
    want = np.searchsorted(cuts, values, side="right") + 1
    want[np.isnan(values)] = 0
    np.testing.assert_array_equal(codes, want)


def test_gather_and_sum_terms_match_fancy_indexing() -> None:
    rng = np.random.default_rng(7)
    n_rows, n_bins, n_coarse = 5000, np.array([9, 5, 300]), np.array([4, 5, 12])
    fine = np.stack([rng.integers(0, n, n_rows) for n in n_bins]).astype(np.uint16)
    coarse = np.stack([rng.integers(0, n, n_rows) for n in n_coarse]).astype(np.uint8)
    terms = [(0,), (2,), (0, 2), (1, 0)]
    tables = [rng.normal(size=n_bins[0]), rng.normal(size=n_bins[2]),
              rng.normal(size=(n_coarse[0], n_coarse[2])), rng.normal(size=(n_coarse[1], n_coarse[0]))]
    want = np.stack([table[fine[t[0]]] if len(t) == 1 else table[coarse[t[0]], coarse[t[1]]]
                     for t, table in zip(terms, tables)])
    first = np.array([t[0] for t in terms])
    second = np.array([t[1] if len(t) > 1 else -1 for t in terms])
    n2 = np.array([np.shape(table)[1] if table.ndim > 1 else 0 for table in tables])
    offsets = np.cumsum([0] + [table.size for table in tables])[:-1]
    flat = np.concatenate([table.ravel() for table in tables])
    out = np.full((len(terms), n_rows), np.nan)
    gather_terms(fine, coarse, first, second, n2, offsets, flat, out, 0, 2999)
    gather_terms(fine, coarse, first, second, n2, offsets, flat, out, 2999, n_rows)
    np.testing.assert_array_equal(out, want)
    sums = np.zeros(n_rows)
    sum_terms(fine, coarse, first, second, n2, offsets, flat, sums, 0, n_rows)
    np.testing.assert_allclose(sums, want.sum(axis=0), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("n_scores", [3, 4, 6, 7])
def test_softmax_step_passes_keep_exponentials_in_step_with_the_scores(n_scores) -> None:
    """Greedy multiclass steps keep each row's class exponentials and multiply them by the
    step's factors. Over several steps (one of them moving some rows' scores by 800, past what
    an exponential can hold: they must be refreshed) the histograms and validation losses equal a plain
    softmax of the current scores. 3, 4 and 6 classes take passes compiled for their count
    (``FIXED_CLASS_COUNTS``), 7 the pass for any count."""
    from numba import njit

    from glassboost.kernels.step_passes import _softmax_step_pass_by_count, refresh_softmax

    @njit
    def steps(plan, codes, offsets, updates, scores, train_w, train_wy, val_w, val_wy,
              val_rows, grad_hist, hess_hist):
        n_rows, n_scores = scores.shape
        exponentials, shifts = np.empty(n_rows * n_scores), np.empty(n_rows)
        factors = np.empty(int(np.max(offsets[1:] - offsets[:-1])) * n_scores)
        refresh_softmax(True, scores, exponentials, shifts)
        losses = np.empty(plan.shape[0])
        grads = np.empty((plan.shape[0],) + grad_hist.shape)
        hesses = np.empty_like(grads)
        for i in range(plan.shape[0]):
            losses[i] = _softmax_step_pass_by_count(n_scores, (
                codes, offsets, plan[i, 0], plan[i, 1], updates, factors, scores, exponentials,
                shifts, train_w, train_wy, val_w, val_wy, val_rows, grad_hist, hess_hist, True,
                None))
            grads[i], hesses[i] = grad_hist, hess_hist
        return losses, grads, hesses

    rng = np.random.default_rng(5)
    n_rows, n_bins = 300, np.array([5, 7, 3])
    offsets = np.concatenate([[0], np.cumsum(n_bins)]).astype(np.uint64)
    codes = np.stack([rng.integers(0, n, n_rows) for n in n_bins]).astype(np.uint16)
    updates = rng.normal(scale=0.5, size=(int(offsets[-1]), n_scores))
    updates[offsets[1] + 2, 1] = 800.0  # rows in bin 2 of term 1 jump by 800 in class 1
    y = rng.integers(0, n_scores, n_rows)
    validation = rng.random(n_rows) < 0.3
    w = rng.uniform(0.5, 2.0, n_rows)
    train_w, val_w = np.where(validation, 0.0, w), np.where(validation, w, 0.0)
    onehot = np.eye(n_scores)[y]
    scores = rng.normal(size=(n_rows, n_scores))
    plan = np.array([[-1, 0], [0, 1], [1, 2], [2, 1], [1, 0]])  # (applied, histogrammed)
    grad_hist, hess_hist = np.zeros_like(updates), np.zeros_like(updates)
    losses, grads, hesses = steps(plan, codes, offsets, updates, scores.copy(), train_w,
                                  train_w[:, None] * onehot, val_w, val_w[:, None] * onehot,
                                  np.flatnonzero(validation), grad_hist, hess_hist)
    want = scores.copy()
    for i, (applied, histogrammed) in enumerate(plan):
        if applied >= 0:
            want += updates[offsets[applied] + codes[applied]]
        p = softmax(want, axis=1)
        lo, hi = offsets[histogrammed], offsets[histogrammed + 1]
        want_grad, want_hess = np.zeros((hi - lo, n_scores)), np.zeros((hi - lo, n_scores))
        np.add.at(want_grad, codes[histogrammed], train_w[:, None] * (p - onehot))
        np.add.at(want_hess, codes[histogrammed], train_w[:, None] * np.maximum(p * (1 - p),
                                                                                 1e-16))
        np.testing.assert_allclose(grads[i][lo:hi], want_grad, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(hesses[i][lo:hi], want_hess, rtol=1e-9, atol=1e-12)
        want_loss = np.sum(val_w * (logsumexp(want, axis=1) - np.sum(onehot * want, axis=1)))
        assert losses[i] == pytest.approx(want_loss, rel=1e-10)
    assert np.abs(want).max() > 790  # the jump happened


@pytest.mark.parametrize("objective, shift", [(LOG_LOSS, 3.0), (LOG_LOSS, -12.0),
                                              (POISSON_DEVIANCE, -10.0),
                                              (MULTICLASS_LOG_LOSS, 8.0)])
def test_the_intercept_on_offsets_far_from_it_is_found(objective, shift) -> None:
    """Newton steps from a start ``shift`` away from the best constant on top of the offsets
    overshot (log loss from 3 logits away: an intercept of 1e15; Poisson from 10: 22020); the
    intercept is now the best constant, whose gradient is zero."""
    from glassboost.kernels.intercept import offset_intercept

    rng = np.random.default_rng(0)
    n, n_scores = 1000, 3 if objective == MULTICLASS_LOG_LOSS else 1
    offsets = rng.normal(0.0, 1.0, (n, n_scores))
    if objective == POISSON_DEVIANCE:
        y = rng.poisson(np.exp(offsets[:, 0] + 1.0))[:, None].astype(float)
    else:
        probabilities = softmax(np.c_[np.zeros(n), offsets] if n_scores == 1 else offsets, axis=1)
        classes = (rng.random(n)[:, None] > probabilities.cumsum(axis=1)).sum(axis=1)
        y = classes[:, None] if n_scores == 1 else np.eye(n_scores)[classes]
        y = y.astype(float)
    shifted = offsets + shift * (np.arange(n_scores) == 0)  # multiclass: the first class
    base = offset_intercept(objective, shifted, np.ones(n), y, np.zeros(n_scores), NO_PARAMS)
    scores = shifted + base
    if objective == POISSON_DEVIANCE:
        gradient = np.exp(scores).sum(axis=0) - y.sum(axis=0)
    elif objective == LOG_LOSS:
        gradient = expit(scores).sum(axis=0) - y.sum(axis=0)
    else:
        gradient = softmax(scores, axis=1).sum(axis=0) - y.sum(axis=0)
    np.testing.assert_allclose(gradient, 0.0, atol=1e-6 * n)
