"""Bags per shard: each shard (a run of consecutive partitions, assembled on one worker) boosts
its own outer bags with the ordinary ``Booster`` on the shared bins; the pairs are chosen from
the FAST strengths summed over every shard's bags; the shards' bags are then merged into one
``BaggedTerms`` and finished as a single-machine fit's bags are. With fewer shards than
workers, the spare workers hold copies of a shard's rows and boost a share of its bags
(``share_bags``): one shard is then the single-machine fit, boosted on every worker.

The assembly chain and the stages run in Dask tasks on the workers; ``merge_shards`` on the
client.
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any, Iterator

import numpy as np

from ..binning import coarse_code_matrix, fine_to_coarse_maps
from ..booster import BaggedTerms, BinnedData, Booster, FitMonitor, MainStage
from ..estimators import term_bin_weights
from ..resources import estimate_fit_memory, fit_size
from ..training_summary import bag_weights
from .partition import BinnedPartition

#: The share of a worker's ``memory_limit`` that the worker's own memory and boosting a shard
#: may take together (``default_shards``): where Dask starts spilling, by default.
SHARD_MEMORY_SHARE = 0.6
#: A shard's bytes per row besides its codes: target and weight (float64), stratum.
SHARD_ROW_BYTES = 17


@dataclass
class ShardPlan:
    """What every shard needs besides its rows: the estimator (its parameters), the shared
    bins and terms, the bags' ``validation_size`` (``fit._shard_validation``), when
    ``max_time`` ends (``time.time()``; None without a budget), and the name of the
    ``distributed.Event`` through which a callback's "stop_all" reaches every shard (None
    without callbacks)."""

    estimator: Any  # the single-machine estimator, target encoded (``_classes`` set)
    bins: list
    nominal: np.ndarray
    monotone: np.ndarray
    main_features: list[int]
    candidates: list[tuple[int, ...]]
    validation_size: float
    deadline: float | None = None
    stop_event: str | None = None


@dataclass
class Shard:
    """Which bags a shard boosts: ``n_bags`` of them, seeded by ``random_state``; callbacks see
    them as bags ``first_bag`` on of the whole fit. ``boosted``: the bags of the shard that one
    copy of its rows boosts (``share_bags``); None for all."""

    index: int
    n_bags: int
    random_state: int | None
    first_bag: int = 0
    boosted: range | None = None


@dataclass
class ShardResult:
    """A copy's bags, and its shard's bin weights (None from every copy but the first, as
    they are the shard's, not the bags')."""

    bagged: BaggedTerms
    main_weights: dict | None
    pair_weights: dict | None
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


def default_shards(workers: Any, bins: list, objective: Any, main_features: list[int],
                   candidates: list, n_pairs: int, explicit: bool, outer_bags: int,
                   n_rows: int, n_partitions: int, bag_rows: int | None = None) -> int:
    """``n_shards`` when it is not given (``dask.fit``): one shard, the single-machine model
    with its bags shared out between the workers, when a worker can boost every row
    (``resources.estimate_fit_memory``) within ``SHARD_MEMORY_SHARE`` of its
    ``memory_limit``, less the memory it holds outside Dask's stored results (the Python
    process and its libraries); else the fewest shards, in multiples of the workers, of which
    a worker can boost one: a worker then holds several, and Dask spills those not being
    boosted. At most one shard per partition. ``workers`` are the scheduler's descriptions of
    them (``memory_limit`` 0: none); ``bag_rows``: ``max_bag_rows``, each of a shard's bags
    boosting its own sample of at most that many of the shard's rows."""
    workers = list(workers)
    threads = max(int(w.get("nthreads", 1)) for w in workers)
    usable = min((SHARD_MEMORY_SHARE * w["memory_limit"] - _own_memory(w)
                  for w in workers if w.get("memory_limit")), default=np.inf)

    def fits(n_shards: int) -> bool:
        rows = -(-n_rows // n_shards)
        bags = max(1, -(-outer_bags // n_shards))  # the largest shard's, as plan_shards deals
        per_worker = -(-bags // max(1, len(workers) // n_shards))  # its copy's share
        size = fit_size(bins, objective, rows, (), main_features, candidates, n_pairs,
                        explicit, threads, per_worker, rows * SHARD_ROW_BYTES, bag_rows)
        phases = estimate_fit_memory(size).phases
        return max(v for phase, v in phases.items() if phase != "binning") <= usable

    if fits(1):
        return 1
    n_shards = len(workers)
    while not fits(n_shards) and n_shards + len(workers) <= n_partitions:
        n_shards += len(workers)
    return min(n_shards, n_partitions)


def _own_memory(worker: dict) -> int:
    """A worker's memory outside its stored results, from the scheduler's description (one
    heartbeat's figures): its process's memory less the results it holds in memory. Dask's
    ``managed_bytes`` also counts the results spilled to disk, which are not in the process."""
    metrics = worker.get("metrics", {})
    spilled = metrics.get("spilled_bytes", {}).get("memory", 0)
    in_memory = int(metrics.get("managed_bytes", 0)) - int(spilled)
    return max(0, int(metrics.get("memory", 0)) - in_memory)


def share_bags(shard: Shard, n_copies: int) -> list[Shard]:
    """The shard's bags shared out between ``n_copies`` copies of its rows (at most one copy
    per bag), in consecutive runs: together they boost the bags one copy would, each drawn
    from the same seed, so the model does not depend on the number of copies."""
    n_copies = max(1, min(n_copies, shard.n_bags))
    if n_copies == 1:
        return [shard]
    edges = np.linspace(0, shard.n_bags, n_copies + 1).round().astype(int)
    return [replace(shard, boosted=range(a, b)) for a, b in zip(edges[:-1], edges[1:])]


@dataclass
class ShardRows:
    """A shard's rows as the booster reads them, their starting scores and their rows of the
    bag matrix (each None when not given)."""

    data: BinnedData
    init_score: np.ndarray | None
    bags: np.ndarray | None = None


def start_shard(plan: ShardPlan, n_rows: int, first: BinnedPartition) -> ShardRows:
    """A shard of ``n_rows`` rows, its arrays allocated and its first partition's rows copied
    in. ``fill_shard`` copies each further partition's rows into it, in partition order, and
    ``finish_shard`` reads the coarse codes off the fine ones.

    A shard is assembled by this chain of tasks, one partition at a time, rather than by one
    task that takes every partition: Dask holds all of a task's inputs in memory while it runs,
    so that task held every partition's codes next to the shard's copy of them. In the chain a
    partition is released as soon as its rows are copied, and the ones still waiting can be
    spilled. The arrays are allocated untouched, so a worker's memory grows with the rows
    copied, not with the shard's size.
    """
    def like(array: np.ndarray | None, columns: bool = False) -> np.ndarray | None:
        """An untouched array for the shard's rows of ``array``'s kind (None for None)."""
        if array is None:
            return None
        return np.empty((n_rows, *array.shape[1:]), dtype=array.dtype,
                        order="F" if columns else "C")

    rows = ShardRows(BinnedData(
        codes=like(first.codes, True),
        interaction_codes=like(first.interaction_codes, True),
        n_bins=np.array([b.n_bins for b in plan.bins], dtype=np.int64),
        n_interaction_bins=np.array([b.n_interaction_bins for b in plan.bins], dtype=np.int64),
        nominal=plan.nominal, monotone=plan.monotone, y=like(first.y),
        weights=like(first.weights), strata=like(first.strata)), like(first.init_score),
        like(first.bags))
    return fill_shard(rows, first, 0)


def fill_shard(rows: ShardRows, part: BinnedPartition, start: int) -> ShardRows:
    """Copy ``part``'s rows into the shard's rows from ``start`` on; the shard itself, changed
    in place (each task of the chain writes rows of its own, so a retried task writes the same
    values again)."""
    data, end = rows.data, start + len(part.y)
    for target, source in ((data.codes, part.codes),
                           (data.interaction_codes, part.interaction_codes),
                           (data.y, part.y), (data.weights, part.weights),
                           (data.strata, part.strata), (rows.init_score, part.init_score),
                           (rows.bags, part.bags)):
        if target is not None:
            target[start:end] = source
    return rows


def finish_shard(plan: ShardPlan, rows: ShardRows) -> ShardRows:
    """The assembled shard with its coarse codes: read off the fine codes when the partitions
    sent none (``bin_partition``)."""
    data = rows.data
    if data.interaction_codes is not None:
        return rows
    coarse = coarse_code_matrix(data.codes, plan.bins, fine_to_coarse_maps(plan.bins))
    return replace(rows, data=replace(data, interaction_codes=coarse))


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
                      outer_bags=shard.n_bags, validation_size=plan.validation_size,
                      n_threads=worker_threads(), random_state=shard.random_state,
                      bags=rows.bags, init_score=rows.init_score, monitor=monitor,
                      boosted=shard.boosted, max_bag_rows=estimator.max_bag_rows)
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


def cluster_workers(client: Any) -> dict[str, dict]:
    """The scheduler's description of every worker now, by address, asked of the scheduler.
    ``client.scheduler_info()`` returns the client's cached copy, which a periodic refresh
    replaces with cluster totals alone (no workers) at any moment: read right after, a
    healthy cluster looks empty."""
    return client.sync(client.scheduler.identity, n_workers=-1)["workers"]


def worker_threads() -> int:
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
    stage; with the bag weights and, from the shard's first copy, its bin weights, which add
    up over shards."""
    with _booster(rows, plan, shard) as booster:
        bagged = booster.boost_pairs(mains, pairs, strengths)
    weights: tuple = (None, None)
    if shard.boosted is None or shard.boosted.start == 0:
        data = rows.data
        weights = term_bin_weights(data.codes, data.interaction_codes, data.weights, plan.bins,
                                   plan.main_features, pairs)
    return ShardResult(bagged, *weights, bag_weights(booster, bagged.bags))


def merge_shards(results: list[ShardResult]) -> tuple[BaggedTerms, dict, dict, np.ndarray]:
    """One ``BaggedTerms`` of every shard's bags (``results``: each copy's, in the order of
    the shards and their bags), and the bin weights summed over shards.

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
    shards = [r for r in results if r.main_weights is not None]
    main_weights = {f: sum(r.main_weights[f] for r in shards) for f in first.main_features}
    pair_weights = {p: sum(r.pair_weights[p] for r in shards) for p in first.pairs}
    return bagged, main_weights, pair_weights, np.concatenate([r.bag_totals for r in results])
