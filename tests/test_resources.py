"""Memory limits: a fit that cannot fit in memory fails before its big allocations, saying how
much it needs and how much there is."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError

import glassboost.estimators
import glassboost.resources
from glassboost import ExplainableBoostingClassifier, ExplainableBoostingRegressor
from glassboost.resources import (InsufficientMemoryError, available_memory, check_fit_memory,
                                  fit_memory_bytes)

TINY = dict(outer_bags=2, max_rounds=10, interactions=0, n_jobs=1)


def _data(n: int = 5000) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=n), "b": rng.choice(["u", "v"], n),
                      "c": rng.integers(0, 1000, n)})
    return X, (X["a"].to_numpy() > 0).astype(int)


def test_available_memory_is_known_on_this_machine() -> None:
    available = available_memory()
    assert isinstance(available, int) and available > 0


def test_estimate_grows_with_rows_scores_and_running_bags() -> None:
    base = fit_memory_bytes(100_000, [1026, 5], [66, 5], 1, 1, 14)
    assert fit_memory_bytes(200_000, [1026, 5], [66, 5], 1, 1, 14) > 1.9 * base
    assert fit_memory_bytes(100_000, [1026, 5], [66, 5], 5, 1, 14) > base
    assert fit_memory_bytes(100_000, [1026, 5], [66, 5], 1, 4, 14) > 3 * base
    # Only as many bags run at once as there are threads, and no more than there are bags.
    assert fit_memory_bytes(1000, [1026, 5], [66, 5], 1, 8, 2) == \
        fit_memory_bytes(1000, [1026, 5], [66, 5], 1, 2, 2)
    # Wider codes cost more: 300 bins need uint16 instead of uint8.
    assert fit_memory_bytes(1000, [300, 5], [66, 5], 1, 1, 1) > \
        fit_memory_bytes(1000, [200, 5], [66, 5], 1, 1, 1)


def test_estimate_covers_both_code_matrices_and_the_bag_state() -> None:
    n_rows, n_bins = 10_000, [1026, 40, 7]
    codes = n_rows * len(n_bins) * (2 + 1)  # uint16 fine codes, uint8 coarse codes
    per_bag = n_rows * (8 + 2 * 8)  # scores and two weight vectors at least
    assert fit_memory_bytes(n_rows, n_bins, [66, 40, 7], 1, 3, 3) >= codes + 3 * per_bag


@pytest.mark.parametrize("estimator", [ExplainableBoostingClassifier, ExplainableBoostingRegressor])
def test_fit_fails_early_when_memory_is_short(monkeypatch, estimator) -> None:
    X, y = _data()
    monkeypatch.setattr(glassboost.resources, "available_memory", lambda: 100_000)

    def no_big_allocation(*args, **kwargs):
        raise AssertionError("bin codes were allocated before the memory check")

    monkeypatch.setattr(glassboost.estimators, "_code_matrix", no_big_allocation)
    model = estimator(**TINY)
    with pytest.raises(MemoryError, match=r"fitting 5000 rows x 3 features needs about "
                                          r"[\d.]+ (KiB|MiB) of memory but only 97.7 KiB is "
                                          r"available"):
        model.fit(X, y)
    with pytest.raises(NotFittedError):
        model.predict(X)


def test_error_is_a_memory_error_subclass_and_names_the_remedies(monkeypatch) -> None:
    monkeypatch.setattr(glassboost.resources, "available_memory", lambda: 2**20)
    with pytest.raises(InsufficientMemoryError, match=r"needs about 1.[0-9] GiB .* only 1.0 MiB"
                                                      r".*n_jobs.*outer_bags") as caught:
        check_fit_memory(10_000_000, [1026] * 10, [66] * 10, 1, 4, 14)
    assert isinstance(caught.value, MemoryError)


@pytest.mark.parametrize("available", [None, 2**40])
def test_fit_runs_when_memory_is_unknown_or_enough(monkeypatch, available) -> None:
    X, y = _data(500)
    monkeypatch.setattr(glassboost.resources, "available_memory", lambda: available)
    model = ExplainableBoostingClassifier(**TINY).fit(X, y)
    assert np.all(np.isfinite(model.predict_proba(X)))


def test_check_uses_the_threads_and_bags_of_the_fit(monkeypatch) -> None:
    """Memory that suffices for one bag at a time is too little for many at once."""
    X, y = _data()
    needed_one = fit_memory_bytes(len(X), [1026, 4, 1002], [66, 4, 66], 1, 1, 8)
    monkeypatch.setattr(glassboost.resources, "available_memory", lambda: needed_one * 2)
    ExplainableBoostingClassifier(**{**TINY, "outer_bags": 8, "n_jobs": 1}).fit(X, y)
    with pytest.raises(InsufficientMemoryError):
        ExplainableBoostingClassifier(**{**TINY, "outer_bags": 8, "n_jobs": 8}).fit(X, y)
