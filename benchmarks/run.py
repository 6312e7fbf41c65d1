"""glassboost vs InterpretML vs LightGBM on real datasets: fit time, accuracy, predict speed, memory.

    python benchmarks/run.py --out results.json
    python benchmarks/run.py --quick --datasets credit,cps1988 --out quick.json

Every fit runs in its own freshly spawned process (see ``measure.in_fresh_process``). A fit that
has not finished after ``--timeout`` seconds (default 30 minutes) is stopped and reported as such.
"""

from __future__ import annotations

import argparse
import json
import warnings
from pathlib import Path
from time import perf_counter
from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

import datasets
from measure import (ProcessTreeMemory, held_out_metric, in_fresh_process, peak_rss_mib,
                     rows_per_second, warm_up_glassboost)

LIBRARIES = ("glassboost", "interpret", "lightgbm")
QUICK_ROWS = 3000
QUICK_OUTER_BAGS = 2
AUC_TOLERANCE = 0.003  # glassboost AUC >= InterpretML AUC - this
RMSE_TOLERANCE = 1.01  # glassboost RMSE <= InterpretML RMSE * this
SPEEDUP_TARGET = 10.0  # InterpretML fit seconds / glassboost fit seconds
TIMEOUT_S = 1800.0  # a fit still running after this is stopped and reported as unfinished


def split(name: str, quick: bool, categorical: bool) -> tuple[Any, Any, Any, Any, str]:
    """Load a dataset and return the benchmark's train/test split (and its task).

    With ``quick``, a random subsample of QUICK_ROWS rows is split instead. With ``categorical``,
    string columns become pandas categoricals (LightGBM's native categorical input).
    """
    X, y, task = datasets.load(name)
    if quick and len(X) > QUICK_ROWS:
        rows = np.sort(np.random.default_rng(0).choice(len(X), QUICK_ROWS, replace=False))
        X, y = X.iloc[rows].reset_index(drop=True), y[rows]
    if categorical:
        strings = X.select_dtypes(include="object").columns
        X = X.astype({column: "category" for column in strings})
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=0)
    return X_train, X_test, y_train, y_test, task


def make_model(library: str, task: str, quick: bool) -> Any:
    """The estimator of ``library`` with the benchmark's settings (defaults for the EBMs)."""
    ebm_params = {"outer_bags": QUICK_OUTER_BAGS} if quick else {}
    classification = task in (datasets.CLASSIFICATION, datasets.MULTICLASS)
    if library == "glassboost":
        from glassboost import ExplainableBoostingClassifier, ExplainableBoostingRegressor
    elif library == "interpret":
        from interpret.glassbox import ExplainableBoostingClassifier, ExplainableBoostingRegressor
    else:
        from lightgbm import LGBMClassifier, LGBMRegressor

        model = LGBMClassifier if classification else LGBMRegressor
        return model(n_estimators=500, learning_rate=0.05, verbose=-1)
    model = ExplainableBoostingClassifier if classification else ExplainableBoostingRegressor
    return model(**ebm_params)


def fit_and_score(library: str, name: str, quick: bool) -> dict:
    """Child-process job: fit one library on one dataset, measure it and score the test set."""
    X_train, X_test, y_train, y_test, task = split(name, quick, library == "lightgbm")
    result: dict[str, Any] = {}
    warnings.filterwarnings("ignore", message="Missing values detected")  # InterpretML's notice
    model = make_model(library, task, quick)
    if library == "glassboost":
        result["warmup_s"] = warm_up_glassboost(task, model, (X_train, y_train))
    result["rss_before_fit_mib"] = peak_rss_mib()
    with ProcessTreeMemory() as tree:
        start = perf_counter()
        model.fit(X_train, y_train)
        result["fit_s"] = perf_counter() - start
    result["self_peak_rss_mib"] = peak_rss_mib()
    result["tree_peak_rss_mib"] = tree.peak_mib
    result["peak_rss_mib"] = max(result["self_peak_rss_mib"], tree.peak_mib)

    result["metric"] = held_out_metric(model, X_test, y_test, task)
    predict = model.predict if task == datasets.REGRESSION else model.predict_proba
    if library == "glassboost":
        result["predict_rows_per_s"] = rows_per_second(predict, X_test)
    result.update(task=task, rows=len(X_train) + len(X_test), features=X_train.shape[1])
    return result


def compare(row: dict) -> dict:
    """Add the glassboost-vs-InterpretML accuracy delta, speed ratio and their PASS/FAIL, and the
    ratio of glassboost's fit time to LightGBM's."""
    if "lightgbm_fit_s" in row and "glassboost_fit_s" in row:
        row["lgbm_ratio"] = row["glassboost_fit_s"] / row["lightgbm_fit_s"]
    if "interpret_metric" not in row:
        return row
    gb, ebm = row["glassboost_metric"], row["interpret_metric"]
    if row["task"] != datasets.REGRESSION:
        row["metric_delta"] = gb - ebm
        row["accuracy"] = "PASS" if gb >= ebm - AUC_TOLERANCE else "FAIL"
    else:
        row["metric_delta"] = gb / ebm - 1.0
        row["accuracy"] = "PASS" if gb <= ebm * RMSE_TOLERANCE else "FAIL"
    row["fit_ratio"] = row["interpret_fit_s"] / row["glassboost_fit_s"]
    row["speed"] = "PASS" if row["fit_ratio"] >= SPEEDUP_TARGET else "FAIL"
    return row


def benchmark(name: str, libraries: list[str], quick: bool, timeout: float) -> dict:
    """Run every library on one dataset, each fit in a fresh process, and return one row."""
    row: dict[str, Any] = {"dataset": name}
    for library in libraries:
        result = in_fresh_process(fit_and_score, library, name, quick, timeout=timeout)
        if result is None:
            row[f"{library}_unfinished_s"] = timeout
            print(f"  {name:<10} {library:<10} did not finish within {timeout:.0f} s", flush=True)
            continue
        row.update(task=result.pop("task"), rows=result.pop("rows"),
                   features=result.pop("features"))
        row.update({f"{library}_{key}": value for key, value in result.items()})
        print(f"  {name:<10} {library:<10} fit {result['fit_s']:8.2f} s  "
              f"metric {result['metric']:.4f}  peak RSS {result['peak_rss_mib']:7.0f} MiB",
              flush=True)
    return compare(row)


def table(rows: list[dict]) -> pd.DataFrame:
    """The printed summary: one line per dataset."""
    frame = pd.DataFrame(rows)
    columns = {
        "dataset": "dataset", "task": "task", "rows": "rows", "features": "feats",
        "glassboost_fit_s": "gb_fit_s", "interpret_fit_s": "ebm_fit_s",
        "lightgbm_fit_s": "lgbm_fit_s", "fit_ratio": "ebm/gb", "speed": "speed",
        "lgbm_ratio": "gb/lgbm", "interpret_unfinished_s": "ebm_unfinished_s",
        "glassboost_metric": "gb_metric", "interpret_metric": "ebm_metric",
        "lightgbm_metric": "lgbm_metric", "metric_delta": "delta", "accuracy": "accuracy",
        "glassboost_predict_rows_per_s": "gb_pred_rows/s", "glassboost_peak_rss_mib": "gb_MiB",
        "interpret_peak_rss_mib": "ebm_MiB", "lightgbm_peak_rss_mib": "lgbm_MiB",
        "glassboost_warmup_s": "gb_warmup_s",
    }
    frame = frame[[c for c in columns if c in frame]].rename(columns=columns)
    frame["task"] = frame["task"].map({datasets.CLASSIFICATION: "AUC",
                                       datasets.MULTICLASS: "AUC-ovr",
                                       datasets.REGRESSION: "RMSE"})
    return frame.rename(columns={"task": "metric"})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default=",".join(datasets.COMPARED),
                        help=f"comma-separated names among {', '.join(datasets.DATASETS)} "
                             f"(default: {', '.join(datasets.COMPARED)})")
    parser.add_argument("--skip-interpret", action="store_true", help="do not fit InterpretML")
    parser.add_argument("--quick", action="store_true",
                        help=f"subsample to {QUICK_ROWS} rows and use outer_bags="
                             f"{QUICK_OUTER_BAGS} for both EBMs (checks the harness only)")
    parser.add_argument("--timeout", type=float, default=TIMEOUT_S,
                        help=f"seconds after which a fit is stopped and reported as unfinished "
                             f"(default {TIMEOUT_S:g})")
    parser.add_argument("--out", type=Path, default=Path("results.json"),
                        help="JSON results; a CSV with the same stem is written next to it")
    args = parser.parse_args()

    names = [n.strip() for n in args.datasets.split(",") if n.strip()]
    unknown = [n for n in names if n not in datasets.DATASETS]
    if unknown:
        parser.error(f"unknown datasets {unknown}; choose from {', '.join(datasets.DATASETS)}")
    libraries = [lib for lib in LIBRARIES if not (args.skip_interpret and lib == "interpret")]

    rows = []
    for name in names:
        rows.append(benchmark(name, libraries, args.quick, args.timeout))
        args.out.write_text(json.dumps({"quick": args.quick, "results": rows}, indent=2))
        pd.DataFrame(rows).to_csv(args.out.with_suffix(".csv"), index=False)
    with pd.option_context("display.width", 250, "display.max_columns", 30,
                           "display.float_format", "{:.4g}".format):
        print(table(rows).to_string(index=False))
    print(f"targets: AUC >= InterpretML - {AUC_TOLERANCE}, RMSE <= InterpretML x {RMSE_TOLERANCE}, "
          f"InterpretML/glassboost fit time >= {SPEEDUP_TARGET:g}; delta is AUC difference or "
          f"relative RMSE change; gb/lgbm is glassboost's fit time over LightGBM's. Results: {args.out}, {args.out.with_suffix('.csv')}")


if __name__ == "__main__":
    main()
