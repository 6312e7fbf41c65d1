"""Measuring helpers shared by the benchmark scripts: fresh processes, peak memory, throughput."""

from __future__ import annotations

import argparse
import json
import resource
import sys
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import TimeoutError as FuturesTimeout
from multiprocessing import get_context
from time import perf_counter
from typing import Any, Callable

import numpy as np
import pandas as pd
import psutil
from sklearn.metrics import mean_squared_error, roc_auc_score

import datasets


def in_fresh_process(func: Callable[..., dict], *args: Any,
                     timeout: float | None = None) -> dict | None:
    """Run ``func(*args)`` in a newly spawned Python process and return its result, or None when
    it has not finished within ``timeout`` seconds (the process and its children are killed).

    Spawning (not forking) gives every measurement a clean interpreter: nothing compiled, imported
    or allocated by earlier fits, so the child's peak RSS belongs to this one job.
    """
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        future = pool.submit(func, *args)
        try:
            return future.result(timeout=timeout)
        except FuturesTimeout:
            for worker in list(pool._processes.values()):
                _kill_tree(worker.pid)
            return None


def _kill_tree(pid: int) -> None:
    try:
        parent = psutil.Process(pid)
    except psutil.NoSuchProcess:
        return
    for process in [*parent.children(recursive=True), parent]:
        try:
            process.kill()
        except psutil.NoSuchProcess:
            pass


def peak_rss_mib() -> float:
    """Peak resident set size of this process so far, in MiB (the kernel's high-water mark)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024  # bytes on macOS, else KiB


class ProcessTreeMemory:
    """Context manager sampling the summed RSS of this process and all its descendants.

    ``ru_maxrss`` only covers this process; libraries that fit in worker processes (InterpretML
    uses joblib workers when it has more than one core) would be under-counted. The sum counts
    pages shared between processes once per process, so with workers it is an upper bound.
    """

    def __init__(self, interval: float = 0.1) -> None:
        self.interval = interval
        self.peak_mib = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        me = psutil.Process()
        while True:
            total = 0
            for process in [me, *me.children(recursive=True)]:
                try:
                    total += process.memory_info().rss
                except psutil.Error:  # the worker exited between listing and reading
                    pass
            self.peak_mib = max(self.peak_mib, total / 2**20)
            if self._stop.wait(self.interval):
                return

    def __enter__(self) -> "ProcessTreeMemory":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


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


def warm_up_glassboost(task: str, timed_model: Any = None, train: tuple | None = None) -> float:
    """Fit tiny glassboost models so the numba kernels are compiled (or loaded from the on-disk
    cache) before anything is timed; returns the seconds this took.

    Kernels are specialised on the bin-code dtype, so two fits are made: one whose codes fit in
    uint8 (few distinct values) and one that needs uint16 (more than 255 bins). Given
    ``timed_model`` and the data ``train`` (X, y) it is timed on, a copy with three rounds and
    two bags is also fitted on that data: the kernels are chosen by the data's own shape (code
    widths, bin space, classes), so this compiles every variant the timed fit calls, which the
    tiny fits alone may miss.
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
        elif task == "multiclass":
            model = ExplainableBoostingClassifier(outer_bags=2)
            model.fit(X, np.digitize(signal + rng.normal(size=n_rows), [0.0, 1.0, 2.0]))
        else:
            model = ExplainableBoostingRegressor(outer_bags=2)
            model.fit(X, signal + rng.normal(size=n_rows))
        model.predict(X)
    if timed_model is not None:
        from sklearn.base import clone

        clone(timed_model).set_params(max_rounds=3, outer_bags=2).fit(*train)
    return perf_counter() - start


def add_dataset_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of a script about one dataset: its name in ``datasets.DATASETS`` and
    estimator parameters as a JSON object."""
    parser.add_argument("dataset", choices=sorted(datasets.DATASETS))
    parser.add_argument("params", nargs="?", type=json.loads, default={},
                        help="more estimator parameters, as a JSON object")


def estimator_class(task: str) -> type:
    """glassboost's estimator for a dataset's task."""
    from glassboost import ExplainableBoostingClassifier, ExplainableBoostingRegressor

    return ExplainableBoostingRegressor if task == datasets.REGRESSION \
        else ExplainableBoostingClassifier


def held_out_metric(model: Any, X: Any, y: Any, task: str) -> float:
    """The benchmark's held-out metric: AUC (binary), macro one-vs-rest AUC (multiclass) or
    RMSE (regression)."""
    if task == datasets.REGRESSION:
        return float(np.sqrt(mean_squared_error(y, model.predict(X))))
    proba = model.predict_proba(X)
    if task == datasets.MULTICLASS:
        return float(roc_auc_score(y, proba, multi_class="ovr", labels=model.classes_))
    return float(roc_auc_score(y, proba[:, 1]))
