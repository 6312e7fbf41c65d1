"""glassboost's private EBMs against InterpretML's, on real data, at several budgets.

    python benchmarks/dp.py --out dp.json        # 4 datasets, epsilon 0.5 .. 8, 5 seeds
    python benchmarks/dp.py --quick              # a harness check, not a result
    python benchmarks/dp.py --private-only --seeds 2 --epsilons 1 --out dp_speed.json
                                                 # the private fits alone (their timings)

Datasets (``benchmarks.datasets``): fertility and mortgages (binary, > 200k rows), CPS1988 and
diamonds (regression, log targets). Rows with a missing value are dropped (private binning takes
complete data). Both libraries get the same declared feature types (numeric columns
continuous, the others nominal), the same public bounds (each continuous feature's range in
the whole table) and, for regression, the same public target range (the target's range in the
whole table): in a real release these come from public knowledge, never from the training
rows. Each seed draws its own 80/20 split; both libraries fit with default parameters and the
seed as ``random_state`` (which makes their noise reproducible, for the benchmark only).
Reported per dataset and epsilon: the held-out AUC (binary) or RMSE (regression) of each
library as mean and standard deviation over the seeds, and fit seconds; once per seed, the
non-private glassboost EBM and LightGBM give the cost of privacy. glassboost's kernels are
compiled by a tiny fit first. Timings need an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import json
import time
import warnings

import numpy as np
import pandas as pd
from sklearn.metrics import mean_squared_error, roc_auc_score
from sklearn.model_selection import train_test_split

import datasets as data_sets
from glassboost import (DPExplainableBoostingClassifier, DPExplainableBoostingRegressor,
                        ExplainableBoostingClassifier, ExplainableBoostingRegressor)

DATASETS = {"fertility": data_sets.fertility, "mortgages": data_sets.mortgages,
            "cps1988": data_sets.cps1988, "diamonds": data_sets.diamonds}
EPSILONS = (0.5, 1.0, 2.0, 4.0, 8.0)


def _prepare(X: pd.DataFrame, y: np.ndarray):
    keep = X.notna().all(axis=1).to_numpy()
    X, y = X[keep].reset_index(drop=True), np.asarray(y)[keep]
    types = ["continuous" if pd.api.types.is_numeric_dtype(X[c])
             and not pd.api.types.is_bool_dtype(X[c]) else "nominal" for c in X.columns]
    for column, kind in zip(X.columns, types):
        if kind == "nominal":
            X[column] = X[column].astype(str)
    bounds = {c: (float(X[c].min()), float(X[c].max()))
              for c, k in zip(X.columns, types) if k == "continuous"}
    bounds = {c: (lo, hi if hi > lo else lo + 1.0) for c, (lo, hi) in bounds.items()}
    return X, y.astype(float), types, bounds


def _score(task: str, y, model, X) -> float:
    if task == "classification":
        return float(roc_auc_score(y, model.predict_proba(X)[:, 1]))
    return float(np.sqrt(mean_squared_error(y, model.predict(X))))


def _timed_fit(model, X, y):
    started = time.perf_counter()
    model.fit(X, y)
    return model, time.perf_counter() - started


def _private_models(task, types, bounds, y_range, epsilon, seed, max_rounds):
    common = dict(feature_types=types, epsilon=epsilon, privacy_bounds=bounds,
                  random_state=seed, max_rounds=max_rounds)
    from interpret.privacy import (DPExplainableBoostingClassifier as IDPC,
                                   DPExplainableBoostingRegressor as IDPR)
    if task == "classification":
        return (DPExplainableBoostingClassifier(**common),
                IDPC(feature_types=types, epsilon=epsilon, privacy_bounds=bounds,
                     random_state=seed, max_rounds=max_rounds))
    target = dict(privacy_target_min=y_range[0], privacy_target_max=y_range[1])
    return (DPExplainableBoostingRegressor(**common, **target),
            IDPR(feature_types=types, epsilon=epsilon, privacy_bounds=bounds,
                 random_state=seed, max_rounds=max_rounds, **target))


def _references(task, seed):
    import lightgbm

    if task == "classification":
        return {"ebm": ExplainableBoostingClassifier(random_state=seed),
                "lightgbm": lightgbm.LGBMClassifier(random_state=seed, verbose=-1)}
    return {"ebm": ExplainableBoostingRegressor(random_state=seed),
            "lightgbm": lightgbm.LGBMRegressor(random_state=seed, verbose=-1)}


def run(names, epsilons, seeds, max_rows, max_rounds, references) -> list[dict]:
    rows = []
    for name in names:
        X, y, task = DATASETS[name]()
        X, y, types, bounds = _prepare(X, y)
        if max_rows and len(X) > max_rows:
            pick = np.random.default_rng(0).choice(len(X), max_rows, replace=False)
            X, y = X.iloc[pick].reset_index(drop=True), y[pick]
        y_range = (float(y.min()), float(y.max()))
        results: dict = {}
        for seed in seeds:
            X_train, X_test, y_train, y_test = train_test_split(
                X, y, test_size=0.2, random_state=seed,
                stratify=y if task == "classification" else None)
            if references:
                for label, model in _references(task, seed).items():
                    if label == "lightgbm":
                        X_fit = X_train.astype({c: "category" for c, k in zip(X.columns, types)
                                                if k == "nominal"})
                        X_eval = X_test.astype({c: pd.CategoricalDtype(
                            X_fit[c].cat.categories) for c, k in zip(X.columns, types)
                            if k == "nominal"})
                    else:
                        X_fit, X_eval = X_train, X_test
                    fitted, seconds = _timed_fit(model, X_fit, y_train)
                    results.setdefault((label, None), []).append(
                        (_score(task, y_test, fitted, X_eval), seconds))
            for epsilon in epsilons:
                ours, theirs = _private_models(task, types, bounds, y_range, epsilon, seed,
                                               max_rounds)
                for label, model in (("glassboost_dp", ours), ("interpret_dp", theirs)):
                    fitted, seconds = _timed_fit(model, X_train, y_train)
                    results.setdefault((label, epsilon), []).append(
                        (_score(task, y_test, fitted, X_test), seconds))
        for (label, epsilon), values in results.items():
            metric = np.array([v[0] for v in values])
            seconds = np.array([v[1] for v in values])
            rows.append({"dataset": name, "task": task, "rows": len(X), "model": label,
                         "epsilon": epsilon, "metric": "auc" if task == "classification"
                         else "rmse", "mean": float(metric.mean()),
                         "std": float(metric.std()), "seconds": float(seconds.mean()),
                         "seeds": len(values)})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="2,000 rows of two datasets, epsilon 1, one seed, 30 rounds")
    parser.add_argument("--out", help="write the rows as JSON here")
    parser.add_argument("--private-only", action="store_true",
                        help="skip the non-private EBM and LightGBM references")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--epsilons", default=",".join(f"{e:g}" for e in EPSILONS))
    args = parser.parse_args()
    warnings.filterwarnings("ignore", message=".*random_state.*")
    warnings.filterwarnings("ignore", category=UserWarning, module="interpret")
    # compile the kernels first, so that timings exclude it
    tiny = pd.DataFrame({"a": np.linspace(0, 1, 50)})
    DPExplainableBoostingClassifier(max_rounds=2, feature_types=["continuous"],
                                    privacy_bounds={"a": (0, 1)}, random_state=0
                                    ).fit(tiny, np.arange(50) % 2)
    if args.quick:
        rows = run(["mortgages", "cps1988"], (1.0,), (0,), 2_000, 30, references=False)
    else:
        rows = run(list(DATASETS), tuple(float(e) for e in args.epsilons.split(",")),
                   range(args.seeds), None, 300, references=not args.private_only)
    print(f"{'dataset':10} {'model':14} {'eps':>5} {'metric':>6} {'mean':>8} {'std':>7} "
          f"{'seconds':>8}")
    for row in rows:
        eps = "-" if row["epsilon"] is None else f"{row['epsilon']:g}"
        print(f"{row['dataset']:10} {row['model']:14} {eps:>5} {row['metric']:>6} "
              f"{row['mean']:8.4f} {row['std']:7.4f} {row['seconds']:8.2f}")
    if args.out:
        with open(args.out, "w") as handle:
            json.dump(rows, handle, indent=1)


if __name__ == "__main__":
    main()
