"""Fit glassboost once on a benchmark dataset with given parameters; print time, steps, metric.

    python benchmarks/fit_one.py ga2m '{"outer_bags": 4, "early_stopping_noise": 0.0}'

The split is ``run.py``'s (80/20, ``random_state=0``). Steps are the best step of every bag per
stage (``best_iteration_``), so a parameter's effect on the work done can be read without timing.
"""
import json
import sys
import time

import datasets
from measure import held_out_metric
from sklearn.model_selection import train_test_split
from glassboost import ExplainableBoostingClassifier, ExplainableBoostingRegressor

name = sys.argv[1]
params = json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}
X, y, task = datasets.load(name)
Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.2, random_state=0)
cls = ExplainableBoostingRegressor if task == "regression" else ExplainableBoostingClassifier
m = cls(**params)
t = time.perf_counter(); m.fit(Xtr, ytr); fit_s = time.perf_counter() - t
metric = held_out_metric(m, Xte, yte, task)
steps = m.best_iteration_
print(json.dumps({"data": name, "params": params, "fit_s": round(fit_s, 2), "metric": round(metric, 5),
                  "main_steps": [int(s) for s in steps[0]], "pair_steps": [int(s) for s in steps[1]],
                  "n_pairs": sum(len(t) == 2 for t in m.term_features_)}))
