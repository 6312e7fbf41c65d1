"""glassboost at scale: fit time, peak memory and predict speed on 1M, 3M and 10M synthetic rows.

    python benchmarks/scaling.py --out scaling.json
    python benchmarks/scaling.py --max-rounds 100 --outer-bags 2 --out fixed.json  # fixed work
    python benchmarks/scaling.py --sizes 20k,60k --predict-rows 20k --outer-bags 2   # harness check
    python benchmarks/scaling.py --sizes 1M --lightgbm   # with the LightGBM reference
    python benchmarks/scaling.py --sizes 1M --max-bag-rows none   # every bag on every row

Every size is fitted in its own freshly spawned process, with glassboost defaults for a binary
classifier unless --outer-bags or --max-rounds is given. With defaults, early stopping decides
how many steps a fit runs, and more rows support more steps before the validation loss stops
improving; --max-rounds N with early stopping off runs exactly N rounds (N steps per term) per
stage at every size, which measures how the engine's cost grows with the rows alone. The steps
each fit ran are reported either way, and the held-out AUC on the predict rows (drawn from the
same generator with another seed).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from time import perf_counter
from typing import Any

import pandas as pd

import datasets
from measure import in_fresh_process, peak_rss_mib, rows_per_second, warm_up_glassboost

MEMORY_TARGET_GIB = 6.0
SUFFIXES = {"k": 1_000, "m": 1_000_000}


def parse_rows(text: str) -> int:
    """'20k' -> 20000, '3M' -> 3000000, '1500' -> 1500."""
    text = text.strip().lower()
    if text[-1:] in SUFFIXES:
        return int(float(text[:-1]) * SUFFIXES[text[-1]])
    return int(text)


#: Rows of the timed data that the warm-up fits on (above the default ``max_bag_rows``).
WARM_UP_ROWS = 300_000


def fit_size(n_rows: int, outer_bags: int | None, max_rounds: int | None,
             predict_rows: int, lightgbm: bool = False, max_bag_rows: Any = "default") -> dict:
    """Child-process job: generate n_rows, fit glassboost, then time predict_proba on
    ``predict_rows`` new rows and score them (AUC); with ``lightgbm``, the issue's LightGBM
    reference (500 trees, learning rate 0.05) on the same rows after it. ``max_bag_rows``
    overrides glassboost's default unless it is "default"."""
    from sklearn.metrics import roc_auc_score

    from glassboost import ExplainableBoostingClassifier

    X, y = datasets.synthetic(n_rows, seed=0)
    params: dict[str, Any] = {} if outer_bags is None else {"outer_bags": outer_bags}
    if max_rounds is not None:
        params.update(max_rounds=max_rounds, early_stopping_rounds=0)
    if max_bag_rows != "default":
        params["max_bag_rows"] = max_bag_rows
    model = ExplainableBoostingClassifier(**params)
    # the kernel variants this data calls (sampled bags, code widths), compiled on a sample of
    # it: more rows than a bag samples, fewer than the fit's, so the warm-up sets no peak
    sample = slice(0, min(n_rows, WARM_UP_ROWS))
    result: dict[str, Any] = {"rows": n_rows, "warmup_s": warm_up_glassboost(
        "classification", model, (X.iloc[sample], y[sample]))}
    result["rss_before_fit_gib"] = peak_rss_mib() / 1024
    start = perf_counter()
    model.fit(X, y)
    result["fit_s"] = perf_counter() - start
    result["peak_rss_gib"] = peak_rss_mib() / 1024
    result["terms"] = len(model.term_features_)
    result["pairs"] = sum(len(t) == 2 for t in model.term_features_)
    # steps per stage (mains, pairs), the most any bag ran before its best model
    result["main_steps"], result["pair_steps"] = (int(s) for s in
                                                  model.best_iteration_.max(axis=1))
    X_new, y_new = datasets.synthetic(predict_rows, seed=1)
    result["predict_rows"] = predict_rows
    result["predict_rows_per_s"] = rows_per_second(model.predict_proba, X_new)
    result["auc"] = roc_auc_score(y_new, model.predict_proba(X_new)[:, 1])
    if lightgbm:
        from lightgbm import LGBMClassifier

        reference = LGBMClassifier(n_estimators=500, learning_rate=0.05, verbose=-1)
        start = perf_counter()
        reference.fit(X, y)
        result["lightgbm_fit_s"] = perf_counter() - start
        result["lightgbm_auc"] = roc_auc_score(y_new, reference.predict_proba(X_new)[:, 1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1M,3M,10M", help="comma-separated row counts")
    parser.add_argument("--outer-bags", type=int, default=None,
                        help="override glassboost's default outer_bags")
    parser.add_argument("--max-rounds", type=int, default=None,
                        help="run exactly this many rounds per stage (early stopping off)")
    parser.add_argument("--predict-rows", default="1M", help="rows scored by the predict timing")
    parser.add_argument("--lightgbm", action="store_true",
                        help="also fit LightGBM (500 trees, learning rate 0.05) on the same rows")
    parser.add_argument("--max-bag-rows", default="default",
                        help="override glassboost's default max_bag_rows: a row count or 'none'")
    parser.add_argument("--out", type=Path, default=Path("scaling.json"), help="JSON results")
    args = parser.parse_args()

    sizes = [parse_rows(s) for s in args.sizes.split(",") if s.strip()]
    predict_rows = parse_rows(args.predict_rows)
    text = args.max_bag_rows.lower()
    max_bag_rows = text if text == "default" else None if text == "none" else parse_rows(text)
    rows = []
    for n_rows in sizes:
        result = in_fresh_process(fit_size, n_rows, args.outer_bags, args.max_rounds,
                                  predict_rows, args.lightgbm, max_bag_rows)
        result["memory"] = "PASS" if result["peak_rss_gib"] <= MEMORY_TARGET_GIB else "FAIL"
        rows.append(result)
        print(f"  {n_rows:>10,} rows: fit {result['fit_s']:8.1f} s, peak RSS "
              f"{result['peak_rss_gib']:.2f} GiB, steps {result['main_steps']} (mains) "
              f"{result['pair_steps']} (pairs), AUC {result['auc']:.4f}"
              + (f" (LightGBM {result['lightgbm_auc']:.4f} in {result['lightgbm_fit_s']:.1f} s)"
                 if args.lightgbm else ""), flush=True)
        args.out.write_text(json.dumps({"outer_bags": args.outer_bags,
                                        "max_rounds": args.max_rounds,
                                        "max_bag_rows": max_bag_rows, "results": rows},
                                       indent=2))

    frame = pd.DataFrame(rows)
    reference = frame.loc[frame["rows"] == 1_000_000, "fit_s"]
    base = reference.iloc[0] if len(reference) else frame["fit_s"].iloc[0]
    base_rows = 1_000_000 if len(reference) else frame["rows"].iloc[0]
    frame["fit_ratio"] = frame["fit_s"] / base
    frame["rows_ratio"] = frame["rows"] / base_rows
    columns = ["rows", "fit_s", "rows_ratio", "fit_ratio", "rss_before_fit_gib", "peak_rss_gib",
               "memory", "pairs", "main_steps", "pair_steps", "auc", "predict_rows",
               "predict_rows_per_s", "warmup_s"] + (["lightgbm_auc", "lightgbm_fit_s"]
                                                    if args.lightgbm else [])
    with pd.option_context("display.width", 200, "display.float_format", "{:.3g}".format):
        print(frame[columns].to_string(index=False))
    print(f"fit_ratio and rows_ratio are relative to the {base_rows:,}-row fit; memory is peak RSS "
          f"of the fitting process against the {MEMORY_TARGET_GIB:g} GiB target. "
          f"Results: {args.out}")


if __name__ == "__main__":
    main()
