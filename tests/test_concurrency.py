"""Threads and interrupts: a fitted model scores from many threads at once exactly as it does
alone, and a fit interrupted by KeyboardInterrupt leaves the estimator unfitted."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from glassboost import ExplainableBoostingClassifier, ExplainableBoostingRegressor
from glassboost.booster import BagProgress, progress_callback

TINY = dict(outer_bags=4, max_rounds=30, interactions=2)


def _data(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({
        "a": rng.normal(size=n),
        "b": np.where(rng.random(n) < 0.1, np.nan, rng.uniform(-2, 2, n)),
        "c": rng.choice(["red", "green", "blue", "grey"], n),
        "d": rng.integers(0, 8, n),
    })
    signal = X["a"] + np.sin(X["b"].fillna(0)) + (X["c"] == "red") + 0.3 * X["d"]
    y = np.where(signal + rng.normal(size=n) > 1.5, "yes", "no")
    return X, y


def test_eight_threads_predict_exactly_as_one() -> None:
    X, y = _data(600, 0)
    model = ExplainableBoostingClassifier(**TINY, n_jobs=2).fit(X, y)
    chunks = [_data(500, seed)[0] for seed in range(1, 17)]
    expected = [(model.predict_proba(c), model.eval_terms(c), model.predict(c)) for c in chunks]

    def score(i: int):
        chunk = chunks[i % len(chunks)]
        return model.predict_proba(chunk), model.eval_terms(chunk), model.predict(chunk)

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(score, range(4 * len(chunks))))
    for i, (proba, terms, labels) in enumerate(results):
        want = expected[i % len(chunks)]
        np.testing.assert_array_equal(proba, want[0])
        np.testing.assert_array_equal(terms, want[1])
        np.testing.assert_array_equal(labels, want[2])


def _interrupt(report: BagProgress) -> None:
    raise KeyboardInterrupt(f"interrupted after {report.stage} bag {report.bag}")


def _interrupted_fit(model, X, y) -> list[BagProgress]:
    """Fit with a progress hook that interrupts at the first report; returns the reports."""
    reports: list[BagProgress] = []

    def hook(report: BagProgress) -> None:
        reports.append(report)
        _interrupt(report)

    token = progress_callback.set(hook)
    try:
        with pytest.raises(KeyboardInterrupt, match="interrupted after main effects"):
            model.fit(X, y)
    finally:
        progress_callback.reset(token)
    return reports


def _assert_unfitted(model, X) -> None:
    with pytest.raises(NotFittedError):
        check_is_fitted(model)
    with pytest.raises(NotFittedError):
        model.predict(X)
    assert not [k for k in vars(model) if k.endswith("_") or k.startswith("_")]


@pytest.mark.parametrize("n_jobs", [1, 2])
@pytest.mark.parametrize("estimator", [ExplainableBoostingClassifier, ExplainableBoostingRegressor])
def test_interrupted_fit_of_a_fresh_estimator_leaves_it_unfitted(estimator, n_jobs: int) -> None:
    X, y = _data(300, 20)
    target = y if estimator is ExplainableBoostingClassifier else (y == "yes") + X["a"].to_numpy()
    model = estimator(**TINY, n_jobs=n_jobs)
    params = model.get_params()
    reports = _interrupted_fit(model, X, target)
    assert reports and reports[0].stage == "main effects"
    _assert_unfitted(model, X)
    assert model.get_params() == params


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_interrupted_refit_drops_the_previous_fit(n_jobs: int) -> None:
    X, y = _data(300, 21)
    model = ExplainableBoostingClassifier(**TINY, n_jobs=n_jobs).fit(X, y)
    check_is_fitted(model)
    X2, y2 = _data(200, 22)
    _interrupted_fit(model, X2, y2)
    _assert_unfitted(model, X)
    # The estimator is usable again: a clean refit matches a fresh fit exactly.
    refit = model.fit(X, y).predict_proba(X)
    fresh = ExplainableBoostingClassifier(**TINY, n_jobs=n_jobs).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(refit, fresh)


def test_hook_is_per_context_and_does_not_leak() -> None:
    """The hook set in one thread is not seen by a fit running in another thread."""
    X, y = _data(200, 23)
    token = progress_callback.set(_interrupt)
    try:
        with ThreadPoolExecutor(max_workers=1) as pool:
            model = pool.submit(ExplainableBoostingClassifier(**TINY, n_jobs=2).fit, X, y).result()
    finally:
        progress_callback.reset(token)
    check_is_fitted(model)
    assert progress_callback.get() is None


def test_one_estimator_fitted_from_two_threads_at_once_stores_one_whole_model() -> None:
    """Two fits of the same estimator overlap (a quick one ends while a slow one runs, with
    other classes): both finish, and the estimator holds exactly one of the two models."""
    quick = _data(150, 24)
    X_slow, y_slow = _data(3000, 25)
    slow = (X_slow, np.where(X_slow["a"] > 0.5, "high", np.where(X_slow["a"] > -0.5, "mid", "low")))
    model = ExplainableBoostingClassifier(**TINY, n_jobs=1)
    start = threading.Barrier(2)

    def fit(data):
        start.wait()
        return model.fit(*data)

    with ThreadPoolExecutor(max_workers=2) as pool:
        for future in [pool.submit(fit, slow), pool.submit(fit, quick)]:
            assert future.result() is model
    alone = {name: ExplainableBoostingClassifier(**TINY, n_jobs=1).fit(*data)
             for name, data in (("slow", slow), ("quick", quick))}
    kept = [name for name, fresh in alone.items()
            if list(fresh.classes_) == list(model.classes_)]
    assert len(kept) == 1
    fresh = alone[kept[0]]
    np.testing.assert_array_equal(model.predict_proba(X_slow), fresh.predict_proba(X_slow))
    assert model.term_names_ == fresh.term_names_
    assert not [k for k in vars(model) if k == "_classes"]
