"""What one round of exact data-parallel boosting would cost on Dask (a design measurement: that
mode is not built).

    python benchmarks/dask_exact_round.py --rounds 200 --out dask_exact_round.json

In exact mode every boosting pass is a round trip: each worker sums the histograms (gradient
and hessian per bin, per term of the pass) over its rows, the client adds them up, chooses the
trees and sends the update back, and every worker applies it before the next pass. This script
times that round trip on a LocalCluster of 2 worker processes (1 thread each) with the payload
of a real model's pass, through an Actor per worker (state stays on the worker between rounds)
and through one task per worker per round, and counts messages and bytes. The histogram sums
themselves are left out (they are the same work as on one machine). Timings on a shared
machine are only indicative: re-measure on an idle one.
"""

from __future__ import annotations

import argparse
import json
import pickle
import time

import numpy as np
from distributed import Client, LocalCluster

from glassboost import ExplainableBoostingClassifier
from glassboost.datasets import load_credit


class HistogramSource:
    """Stands in for a worker's share of exact boosting: holds its histograms between rounds,
    applies the update it is sent and returns the next pass's histograms."""

    def __init__(self, cells: int):
        self.histograms = np.random.default_rng(0).random((cells, 2))

    def round(self, update: np.ndarray) -> np.ndarray:
        n = min(len(update), len(self.histograms))
        self.histograms[:n, 0] += update[:n]
        return self.histograms


def _histograms(histograms: np.ndarray, update: np.ndarray) -> np.ndarray:
    return histograms


def pass_payloads() -> dict:
    """Histogram cells of one pass on the credit model: every main term (a cyclic round in one
    block pass), one main term (a greedy step), and every chosen pair."""
    frame = load_credit()
    y = frame.pop("Status")
    model = ExplainableBoostingClassifier(outer_bags=1).fit(frame, y)
    mains = [len(np.ravel(s)) for t, s in zip(model.term_features_, model.term_scores_)
             if len(t) == 1]
    pairs = [s.size for t, s in zip(model.term_features_, model.term_scores_) if len(t) == 2]
    return {"round of every main term": sum(mains), "greedy step (largest main term)": max(mains),
            "round of every pair": sum(pairs),
            "steps per bag (main, pair), best": [int(s) for s in
                                                model.best_iteration_[:, 0]]}


def median_round(client: Client, workers: list[str], cells: int, rounds: int,
                 actors: bool) -> float:
    update = np.zeros(16)  # a step's update: a few leaf values
    if actors:
        sources = [client.submit(HistogramSource, cells, workers=[w], actor=True).result()
                   for w in workers]
    else:
        state = [client.submit(np.random.default_rng(0).random, (cells, 2), workers=[w],
                               pure=False) for w in workers]
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        if actors:
            results = [future.result() for future in [s.round(update) for s in sources]]
        else:
            results = client.gather([client.submit(_histograms, s, update, workers=[w],
                                                   pure=False)
                                     for s, w in zip(state, workers)])
        np.sum(results, axis=0)  # the client's reduction
        times.append(time.perf_counter() - started)
    return float(np.median(times))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--out")
    args = parser.parse_args()
    payloads = pass_payloads()
    steps = payloads.pop("steps per bag (main, pair), best")
    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        workers = list(client.nthreads())
        rows = []
        for name, cells in [("empty", 0), *payloads.items()]:
            payload = len(pickle.dumps(np.zeros((cells, 2))))
            row = {"pass": name, "histogram cells": cells,
                   "bytes per worker per round": payload,
                   "messages per round": 2 * len(workers),
                   "actor round trip ms": round(1e3 * median_round(
                       client, workers, cells, args.rounds, actors=True), 3),
                   "task round trip ms": round(1e3 * median_round(
                       client, workers, cells, args.rounds, actors=False), 3)}
            rows.append(row)
            print(json.dumps(row), flush=True)
    result = {"workers": len(workers), "credit steps per bag (main, pair)": steps, "rounds": rows}
    print(json.dumps(result["credit steps per bag (main, pair)"]))
    if args.out:
        with open(args.out, "w") as out:
            json.dump(result, out, indent=2)


if __name__ == "__main__":
    main()
