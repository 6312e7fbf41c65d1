"""Fit time of the Dask estimator on 1 and 2 workers of this machine, phase by phase, with the
bytes each phase moves: the measurements behind the scaling model in benchmarks/README.md.

    python benchmarks/dask_scaling.py --rows 1000000 --workers 1,2 --out dask_scaling.json

Rows are generated on the workers partition by partition (``dask.dataframe.from_map`` of
``dask_memory.make_partition``: 20 normal features, a binary target with a main effect, a sine
and a product), so the table never exists in one place. Each worker count gets a fresh
``LocalCluster`` (one thread per worker) and runs the same fit. Timed from the client, in the
order the fit runs them:

- ``summaries``: every partition typed and summarized (each partition's header to the client);
- ``merge``: the value summaries merged on the workers (``sketch``, "Merge tree"), the last few
  sent to the client and merged there;
- ``codes``: the shared bins sent out, every partition binned, its bin statistics returned;
- ``mains``: shards assembled, their bags' main effects boosted, pair strengths returned;
- ``pairs``: the chosen pairs boosted, every shard's bagged tables returned;
- ``finish``: merging and finishing on the client.

With ``--boosting exact`` (one share of the rows per worker, every bag boosted on all shares
at once, ``glassboost.dask.exact``) the phases after ``codes`` are ``shares`` (the shares
assembled, their class counts returned) and ``boost`` (every bag's both stages, and
finishing); the fit's log gives how many sums the shares exchanged and the bytes each sent.

The bytes are the pickled sizes of what each phase sends to the client (Dask's own framing
adds little), and the bytes the workers fetch from each other (their incoming transfers).
With ``early_stopping_rounds=0`` (the default here) every bag runs exactly ``max_rounds``
rounds, so the boosting phases divided by the steps give the time per step; ``--defaults``
fits with the library's defaults instead (early stopping on), to report whole fits.
"""

from __future__ import annotations

import argparse
import json
import logging
import pickle
import time

import cloudpickle
import dask.dataframe as dd
import dask_memory
import numpy as np
from dask_memory import make_partition
from distributed import Client, LocalCluster

import glassboost.dask.fit as dask_fit
from glassboost.dask import DaskExplainableBoostingClassifier

# the workers cannot import this folder's modules: send the generator by value
cloudpickle.register_pickle_by_value(dask_memory)

PHASES = {"shards": ("summaries", "merge", "codes", "mains", "pairs", "finish"),
          "exact": ("summaries", "merge", "codes", "shares", "boost")}


class SumLog(logging.Handler):
    """Keeps the exact fit's log line of its sums: (sums, shares, MB each share sent)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.traffic: tuple | None = None

    def emit(self, record: logging.LogRecord) -> None:
        if "exact boosting summed" in record.msg:
            self.traffic = record.args


class PhaseClock:
    """Wraps the fit's ``_gather`` (each phase ends with one) to time the phases and size what
    they return to the client."""

    def __init__(self) -> None:
        self.marks: list[tuple[float, int]] = []
        self.original = dask_fit._gather

    def __enter__(self) -> "PhaseClock":
        def timed(client, futures, new):
            result = self.original(client, futures, new)
            self.marks.append((time.perf_counter(), len(pickle.dumps(result, protocol=5))))
            return result

        dask_fit._gather = timed
        return self

    def __exit__(self, *exc) -> None:
        dask_fit._gather = self.original


def worker_transfers(client: Client, since: float) -> int:
    """Bytes the workers fetched from each other after ``since`` (``time.time()``), from their
    logs of incoming transfers (their outgoing total also counts what the client gathers)."""
    def fetched(dask_worker) -> int:
        return sum(entry["total"] for entry in dask_worker.transfer_incoming_log
                   if entry["start"] >= since)

    return sum(client.run(fetched).values())


def fit_once(workers: int, args, params: dict) -> dict:
    per_partition = args.rows // args.partitions
    with LocalCluster(n_workers=workers, threads_per_worker=1, dashboard_address=None) \
            as cluster, Client(cluster) as client:
        frame = dd.from_map(make_partition, range(args.partitions), rows=per_partition,
                            features=args.features)
        X, y = frame.drop(columns="y"), frame["y"]
        # compile the kernels on every worker first, so that the timed fit measures boosting
        DaskExplainableBoostingClassifier(**dict(params, max_rounds=3)).fit(
            X.partitions[:workers], y.partitions[:workers])
        since = time.time()
        sum_log = SumLog()
        logger = logging.getLogger("glassboost")
        logger.addHandler(sum_log)
        logger.setLevel(logging.INFO)
        try:
            with PhaseClock() as clock:
                started = time.perf_counter()
                model = DaskExplainableBoostingClassifier(**params).fit(X, y)
                ended = time.perf_counter()
        finally:
            logger.removeHandler(sum_log)
        transfers = worker_transfers(client, since)
    times = np.diff([started] + [t for t, _ in clock.marks] + [ended])
    phases = PHASES[params.get("boosting", "shards")]
    steps = np.asarray(model.best_iteration_)  # (stages, bags); every step without early stopping
    result = {"workers": workers, "rows": per_partition * args.partitions,
              "features": args.features, "partitions": args.partitions, "params": params,
              "fit_s": round(ended - started, 2),
              "phase_s": dict(zip(phases, np.round(times, 2).tolist())),
              "bytes_to_client": dict(zip(phases, [b for _, b in clock.marks])),
              "bytes_between_workers": int(transfers),
              "steps_per_bag": {"mains": steps[0].tolist(), "pairs": steps[1].tolist()},
              "pairs": sum(len(t) == 2 for t in model.term_features_)}
    if sum_log.traffic is not None:
        sums, _, sent_mb = sum_log.traffic
        result.update(sums=sums, mb_sent_per_share=round(sent_mb, 2),
                      bytes_per_sum_per_share=round(sent_mb * 1e6 / sums),
                      boost_ms_per_sum=round(1e3 * result["phase_s"]["boost"] / sums, 3))
        return result
    bags_per_worker = -(-params["outer_bags"] // workers)
    for stage, phase in enumerate(("mains", "pairs") if params.get("early_stopping_rounds") == 0
                                  else ()):
        per_bag = float(np.max(steps[stage])) if steps.shape[1] else 0.0
        if per_bag:
            result[f"{phase}_us_per_step"] = round(
                1e6 * result["phase_s"][phase] / (per_bag * bags_per_worker), 2)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--features", type=int, default=20)
    parser.add_argument("--partitions", type=int, default=16)
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--outer-bags", type=int, default=2)
    parser.add_argument("--max-rounds", type=int, default=100)
    parser.add_argument("--defaults", action="store_true",
                        help="early stopping and max_rounds at the library's defaults")
    parser.add_argument("--n-shards", type=int,
                        help="the estimator's n_shards (default: its own default)")
    parser.add_argument("--boosting", default="shards", choices=("shards", "exact"))
    parser.add_argument("--max-bag-rows", type=int,
                        help="the estimator's max_bag_rows; 0 for None (every bag on every row)")
    parser.add_argument("--out")
    args = parser.parse_args()
    params = {"outer_bags": args.outer_bags, "random_state": 0, "boosting": args.boosting}
    if args.n_shards is not None:
        params["n_shards"] = args.n_shards
    if args.max_bag_rows is not None:
        params["max_bag_rows"] = args.max_bag_rows or None
    if not args.defaults:
        params.update(max_rounds=args.max_rounds, early_stopping_rounds=0)
    results = []
    for workers in [int(w) for w in args.workers.split(",")]:
        results.append(fit_once(workers, args, params))
        print(json.dumps(results[-1]), flush=True)
    if args.out:
        with open(args.out, "w") as out:
            json.dump(results, out, indent=2)


if __name__ == "__main__":
    main()
