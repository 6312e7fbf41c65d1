"""Bags per shard: each shard (a run of consecutive partitions, assembled on one worker) boosts
its own outer bags with the ordinary ``Booster`` on the shared bins; the pairs are chosen from
the FAST strengths summed over every shard's bags; the shards' bags are then merged into one
``BaggedTerms`` and finished as a single-machine fit's bags are.

The first three functions run in Dask tasks on the workers; ``merge_shards`` on the client.
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator

import numpy as np

from ..binning import coarse_code_matrix, fine_to_coarse_maps
from ..booster import BaggedTerms, BinnedData, Booster, FitMonitor, MainStage
from ..estimators import term_bin_weights
from ..training_summary import bag_weights
from .partition import BinnedPartition


@dataclass
class ShardPlan:
    """What every shard needs besides its rows: the estimator (its parameters), the shared
    bins and terms, the validation fraction, when ``max_time`` ends (``time.time()``; None
    without a budget), and the name of the ``distributed.Event`` through which a callback's
    "stop_all" reaches every shard (None without callbacks)."""

    estimator: Any  # the single-machine estimator, target encoded (``_classes`` set)
    bins: list
    nominal: np.ndarray
    monotone: np.ndarray
    main_features: list[int]
    candidates: list[tuple[int, ...]]
    validation_fraction: float
    deadline: float | None = None
    stop_event: str | None = None


@dataclass
class Shard:
    """Which bags a shard boosts: ``n_bags`` of them, seeded by ``random_state``; callbacks see
    them as bags ``first_bag`` on of the whole fit."""

    index: int
    n_bags: int
    random_state: int | None
    first_bag: int = 0


@dataclass
class ShardResult:
    bagged: BaggedTerms
    main_weights: dict
    pair_weights: dict
    bag_totals: np.ndarray


def plan_shards(n_partitions: int, n_shards: int, outer_bags: int,
                random_state: int | None) -> list[tuple[range, Shard]]:
    """Consecutive runs of partitions, one per shard, and each shard's bags: the outer bags
    spread evenly, at least one per shard. Shard 0 is seeded by ``random_state`` itself, so
    one shard draws the single-machine fit's bags; the others by seeds derived from it."""
    n_shards = max(1, min(n_shards, n_partitions))
    edges = np.linspace(0, n_partitions, n_shards + 1).round().astype(int)
    plans, first_bag = [], 0
    for s in range(n_shards):
        n_bags = max(1, outer_bags // n_shards + (1 if s < outer_bags % n_shards else 0))
        seed = random_state if s == 0 or random_state is None else int(
            np.random.SeedSequence([random_state, s]).generate_state(1)[0])
        plans.append((range(edges[s], edges[s + 1]), Shard(s, n_bags, seed, first_bag)))
        first_bag += n_bags
    return plans


@dataclass
class ShardRows:
    """A shard's rows as the booster reads them, and their starting scores (or None)."""

    data: BinnedData
    init_score: np.ndarray | None


def assemble_shard(plan: ShardPlan, *parts: BinnedPartition) -> ShardRows:
    """The shard's rows, in partition order, as one ``BinnedData`` (column-major codes), with
    their starting scores. The codes are copied straight into column-major arrays, and the
    coarse codes read off the fine ones where the bins allow (``bin_partition`` then sends
    none): assembling then holds the partitions' fine codes and the shard's codes, not two
    copies of both."""
    strata = None if parts[0].strata is None else np.concatenate([p.strata for p in parts])
    scores = None if parts[0].init_score is None else np.concatenate(
        [p.init_score for p in parts])
    codes = _column_major([p.codes for p in parts])
    maps = fine_to_coarse_maps(plan.bins)
    return ShardRows(BinnedData(
        codes=codes,
        interaction_codes=_column_major([p.interaction_codes for p in parts]) if maps is None
        else coarse_code_matrix(codes, plan.bins, maps),
        n_bins=np.array([b.n_bins for b in plan.bins], dtype=np.int64),
        n_interaction_bins=np.array([b.n_interaction_bins for b in plan.bins], dtype=np.int64),
        nominal=plan.nominal, monotone=plan.monotone,
        y=np.concatenate([p.y for p in parts]),
        weights=np.concatenate([p.weights for p in parts]), strata=strata), scores)


def _column_major(blocks: list[np.ndarray]) -> np.ndarray:
    """The row blocks (n_rows_i, n_features) stacked into one column-major array."""
    stacked = np.empty((sum(len(b) for b in blocks), blocks[0].shape[1]), dtype=blocks[0].dtype,
                       order="F")
    start = 0
    for block in blocks:
        stacked[start:start + len(block)] = block
        start += len(block)
    return stacked


def _monitor(plan: ShardPlan, shard: Shard) -> FitMonitor | None:
    """The shard's watch over its stage: the fit's deadline, and the callbacks, which see the
    fit's bag numbers; None when neither is given."""
    estimator = plan.estimator
    callback, interaction_callback = estimator._callbacks()
    if plan.deadline is None and callback is None and interaction_callback is None:
        return None
    first = shard.first_bag
    monitor = FitMonitor(
        None if plan.deadline is None else max(plan.deadline - time.time(), 0.0),
        None if callback is None else (lambda bag, *rest: callback(first + bag, *rest)),
        interaction_callback=None if interaction_callback is None else (
            lambda bag, *rest: interaction_callback(first + bag, *rest)))
    if monitor.max_time == 0.0:
        monitor.stop_all()
    return monitor


def _watch_stop_event(event: Any, monitor: FitMonitor, done: threading.Event) -> None:
    """Until ``done``: when another shard has stopped everything (the ``distributed.Event``
    ``event`` is set), stop this one too."""
    while not done.is_set():
        if event.wait(timeout=0.1):
            monitor.stop_all()
            return


@contextmanager
def _booster(rows: ShardRows, plan: ShardPlan, shard: Shard) -> Iterator[Booster]:
    """The shard's booster while a stage runs; it stops boosting when the fit's deadline
    passes, as a single-machine fit stops at ``max_time``, and when a callback says so (a
    "stop_all" in any shard stops every shard). A callback's exception is raised here."""
    estimator = plan.estimator
    monitor = _monitor(plan, shard)
    booster = Booster(rows.data, estimator._objective(), *estimator._boost_settings(),
                      outer_bags=shard.n_bags, validation_size=plan.validation_fraction,
                      n_threads=_worker_threads(), random_state=shard.random_state,
                      init_score=rows.init_score, monitor=monitor)
    if monitor is None:
        yield booster
        return
    done = threading.Event()
    watcher = event = None
    if plan.stop_event is not None:
        from distributed import Event, get_client

        # the worker's client, made in the task's thread, serves the watcher's thread too
        event = Event(plan.stop_event, client=get_client())
        watcher = threading.Thread(target=_watch_stop_event, args=(event, monitor, done),
                                   daemon=True)
        watcher.start()
    monitor.start()
    try:
        yield booster
    finally:
        monitor.close()
        done.set()
        if watcher is not None:
            watcher.join()
        if event is not None and monitor.stopped:  # this shard stopped everything: tell all
            event.set()
    if monitor.error is not None:
        raise monitor.error


def _worker_threads() -> int:
    """The threads of the worker running the task (1 outside a worker)."""
    try:
        from distributed import get_worker

        return max(1, int(get_worker().state.nthreads))
    except (ImportError, ValueError, AttributeError):
        return 1


def shard_mains(rows: ShardRows, plan: ShardPlan, shard: Shard,
                rank: bool) -> tuple[MainStage, np.ndarray | None]:
    """Boost the shard's bags' main effects; with ``rank``, the candidates' FAST strengths
    summed over these bags."""
    with _booster(rows, plan, shard) as booster:
        mains = booster.boost_mains(plan.main_features)
        if not rank:
            return mains, None
        if booster.monitor is not None and booster.monitor.stopped:
            return mains, np.zeros(len(plan.candidates))  # out of time: no pair from here
        return mains, booster.rank_pairs(mains, plan.candidates)


def shard_pairs(rows: ShardRows, plan: ShardPlan, shard: Shard, mains: MainStage,
                pairs: list[tuple[int, ...]], strengths: dict) -> ShardResult:
    """Boost the shard's bags' interaction terms on the chosen ``pairs`` from their main
    stage; with the shard's bin weights and bag weights, which add up over shards."""
    with _booster(rows, plan, shard) as booster:
        bagged = booster.boost_pairs(mains, pairs, strengths)
    data = rows.data
    main_weights, pair_weights = term_bin_weights(data.codes, data.interaction_codes,
                                                  data.weights, plan.bins, plan.main_features,
                                                  pairs)
    return ShardResult(bagged, main_weights, pair_weights, bag_weights(booster, bagged.bags))


def merge_shards(results: list[ShardResult]) -> tuple[BaggedTerms, dict, dict, np.ndarray]:
    """One ``BaggedTerms`` of every shard's bags, and the bin weights summed over shards.

    Each shard starts from the constant score of its own rows; the merged bags share shard
    0's, and the difference of another shard's moves into its bags' first table (a constant
    added to every bin), so that every bag scores every row as it did. Finishing centres the
    tables and carries such constants into the intercept."""
    first = results[0].bagged
    base = first.base_scores
    main_tables, pair_tables = [], []
    for result in results:
        shift = result.bagged.base_scores - base
        for mains, pairs in zip(result.bagged.main_tables, result.bagged.pair_tables):
            mains, pairs = list(mains), list(pairs)
            if mains:
                mains[0] = mains[0] + shift
            elif pairs:
                pairs[0] = pairs[0] + shift
            main_tables.append(mains)
            pair_tables.append(pairs)
    bagged = BaggedTerms(
        base_scores=base, main_features=first.main_features, pairs=first.pairs,
        main_tables=main_tables, pair_tables=pair_tables, pair_strengths=first.pair_strengths,
        best_steps=np.concatenate([r.bagged.best_steps for r in results], axis=1),
        bags=list(range(len(main_tables))))
    main_weights = {f: sum(r.main_weights[f] for r in results) for f in first.main_features}
    pair_weights = {p: sum(r.pair_weights[p] for r in results) for p in first.pairs}
    return bagged, main_weights, pair_weights, np.concatenate([r.bag_totals for r in results])
