"""A Dask fit on more rows than the workers' combined memory limit holds as raw float64.

    python benchmarks/dask_out_of_core.py --outer-bags 4 --out dask_out_of_core.json
    python benchmarks/dask_out_of_core.py --rows 20000000 --features 20 --partitions 64 \
        --memory-limit 1GB --interactions 3x --timeline timeline.jsonl

The rows are generated on the workers partition by partition (``dask.dataframe.from_map``), so
the raw table never exists in one place, and each worker has ``--memory-limit`` (Dask's own
limit: it spills stored results to disk at 70% and restarts a worker at 95%). The fit uses the
estimator's defaults except ``--interactions``: 10 here by default, as at 100 features the
default "3x" stores more bytes of pair cells per row than the raw row has (docs/dask.md,
"Memory"). The defaults here are the first run that docs/dask.md reports (5M rows of 100
features, 4.0 GB raw, on 2 workers of 1.75 GB); the second command is the 20M-row one (every
parameter at its default). A thread samples every worker's resident memory every 0.2 s, and
with ``--timeline`` writes every worker's memory, spilled bytes and running tasks about once a
second. The fit logs its shards before boosting. Then a single-machine fit of the same
parameters on ``--sample`` rows of the same generator gives the reference, and both models are
scored on ``--test`` fresh rows.
"""

from __future__ import annotations

import argparse
import json
import logging
import time

from dask.utils import parse_bytes
from distributed import Client, LocalCluster
from sklearn.metrics import roc_auc_score

from dask_memory import (generated_on_workers, make_partition, report, resident_bytes,
                         worker_peaks)
from glassboost import ExplainableBoostingClassifier
from glassboost.dask import DaskExplainableBoostingClassifier

#: Seeds of the reference sample and the test rows: none of the cluster's partitions use them.
SAMPLE_SEED, TEST_SEED = 10**6, 10**6 + 1


def fit_on_cluster(args: argparse.Namespace, params: dict) -> tuple[object, dict]:
    """The distributed fit, with each worker's resident memory before and at its peak."""
    per_partition = args.rows // args.partitions
    with LocalCluster(n_workers=2, threads_per_worker=1, memory_limit=args.memory_limit,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        X, y = generated_on_workers(args.partitions, per_partition, args.features)
        before = client.run(resident_bytes)
        with worker_peaks(client, args.timeline) as peaks:
            started = time.perf_counter()
            model = DaskExplainableBoostingClassifier(**params).fit(X, y)
            seconds = time.perf_counter() - started
    return model.to_local(), {"fit_s": round(seconds, 1), "n_shards": model.n_shards_,
                              "worker_rss_before_fit": sorted(before.values()),
                              "worker_rss_peak": sorted(peaks.values())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--features", type=int, default=100)
    parser.add_argument("--partitions", type=int, default=32)
    parser.add_argument("--memory-limit", default="1.75GB", help="per worker (2 workers)")
    parser.add_argument("--interactions", default="10")
    parser.add_argument("--outer-bags", type=int, default=None, help="default: the estimator's")
    parser.add_argument("--sample", type=int, default=500_000)
    parser.add_argument("--test", type=int, default=200_000)
    parser.add_argument("--out")
    parser.add_argument("--timeline", help="a file for every worker's memory and running tasks, "
                        "about once a second (JSON lines)")
    args = parser.parse_args()
    logging.basicConfig(format="%(asctime)s %(message)s")
    logging.getLogger("glassboost").setLevel(logging.INFO)  # the shards, before boosting
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
