"""A Dask fit on more rows than the workers' combined memory limit holds as raw float64.

    python benchmarks/dask_out_of_core.py --rows 4000000 --features 100 --memory-limit 1.4GB \
        --out dask_out_of_core.json

The rows are generated on the workers partition by partition (``dask.dataframe.from_map``), so
the raw table never exists in one place, and each worker has ``--memory-limit`` (Dask's own
limit: it spills stored results to disk at 70% and restarts a worker at 95%). The fit uses the
estimator's defaults except ``--interactions`` (see benchmarks/README.md for why). A thread
samples every worker's resident memory every 0.2 s. Then a single-machine fit of the same
parameters on ``--sample`` rows of the same generator gives the reference, and both models are
scored on ``--test`` fresh rows.
"""

from __future__ import annotations

import argparse
import json
import time

import dask.dataframe as dd
import pandas as pd
from dask.utils import parse_bytes
from distributed import Client, LocalCluster
from sklearn.metrics import roc_auc_score

from dask_memory import (make_features, make_partition, make_target, report,
                         resident_bytes, worker_peaks)
from glassboost import ExplainableBoostingClassifier
from glassboost.dask import DaskExplainableBoostingClassifier

#: Seeds of the reference sample and the test rows: none of the cluster's partitions use them.
SAMPLE_SEED, TEST_SEED = 10**6, 10**6 + 1


def target_of(seed: int, rows: int, features: int) -> pd.Series:
    """The label of ``make_features(seed, rows, features)``, as ``make_partition`` gives it."""
    return make_target(make_features(seed, rows, features), seed)


def fit_on_cluster(args: argparse.Namespace, params: dict) -> tuple[object, dict]:
    """The distributed fit, with each worker's resident memory before and at its peak."""
    per_partition = args.rows // args.partitions
    with LocalCluster(n_workers=2, threads_per_worker=1, memory_limit=args.memory_limit,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        # X and y from maps of their own: a partition's features are not copied out of a frame
        # with its target (the target's map makes them again and keeps only the label)
        X = dd.from_map(make_features, range(args.partitions), rows=per_partition,
                        features=args.features)
        y = dd.from_map(target_of, range(args.partitions), rows=per_partition,
                        features=args.features)
        before = client.run(resident_bytes)
        with worker_peaks(client) as peaks:
            started = time.perf_counter()
            model = DaskExplainableBoostingClassifier(**params).fit(X, y)
            seconds = time.perf_counter() - started
    return model.to_local(), {"fit_s": round(seconds, 1),
                              "worker_rss_before_fit": sorted(before.values()),
                              "worker_rss_peak": sorted(peaks.values())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=4_000_000)
    parser.add_argument("--features", type=int, default=100)
    parser.add_argument("--partitions", type=int, default=64)
    parser.add_argument("--memory-limit", default="1.4GB", help="per worker (2 workers)")
    parser.add_argument("--interactions", default="10")
    parser.add_argument("--outer-bags", type=int, default=None, help="default: the estimator's")
    parser.add_argument("--sample", type=int, default=500_000)
    parser.add_argument("--test", type=int, default=200_000)
    parser.add_argument("--out")
    args = parser.parse_args()
    interactions = args.interactions if args.interactions.endswith("x") \
        else int(args.interactions)
    params = {"interactions": interactions}
    if args.outer_bags is not None:
        params["outer_bags"] = args.outer_bags
    rows = args.rows // args.partitions * args.partitions
    raw = rows * args.features * 8
    limit = 2 * parse_bytes(args.memory_limit)
    result = {"rows": rows, "features": args.features, "partitions": args.partitions,
              "params": params, "raw_float64_bytes": raw, "combined_memory_limit": limit,
              "raw_over_limit": round(raw / limit, 3)}
    print(json.dumps(result), flush=True)
    distributed_model, measured = fit_on_cluster(args, params)
    result.update(measured)
    print(json.dumps(measured), flush=True)

    sample = make_partition(SAMPLE_SEED, args.sample, args.features)
    started = time.perf_counter()
    local_model = ExplainableBoostingClassifier(**params).fit(sample.drop(columns="y"),
                                                              sample["y"])
    result["sample_fit_s"] = round(time.perf_counter() - started, 1)
    test = make_partition(TEST_SEED, args.test, args.features)
    X_test, y_test = test.drop(columns="y"), test["y"]
    result["auc_distributed"] = roc_auc_score(y_test,
                                              distributed_model.predict_proba(X_test)[:, 1])
    result["auc_sample"] = roc_auc_score(y_test, local_model.predict_proba(X_test)[:, 1])
    result["auc_difference"] = result["auc_distributed"] - result["auc_sample"]
    report(result, args.out)


if __name__ == "__main__":
    main()
