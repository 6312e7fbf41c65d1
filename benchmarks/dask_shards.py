"""Accuracy cost of the Dask estimators' bags-per-shard mode against one machine.

    python benchmarks/dask_shards.py --datasets credit,ga2m,cps1988 --shards 1,2,4 \
        --out dask_shards.json

For each dataset (``run.py``'s 80/20 split, ``random_state=0``) it fits the single-machine
estimator and the Dask estimator with 1, 2, 4 ... shards on a LocalCluster of 2 worker
processes (1 thread each), 16 partitions, the same ``outer_bags`` (8 by default, spread over the
shards) and seeds, and reports the held-out metric of each (AUC, or RMSE for regression), the
difference from one machine, and the fit times as ratios to the single-machine fit in the same
run (one thread for it too: ``n_jobs=1``). One shard is the single-machine algorithm on the same
rows, so its metric must equal the local one; more shards each boost their bags on 1/k of the
rows. Timings on a shared machine are only indicative: re-measure on an idle one.
"""

from __future__ import annotations

import argparse
import json
import time

import dask.dataframe as dd
import datasets
import numpy as np
import pandas as pd
from distributed import Client, LocalCluster
from sklearn.metrics import mean_squared_error, roc_auc_score
from sklearn.model_selection import train_test_split

from glassboost import ExplainableBoostingClassifier, ExplainableBoostingRegressor
from glassboost.dask import DaskExplainableBoostingClassifier, DaskExplainableBoostingRegressor


def metric(task: str, model, X, y) -> float:
    if task == "classification":
        return float(roc_auc_score(y, model.predict_proba(X)[:, 1]))
    if task == "multiclass":
        return float(roc_auc_score(y, model.predict_proba(X), multi_class="ovr",
                                   labels=model.classes_))
    return float(np.sqrt(mean_squared_error(y, model.predict(X))))


def run(name: str, shards: list[int], outer_bags: int, partitions: int) -> dict:
    X, y, task = datasets.load(name)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.2, random_state=0)
    local_class, dask_class = ((ExplainableBoostingRegressor, DaskExplainableBoostingRegressor)
                               if task == "regression" else
                               (ExplainableBoostingClassifier, DaskExplainableBoostingClassifier))
    params = dict(outer_bags=outer_bags, random_state=0)
    started = time.perf_counter()
    local = local_class(n_jobs=1, **params).fit(Xtr, ytr)
    local_s = time.perf_counter() - started
    result = {"data": name, "task": task, "rows": len(Xtr), "outer_bags": outer_bags,
              "local_metric": round(metric(task, local, Xte, yte), 5), "shards": []}
    dX = dd.from_pandas(Xtr.reset_index(drop=True), npartitions=partitions)
    dy = dd.from_pandas(pd.Series(np.asarray(ytr)), npartitions=partitions)
    for n_shards in shards:
        started = time.perf_counter()
        model = dask_class(n_shards=n_shards, **params).fit(dX, dy)
        seconds = time.perf_counter() - started
        value = metric(task, model.to_local(), Xte, yte)
        result["shards"].append({"n_shards": n_shards, "metric": round(value, 5),
                                 "difference": round(value - result["local_metric"], 5),
                                 "fit_time_ratio": round(seconds / local_s, 2)})
        print(json.dumps({"data": name, **result["shards"][-1]}), flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default="credit,ga2m,cps1988")
    parser.add_argument("--shards", default="1,2,4")
    parser.add_argument("--outer-bags", type=int, default=8)
    parser.add_argument("--partitions", type=int, default=16)
    parser.add_argument("--out")
    args = parser.parse_args()
    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster, \
            Client(cluster):
        results = [run(name, [int(s) for s in args.shards.split(",")], args.outer_bags,
                       args.partitions) for name in args.datasets.split(",")]
    if args.out:
        with open(args.out, "w") as out:
            json.dump(results, out, indent=2)


if __name__ == "__main__":
    main()
