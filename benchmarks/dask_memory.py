"""Peak worker memory of a Dask fit against the raw data's size (memory, not time: valid on a
busy machine).

    python benchmarks/dask_memory.py --rows 1000000 --features 20 --out dask_memory.json

The rows are generated on the workers partition by partition (``dask.dataframe.from_map``), so
the raw table never exists in one place: each worker reads its partitions twice (summaries,
then codes) and keeps only their codes. A thread samples every worker process's resident
memory (psutil) every 0.2 s during the fit; the peak of each is reported next to the raw
float64 bytes of the rows it boosts and the bytes of its codes. For reference, the same
measurement of the single-machine fit of one worker's share of the rows (half of them, made
in this process) follows.
"""

from __future__ import annotations

import argparse
import json
import os
import threading
import time
from contextlib import contextmanager
from typing import Iterator

import dask.dataframe as dd
import numpy as np
import pandas as pd
from dask.utils import key_split
from distributed import Client, LocalCluster

from glassboost import ExplainableBoostingClassifier
from glassboost.dask import DaskExplainableBoostingClassifier


def make_features(seed: int, rows: int, features: int) -> pd.DataFrame:
    """The generated rows' features: independent standard normals."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame(rng.normal(size=(rows, features)),
                        columns=[f"x{i}" for i in range(features)])


def make_target(frame: pd.DataFrame, seed: int) -> pd.Series:
    """A Bernoulli label of the features' GA2M logit ``x0 + sin(2 x1) + x2 x3 / 2``."""
    logit = frame["x0"] + np.sin(2 * frame["x1"]) + 0.5 * frame["x2"] * frame["x3"]
    rng = np.random.default_rng([seed, 1])
    return pd.Series((rng.random(len(frame)) < 1 / (1 + np.exp(-logit))).astype(np.int8),
                     name="y")


def make_partition(seed: int, rows: int, features: int) -> pd.DataFrame:
    """The features and their label (``y``) in one frame, for a fit in this process."""
    frame = make_features(seed, rows, features)
    frame["y"] = make_target(frame, seed)
    return frame


def target_of(seed: int, rows: int, features: int) -> pd.Series:
    """The label of ``make_features(seed, rows, features)``, as ``make_partition`` gives it."""
    return make_target(make_features(seed, rows, features), seed)


def generated_on_workers(partitions: int, rows: int, features: int) -> tuple:
    """(X, y) as Dask collections of ``partitions`` partitions of ``rows`` rows, generated on
    the workers by maps of their own: a partition's features are not copied out of a frame
    with its label (the label's map makes them again and keeps only the label)."""
    X = dd.from_map(make_features, range(partitions), rows=rows, features=features)
    y = dd.from_map(target_of, range(partitions), rows=rows, features=features)
    return X, y


def resident_bytes() -> int:
    import psutil

    return psutil.Process(os.getpid()).memory_info().rss


def local_peak(rows: int, features: int, params: dict) -> tuple[int, int]:
    """(resident bytes before, peak during) a single-machine fit of ``rows`` generated rows,
    generation included."""
    before, peak, done = resident_bytes(), [resident_bytes()], threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], resident_bytes())
            time.sleep(0.05)

    sampler = threading.Thread(target=sample)
    sampler.start()
    frame = make_partition(0, rows, features)
    ExplainableBoostingClassifier(n_jobs=1, **params).fit(frame.drop(columns="y"), frame["y"])
    done.set()
    sampler.join()
    return before, peak[0]


def worker_state(dask_worker) -> dict:
    """A worker's resident bytes, the bytes of its stored results in memory and on disk
    (spilled), and the names of the tasks it is running."""
    spilled = getattr(dask_worker.data, "spilled_total", None)
    on_disk = int(spilled.disk) if spilled is not None else 0
    in_memory = int(dask_worker.state.nbytes) - (int(spilled.memory) if spilled else 0)
    running = sorted({key_split(ts.key) for ts in dask_worker.state.executing})
    return {"rss": resident_bytes(), "stored": in_memory, "spilled": on_disk,
            "running": running}


@contextmanager
def worker_peaks(client: Client, timeline: str | None = None) -> Iterator[dict]:
    """Every worker's resident bytes, sampled every 0.2 s while the block runs: the dict
    (worker -> bytes) holds the peak of each, from their values at the start. With
    ``timeline``, a JSON line of every worker's ``worker_state`` is written to that file about
    once a second (seconds since the start, then per worker), to see which phase held what."""
    peaks, done = dict(client.run(resident_bytes)), threading.Event()
    started = time.perf_counter()

    def sample():
        log = open(timeline, "w") if timeline else None
        samples = 0
        while not done.is_set():
            if log is not None and samples % 5 == 0:
                states = client.run(worker_state)
                log.write(json.dumps({"s": round(time.perf_counter() - started, 1),
                                      "workers": states}) + "\n")
                log.flush()
                rss = {worker: state["rss"] for worker, state in states.items()}
            else:
                rss = client.run(resident_bytes)
            for worker, value in rss.items():
                peaks[worker] = max(peaks.get(worker, 0), value)
            samples += 1
            time.sleep(0.2)
        if log is not None:
            log.close()

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield peaks
    finally:
        done.set()
        sampler.join()


def report(result: dict, out: str | None) -> None:
    """Print the result, and write it to ``out`` as JSON when given."""
    print(json.dumps(result, indent=2))
    if out:
        with open(out, "w") as file:
            json.dump(result, file, indent=2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--features", type=int, default=20)
    parser.add_argument("--partitions", type=int, default=16)
    parser.add_argument("--outer-bags", type=int, default=2)
    parser.add_argument("--max-rounds", type=int, default=100)
    parser.add_argument("--out")
    args = parser.parse_args()
    per_partition = args.rows // args.partitions
    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        X, y = generated_on_workers(args.partitions, per_partition, args.features)
        baseline = client.run(resident_bytes)
        params = dict(outer_bags=args.outer_bags, max_rounds=args.max_rounds, interactions=0,
                      early_stopping_rounds=0)
        with worker_peaks(client) as peaks:
            started = time.perf_counter()
            model = DaskExplainableBoostingClassifier(**params).fit(X, y)
            seconds = time.perf_counter() - started
    rows = per_partition * args.partitions
    local_before, local_peak_bytes = local_peak(rows // 2, args.features,
                                                dict(params, outer_bags=1))
    code_bytes = sum(2 if b.n_bins > 255 else 1 for b in model.to_local()._feature_bins()) \
        + sum(2 if b.n_interaction_bins > 255 else 1 for b in model.to_local()._feature_bins())
    result = {"rows": rows, "features": args.features, "workers": len(peaks),
              "raw float64 bytes, all rows": rows * args.features * 8,
              "raw float64 bytes per worker (half the rows)": rows * args.features * 4,
              "code bytes per row (fine + coarse)": code_bytes,
              "peak worker resident bytes": sorted(peaks.values()),
              "worker resident bytes before the fit": sorted(baseline.values()),
              "fit seconds (busy machine)": round(seconds, 1),
              "single-machine fit of half the rows, one bag: resident bytes before, peak":
              [local_before, local_peak_bytes]}
    report(result, args.out)


if __name__ == "__main__":
    main()
