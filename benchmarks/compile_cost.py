"""Compile cost: how soon a fresh process can fit a tiny glassboost model, cold vs cached kernels.

    python benchmarks/compile_cost.py --out compile_cost.json

Two processes run one after the other with the same, initially empty, numba cache directory
(NUMBA_CACHE_DIR): the first compiles the kernels and writes them to the cache, the second loads
them. Each reports the time from its launch to the tiny fit returning, how long importing glassboost
and the first fit took, and the time of a second identical fit in the same process (training only).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

BENCHMARKS = Path(__file__).resolve().parent


def child(rows: int, outer_bags: int) -> None:
    """Run inside the measured process: import, fit twice, print timings as JSON."""
    start = time.time()
    from glassboost import ExplainableBoostingClassifier

    import datasets

    imported = time.time()
    X, y = datasets.synthetic(rows, seed=0)
    ExplainableBoostingClassifier(outer_bags=outer_bags).fit(X, y)
    fitted = time.time()
    ExplainableBoostingClassifier(outer_bags=outer_bags).fit(X, y)
    refit = time.time() - fitted
    print(json.dumps({"fit_returned_at": fitted, "import_s": imported - start,
                      "first_fit_s": fitted - imported, "refit_s": refit}))


def launch(cache_dir: str, rows: int, outer_bags: int) -> dict:
    """Start a fresh Python process on :func:`child` and return its timings."""
    env = dict(os.environ, NUMBA_CACHE_DIR=cache_dir)
    command = [sys.executable, str(Path(__file__).resolve()), "--child",
               "--rows", str(rows), "--outer-bags", str(outer_bags)]
    launched = time.time()
    output = subprocess.run(command, env=env, cwd=BENCHMARKS, capture_output=True, text=True,
                            check=True).stdout
    result = json.loads(output.strip().splitlines()[-1])
    result["start_to_fit_s"] = result.pop("fit_returned_at") - launched
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1000, help="rows of the tiny model")
    parser.add_argument("--outer-bags", type=int, default=2, help="outer_bags of the tiny model")
    parser.add_argument("--out", type=Path, default=Path("compile_cost.json"), help="JSON results")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.rows, args.outer_bags)
        return

    with tempfile.TemporaryDirectory(prefix="glassboost-numba-cache-") as cache_dir:
        rows = []
        for process in ("first (cold cache)", "second (cached)"):
            rows.append({"process": process, **launch(cache_dir, args.rows, args.outer_bags)})
        cached_files = sum(len(files) for _, _, files in os.walk(cache_dir))
    args.out.write_text(json.dumps({"rows": args.rows, "outer_bags": args.outer_bags,
                                    "cache_files": cached_files, "results": rows}, indent=2))
    frame = pd.DataFrame(rows)[["process", "start_to_fit_s", "import_s", "first_fit_s",
                                "refit_s"]]
    with pd.option_context("display.float_format", "{:.2f}".format):
        print(frame.to_string(index=False))
    cold, warm = rows[0]["start_to_fit_s"], rows[1]["start_to_fit_s"]
    print(f"second process reaches a fitted model {cold - warm:.1f} s sooner ({cold / warm:.1f}x); "
          f"first_fit_s - refit_s is the compile (or cache load) share. {cached_files} cache files. "
          f"Results: {args.out}")


if __name__ == "__main__":
    main()
