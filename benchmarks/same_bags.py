"""glassboost and InterpretML on the same bags: the accuracy gap without the luck of the draw.

    python benchmarks/same_bags.py doctor_contacts --bags 14 --out same_bags.json
    python benchmarks/same_bags.py credit --bags 4 --glassboost '{"early_stopping_noise": 0}'

Each library draws its own random validation rows per bag, and on a noisy table which rows
validate moves the held-out metric by as much as the libraries differ. Here one bag matrix
(``--bags`` columns, ``validation_size`` of the rows held out in each, drawn with ``--seed``)
goes to both fits through ``fit(X, y, bags=...)``, on ``run.py``'s 80/20 split. Reported: the
held-out metric of the bagged model and of every bag's own model (its tables and intercept
alone), and both fit times. InterpretML runs with ``n_jobs=2``; timings need an idle machine.
"""
from __future__ import annotations

import argparse
import copy
import json
import time

import numpy as np
from sklearn.model_selection import train_test_split

import datasets
from measure import held_out_metric


def draw_bags(n_rows: int, n_bags: int, validation_size: float, seed: int) -> np.ndarray:
    """InterpretML's bag matrix (n_rows, n_bags): 1 trains, -1 validates."""
    rng = np.random.default_rng(seed)
    bags = np.ones((n_rows, n_bags), dtype=np.int8)
    for b in range(n_bags):
        bags[rng.choice(n_rows, int(validation_size * n_rows), replace=False), b] = -1
    return bags


def bag_scores(model, X, y, task: str) -> list[float]:
    """The metric of each bag's own model: the bagged tables and intercept of that bag."""
    scores = []
    for b in range(model.bagged_scores_[0].shape[0]):
        single = copy.deepcopy(model)
        single.term_scores_ = [s[b] for s in model.bagged_scores_]
        single.intercept_ = model.bagged_intercept_[b]
        scores.append(round(held_out_metric(single, X, y, task), 5))
    return scores


def fit(library: str, task: str, params: dict, n_bags: int, data: tuple,
        bags: np.ndarray) -> dict:
    """One library's fit on ``bags``: its parameters, fit time, held-out and per-bag metrics."""
    if library == "interpret":
        from interpret.glassbox import (ExplainableBoostingClassifier,
                                        ExplainableBoostingRegressor)
        params = {"n_jobs": 2, **params}
    else:
        from glassboost import ExplainableBoostingClassifier, ExplainableBoostingRegressor
    cls = ExplainableBoostingRegressor if task == "regression" else ExplainableBoostingClassifier
    Xtr, Xte, ytr, yte = data
    model = cls(outer_bags=n_bags, **params)
    start = time.perf_counter()
    model.fit(Xtr, ytr, bags=bags)
    fit_s = time.perf_counter() - start
    return {"library": library, "params": params, "fit_s": round(fit_s, 2),
            "metric": round(held_out_metric(model, Xte, yte, task), 5),
            "bag_metrics": bag_scores(model, Xte, yte, task)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset", choices=sorted(datasets.DATASETS))
    parser.add_argument("--bags", type=int, default=14)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--validation-size", type=float, default=0.15)
    parser.add_argument("--glassboost", default="{}", help="glassboost parameters (JSON)")
    parser.add_argument("--interpret", default="{}", help="InterpretML parameters (JSON)")
    parser.add_argument("--out")
    args = parser.parse_args()
    X, y, task = datasets.load(args.dataset)
    data = train_test_split(X, y, test_size=0.2, random_state=0)
    bags = draw_bags(len(data[0]), args.bags, args.validation_size, args.seed)
    results = [fit("glassboost", task, json.loads(args.glassboost), args.bags, data, bags),
               fit("interpret", task, json.loads(args.interpret), args.bags, data, bags)]
    for result in results:
        print(json.dumps(result), flush=True)
    if args.out:
        with open(args.out, "w") as handle:
            json.dump({"dataset": args.dataset, "task": task, "bags": args.bags,
                       "seed": args.seed, "results": results}, handle, indent=1)


if __name__ == "__main__":
    main()
