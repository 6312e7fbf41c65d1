"""Fit glassboost on a benchmark dataset with given parameters; print time, steps, metric.

    python benchmarks/fit_one.py ga2m '{"outer_bags": 4, "early_stopping_noise": 0.0}'
    python benchmarks/fit_one.py penguins --splits 5

The split is ``run.py``'s (80/20, ``random_state=0``); ``--splits k`` fits k splits
(``random_state`` 0 to k-1), one line each, then their mean metric and total fit time. The
kernels are compiled before the first timed fit (``measure.warm_up_glassboost``). Steps are the
best step of every bag per stage (``best_iteration_``), so a parameter's effect on the work done
can be read without timing.
"""
import argparse
import json
import time

import datasets
import numpy as np
from measure import add_dataset_arguments, estimator_class, held_out_metric, warm_up_glassboost
from sklearn.model_selection import train_test_split

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
add_dataset_arguments(parser)
parser.add_argument("--splits", type=int, default=1)
args = parser.parse_args()
X, y, task = datasets.load(args.dataset)
metrics, seconds = [], []
for seed in range(args.splits):
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.2, random_state=seed)
    m = estimator_class(task)(**args.params)
    if seed == 0:
        warm_up_glassboost(task, m, (Xtr, ytr))
    t = time.perf_counter(); m.fit(Xtr, ytr); seconds.append(time.perf_counter() - t)
    metrics.append(held_out_metric(m, Xte, yte, task))
    steps = m.best_iteration_
    print(json.dumps({"data": args.dataset, "params": args.params, "split": seed,
                      "fit_s": round(seconds[-1], 2), "metric": round(metrics[-1], 5),
                      "main_steps": [int(s) for s in steps[0]],
                      "pair_steps": [int(s) for s in steps[1]],
                      "n_pairs": sum(len(t) == 2 for t in m.term_features_)}))
if args.splits > 1:
    print(json.dumps({"data": args.dataset, "splits": args.splits,
                      "mean_metric": round(float(np.mean(metrics)), 5),
                      "total_fit_s": round(float(np.sum(seconds)), 2)}))
