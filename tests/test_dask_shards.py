"""Shards and their copies: how many shards, and how a fit's bags are shared out, without a
cluster."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("distributed")

from glassboost.dask.shards import Shard, default_shards, plan_shards, share_bags  # noqa: E402


def test_copies_share_a_shards_bags_in_consecutive_runs() -> None:
    shard = Shard(index=1, n_bags=7, random_state=11, first_bag=7)
    copies = share_bags(shard, 3)
    assert [list(c.boosted) for c in copies] == [[0, 1], [2, 3, 4], [5, 6]]
    assert all((c.index, c.n_bags, c.random_state, c.first_bag) == (1, 7, 11, 7)
               for c in copies)


def test_no_more_copies_than_bags_and_one_copy_boosts_every_bag() -> None:
    shard = Shard(index=0, n_bags=2, random_state=3)
    assert [list(c.boosted) for c in share_bags(shard, 5)] == [[0], [1]]
    assert share_bags(shard, 1) == [shard] and shard.boosted is None


def test_one_shard_draws_the_single_machine_bags() -> None:
    (rows, shard), = plan_shards(n_partitions=8, n_shards=1, outer_bags=14, random_state=4)
    assert rows == range(8) and (shard.n_bags, shard.random_state, shard.first_bag) == (14, 4, 0)


def _twenty_features():
    from glassboost.binning import fit_continuous
    from glassboost.objectives import classification_objective
    from glassboost.schema import Column

    values = np.random.default_rng(0).normal(size=5000)
    bins = [fit_continuous(Column(values), np.ones(5000), 1024, 64)] * 20
    pairs = [(a, b) for a in range(20) for b in range(a + 1, 20)]
    return bins, classification_objective("log_loss", 2), list(range(20)), pairs


def _shards(rows: int, limit: float, n_partitions: int = 64, threads: int = 2,
            n_workers: int = 2, own: int = 0, stored: int = 0, spilled: int = 0,
            bag_rows: int | None = None) -> int:
    bins, objective, mains, pairs = _twenty_features()
    metrics = {"memory": own + stored - spilled, "managed_bytes": stored,
               "spilled_bytes": {"memory": spilled, "disk": spilled // 2}}
    workers = [{"memory_limit": limit, "nthreads": threads, "metrics": metrics}] * n_workers
    return default_shards(workers, bins, objective, mains, pairs, 60, False, 14, rows,
                          n_partitions, bag_rows)


def test_one_shard_when_a_worker_can_boost_every_row() -> None:
    assert _shards(1_000_000, 8e9) == 1  # a few hundred MB: the single-machine model
    assert _shards(50_000_000, 0) == 1  # workers without a memory limit


def test_else_the_fewest_shards_a_worker_can_boost_in_multiples_of_the_workers() -> None:
    chosen = _shards(50_000_000, 8e9)
    assert chosen > 2 and chosen % 2 == 0
    assert 2 <= _shards(50_000_000, 16e9) < chosen < _shards(50_000_000, 4e9)
    assert _shards(10**10, 8e9) == 64  # but no more shards than partitions


def test_bags_of_a_sample_of_the_rows_need_fewer_shards() -> None:
    # with max_bag_rows a bag's scores, gradients and histograms cover its sample, not the
    # shard: only the shard's codes grow with its rows
    for limit in (4e9, 8e9):
        every_row = _shards(50_000_000, limit)
        assert 1 < _shards(50_000_000, limit, bag_rows=250_000) < every_row
    assert _shards(50_000_000, 16e9, bag_rows=250_000) == 1 < _shards(50_000_000, 16e9)


def test_the_workers_own_memory_is_not_theirs_to_boost_with() -> None:
    assert _shards(5_000_000, 4e9, own=int(2e9)) > _shards(5_000_000, 4e9) == 1


def test_results_spilled_to_disk_leave_the_workers_own_memory_as_it_was() -> None:
    # Dask's managed_bytes counts spilled results too: a worker that spilled most of what it
    # stores has as little memory to boost with as before it spilled
    own = int(1.5e9)
    alone = _shards(5_000_000, 4e9, own=own)
    assert alone > 1
    assert _shards(5_000_000, 4e9, own=own, stored=int(3e9), spilled=int(2.5e9)) == alone
    assert _shards(5_000_000, 4e9, own=own, stored=int(3e9)) == alone
