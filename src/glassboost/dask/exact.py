"""Exact data-parallel boosting (``boosting="exact"``): one share of the rows per worker, every
share boosting every bag at once, summing what it decides on through an Actor.

Each worker holds a consecutive run of partitions (assembled as a shard is, ``shards``) and
runs the ordinary ``Booster`` on it with a ``RowShare`` (``glassboost.shares``): wherever the
booster or a kernel has summed something over its rows, the share sends its sums to the
``ShareSums`` actor, which adds every share's in the order of the shares and sends the total
back to each. Every share thus grows the same trees from the whole table's histograms and
stops at the same step: the model is the single-machine model of the same rows, up to the
order of floating-point sums. One pass of boosting costs one round trip per share (its
histograms of the pass's terms, and its validation loss).

The client watches the workers while the shares boost: if one is lost, the shares left would
wait for its sums forever, so the fit aborts the actor (every waiting share then raises and
ends) and fails with an error naming the lost worker.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Hashable

import numpy as np

from ..booster import BaggedTerms, Booster
from ..estimators import term_bin_weights
from ..shares import ClassPositions
from ..training_summary import bag_weights
from .shards import ShardPlan, ShardResult, ShardRows, cluster_workers, worker_threads

logger = logging.getLogger("glassboost")

#: How long the client looks for a lost worker behind a share's failure (seconds): a share
#: whose sums' actor died with its worker fails before the scheduler has noticed the loss.
LOSS_NOTICE = 5.0
#: How often a share waiting for a sum looks whether the fit's workers are there (seconds).
STOP_POLL = 0.5
#: Longest a share waits for the other shares' sums before it fails (seconds): far above any
#: pass's time, only a guard against a share that will never send them.
SUM_TIMEOUT = 600.0


class _Pending:
    """One sum in progress on the actor: each share's values, by rank."""

    def __init__(self, n_shares: int):
        self.parts: list[np.ndarray | None] = [None] * n_shares
        self.done = asyncio.Event()
        self.total: np.ndarray | None = None
        self.taken = 0


class ShareSums:
    """An Actor: sums of the shares' values under the keys every share uses alike, added in
    the order of the shares' ranks so that every share receives the same total."""

    def __init__(self, n_shares: int, timeout: float = SUM_TIMEOUT):
        self.n_shares, self.timeout = n_shares, timeout
        self.pending: dict[Hashable, _Pending] = {}
        self.aborted: str | None = None
        self.completed, self.received = 0, 0  # sums, and bytes received from the shares

    async def sum(self, key: Hashable, rank: int, values: np.ndarray) -> np.ndarray:
        if self.aborted is not None:
            raise RuntimeError(self.aborted)
        entry = self.pending.setdefault(key, _Pending(self.n_shares))
        entry.parts[rank] = values
        self.received += values.nbytes
        if all(part is not None for part in entry.parts):
            total = entry.parts[0].copy()
            for part in entry.parts[1:]:
                total += part
            entry.total, entry.parts = total, []
            entry.done.set()
            self.completed += 1
        else:
            try:
                await asyncio.wait_for(entry.done.wait(), self.timeout)
            except asyncio.TimeoutError:
                missing = [r for r, part in enumerate(entry.parts) if part is None]
                raise RuntimeError(f"exact boosting: shares {missing} sent no sums for "
                                   f"{self.timeout:.0f} s") from None
        if self.aborted is not None:
            raise RuntimeError(self.aborted)
        entry.taken += 1
        if entry.taken == self.n_shares:
            del self.pending[key]
        return entry.total

    async def traffic(self) -> tuple[int, int]:
        """(sums completed, bytes the shares sent), for the fit's log."""
        return self.completed, self.received

    async def abort(self, reason: str) -> None:
        """Fail every sum waiting now and every later one with ``reason``. A coroutine, as
        ``sum`` is: it runs on the worker's event loop, where the waiting sums' events live
        (a plain method would run in another thread, whose ``set`` does not wake them)."""
        self.aborted = reason
        for entry in self.pending.values():
            entry.done.set()


class ActorShare:
    """A worker's ``RowShare``: its rows' positions, and sums through the ``ShareSums``
    actor. While it waits for a sum, it looks every ``STOP_POLL`` seconds whether the
    workers of the fit (``peers``: the other shares', the actor's) are still in the cluster,
    and fails naming the lost ones: a sum whose actor died with its worker is never answered,
    and the share would wait, holding its worker's thread."""

    def __init__(self, sums: Any, rank: int, positions: ClassPositions, peers: list[str]):
        self.sums, self.rank, self.positions, self.peers = sums, rank, positions, peers

    def sum(self, key: Hashable, values: np.ndarray) -> np.ndarray:
        total = self.sums.sum(key, self.rank, np.ascontiguousarray(values, dtype=np.float64))
        deadline = time.monotonic() + SUM_TIMEOUT
        while True:
            try:
                return total.result(timeout=STOP_POLL)
            except TimeoutError:
                from distributed import get_client

                present = cluster_workers(get_client())
                lost = [w for w in self.peers if w not in present]
                if lost:
                    raise RuntimeError(f"exact boosting lost the worker {', '.join(lost)}, "
                                       f"which held a share of the rows") from None
                if time.monotonic() > deadline:
                    raise RuntimeError(f"exact boosting: no sum for {SUM_TIMEOUT:.0f} s "
                                       f"(a share or the actor summing them is stuck)"
                                       ) from None


def class_counts(rows: ShardRows, n_classes: int) -> np.ndarray:
    """The share's rows per class (one count without classes)."""
    strata = rows.data.strata
    if strata is None:
        return np.array([len(rows.data.y)], dtype=np.int64)
    return np.bincount(strata.astype(np.int64), minlength=n_classes)


def boost_share(rows: ShardRows, plan: ShardPlan, rank: int, before: np.ndarray,
                totals: np.ndarray, sums: Any, peers: list[str], n_pairs: int,
                explicit: bool) -> ShardResult:
    """Boost every bag of the fit on this share of the rows, with the other shares at once:
    main effects, pairs chosen by the summed strengths (unless ``explicit``), pairs. The
    share's rows follow ``before[c]`` rows of each class in the table, of ``totals[c]``;
    ``peers``: the fit's workers (``ActorShare``)."""
    estimator, data = plan.estimator, rows.data
    classes = (np.zeros(len(data.y), np.int64) if data.strata is None
               else data.strata.astype(np.int64))
    share = ActorShare(sums, rank, ClassPositions.of_share(classes, before, totals), peers)
    booster = Booster(data, estimator._objective(), *estimator._boost_settings(),
                      outer_bags=estimator.outer_bags,
                      validation_size=plan.validation_size, n_threads=worker_threads(),
                      random_state=estimator.random_state, max_bag_rows=estimator.max_bag_rows,
                      share=share)
    bagged = booster.fit(plan.main_features, plan.candidates, n_pairs, explicit)
    weights = term_bin_weights(data.codes, data.interaction_codes, data.weights, plan.bins,
                               plan.main_features, bagged.pairs)
    return ShardResult(bagged, *weights, bag_weights(booster, bagged.bags))


def merge_shares(results: list[ShardResult]) -> tuple[BaggedTerms, dict, dict, np.ndarray]:
    """The model's bags (every share's are the same: the first's) and the bin and bag
    weights summed over the shares, as ``shards.merge_shards`` returns them."""
    first = results[0]
    return (first.bagged,
            {f: sum(r.main_weights[f] for r in results) for f in first.main_weights},
            {p: sum(r.pair_weights[p] for r in results) for p in first.pair_weights},
            np.sum([r.bag_totals for r in results], axis=0))



def wait_for_shares(client: Any, tasks: list, homes: list[str], sums: Any) -> list:
    """The shares' results; if a worker holding a share (or the sums) leaves the cluster
    first, fail naming it. However the wait ends early (an error, an interrupt), the sums are
    aborted, so that no share is left waiting on the cluster (a share whose peer is lost
    stops by itself: ``ActorShare``)."""
    try:
        failed_at = None
        while True:
            _check_workers(client, homes)  # a lost worker explains a failure best
            if not any(task.status == "error" for task in tasks):
                if all(task.done() for task in tasks):
                    break
            elif failed_at is None:
                failed_at = time.monotonic()
            elif time.monotonic() - failed_at > LOSS_NOTICE:
                break
            time.sleep(0.2)
        results = client.gather(tasks)
        completed, received = sums.traffic().result()
        logger.info("Dask fit: exact boosting summed %d times across %d shares; each share "
                    "sent %.1f MB", completed, len(tasks), received / len(tasks) / 1e6)
        return results
    except BaseException as error:
        try:
            sums.abort(f"exact boosting was stopped: {error}").result(timeout=10)
        except Exception:  # noqa: BLE001 - the actor's worker may be the lost one
            pass
        raise


def _check_workers(client: Any, homes: list[str]) -> None:
    present = set(cluster_workers(client))
    lost = [w for w in homes if w not in present]
    if lost:
        raise RuntimeError(f"the distributed fit failed: exact boosting lost the worker "
                           f"{', '.join(lost)}, which held a share of the rows (no other "
                           f"worker can take its place mid-fit)")
