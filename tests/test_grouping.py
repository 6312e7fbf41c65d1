"""Rows with identical codes boosted as weighted groups: same model, fewer rows."""

from __future__ import annotations

import numpy as np
import pytest

from glassboost.grouping import group_identical_rows
from glassboost.kernels.boost import boost_terms
from glassboost.kernels.loss import LOG_LOSS, MULTICLASS_LOG_LOSS, SQUARED_ERROR


def _codes(rng, n_rows, n_bins):
    return np.column_stack([rng.integers(0, n, n_rows) for n in n_bins]).astype(np.uint8)


def test_groups_are_exactly_the_distinct_code_rows() -> None:
    rng = np.random.default_rng(0)
    n_bins = np.array([3, 4, 2])
    codes = _codes(rng, 500, n_bins)
    groups = group_identical_rows(codes, n_bins)
    assert groups is not None
    distinct = np.unique(codes, axis=0)
    assert groups.n_groups == len(distinct)
    # every row has its group's codes, and representatives are distinct first occurrences
    np.testing.assert_array_equal(codes[groups.representatives][groups.group_of_row], codes)
    assert len(np.unique(codes[groups.representatives], axis=0)) == groups.n_groups
    assert np.all(groups.representatives == np.sort(groups.representatives))
    assert np.all(groups.group_of_row[groups.representatives] == np.arange(groups.n_groups))


def test_grouping_is_skipped_when_it_would_not_pay() -> None:
    rng = np.random.default_rng(1)
    n_bins = np.array([200, 200])
    codes = rng.integers(0, 200, (1000, 2)).astype(np.uint8)
    assert group_identical_rows(codes, n_bins) is None
    assert group_identical_rows(codes[:0], n_bins) is None


def test_group_sums_match_per_row_sums() -> None:
    rng = np.random.default_rng(2)
    n_bins = np.array([3, 3])
    codes = _codes(rng, 300, n_bins)
    groups = group_identical_rows(codes, n_bins)
    values = rng.normal(size=(300, 2))
    sums = groups.sum(values)
    for g in range(groups.n_groups):
        np.testing.assert_allclose(sums[g], values[groups.group_of_row == g].sum(axis=0))


@pytest.mark.parametrize("greedy_ratio", [0.0, 1.0])
@pytest.mark.parametrize("objective, n_scores", [(SQUARED_ERROR, 1), (LOG_LOSS, 1),
                                                 (MULTICLASS_LOG_LOSS, 3)])
def test_boosting_groups_equals_boosting_their_rows(objective, n_scores, greedy_ratio) -> None:
    """Same tables, best step and validation loss, with early stopping on (cyclic and greedy)."""
    rng = np.random.default_rng(3 + objective)
    n_rows, n_bins = 2000, np.array([5, 4, 6], dtype=np.int64)
    codes = _codes(rng, n_rows, n_bins - 1)
    signal = codes[:, 0] * 0.3 - codes[:, 2] * 0.2
    if objective == MULTICLASS_LOG_LOSS:
        y = np.clip(np.round(signal + rng.normal(size=n_rows)), 0, 2)
        targets = np.eye(3)[y.astype(int)]
    elif objective == LOG_LOSS:
        y = (rng.random(n_rows) < 1 / (1 + np.exp(-signal))).astype(float)
        targets = y[:, None]
    else:
        y = signal + rng.normal(size=n_rows)
        targets = y[:, None]
    weights = rng.uniform(0.5, 2.0, n_rows)
    val = rng.random(n_rows) < 0.2
    train_w, val_w = np.where(val, 0.0, weights), np.where(val, weights, 0.0)
    per_row = (train_w > 0).astype(float), train_w, train_w[:, None] * targets, val_w, \
        val_w[:, None] * targets
    offset = float(val_w @ y**2) if objective == SQUARED_ERROR else 0.0
    groups = group_identical_rows(codes, n_bins)
    assert groups is not None and groups.n_groups < n_rows / 5

    def boost(term_codes, rows):
        tables = np.zeros((3, int(n_bins.max()), n_scores))
        scores = np.zeros((len(term_codes), n_scores))
        result = boost_terms(term_codes.T.copy(), n_bins, np.ones(3, np.int64), np.zeros(3, np.bool_),
                             np.zeros(3, np.int64), *rows, offset, objective, scores, tables,
                             0.3, 60, 5, 1e-4, 0.0, 3, 1e-4, 2, 0, greedy_ratio, 0.0, 10.0,
                             5.0, False, 7)
        return tables, result

    want_tables, want = boost(codes, per_row)
    grouped = [groups.sum(a).reshape(groups.n_groups, *a.shape[1:]) for a in per_row]
    got_tables, got = boost(codes[groups.representatives], grouped)
    assert got[:2] == want[:2] and 0 < want[0] < 180  # early stopping took effect
    assert got[2] == pytest.approx(want[2], rel=1e-10)
    np.testing.assert_allclose(got_tables, want_tables, atol=1e-10)
