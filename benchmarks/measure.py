"""Measuring helpers shared by the benchmark scripts: fresh processes, peak memory, throughput."""

from __future__ import annotations

import resource
import sys
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from time import perf_counter
from typing import Any, Callable

import numpy as np
import pandas as pd


def in_fresh_process(func: Callable[..., dict], *args: Any) -> dict:
    """Run ``func(*args)`` in a newly spawned Python process and return its result.

    Spawning (not forking) gives every measurement a clean interpreter: nothing compiled, imported
    or allocated by earlier fits, so the child's peak RSS belongs to this one job.
    """
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        return pool.submit(func, *args).result()


def peak_rss_mib() -> float:
    """Peak resident set size of this process so far, in MiB (the kernel's high-water mark)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024  # bytes on macOS, else KiB


def rows_per_second(predict: Callable[[Any], Any], X: Any, min_seconds: float = 1.0) -> float:
    """Rows scored per second by ``predict(X)``, calling it repeatedly for at least min_seconds."""
    n_calls = 0
    start = perf_counter()
    while True:
        predict(X)
        n_calls += 1
        elapsed = perf_counter() - start
        if elapsed >= min_seconds:
            return n_calls * len(X) / elapsed


def warm_up_glassboost(task: str) -> float:
    """Fit tiny glassboost models so the numba kernels are compiled (or loaded from the on-disk
    cache) before anything is timed; returns the seconds this took.

    Kernels are specialised on the bin-code dtype, so two fits are made: one whose codes fit in
    uint8 (few distinct values) and one that needs uint16 (more than 255 bins).
    """
    from glassboost import ExplainableBoostingClassifier, ExplainableBoostingRegressor

    rng = np.random.default_rng(0)
    start = perf_counter()
    for n_rows, n_values in ((200, 50), (1200, 1200)):
        X = pd.DataFrame({
            "a": rng.integers(0, n_values, n_rows).astype(float),
            "b": rng.normal(size=n_rows),
            "c": rng.choice(["p", "q", "r", "s", "t"], n_rows),
        })
        signal = X["b"] + (X["c"] == "p") + X["a"] / n_values
        if task == "classification":
            model = ExplainableBoostingClassifier(outer_bags=2)
            model.fit(X, signal + rng.normal(size=n_rows) > 1)
        else:
            model = ExplainableBoostingRegressor(outer_bags=2)
            model.fit(X, signal + rng.normal(size=n_rows))
        model.predict(X)
    return perf_counter() - start
