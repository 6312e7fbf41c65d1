"""Peak memory of a fit against the estimate of its memory check (``glassboost.resources``).

Every shape runs in a fresh process, which builds the data, warms the numba kernels up with a fit
on a slice of it (loading compiled kernels costs memory the estimate does not count), and then
measures the fit: its peak resident memory above the memory held just before it (the peak is
reset through /proc/self/clear_refs on Linux; elsewhere ru_maxrss is used, which is only right
when the fit is the process's largest moment). Before the baseline is read, the C heap hands its
free memory back (glibc's malloc_trim), so that the fit cannot grow into memory freed earlier. The estimate is the one the fit's own check
computed after binning. Memory does not depend on the number of rounds, so every fit runs few:
one smoothing round and max_rounds=3, so that greedy steps (and their arrays) run too.

    python benchmarks/memory.py                      # every shape, a table on stdout
    python benchmarks/memory.py --shapes wide,pair --out memory.json

It measures memory, not time: other processes on the machine do not change its results.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import subprocess
import sys
import time

FEW_ROUNDS = dict(max_rounds=3, smoothing_rounds=1, interaction_smoothing_rounds=1)

SHAPES = {
    "rows": "1M x 20 continuous, binary",
    "nominals": "100k x 50, 10 nominals of 1,000 levels, binary",
    "wide": "10k x 300 continuous, binary",
    "multiclass": "200k x 10 continuous, 10 classes",
    "pair": "200k x 4, 2 nominals of 20,000 levels, explicit pair",
    "bin_space": "300k x 8 regression in bin space (integer weights, mains only)",
}


def _make(shape: str, n_rows: int | None = None):
    """(estimator, X, y, sample_weight) of a shape; ``n_rows`` cuts it for the warm-up."""
    import numpy as np
    import pandas as pd

    from glassboost import ExplainableBoostingClassifier, ExplainableBoostingRegressor

    rng = np.random.default_rng(0)

    def continuous(n, k):
        return pd.DataFrame(rng.normal(size=(n, k)), columns=[f"x{i}" for i in range(k)])

    def labels(n, levels, prefix):
        return np.array([f"{prefix}{i}" for i in range(levels)], dtype=object)[
            rng.integers(0, levels, n)]

    weights = None
    if shape == "rows":
        n = n_rows or 1_000_000
        X = continuous(n, 20)
        y = (X["x0"] + X["x1"] * X["x2"] + rng.normal(size=n) > 0).astype(int)
        model = ExplainableBoostingClassifier(**FEW_ROUNDS)
    elif shape == "nominals":
        n = n_rows or 100_000
        X = continuous(n, 40)
        for i in range(10):
            X[f"c{i}"] = labels(n, 1000, "v")
        y = (X["x0"] + (X["c0"].str.len() > 3) + rng.normal(size=n) > 1).astype(int)
        model = ExplainableBoostingClassifier(**FEW_ROUNDS)
    elif shape == "wide":
        n = n_rows or 10_000
        X = continuous(n, 300)
        y = (X["x0"] - X["x1"] + rng.normal(size=n) > 0).astype(int)
        model = ExplainableBoostingClassifier(**FEW_ROUNDS)
    elif shape == "multiclass":
        n = n_rows or 200_000
        X = continuous(n, 10)
        y = np.digitize(X["x0"] + 0.5 * X["x1"] + rng.normal(size=n) * 0.5,
                        np.linspace(-2, 2, 9))
        model = ExplainableBoostingClassifier(**FEW_ROUNDS)
    elif shape == "pair":
        n = n_rows or 200_000
        X = continuous(n, 2)
        X["a"] = labels(n, 20_000, "a")
        X["b"] = labels(n, 20_000, "b")
        y = (X["x0"] + rng.normal(size=n) > 0).astype(int)
        model = ExplainableBoostingClassifier(interactions=[("a", "b")], **FEW_ROUNDS)
    elif shape == "bin_space":
        n = n_rows or 300_000
        X = continuous(n, 8)
        y = X["x0"] * 2 + np.sin(X["x1"]) + rng.normal(size=n)
        weights = rng.integers(1, 4, n).astype(float)
        model = ExplainableBoostingRegressor(interactions=0, max_bins=512, **FEW_ROUNDS)
    else:
        raise ValueError(f"unknown shape {shape!r}; choose from {sorted(SHAPES)}")
    return model, X, np.asarray(y), weights


def _rss_kib(field: str) -> int | None:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as clear:
            clear.write("5")
        return True
    except OSError:
        return False


def _release_free_memory() -> None:
    """Hand the C heap's free memory back to the system (glibc), so that the baseline counts
    only live memory and the fit cannot grow into memory freed before it."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def measure(shape: str) -> dict:
    """Run one shape in this process; return the estimate and the measured peak increase."""
    import glassboost.estimators
    import glassboost.resources

    estimates = []
    check = glassboost.estimators.check_fit_memory

    def recording_check(needed, n_rows, n_features):
        estimates.append(needed)
        return check(needed, n_rows, n_features)

    glassboost.estimators.check_fit_memory = recording_check
    model, X, y, weights = _make(shape)
    small = _make(shape, n_rows=5000)
    small[0].fit(small[1], small[2], sample_weight=small[3])  # load the compiled kernels
    del small
    estimates.clear()
    gc.collect()
    _release_free_memory()
    baseline = _rss_kib("VmRSS")
    exact = _reset_peak()
    start = time.perf_counter()
    model.fit(X, y, sample_weight=weights)
    seconds = time.perf_counter() - start
    peak = _rss_kib("VmHWM") if exact else None
    if peak is None:  # ru_maxrss is KiB on Linux, bytes on macOS
        scale = 1024 if sys.platform == "darwin" else 1
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // scale
    estimate = estimates[-1]
    return {
        "shape": shape,
        "description": SHAPES[shape],
        "estimate_bytes": int(estimate.total),
        "peak_phase": estimate.peak_phase,
        "phases": {k: int(v) for k, v in estimate.phases.items()},
        "measured_bytes": int((peak - baseline) * 1024),
        "peak_reset": exact,
        "fit_seconds": round(seconds, 1),
        "n_jobs_threads": os.cpu_count(),
    }


def _table(results: list[dict]) -> str:
    rows = ["| shape | estimate | measured peak increase | estimate / measured | peak phase |",
            "|---|---|---|---|---|"]
    for r in results:
        ratio = r["estimate_bytes"] / max(r["measured_bytes"], 1)
        rows.append(f"| {r['description']} | {r['estimate_bytes'] / 2**20:,.0f} MiB | "
                    f"{r['measured_bytes'] / 2**20:,.0f} MiB | {ratio:.2f} | {r['peak_phase']} |")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shapes", default=",".join(SHAPES))
    parser.add_argument("--out", help="write the results as JSON here")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child)))
        return
    results = []
    for shape in args.shapes.split(","):
        run = subprocess.run([sys.executable, __file__, "--child", shape], capture_output=True,
                             text=True, check=False)
        if run.returncode != 0:
            sys.exit(f"shape {shape!r} failed:\n{run.stderr}")
        results.append(json.loads(run.stdout.strip().splitlines()[-1]))
        r = results[-1]
        print(f"{shape}: estimate {r['estimate_bytes'] / 2**20:,.0f} MiB, measured "
              f"{r['measured_bytes'] / 2**20:,.0f} MiB ({r['fit_seconds']} s); phases "
              + ", ".join(f"{k} {v / 2**20:,.0f}" for k, v in r["phases"].items()),
              file=sys.stderr, flush=True)
    print(_table(results))
    if args.out:
        with open(args.out, "w", encoding="utf-8") as out:
            json.dump(results, out, indent=2)


if __name__ == "__main__":
    main()
