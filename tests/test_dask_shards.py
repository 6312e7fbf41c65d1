"""Shards and their copies: how a fit's bags are shared out, without a cluster."""

from __future__ import annotations

import pytest

pytest.importorskip("distributed")

from glassboost.dask.shards import Shard, plan_shards, share_bags  # noqa: E402


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
