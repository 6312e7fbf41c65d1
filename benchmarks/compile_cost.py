"""Compile cost: how soon a fresh process can fit a tiny glassboost model, cold vs cached kernels.

    python benchmarks/compile_cost.py --out compile_cost.json

Two processes run one after the other with the same, initially empty, numba cache directory
(NUMBA_CACHE_DIR): the first compiles the kernels and writes them to the cache, the second loads
them. Each reports the time from its launch to the tiny fit returning, how long importing
glassboost and the first fit took, the CPU time of the first fit (all threads of the process; on
a shared machine it varies less than wall time), the time of a second identical fit in the same
process (training only), the CPU time of the process that compiled part of the kernels
alongside (``compile_ahead``; 0 without one), when the compile notice
(``glassboost.compilation``) appeared, counted from the start of the first fit, and how long
each kernel the process compiled took (wall time of numba's compile of the kernel called from
Python, with everything it calls; "(LLVM)" is the share of all compiles spent in LLVM).
``--repeats N`` runs N such pairs.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

BENCHMARKS = Path(__file__).resolve().parent


def compile_clock() -> dict[str, float]:
    """Wall seconds of every outermost numba compile from now on, by kernel name (filled in as
    kernels compile), and under "(LLVM)" the part of all of them spent in LLVM (optimizing and
    emitting machine code, while numba holds its LLVM lock); the rest is numba's own work
    (typing, lowering). numba is imported here, inside the measured time."""
    from numba.core import event

    seconds: dict[str, float] = {}
    started: list[float] = []
    llvm_started: list[float] = []

    class Clock(event.Listener):
        def on_start(self, ev: event.Event) -> None:
            started.append(time.perf_counter())

        def on_end(self, ev: event.Event) -> None:
            elapsed = time.perf_counter() - started.pop()
            if not started:
                name = ev.data["dispatcher"].py_func.__name__
                seconds[name] = seconds.get(name, 0.0) + elapsed

    class LlvmClock(event.Listener):
        def on_start(self, ev: event.Event) -> None:
            llvm_started.append(time.perf_counter())

        def on_end(self, ev: event.Event) -> None:
            elapsed = time.perf_counter() - llvm_started.pop()
            if started and not llvm_started:
                seconds["(LLVM)"] = seconds.get("(LLVM)", 0.0) + elapsed

    event.register("numba:compile", Clock())
    event.register("numba:llvm_lock", LlvmClock())
    return seconds


def child(rows: int, outer_bags: int) -> None:
    """Run inside the measured process: import, fit twice, print timings as JSON."""
    start = time.time()
    notices: list[float] = []

    class NoticeTime(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            notices.append(time.time())

    logging.getLogger("glassboost").addHandler(NoticeTime())
    compile_seconds = compile_clock()
    from glassboost import ExplainableBoostingClassifier

    import datasets

    imported = time.time()
    X, y = datasets.synthetic(rows, seed=0)
    fit_started, cpu_started = time.time(), time.process_time()
    ExplainableBoostingClassifier(outer_bags=outer_bags).fit(X, y)
    fitted, fit_cpu = time.time(), time.process_time() - cpu_started
    ExplainableBoostingClassifier(outer_bags=outer_bags).fit(X, y)
    refit = time.time() - fitted
    try:
        from glassboost import compile_ahead
    except ImportError:  # versions before the helper process
        compile_ahead = None
    if compile_ahead is not None and compile_ahead._helper is not None:
        compile_ahead._helper.wait()  # its CPU time counts once it has exited
    helper_cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(json.dumps({"fit_returned_at": fitted, "import_s": imported - start,
                      "first_fit_s": fitted - fit_started, "first_fit_cpu_s": fit_cpu,
                      "refit_s": refit,
                      "helper_cpu_s": helper_cpu.ru_utime + helper_cpu.ru_stime,
                      "notice_s": notices[0] - fit_started if notices else None,
                      "compile_s": compile_seconds}))


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
    parser.add_argument("--repeats", type=int, default=1,
                        help="cold/cached pairs of processes to run, each with a new cache")
    parser.add_argument("--out", type=Path, default=Path("compile_cost.json"), help="JSON results")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.rows, args.outer_bags)
        return

    rows = []
    for repeat in range(args.repeats):
        with tempfile.TemporaryDirectory(prefix="glassboost-numba-cache-") as cache_dir:
            for process in ("first (cold cache)", "second (cached)"):
                result = launch(cache_dir, args.rows, args.outer_bags)
                rows.append({"repeat": repeat, "process": process, **result})
            rows[-1]["cache_files"] = sum(len(files) for _, _, files in os.walk(cache_dir))
    args.out.write_text(json.dumps({"rows": args.rows, "outer_bags": args.outer_bags,
                                    "results": rows}, indent=2))
    frame = pd.DataFrame(rows)[["repeat", "process", "start_to_fit_s", "import_s",
                                "first_fit_s", "first_fit_cpu_s", "helper_cpu_s", "refit_s",
                                "notice_s"]]
    with pd.option_context("display.float_format", "{:.2f}".format):
        print(frame.to_string(index=False, na_rep="none"))
    for row in rows[::2]:
        kernels = ", ".join(f"{name} {seconds:.1f} s" for name, seconds
                            in sorted(row["compile_s"].items(), key=lambda item: -item[1]))
        print(f"repeat {row['repeat']}, compiles of the cold process: {kernels}")
    cold, warm = rows[0]["start_to_fit_s"], rows[1]["start_to_fit_s"]
    print(f"second process reaches a fitted model {cold - warm:.1f} s sooner ({cold / warm:.1f}x); "
          f"first_fit_s - refit_s is the compile (or cache load) share; notice_s is when the "
          f"compile notice appeared, after the start of the first fit (none: no notice). "
          f"Results: {args.out}")


if __name__ == "__main__":
    main()
