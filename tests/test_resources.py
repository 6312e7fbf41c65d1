"""Memory limits: a fit that cannot fit in memory fails before its big allocations, saying how
much it needs and how much there is; the estimate counts every large allocation of a fit, and
the memory available is what the kernel (and the cgroup) would really grant."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError

import glassboost.estimators
import glassboost.resources
from glassboost import ExplainableBoostingClassifier, ExplainableBoostingRegressor
from glassboost.booster import BIN_SPACE_BYTES
from glassboost.resources import (FitSize, InsufficientMemoryError, available_memory,
                                  check_fit_memory, estimate_fit_memory, minimum_fit_bytes)

TINY = dict(outer_bags=2, max_rounds=10, interactions=0, n_jobs=1)
MIB = 2**20


def _data(n: int = 5000) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=n), "b": rng.choice(["u", "v"], n),
                      "c": rng.integers(0, 1000, n)})
    return X, (X["a"].to_numpy() > 0).astype(int)


# ---- available memory ----------------------------------------------------------------------

def _machine(tmp_path: Path, cgroup: str | None, files: dict[str, str]) -> tuple[Path, Path]:
    """A fake /proc (MemFree far below MemAvailable) and /sys/fs/cgroup."""
    proc, root = tmp_path / "proc", tmp_path / "cgroup"
    (proc / "self").mkdir(parents=True)
    (proc / "meminfo").write_text("MemTotal: 16000000 kB\nMemFree: 1000 kB\n"
                                  "MemAvailable: 8000000 kB\n")
    if cgroup is not None:
        (proc / "self" / "cgroup").write_text(cgroup)
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return proc, root


def test_available_memory_is_mem_available_not_free_pages(tmp_path) -> None:
    proc, root = _machine(tmp_path, "0::/\n", {})
    assert available_memory(proc, root) == 8_000_000 * 1024


def test_available_memory_is_known_on_this_machine() -> None:
    available = available_memory()
    assert isinstance(available, int) and available > 0
    total = int(Path("/proc/meminfo").read_text().split()[1]) * 1024
    assert available <= total


@pytest.mark.parametrize("cgroup, files", [
    ("0::/box\n", {"box/memory.max": "1000000\n", "box/memory.current": "400000\n",
                   "box/memory.stat": "anon 300000\ninactive_file 100000\n"}),
    # inside a container the cgroup's own directory is mounted as the root
    ("0::/box\n", {"memory.max": "1000000\n", "memory.current": "400000\n",
                   "memory.stat": "anon 300000\ninactive_file 100000\n"}),
    ("12:pids:/x\n4:memory:/process_api/box\n",
     {"memory/process_api/box/memory.limit_in_bytes": "1000000\n",
      "memory/process_api/box/memory.usage_in_bytes": "400000\n",
      "memory/process_api/box/memory.stat": "cache 1\ntotal_inactive_file 100000\n"}),
])
def test_cgroup_limit_minus_usage_caps_the_available_memory(tmp_path, cgroup, files) -> None:
    proc, root = _machine(tmp_path, cgroup, files)
    # usage counts reclaimable inactive file pages: 1,000,000 - (400,000 - 100,000)
    assert available_memory(proc, root) == 700_000


@pytest.mark.parametrize("cgroup, files", [
    ("0::/box\n", {"box/memory.max": "max\n", "box/memory.current": "400000\n"}),
    ("4:memory:/\n", {"memory/memory.limit_in_bytes": "9223372036854771712\n",
                      "memory/memory.usage_in_bytes": "400000\n"}),
    (None, {}),
])
def test_no_cgroup_limit_leaves_mem_available(tmp_path, cgroup, files) -> None:
    proc, root = _machine(tmp_path, cgroup, files)
    assert available_memory(proc, root) == 8_000_000 * 1024


# ---- the estimate --------------------------------------------------------------------------

BASE = FitSize(n_rows=100_000, n_bins=[1026] * 10, n_interaction_bins=[66] * 10, n_scores=1,
               n_threads=2, outer_bags=14, pair_cells=[66 * 66] * 5)


def _phase(size: FitSize, phase: str) -> int:
    return estimate_fit_memory(size).phases[phase]


def test_row_arrays_grow_with_rows_scores_and_running_bags() -> None:
    base = estimate_fit_memory(BASE).total
    # per row: both code matrices, pair codes, and each running bag's weights, targets, scores
    per_row = 10 * 3 + 5 * 2 + 2 * 6 * 8
    assert estimate_fit_memory(replace(BASE, n_rows=200_000)).total - base >= 100_000 * per_row
    multiclass = replace(BASE, n_scores=5, multiclass=True)
    assert estimate_fit_memory(multiclass).total > 2 * base
    one, two, four = (_phase(replace(BASE, n_threads=t), "main effects") for t in (1, 2, 4))
    assert four - two == 2 * (two - one) and two - one > 100_000 * 6 * 8
    # only as many bags run at once as there are threads, and no more than there are bags
    assert estimate_fit_memory(replace(BASE, n_threads=8, outer_bags=2)) == \
        estimate_fit_memory(replace(BASE, n_threads=2, outer_bags=2))


def test_both_code_matrices_are_held_through_the_fit() -> None:
    narrow = replace(BASE, n_bins=[200] * 10)  # uint8 instead of uint16 fine codes
    assert _phase(BASE, "grouping") - _phase(narrow, "grouping") == 100_000 * 10
    for phase in ("main effects", "pairs", "finishing"):
        assert _phase(BASE, phase) - _phase(narrow, phase) >= 100_000 * 10


def test_pair_stage_counts_pair_codes_and_every_pair_table() -> None:
    no_pairs = replace(BASE, pair_cells=[])
    assert "pairs" not in estimate_fit_memory(no_pairs).phases
    one_more = replace(BASE, pair_cells=[66 * 66] * 6)
    # a pair's code row (uint16 cells) per row, plus its histograms and tables in each bag
    assert _phase(one_more, "pairs") - _phase(BASE, "pairs") >= 100_000 * 2 + 2 * 66 * 66 * 40
    # nominal x nominal pairs are counted with their cells: 20,002 x 20,002 uncoarsened
    huge = replace(BASE, pair_cells=[20_002 * 20_002])
    assert estimate_fit_memory(huge).total > 2 * 20_002**2 * 5 * 8


def test_squared_error_pairs_count_their_fixed_hessian_tables() -> None:
    squared = replace(BASE, squared_error=True)
    assert _phase(squared, "pairs") - _phase(BASE, "pairs") == 2 * 5 * 5 * 66 * 66 * 8
    # above 64 MiB per bag the kernels do without them
    many = replace(BASE, pair_cells=[66 * 66] * 500)
    assert _phase(replace(many, squared_error=True), "pairs") == _phase(many, "pairs")


def test_bin_space_sums_are_counted_up_to_their_cap() -> None:
    mains = replace(BASE, pair_cells=[], squared_error=True, n_bins=[515] * 8,
                    n_interaction_bins=[66] * 8)
    extra = _phase(replace(mains, bin_space=True), "main effects") - _phase(mains,
                                                                            "main effects")
    total = 8 * 515
    sums = 2 * 4 * (total * (total + 8) - 8 * 515 * 516)
    assert sums <= BIN_SPACE_BYTES and extra >= 2 * sums


def test_interaction_detection_counts_each_threads_candidate_tables() -> None:
    detecting = replace(BASE, detection_cells=1002 * 1002)
    phase = _phase(detecting, "interaction detection")
    assert phase > _phase(BASE, "main effects")
    wider = _phase(replace(detecting, detection_cells=2 * 1002 * 1002), "interaction detection")
    assert wider - phase == 2 * 1002 * 1002 * 6 * 8


def test_finishing_counts_every_bags_tables() -> None:
    fewer = replace(BASE, outer_bags=7)
    cells = 10 * 1026 + 5 * 66 * 66
    assert _phase(BASE, "finishing") - _phase(fewer, "finishing") >= 7 * cells * 8


def test_sampled_bags_count_their_sample_not_every_row() -> None:
    """With ``max_bag_rows``, each running bag's arrays are its sample's, and its own copies
    of the sample's codes; the rows beyond it add only what the fit holds for every row."""
    assert estimate_fit_memory(replace(BASE, bag_rows=100_000)) == estimate_fit_memory(BASE)
    sampled = replace(BASE, bag_rows=20_000)
    more_rows = replace(sampled, n_rows=200_000)
    for phase in ("main effects", "interaction detection", "pairs"):
        if phase == "interaction detection":
            sampled = replace(sampled, detection_cells=66 * 66)
            more_rows = replace(more_rows, detection_cells=66 * 66)
        assert _phase(more_rows, phase) - _phase(sampled, phase) == 100_000 * 10 * 3
    # in the pair stage each of the 2 running bags has 80,000 rows fewer of its 64 bytes a
    # row, and the shared pair codes (5 pairs of uint16) give way to each bag's copy of its
    # sample's codes (30 bytes a row) and pair codes
    saved = _phase(BASE, "pairs") - _phase(replace(BASE, bag_rows=20_000), "pairs")
    assert saved == 2 * 80_000 * 64 + 100_000 * 5 * 2 - 2 * 20_000 * (10 * 3 + 5 * 2)
    assert minimum_fit_bytes(100_000, 10, 2, 14, 20_000) < minimum_fit_bytes(100_000, 10, 2, 14)


def test_minimum_is_below_the_estimate_of_any_fit_of_the_shape() -> None:
    held = 100_000 * (10 + 8 * 2)  # the not-a-number masks of typing, weights and targets
    for size in (replace(BASE, held_bytes=held),
                 replace(BASE, n_bins=[4] * 10, n_interaction_bins=[4] * 10, pair_cells=[],
                         held_bytes=held)):
        assert minimum_fit_bytes(size.n_rows, 10, 2, 14) < estimate_fit_memory(size).total


# ---- the checks in a fit -------------------------------------------------------------------

@pytest.mark.parametrize("estimator", [ExplainableBoostingClassifier, ExplainableBoostingRegressor])
def test_fit_fails_before_typing_when_memory_is_short(monkeypatch, estimator) -> None:
    X, y = _data()
    monkeypatch.setattr(glassboost.resources, "available_memory", lambda: 100_000)

    def no_column_work(*args, **kwargs):
        raise AssertionError("the columns were typed before the memory check")

    monkeypatch.setattr(glassboost.estimators, "type_table", no_column_work)
    model = estimator(**TINY)
    with pytest.raises(MemoryError, match=r"fitting 5000 rows x 3 features needs about "
                                          r"[\d.]+ (KiB|MiB) \(\d+ bytes\) of memory but only "
                                          r"97.7 KiB is available"):
        model.fit(X, y)
    with pytest.raises(NotFittedError):
        model.predict(X)


def test_fit_fails_after_binning_before_the_code_matrices(monkeypatch) -> None:
    X, y = _data()
    needed = minimum_fit_bytes(5000, 3, 1, 2)
    monkeypatch.setattr(glassboost.resources, "available_memory", lambda: needed + 1)

    def no_big_allocation(*args, **kwargs):
        raise AssertionError("bin codes were allocated before the memory check")

    monkeypatch.setattr(glassboost.estimators, "code_matrix", no_big_allocation)
    with pytest.raises(InsufficientMemoryError, match=r"\(at its peak, [a-z ]+\)"):
        ExplainableBoostingClassifier(**TINY).fit(X, y)


def test_error_is_a_memory_error_subclass_and_names_the_remedies(monkeypatch) -> None:
    monkeypatch.setattr(glassboost.resources, "available_memory", lambda: MIB)
    with pytest.raises(InsufficientMemoryError, match=r"needs about 1.[0-9] GiB \(\d+ bytes\) "
                                                      r".* only 1.0 MiB.*n_jobs.*outer_bags"
                                                      ) as caught:
        check_fit_memory(int(1.5 * 2**30), 10_000_000, 10)
    assert isinstance(caught.value, MemoryError)


@pytest.mark.parametrize("available", [None, 2**40])
def test_fit_runs_when_memory_is_unknown_or_enough(monkeypatch, available) -> None:
    X, y = _data(500)
    monkeypatch.setattr(glassboost.resources, "available_memory", lambda: available)
    model = ExplainableBoostingClassifier(**TINY).fit(X, y)
    assert np.all(np.isfinite(model.predict_proba(X)))


def _recorded_estimates(monkeypatch) -> list:
    estimates = []
    check = glassboost.estimators.check_fit_memory

    def recording(needed, n_rows, n_features):
        estimates.append(needed)
        return check(needed, n_rows, n_features)

    monkeypatch.setattr(glassboost.estimators, "check_fit_memory", recording)
    return estimates


def test_check_uses_the_threads_and_bags_of_the_fit(monkeypatch) -> None:
    """Memory that suffices for one bag at a time is too little for many at once."""
    X, y = _data(20_000)
    estimates = _recorded_estimates(monkeypatch)
    ExplainableBoostingClassifier(**{**TINY, "outer_bags": 8, "n_jobs": 1}).fit(X, y)
    one = estimates[-1].total
    monkeypatch.setattr(glassboost.resources, "available_memory", lambda: int(one * 1.2))
    ExplainableBoostingClassifier(**{**TINY, "outer_bags": 8, "n_jobs": 1}).fit(X, y)
    with pytest.raises(InsufficientMemoryError):
        ExplainableBoostingClassifier(**{**TINY, "outer_bags": 8, "n_jobs": 8}).fit(X, y)


def _nominal_pair_data(n: int, levels: int) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(7)
    names = np.array([f"k{i}" for i in range(levels)], dtype=object)
    X = pd.DataFrame({"a": names[rng.integers(0, levels, n)],
                      "b": names[rng.integers(0, levels, n)], "x": rng.normal(size=n)})
    return X, (X["x"].to_numpy() + rng.normal(size=n) > 0).astype(int)


@pytest.mark.filterwarnings("ignore:Feature .* categories")
def test_pair_of_20000_level_nominals_is_coarsened_and_estimated(monkeypatch) -> None:
    """Uncoarsened, this pair needed (K + 2)^2 cells per table: about 18 GB per thread."""
    X, y = _nominal_pair_data(30_000, 20_000)
    estimates = _recorded_estimates(monkeypatch)
    model = ExplainableBoostingClassifier(**{**TINY, "interactions": [("a", "b")]}).fit(X, y)
    pair = model.term_names_.index("a & b")
    assert model.term_scores_[pair].shape == (66, 66)
    assert model.term_scores_[model.term_names_.index("a")].shape[0] > 15_000
    assert estimates[-1].total < 200 * MIB
    assert np.all(np.isfinite(model.predict_proba(X)))


@pytest.mark.filterwarnings("ignore:Feature .* categories")
def test_pair_of_20000_level_nominals_fails_within_a_second_when_short(monkeypatch) -> None:
    X, y = _nominal_pair_data(30_000, 20_000)
    monkeypatch.setattr(glassboost.resources, "available_memory", lambda: 4 * MIB)
    # processor time, not wall time: the test machine may be busy with other work
    start = time.process_time()
    with pytest.raises(InsufficientMemoryError, match=r"needs about [\d.]+ MiB \(\d+ bytes\)"):
        ExplainableBoostingClassifier(**{**TINY, "interactions": [("a", "b")]}).fit(X, y)
    assert time.process_time() - start < 1.0
