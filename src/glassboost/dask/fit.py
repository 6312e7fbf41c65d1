"""The distributed fit, driven from the client: partition summaries -> shared bins -> codes
binned on the workers -> bags per shard -> one finished model.

Only summaries travel to the client: per-partition value summaries and bin weights, each
shard's main-effect tables and pair strengths, and each shard's bagged tables. The rows stay
on the workers, as Dask futures the client holds until the fit ends; every task is a pure
function of its inputs, so Dask can recompute what a lost worker held.
"""

from __future__ import annotations

import copy
import logging
import numbers
import time
import uuid
import warnings
from typing import Any

import numpy as np
from dask import delayed, is_dask_collection
from sklearn.exceptions import DataConversionWarning

from ..binning import fit_categorical, fit_continuous
from ..booster import check_shareable, choose_pairs, interaction_order
from ..datetimes import source_columns
from ..estimators import _check_class_weights, _check_params, class_weight_faults
from ..objectives import (check_nonzero_target, check_target_scale, check_weight_scale,
                          mean_weight_message, zero_target_refused)
from ..parameters import (bag_training_rows, check_bags_train, check_init_score_classes,
                          check_max_bag_rows, check_number, few_training_rows_message)
from ..schema import (CONTINUOUS, NOMINAL, Column, category_message, declared_binning,
                      integer_id_message, validate_feature_types)
from ..schema import _warn as warn_data
from .exact import ShareSums, boost_share, class_counts, merge_shares, wait_for_shares
from .inputs import bags_partitions, init_score_partitions, is_column_vector, row_partitions
from .partition import MergedSummaries, PartitionStatistics, PartitionSummary, \
    bin_partition, merge_partition_features, partition_statistics, summarize_partition, \
    summary_header
from .shards import ShardPlan, cluster_workers, default_shards, fill_shard, finish_shard, \
    merge_shards, plan_shards, shard_mains, shard_pairs, share_bags, start_shard
from .sketch import MERGE_FAN_IN, DistinctCount, histogram_cuts

logger = logging.getLogger("glassboost")


def fit_distributed(estimator: Any, client: Any, X: Any, y: Any, sample_weight: Any,
                    n_shards: int | None, summary_size: int, init_score: Any = None,
                    bags: Any = None, boosting: str = "shards") -> dict:
    """Every fitted attribute of ``estimator`` (a single-machine estimator, whose parameters
    are used), and ``n_shards_`` (the shards the rows were split into), trained on the Dask
    collections X, y and sample_weight on ``client``'s workers, boosting from ``init_score``
    (see ``inputs.init_score_partitions``) when given, on the bags of the bag matrix ``bags``
    (``inputs.bags_partitions``; one shard holds every row then) when given. ``boosting``:
    "shards" (bags per shard, ``shards``) or "exact" (one share of the rows per worker, every
    bag boosted on all of them at once: ``exact``).

    A worker lost during the fit is replaced by Dask's recomputation of its tasks; if Dask
    gives up (``KilledWorker``), the fit raises an error naming the task and the worker. Every
    future of the fit is cancelled when it ends, however it ends. ``max_time`` counts from here
    on the client's clock; the workers stop boosting when their clocks reach its end. Callbacks
    run on the workers (``shards._booster``).
    """
    from distributed import Event, KilledWorker

    started = time.time()
    _check_params(estimator)
    stop_event = _stop_event_name(estimator)
    if boosting not in ("shards", "exact"):
        raise ValueError(f"boosting must be 'shards' or 'exact', got {boosting!r}")
    if estimator.shape_smoothing is not None:
        raise ValueError(f"shape_smoothing={estimator.shape_smoothing!r} refits the shapes on "
                         "every training row in one process; the Dask estimators take only "
                         "None (the rows stay on the workers)")
    if boosting == "exact" and n_shards is not None:
        raise ValueError(f"n_shards is for boosting='shards' (exact boosting takes one share "
                         f"of the rows per worker), got n_shards={n_shards}")
    if n_shards is not None and (not isinstance(n_shards, numbers.Integral) or n_shards < 1):
        raise ValueError(f"n_shards must be None or a positive integer, got {n_shards!r}")
    check_number("summary_size", summary_size, 1, integer=True)
    if bags is not None and n_shards not in (None, 1):
        raise ValueError(f"bags needs every row in one shard (each of its bags is a choice "
                         f"among all the rows), got n_shards={n_shards}; leave it None or 1")
    partitions = row_partitions(X, y, sample_weight)
    if is_column_vector(y):  # the single-machine fit's warning (scikit-learn's column_or_1d)
        warnings.warn("A column-vector y was passed when a 1d array was expected. Please "
                      "change the shape of y to (n_samples, ), for example using ravel().",
                      DataConversionWarning, stacklevel=3)
    extras = list(zip(init_score_partitions(init_score, len(partitions)),
                      bags_partitions(bags, len(partitions))))
    futures: list = []
    try:
        deadline = None if estimator.max_time is None else started + estimator.max_time
        return _fit(copy.copy(estimator), client, partitions, extras, n_shards, summary_size,
                    futures, boosting,
                    match_by_name=estimator.feature_names is None and hasattr(X, "columns"),
                    deadline=deadline, stop_event=stop_event)
    except KilledWorker as error:
        raise RuntimeError(f"the distributed fit failed: Dask lost the worker running a task "
                           f"too many times ({error})") from None
    finally:
        client.cancel(futures)
        if stop_event is not None:  # no one waits on it now: clearing deletes it
            Event(stop_event, client=client).clear()


def _fit(working, client, partitions, extras, n_shards, summary_size, futures, boosting,
         match_by_name, deadline: float | None, stop_event: str | None) -> dict:
    """``fit_distributed``'s work; ``extras``: each partition's (init_score, bags) blocks."""
    summarized = client.compute([delayed(summarize_partition)(x, y, w, i, working, summary_size)
                                 for i, (x, y, w) in enumerate(partitions)])
    futures.extend(summarized)
    summaries: list[PartitionSummary] = _gather(client, futures,
                                                client.map(summary_header, summarized))
    # empty partitions (common after filtering a Dask DataFrame) take no further part
    indices = [i for i, s in enumerate(summaries) if s.n_rows]
    if not indices:
        raise ValueError("X has no rows: every partition is empty")
    partitions = [partitions[i] for i in indices]
    extras = [extras[i] for i in indices]
    summaries = [summaries[i] for i in indices]
    first = _check_same_columns(summaries, indices)
    _show_column_warnings(summaries)
    n_rows = sum(s.n_rows for s in summaries)
    _check_rows(working, summaries, n_rows)
    classes = _set_target(working, summaries)
    light = None
    if classes is not None:
        light = _check_classes(working, summaries, classes, extras[0][0])
    objective = working._objective()
    if boosting == "exact":
        watched = deadline is not None or working._callbacks() != (None, None)
        check_shareable(objective, extras[0][1], extras[0][0], True if watched else None,
                        working._boost_settings()[0])
    _check_scales(working, objective, summaries)
    _warn_small_weights(working, objective, summaries, light)
    few = extras[0][1] is None and few_training_rows_message(  # bags choose their own rows
        working.validation_size, n_rows, working.max_bag_rows, working.min_samples_leaf)
    if few:
        warn_data(few)
    names, types = first.names, first.types
    monotone = working._monotone(names, types, objective)
    features, distinct = _merged_features(client, futures, [summarized[i] for i in indices],
                                          summary_size)
    _show_uniqueness_warnings(names, types, distinct)
    bins = _shared_bins(working, first, features)
    merged = {f: features[f] for f, kind in enumerate(types) if kind == CONTINUOUS}
    main_features, candidates, n_pairs, explicit = working._terms_to_fit(names, bins, monotone)
    single_class = classes is not None and len(classes) == 1
    if single_class:
        main_features, candidates = [], []
    cuts = {f: histogram_cuts(m) for f, m in merged.items()}

    binned = client.compute([
        delayed(bin_partition)(x, y, w, s, b, i, working, names, types, bins, classes, cuts,
                               (objective.link, objective.n_scores, objective.exponentiated))
        for i, (x, y, w), (s, b) in zip(indices, partitions, extras)])
    futures.extend(binned)
    statistics = _gather(client, futures, client.map(partition_statistics, binned))
    summaries_attributes = _training_summaries(types, merged, cuts, statistics)

    with_bags = extras[0][1] is not None
    if with_bags:
        check_bags_train(np.any([s.bags_train for s in statistics], axis=0))
    if n_shards is None and boosting == "shards":
        n_shards = default_shards(cluster_workers(client).values(), bins, objective,
                                  main_features, candidates, n_pairs, explicit is not None,
                                  working.outer_bags, n_rows, len(binned), working.max_bag_rows)
        if with_bags and n_shards > 1:
            warnings.warn(f"bags keeps all {n_rows} rows in one shard, but a worker may not "
                          f"have the memory to boost them (without bags they would be split "
                          f"into {n_shards} shards)", UserWarning, stacklevel=4)
            n_shards = 1
    if boosting == "shards":
        n_shards = min(n_shards, len(binned))  # at most one per partition (``plan_shards``)
    whole_table = boosting == "exact" or n_shards == 1
    plan = ShardPlan(working, bins, np.array([t == NOMINAL for t in types]), monotone,
                     main_features, candidates,
                     _shard_validation(working, n_rows, whole_table), deadline, stop_event)
    row_counts = [s.n_rows for s in statistics]
    if boosting == "exact":
        results = _boost_exact(client, futures, plan, binned, row_counts, n_pairs, explicit,
                               1 if classes is None else len(classes))
        bagged, main_weights, pair_weights, bag_totals = merge_shares(results)
        n_shards = len(results)
    else:
        weights = None if classes is None else _class_weights(summaries, classes)
        positive = None if classes is not None or not zero_target_refused(objective) else \
            np.array([s.positive_weight for s in summaries])
        results = _boost_shards(client, futures, plan, binned, row_counts, n_shards, n_pairs,
                                explicit, weights, positive)
        bagged, main_weights, pair_weights, bag_totals = merge_shards(results)
    state = working._finished_state(bagged, bins, names, types, main_weights, pair_weights,
                                    summaries_attributes, bag_totals, first.conversions,
                                    match_by_name, single_class)
    return dict(state, n_shards_=n_shards)


def _boost_shards(client, futures: list, plan: ShardPlan, binned: list, row_counts: list[int],
                  n_shards: int, n_pairs: int, explicit: Any,
                  class_weights: np.ndarray | None,
                  positive_weights: np.ndarray | None) -> list:
    """Assemble the shards, boost their bags' main effects, choose the pairs from the summed
    strengths (unless ``explicit``), boost their pairs; every copy's ``ShardResult``, in the
    order of the shards and their bags. ``class_weights``: a classifier's weight of each class
    in each partition (``_class_weights``), which every shard must hold some of;
    ``positive_weights``: a log-link regressor's weight of targets > 0 in each partition,
    which every shard must hold some of too.

    Each shard is assembled on the worker that holds most of its partitions' codes, so that
    few of them move; workers left over when there are fewer shards than workers hold copies
    of a shard's rows and boost a share of its bags (``shards.share_bags``)."""
    working = plan.estimator
    workers = sorted(cluster_workers(client))
    shards = plan_shards(len(binned), n_shards, working.outer_bags, working.random_state)
    largest = max(sum(row_counts[i] for i in rows) for rows, _ in shards)
    _warn_small_shards(plan, [sum(row_counts[i] for i in rows) for rows, _ in shards])
    if class_weights is not None and len(shards) > 1:
        _check_shard_classes(plan, [rows for rows, _ in shards], class_weights, row_counts)
    if positive_weights is not None and len(shards) > 1:
        _check_shard_targets(plan, [rows for rows, _ in shards], positive_weights, row_counts)
    logger.info("Dask fit: %d rows; shards: %d, of at most %d rows; bags: %d; workers: %d",
                sum(row_counts), len(shards), largest, sum(s.n_bags for _, s in shards),
                len(workers))
    homes = _shard_homes(client, [[binned[i] for i in rows] for rows, _ in shards], workers)
    assembled = [_assembled(client, plan, [binned[i] for i in rows],
                            [row_counts[i] for i in rows], home)
                 for (rows, _), home in zip(shards, homes)]
    _let_partitions_go(futures, binned)
    copies = _copies(client, plan, assembled, [shard for _, shard in shards],
                     _copy_workers(homes, workers))
    futures.extend(d for d, _, _ in copies)
    assembled.clear()  # the copies hold the shards' rows now; nothing else may keep them
    rank = explicit is None and n_pairs > 0 and bool(plan.candidates)
    mains = _gather(client, futures, [
        client.submit(shard_mains, d, plan, share, rank, **_near(worker))
        for d, share, worker in copies])
    strengths: dict = {}
    if explicit is not None:
        pairs = interaction_order(plan.candidates)
    elif rank:
        strengths, pairs = choose_pairs(plan.candidates,
                                        np.sum([m[1] for m in mains], axis=0), n_pairs)
    else:
        pairs = []
    return _gather(client, futures, [
        client.submit(shard_pairs, d, plan, share, m[0], pairs, strengths, **_near(worker))
        for (d, share, worker), m in zip(copies, mains)])


def _check_shard_classes(plan: ShardPlan, shards: list[range], class_weights: np.ndarray,
                         row_counts: list[int]) -> None:
    """Refuse shards that hold no weight of some class (``shards``: each one's partitions;
    ``class_weights``: each partition's per class), as the single-machine fit refuses such a
    class: no tree of the shard's bags can split, and its start score pulls the model toward
    the classes it holds (rows sorted by label, 2 shards: intercept -12.5 against -0.13).
    Warn for a class lighter than twice ``min_hessian`` in a shard, as ``_check_class_weights``
    does for the whole."""
    classes, min_hessian = plan.estimator._classes, plan.estimator.min_hessian
    for s, rows in enumerate(shards):
        totals = class_weights[rows.start:rows.stop].sum(axis=0)
        where = _shard_rows(s, shards, row_counts)
        empty, light = class_weight_faults(classes, totals, min_hessian)
        if empty:
            raise ValueError(
                f"{where} holds no weight of class(es) {empty} of y: no "
                "tree of its bags could split, and its start score would pull the model toward "
                "the classes it holds. Shuffle the rows so that every partition holds every "
                "class (rows sorted by label do not), or fit with fewer shards (n_shards=1) or "
                "boosting='exact'.")
        if light:
            warn_data(f"{where}: class(es) {light} of y weigh "
                      f"{totals.min():.3g} in it, below twice min_hessian={min_hessian:g}, "
                      "so its bags will learn little or nothing. Shuffle the rows so that every "
                      "partition holds every class, or fit with fewer shards (n_shards).")


def _shard_rows(s: int, shards: list[range], row_counts: list[int]) -> str:
    """Shard ``s`` and its rows in partition order, for messages."""
    starts = np.cumsum([0, *row_counts])
    rows = shards[s]
    return (f"shard {s} of the {len(shards)} shards (rows {starts[rows.start]} to "
            f"{starts[rows.stop] - 1} in partition order)")


def _check_shard_targets(plan: ShardPlan, shards: list[range], positive_weights: np.ndarray,
                         row_counts: list[int]) -> None:
    """Refuse shards whose log-link target is zero on every row of weight > 0
    (``positive_weights``: each partition's weight of targets > 0). Each shard's bags start
    from the constant score of its own rows, here log(1e-12) for a mean of 0, where the
    gradient vanishes, so its bags stay there and the model's average is pulled toward it
    (a sorted Poisson count target, 2 shards: intercept -14.9 against -0.48)."""
    for s, rows in enumerate(shards):
        if not positive_weights[rows.start:rows.stop].sum() > 0:
            raise ValueError(
                f"{_shard_rows(s, shards, row_counts)} holds no y > 0 of weight > 0 for "
                f"objective={plan.estimator._objective().name!r}: its bags would start from "
                "the log of a mean of 0 and learn nothing, pulling the model's intercept "
                "toward minus infinity. Shuffle the rows so that every partition holds "
                "positive targets (rows sorted by y do not), or fit with fewer shards "
                "(n_shards=1) or boosting='exact'.")


def _warn_small_shards(plan: ShardPlan, shard_rows: list[int]) -> None:
    """Warn when a bag of the smallest of several shards trains on too few rows to split (the
    rows of every shard together may be plenty): its bags learn no term, and the model
    averages them in."""
    working = plan.estimator
    smallest = min(shard_rows)
    n_train, _ = bag_training_rows(plan.validation_size, smallest, working.max_bag_rows)
    needed = 2 * max(int(working.min_samples_leaf), 1)
    if len(shard_rows) > 1 and n_train < needed and not few_training_rows_message(
            working.validation_size, sum(shard_rows), working.max_bag_rows,
            working.min_samples_leaf):  # that warning was given
        warn_data(f"n_shards: the smallest of the {len(shard_rows)} shards holds {smallest} of "
                  f"the {sum(shard_rows)} rows, and a bag of it trains on about {n_train}, "
                  f"fewer than the {needed} that one split needs (min_samples_leaf="
                  f"{working.min_samples_leaf} on each side): its bags learn no term, and the "
                  "model averages them in. Use fewer shards (n_shards), or fewer, larger "
                  "partitions.")


def _boost_exact(client, futures: list, plan: ShardPlan, binned: list, row_counts: list[int],
                 n_pairs: int, explicit: Any, n_classes: int) -> list:
    """Assemble one share of the rows per worker (consecutive partitions, as shards are),
    then boost every bag on all shares at once (``exact``); each share's ``ShardResult``, in
    table order."""
    workers = sorted(cluster_workers(client))
    ranges = [rows for rows, _ in plan_shards(len(binned), len(workers), 1, None)]
    logger.info("Dask fit: %d rows; exact boosting on %d shares of at most %d rows; bags: %d; "
                "workers: %d", sum(row_counts), len(ranges),
                max(sum(row_counts[i] for i in rows) for rows in ranges),
                plan.estimator.outer_bags, len(workers))
    homes = _shard_homes(client, [[binned[i] for i in rows] for rows in ranges], workers)
    assembled = [_assembled(client, plan, [binned[i] for i in rows],
                            [row_counts[i] for i in rows], home)
                 for rows, home in zip(ranges, homes)]
    _let_partitions_go(futures, binned)
    shares = [client.submit(finish_shard, plan, rows, pure=False, workers=[home])
              for rows, home in zip(assembled, homes)]
    futures.extend(shares)
    assembled.clear()
    counts = np.array(_gather(client, futures, [
        client.submit(class_counts, share, n_classes, workers=[home])
        for share, home in zip(shares, homes)]))
    before = np.cumsum(counts, axis=0) - counts
    sums_future = client.submit(ShareSums, len(shares), actor=True, workers=[homes[0]])
    futures.append(sums_future)
    sums = sums_future.result()
    tasks = [client.submit(boost_share, share, plan, rank, before[rank], counts.sum(axis=0),
                           sums, homes, n_pairs, explicit is not None, workers=[home],
                           allow_other_workers=False, pure=False)
             for rank, (share, home) in enumerate(zip(shares, homes))]
    futures.extend(tasks)
    return wait_for_shares(client, tasks, homes, sums)


def _copies(client, plan: ShardPlan, assembled: list, shards: list, holders: list) -> list:
    """(rows, share of the shard's bags, worker) of every copy of every shard (``assembled``:
    the shards' unfinished rows; ``holders``: each shard's workers). Each copy reads its coarse
    codes off the fine ones itself, so fewer bytes travel to it."""
    copies = []
    for rows, shard, workers in zip(assembled, shards, holders):
        for share, worker in zip(share_bags(shard, len(workers)), workers):
            copies.append((client.submit(finish_shard, plan, rows, pure=False, **_near(worker)),
                           share, worker))
    return copies


def _near(worker: str) -> dict:
    """Run a task on ``worker`` while it is there, elsewhere once it is gone."""
    return {"workers": [worker], "allow_other_workers": True}


def _shard_homes(client, parts: list[list], workers: list[str]) -> list[str]:
    """The worker each shard is assembled on (``parts``: each shard's partition futures): the
    one holding the most bytes of its partitions among those with the fewest shards so far, so
    that shards spread over the workers and few codes move between them."""
    keys = [future.key for shard in parts for future in shard]
    holders, sizes = client.who_has(keys), client.nbytes(keys, summary=False)
    load = dict.fromkeys(workers, 0)
    homes = []
    for shard in parts:
        held = dict.fromkeys(workers, 0)
        for future in shard:
            for worker in holders.get(future.key, ()):
                if worker in held:
                    held[worker] += sizes.get(future.key, 0)
        fewest = min(load.values())
        home = max((w for w in workers if load[w] == fewest), key=lambda w: held[w])
        load[home] += 1
        homes.append(home)
    return homes


def _copy_workers(homes: list[str], workers: list[str]) -> list[list[str]]:
    """The workers that boost each shard's bags: its home, and the workers that are no shard's
    home, dealt out over the shards in turn."""
    spare = [w for w in workers if w not in set(homes)]
    return [[home] + spare[s::len(homes)] for s, home in enumerate(homes)]


def _stop_event_name(working: Any) -> str | None:
    """A fresh ``distributed.Event`` name for the shards' "stop_all", when callbacks are
    given."""
    if working._callbacks() == (None, None):
        return None
    return f"glassboost-stop-{uuid.uuid4().hex}"


def _assembled(client, plan: ShardPlan, parts: list, row_counts: list[int], worker: str):
    """The future of a shard's rows assembled from its partitions' futures ``parts`` by a chain
    of tasks (``shards.start_shard``), one partition after the other, on ``worker`` while it
    is there; ``shards.finish_shard`` is left to each copy."""
    place = _near(worker)
    rows = client.submit(start_shard, plan, sum(row_counts), parts[0], **place)
    start = row_counts[0]
    for part, count in zip(parts[1:], row_counts[1:]):
        rows = client.submit(fill_shard, rows, part, start, **place)
        start += count
    return rows


def _let_partitions_go(futures: list, binned: list) -> None:
    """Drop the client's hold on the partitions' codes: each goes from worker memory once its
    rows are in its shard (keeping them would double the codes). Dask keeps how to compute
    them while the shards are held, so a shard lost with its worker is rebuilt from the raw
    partitions."""
    for future in binned:
        futures.remove(future)
    binned.clear()


def _gather(client, futures: list, new: list) -> list:
    futures.extend(new)
    return client.gather(new)


def _check_same_columns(summaries: list[PartitionSummary],
                        indices: list[int]) -> PartitionSummary:
    """Every partition (``indices``: their numbers in X) must type its columns alike (a column
    inferred differently, for example all missing in one partition, needs
    ``feature_types``)."""
    first = summaries[0]
    for i, s in zip(indices[1:], summaries[1:]):
        if s.conversions != first.conversions:  # which also changes the columns' names
            raise ValueError(_conversions_differ(first.conversions, s.conversions, indices[0],
                                                 i))
        if s.names != first.names:
            raise ValueError(f"partition {i} of X has columns {s.names[:10]}, partition "
                             f"{indices[0]} has {first.names[:10]}")
        for name, a, b, oa, ob in zip(s.names, first.types, s.types, first.orders, s.orders):
            if a != b or oa != ob:
                raise ValueError(f"feature {name!r} is typed {a!r} in partition {indices[0]} but "
                                 f"{b!r} in partition {i} (or its declared levels differ); give "
                                 "its type in feature_types")
    return first


def _conversions_differ(first: list[dict], other: list[dict], i: int, j: int) -> str:
    """The error for partitions ``i`` and ``j`` of X that convert a date column differently
    (``first``, ``other``: their conversion records): each partition plans its own from its
    values, as typing does."""
    a, b = ({c["column"]: c for c in records} for records in (first, other))
    column = next(c for c in dict.fromkeys([*a, *b]) if a.get(c) != b.get(c))

    def made(record: dict | None) -> str:
        if record is None:
            return "no date features"
        fmt = "" if record["format"] is None else f" (format {record['format']!r})"
        return ", ".join(repr(name) for name in record["names"]) + fmt

    zones = [record.get("tz") if record else None for record in (a.get(column), b.get(column))]
    if zones[0] != zones[1] and made(a.get(column)) == made(b.get(column)):
        return (f"date column {column!r} of X holds dates in time zone {zones[0]!r} in "
                f"partition {i} but {zones[1]!r} in partition {j} (strings whose UTC offset "
                "differs between partitions, such as either side of a daylight-saving change), "
                "so their parts would be taken in different zones; pass the column as datetime64 "
                "in one zone (pandas.to_datetime(..., utc=True).dt.tz_convert(<zone>))")
    return (f"date column {column!r} of X becomes {made(a.get(column))} in partition {i} but "
            f"{made(b.get(column))} in partition {j}: each partition converts its own values "
            f"(the hour is a feature only where some time of day is not midnight); pass "
            f"datetime_features='timestamp', or give the column's type in feature_types")


def _show_column_warnings(summaries: list[PartitionSummary]) -> None:
    """Typing's column warnings of the partitions (dates converted, integers rounded), once
    per feature and kind: the first partition's that gave it, judged on its rows."""
    shown = {}
    for summary in summaries:
        for message in summary.warnings:
            shown.setdefault(message.split(":")[0], message)
    for message in shown.values():
        warn_data(message)


def _show_uniqueness_warnings(names: list[str], types: list[str],
                              distinct: list[DistinctCount | None]) -> None:
    """Typing's warnings for ID-like columns and near-unique nominals, judged on the whole
    column from the partitions' merged distinct counts (``sketch``, "Distinct counts")."""
    for name, kind, count in zip(names, types, distinct):
        if count is None or kind == CONTINUOUS and not count.integers:
            continue
        message = (integer_id_message(name, count.n, count.n_distinct, count.low, count.high)
                   if kind == CONTINUOUS else category_message(name, count.n, count.n_distinct))
        if message:
            warn_data(message)


def _check_rows(working, summaries: list[PartitionSummary], n_rows: int) -> None:
    if n_rows < 2:
        raise ValueError(f"n_samples={n_rows}: at least 2 samples are required to fit")
    if (isinstance(working.validation_size, numbers.Integral)
            and working.validation_size >= n_rows):
        raise ValueError(f"validation_size={working.validation_size} rows must be below the "
                         f"{n_rows} rows of X")
    check_max_bag_rows(working.max_bag_rows, working.validation_size, n_rows)
    with np.errstate(over="ignore"):
        if not sum(s.weight for s in summaries) > 0:
            raise ValueError("sample_weight is zero everywhere; at least one row needs "
                             "weight > 0")


def _shard_validation(working, n_rows: int, whole_table: bool) -> float:
    """``validation_size`` for the shards' boosters. A count is read against the rows a bag
    draws from (every row, or its ``max_bag_rows`` sample), as on one machine: so it is
    passed as given when every bag draws from the whole table (one shard, or exact boosting,
    whose shares draw together), and with several shards it becomes the fraction of a
    single-machine bag's rows that it is."""
    validation = working.validation_size or 0
    if whole_table or validation < 1:
        return validation
    return validation / min(n_rows, working.max_bag_rows or n_rows)


def _check_scales(working, objective, summaries: list[PartitionSummary]) -> None:
    """The single-machine checks that the weights' total, and a regression target times it,
    stay within float64's sums, and that a log-link target is positive somewhere
    (``check_nonzero_target``), on the totals over all partitions."""
    total = sum(s.weight for s in summaries)
    check_weight_scale(np.array([total]))
    if summaries[0].classes is None:
        check_target_scale(objective, np.array(working._target_range), np.array([total, 0.0]))
        check_nonzero_target(objective, sum(s.positive_weight for s in summaries))


def _warn_small_weights(working, objective, summaries: list[PartitionSummary],
                        light: str | None) -> None:
    """The single-machine fit's warning for weights too small for ``min_hessian``, from the
    mean positive weight over all partitions, else the one for a light class (``light``)."""
    mean = sum(s.weight for s in summaries) / sum(s.n_weighted for s in summaries)
    small = mean_weight_message(objective, mean, working.min_hessian,
                                working.min_samples_leaf) or light
    if small:
        warn_data(small)


def _check_classes(working, summaries: list[PartitionSummary], classes: np.ndarray,
                   init_score: Any) -> str | None:
    """The single-machine fit's checks of a classifier's classes, over all partitions: the
    weight of each class (refused when zero; the warning for a class below twice
    ``min_hessian`` is returned), and a fitted classifier as ``init_score`` must have the same
    classes."""
    light = None
    if len(classes) > 1:
        totals = _class_weights(summaries, classes).sum(axis=0)
        # one "row" per class carrying its total weight gives the same totals
        light = _check_class_weights(classes, np.arange(len(classes)), totals,
                                     working.min_hessian)
    if not is_dask_collection(init_score):  # a partition's block holds numbers
        check_init_score_classes(init_score, classes)
    return light


def _class_weights(summaries: list[PartitionSummary], classes: np.ndarray) -> np.ndarray:
    """A classifier's weight of each of ``classes`` (columns) in each partition (rows)."""
    weights = np.zeros((len(summaries), len(classes)))
    for row, summary in zip(weights, summaries):
        row[np.searchsorted(classes, summary.classes)] = summary.class_weights
    return weights


def _set_target(working, summaries: list[PartitionSummary]) -> np.ndarray | None:
    """The classes over all partitions (classifiers) or the target's range (regressors), set
    on ``working`` as its own ``_encode_target`` sets them."""
    if summaries[0].classes is None:
        ranges = np.array([s.target_range for s in summaries])
        working._target_range = (float(ranges[:, 0].min()), float(ranges[:, 1].max()))
        return None
    try:
        classes = np.unique(np.concatenate([s.classes for s in summaries]))
    except TypeError as error:
        raise ValueError(f"Target y: the partitions' labels cannot be ordered together: "
                         f"{error}") from None
    working._classes = classes
    return classes


def _merged_features(client, futures: list, summarized: list,
                     summary_size: int) -> MergedSummaries:
    """Every feature's summary and distinct count over all partitions (``summarized``:
    futures of their ``PartitionSummary``), merged in a tree on the workers (``sketch``,
    "Merge tree") and finally on the client."""
    level, merges = summarized, []
    while len(level) > MERGE_FAN_IN:
        level = [client.submit(merge_partition_features, *level[i:i + MERGE_FAN_IN],
                               size=MERGE_FAN_IN * summary_size)
                 for i in range(0, len(level), MERGE_FAN_IN)]
        futures.extend(level)
        merges.extend(level)
    merged = merge_partition_features(*_gather(client, futures, level))
    client.cancel(summarized + merges)  # nothing later needs the summaries on the workers
    done = {id(future) for future in summarized + merges}
    futures[:] = [future for future in futures if id(future) not in done]
    return merged


def _declared_binnings(working, first: PartitionSummary) -> list[str | np.ndarray]:
    """Every feature's binning as ``feature_types`` declares it (a date column's for each
    feature derived from it), as ``schema.type_table`` reads it."""
    source = source_columns(first.conversions)
    columns = list(dict.fromkeys(source.get(name, name) for name in first.names))
    declared = dict(zip(columns, validate_feature_types(working.feature_types, len(columns),
                                                        columns)))
    return [declared_binning(declared[source.get(name, name)]) for name in first.names]


def _shared_bins(working, first: PartitionSummary, features: list) -> list:
    """Every feature's bins from its summary over all partitions (``features``), by the
    single-machine binning code. Quantile strategies cut the summary, within its error bound;
    'uniform' needs the exact smallest value, so only an exact summary gives it."""
    bins = []
    for name, kind, order, summary, binning in zip(first.names, first.types, first.orders,
                                                   features, _declared_binnings(working, first)):
        try:
            if kind == CONTINUOUS:
                if isinstance(binning, str) and binning == "uniform" and not summary.exact:
                    raise ValueError(
                        "feature_types 'uniform' needs the exact smallest value, which the Dask "
                        "fit's value summaries lose once a partition holds more than "
                        "summary_size distinct values; raise summary_size, or give the cut "
                        "points in feature_types")
                bins.append(fit_continuous(Column(summary.values), summary.weights,
                                           working.max_bins, working.max_interaction_bins,
                                           binning))
            else:  # category weights
                bins.append(fit_categorical(
                    kind, Column(np.array(list(summary.index), dtype=object)), order,
                    summary.to_numpy(dtype=np.float64), working.max_interaction_bins))
        except ValueError as error:
            raise ValueError(f"Feature {name!r}: {error}") from None
    return bins


def _training_summaries(types: list[str], merged: dict, cuts: dict,
                        statistics: list[PartitionStatistics]) -> dict:
    """InterpretML's per-feature training summaries (``training_summary``) from the merged
    summaries and the partitions' histograms. ``unique_val_counts_`` of a continuous feature
    is exact when every partition sent its values exactly, else a lower bound."""
    edges, histograms, uniques = [], [], []
    bounds = np.full((len(types), 2), np.nan)
    for f, kind in enumerate(types):
        if kind == CONTINUOUS:
            summary = merged[f]
            histograms.append(sum(s.histograms[f] for s in statistics))
            present = not np.isnan(summary.low)
            edges.append(np.concatenate(([summary.low], cuts[f], [summary.high]))
                         if present else None)
            uniques.append(summary.n_distinct)
            if present:
                bounds[f] = summary.low, summary.high
        else:
            histogram = np.asarray(sum(s.bin_weights[f] for s in statistics), dtype=np.float64)
            edges.append(None)
            histograms.append(histogram)
            uniques.append(len(histogram) - 2)
    return {"histogram_edges_": edges, "histogram_weights_": histograms,
            "unique_val_counts_": np.array(uniques, dtype=np.int64), "feature_bounds_": bounds}
