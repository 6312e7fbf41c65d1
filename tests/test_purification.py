"""Tests of purification, centering and bag averaging."""

from __future__ import annotations

import numpy as np
import pytest

from glassboost.booster import BaggedTerms
from glassboost.purification import finish_terms, purify_pair


@pytest.mark.parametrize("n_scores", [1, 3])
def test_purify_pair_zero_means_and_exact_reconstruction(n_scores) -> None:
    rng = np.random.default_rng(0)
    table = rng.normal(size=(5, 4, n_scores))
    weights = rng.integers(0, 20, size=(5, 4)).astype(float)
    weights[2, :] = 0.0  # a row without weight
    pure, rows, cols = purify_pair(table, weights)
    np.testing.assert_allclose(pure + rows[:, None, :] + cols[None, :, :], table, atol=1e-12)
    row_w = weights.sum(axis=1)
    col_w = weights.sum(axis=0)
    row_means = np.einsum("ij,ijk->ik", weights, pure)[row_w > 0] / row_w[row_w > 0, None]
    col_means = np.einsum("ij,ijk->jk", weights, pure) / col_w[:, None]
    np.testing.assert_allclose(row_means, 0.0, atol=1e-10)
    np.testing.assert_allclose(col_means, 0.0, atol=1e-10)
    assert np.abs(pure).max() > 0.1  # a random table is not additive


def test_additive_table_purifies_to_zero() -> None:
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=6), rng.normal(size=3)
    table = (a[:, None] + b[None, :])[..., None]
    pure, rows, cols = purify_pair(table, rng.uniform(0.5, 2.0, size=(6, 3)))
    np.testing.assert_allclose(pure, 0.0, atol=1e-10)


def _bagged(rng: np.random.Generator) -> BaggedTerms:
    n_bags = 3
    return BaggedTerms(
        base_scores=np.array([0.5]),
        main_features=[0, 1],
        pairs=[(0, 1)],
        main_tables=[[rng.normal(size=(6, 1)), rng.normal(size=(5, 1))] for _ in range(n_bags)],
        pair_tables=[[rng.normal(size=(4, 5, 1))] for _ in range(n_bags)],
    )


def test_finish_terms_keeps_every_prediction() -> None:
    """Centering and purifying only move value between tables: row scores do not change."""
    rng = np.random.default_rng(2)
    bagged = _bagged(rng)
    n_rows = 500
    fine0 = rng.integers(0, 5, size=n_rows)  # feature 0: 6 fine bins, last (unseen) empty
    fine1 = rng.integers(0, 4, size=n_rows)  # feature 1: 5 bins, fine == coarse
    fine_to_coarse = {0: np.array([0, 1, 1, 2, 2, 3]), 1: np.arange(5)}
    coarse0 = fine_to_coarse[0][fine0]
    main_weights = {0: np.bincount(fine0, minlength=6).astype(float),
                    1: np.bincount(fine1, minlength=5).astype(float)}
    pair_weights = {(0, 1): np.bincount(coarse0 * 5 + fine1, minlength=20).reshape(4, 5)
                    .astype(float)}
    finished = finish_terms(bagged, main_weights, pair_weights, fine_to_coarse)
    for bag in range(3):
        before = (bagged.base_scores[0] + bagged.main_tables[bag][0][fine0, 0]
                  + bagged.main_tables[bag][1][fine1, 0]
                  + bagged.pair_tables[bag][0][coarse0, fine1, 0])
        tables = [s[bag] for s in finished.bagged_scores]
        after = (finished.bagged_intercept[bag, 0] + tables[0][fine0, 0] + tables[1][fine1, 0]
                 + tables[2][coarse0, fine1, 0])
        np.testing.assert_allclose(after, before, atol=1e-10)
        for table, w in zip(tables, [main_weights[0], main_weights[1], pair_weights[(0, 1)]]):
            assert abs(np.tensordot(w, table[..., 0], axes=w.ndim)) < 1e-9  # centred
        assert tables[0][-1, 0] == 0.0 and tables[2][-1, :, 0].max() == 0.0  # unseen is 0
    np.testing.assert_allclose(finished.term_scores[0],
                               np.mean([s for s in finished.bagged_scores[0]], axis=0))
    np.testing.assert_allclose(finished.standard_deviations[1],
                               np.std(finished.bagged_scores[1], axis=0))
    np.testing.assert_allclose(finished.intercept, finished.bagged_intercept.mean(axis=0))
    assert finished.term_features == [(0,), (1,), (0, 1)]


def test_pair_without_its_main_keeps_its_marginals() -> None:
    rng = np.random.default_rng(3)
    bagged = BaggedTerms(base_scores=np.zeros(1), main_features=[], pairs=[(0, 1)],
                         main_tables=[[]], pair_tables=[[rng.normal(size=(4, 4, 1))]])
    weights = rng.uniform(1, 2, size=(4, 4))
    finished = finish_terms(bagged, {}, {(0, 1): weights}, {0: np.arange(4), 1: np.arange(4)})
    table = bagged.pair_tables[0][0][..., 0]
    got = finished.term_scores[0][..., 0] + finished.intercept[0]
    np.testing.assert_allclose(got[:-1, :-1], table[:-1, :-1], atol=1e-10)
