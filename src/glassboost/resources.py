"""Memory needed to fit, checked against the memory available before the big allocations.

Fitting on a table larger than memory should fail at once with a message saying how much is
needed, not after minutes of swapping, with numba's bare "Allocation failed", or with the process
killed by the operating system. The check runs twice: before any per-column work, from the input's
shape alone (``minimum_fit_bytes``, a lower bound: memory that every fit of that shape allocates),
and after binning, when the bin counts and the terms are known (``estimate_fit_memory``).

The estimate follows a fit through its phases and takes the largest: binning, grouping identical
rows, the main-effect stage, interaction detection, the pair stage and the finishing of the
bagged tables. Each phase adds what it allocates to what the fit holds throughout (typed columns,
weights, targets, both bin-code matrices); the boosting phases count their row arrays, histograms,
tables, bin-space sums and fixed-hessian tables once per running thread. It assumes that rows are
not merged into groups (grouping only shrinks the row arrays). ``benchmarks/memory.py`` compares it
with the measured peak of six shapes: within 0.77x to 1.03x. The C allocator keeps some freed
arrays of up to 32 MiB for reuse, so small fits measure up to a third above the estimate.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from .binning import FeatureBins, smallest_code_dtype
from .booster import BIN_SPACE_BYTES, bin_space_pays
from .kernels.boost import HESSIAN_TABLE_BYTES
from .kernels.loss import MULTICLASS_LOG_LOSS, SQUARED_ERROR
from .kernels.split import FIXED_HESSIAN_ARRAYS
from .objectives import Objective
from .schema import TypedTable

#: A cgroup memory limit at or above this is no limit (cgroup v1 reports 2**63 rounded to pages).
_NO_LIMIT = 2**60
#: Bytes per row of the short-lived arrays of binning one column (sorted values and weights,
#: their order and inverse, the codes; float64 or int64 each).
_BINNING_ROW_BYTES = 8 * 8
#: Bytes per row while rows with identical codes are searched for (keys, combined keys, the
#: hash table and labels of ``pandas.factorize``).
_GROUPING_ROW_BYTES = 6 * 8
#: Copies of every bag's tables held at once while they are purified, centered and averaged.
_FINISHING_COPIES = 4
#: Bytes per category of a categorical feature: its entries in the category maps (fine and
#: coarse) and its label.
_CATEGORY_BYTES = 160


class InsufficientMemoryError(MemoryError):
    """Fitting would need more memory than the machine has available."""


def _meminfo_available(proc: Path) -> int | None:
    try:
        with open(proc / "meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def _read_int(path: Path) -> int | None:
    try:
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    if text == "max":
        return None
    try:
        return int(text)
    except ValueError:
        return None


def _stat_value(path: Path, key: str) -> int:
    try:
        with open(path, encoding="ascii") as stat:
            for line in stat:
                name, _, value = line.partition(" ")
                if name == key:
                    return int(value)
    except (OSError, ValueError):
        pass
    return 0


def _cgroup_available(proc: Path, cgroup_root: Path) -> int | None:
    """Limit minus usage of this process's memory cgroup (v2, else v1), or None without a limit.

    Inactive file pages count as usage but are reclaimed before the limit is hit, so they are
    left out, as ``docker stats`` does.
    """
    try:
        lines = (proc / "self" / "cgroup").read_text(encoding="ascii").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    for line in lines:
        hierarchy, _, rest = line.partition(":")
        controllers, _, path = rest.partition(":")
        relative = path.lstrip("/")
        if hierarchy == "0" and controllers == "":
            names = ("memory.max", "memory.current", "memory.stat", "inactive_file")
            bases = [cgroup_root / relative, cgroup_root]
        elif "memory" in controllers.split(","):
            names = ("memory.limit_in_bytes", "memory.usage_in_bytes", "memory.stat",
                     "total_inactive_file")
            bases = [cgroup_root / "memory" / relative, cgroup_root / "memory"]
        else:
            continue
        # inside a container the cgroup's own directory is usually mounted as the root
        for base in bases:
            limit = _read_int(base / names[0])
            usage = _read_int(base / names[1])
            if limit is None or usage is None:
                continue
            if limit >= _NO_LIMIT:
                return None
            inactive = _stat_value(base / names[2], names[3])
            return max(0, limit - max(0, usage - inactive))
    return None


def available_memory(proc: Path = Path("/proc"),
                     cgroup_root: Path = Path("/sys/fs/cgroup")) -> int | None:
    """Bytes of memory that new allocations can take, or None where it cannot be known.

    Linux: ``MemAvailable`` (free memory plus the caches the kernel can drop, not just free
    pages), lowered to the room left under the process's cgroup memory limit when there is one.
    Elsewhere: the free physical pages, where the system reports them.
    """
    available = _meminfo_available(proc)
    if available is None:
        try:
            pages, page_size = os.sysconf("SC_AVPHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
            if pages > 0 and page_size > 0:
                available = int(pages) * int(page_size)
        except (AttributeError, ValueError, OSError):
            pass
    room = _cgroup_available(proc, cgroup_root)
    if room is not None:
        available = room if available is None else min(available, room)
    return available


@dataclass(frozen=True)
class FitSize:
    """What the memory of a fit depends on, known once its features are binned."""

    n_rows: int
    n_bins: Sequence[int]  # fine bins per feature
    n_interaction_bins: Sequence[int]  # coarse bins per feature
    n_scores: int
    n_threads: int
    outer_bags: int
    main_features: Sequence[int] | None = None  # None: every feature
    pair_cells: Sequence[int] = ()  # cells of every pair the pair stage may boost
    detection_cells: int = 0  # cells of the largest candidate pair (0: no detection)
    squared_error: bool = False
    multiclass: bool = False
    bin_space: bool = False  # main effects boosted in bin space (``booster.bin_space_pays``)
    held_bytes: int = 0  # typed columns, weights and targets, held during the whole fit
    bag_rows: int | None = None  # rows of each bag's own sample (``max_bag_rows``); None: all

    @property
    def running_bags(self) -> int:
        return max(1, min(self.n_threads, self.outer_bags))


@dataclass(frozen=True)
class MemoryEstimate:
    """Bytes each phase of a fit holds at its peak; the fit needs the largest."""

    phases: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return max(self.phases.values(), default=0)

    @property
    def peak_phase(self) -> str:
        return max(self.phases, key=self.phases.get)


def _stage_bytes(n_rows: int, cells: Sequence[int], n_scores: int) -> int:
    """One bag's boosting of terms with ``cells`` cells each (``kernels.boost.boost_terms``):
    per-row weights, targets, scores and exponentials; counts, weight sums, gradient and
    hessian histograms and updates; the tables, the best tables and the tables it returns."""
    k = n_scores
    rows = n_rows * (8 * 3 + 8 * 2 * k + 8 * k + (8 if k == 1 else 0))
    total_cells = int(np.sum(cells))
    histograms = total_cells * (2 + 3 * k) * 8
    tables = total_cells * k * 8 + 2 * len(cells) * max(cells) * k * 8
    return rows + histograms + tables


def _bin_space_bytes(n_rows: int, cells: Sequence[int]) -> int:
    """One bag's bin-space state: float32 co-occurrence prefix sums of training and validation
    rows, three per-cell sums and the row temporaries of building them."""
    cells = np.asarray(cells, dtype=np.int64)
    total = int(cells.sum())
    pairs = total * (total + len(cells)) - int((cells * (cells + 1)).sum())
    return min(2 * 4 * pairs, BIN_SPACE_BYTES) + 3 * 8 * total + 3 * 8 * n_rows


def estimate_fit_memory(size: FitSize) -> MemoryEstimate:
    """Peak bytes of every phase of a fit of ``size`` (see the module's docstring)."""
    n, k, running = size.n_rows, size.n_scores, size.running_bags
    n_features = len(size.n_bins)
    mains = list(range(n_features)) if size.main_features is None else list(size.main_features)
    main_cells = [size.n_bins[f] for f in mains]
    main_code = smallest_code_dtype(max(size.n_bins)).itemsize
    row_codes = n_features * (main_code
                              + smallest_code_dtype(max(size.n_interaction_bins)).itemsize)
    codes = n * row_codes
    # a bag of its own sample boosts a copy of the sample's codes and main terms' codes;
    # otherwise the bags share the main terms' codes, a copy when some feature has no main term
    sampled = size.bag_rows is not None and size.bag_rows < n
    nb = size.bag_rows if sampled else n
    sample_codes = nb * (row_codes + len(mains) * main_code) if sampled else 0
    if len(mains) != n_features and not sampled:
        codes += n * len(mains) * main_code
    held = size.held_bytes + codes + (n * k * 8 if size.multiclass else 0)
    # every bag's tables are kept until the end, as each bag finishes its stage
    main_kept = size.outer_bags * int(np.sum(main_cells)) * k * 8
    pair_kept = size.outer_bags * int(np.sum(size.pair_cells)) * k * 8

    phases = {"binning": size.held_bytes + codes + n * _BINNING_ROW_BYTES,
              "grouping": held + n * _GROUPING_ROW_BYTES}
    if mains:
        per_bag = _stage_bytes(nb, main_cells, k) + sample_codes
        if size.bin_space:
            per_bag += _bin_space_bytes(nb, main_cells)
        phases["main effects"] = held + running * per_bag + main_kept
    if size.detection_cells:
        # the bag's scores, weights and targets, each row's gradient and hessian, then one
        # candidate's histograms and prefix sums at a time
        per_bag = (nb * (8 * 3 + 8 * 2 * k + 8 * k * 4) + size.detection_cells * (4 * k + 2) * 8
                   + (nb * row_codes if sampled else 0))
        phases["interaction detection"] = held + running * per_bag + main_kept
    if len(size.pair_cells):
        largest = max(size.pair_cells)
        pair_codes = nb * len(size.pair_cells) * (2 if largest <= 2**16 else 4)
        # the scores' temporary; a sampled bag's pair codes are its own
        per_bag = _stage_bytes(nb, size.pair_cells, k) + nb * k * 8
        if sampled:
            per_bag += pair_codes + nb * row_codes
            pair_codes = 0
        hessian_tables = FIXED_HESSIAN_ARRAYS * int(np.sum(size.pair_cells)) * 8
        if size.squared_error and k == 1 and hessian_tables <= HESSIAN_TABLE_BYTES:
            per_bag += hessian_tables
        phases["pairs"] = held + pair_codes + running * per_bag + main_kept + pair_kept
    phases["finishing"] = held + _FINISHING_COPIES * (main_kept + pair_kept)
    return MemoryEstimate(phases)


def _mean_string_bytes(values: np.ndarray) -> float:
    """Mean size of the Python strings in an object array, from up to 64 evenly spaced rows."""
    picks = values[np.linspace(0, len(values) - 1, min(len(values), 64)).astype(np.int64)]
    sizes = [sys.getsizeof(v) for v in picks if isinstance(v, str)]
    return float(np.mean(sizes)) if sizes else 0.0


def typed_bytes(X: object, table: TypedTable) -> int:
    """Bytes the typed columns hold beyond the caller's data: the arrays typing created (a
    column that is a view of the input costs nothing), the not-a-number masks, and the Python
    strings typing makes one per row from the text columns of a DataFrame that are not of
    object dtype (pandas' arrow-backed ``str``), where the input held no such objects."""
    dtypes = {str(c): d for c, d in X.dtypes.items()} if isinstance(X, pd.DataFrame) else {}
    total = 0
    for name, column in zip(table.names, table.columns):
        values = column.values
        if values.flags.owndata:
            total += values.nbytes
        if column.not_number is not None:
            total += column.not_number.nbytes
        dtype = dtypes.get(name)
        if (values.dtype == object and dtype is not None and len(values)
                and pd.api.types.is_string_dtype(dtype)
                and not pd.api.types.is_object_dtype(dtype)):
            total += int(len(values) * _mean_string_bytes(values))
    return total


def fit_size(bins: Sequence[FeatureBins], objective: Objective, n_rows: int,
             weights: tuple[np.ndarray, ...], main_features: Sequence[int],
             candidates: Sequence[tuple[int, int]], n_pairs: int, explicit: bool,
             n_threads: int, outer_bags: int, held_bytes: int,
             bag_rows: int | None = None) -> FitSize:
    """The FitSize of a fit of ``n_rows`` rows whose features are binned and whose candidate
    terms are known; ``held_bytes`` are what the fit holds throughout beside its codes (typed
    columns, targets and weights: ``typed_bytes``). ``weights`` are the sample weights, for
    whether bin space can hold their sums (``booster.bin_space_pays``); () when they are not at
    hand, which sizes for bin space whenever the terms would allow it.

    Detected pairs are not known yet: the pair stage is sized for the ``n_pairs`` candidates
    with the most cells. ``bag_rows``: each bag boosts its own sample of that many rows, when
    fewer than ``n_rows`` (``max_bag_rows``).
    """
    n_bins = [b.n_bins for b in bins]
    n_interaction_bins = [b.n_interaction_bins for b in bins]
    cells = sorted((int(np.prod([n_interaction_bins[f] for f in term])) for term in candidates),
                   reverse=True)
    detecting = not explicit and n_pairs > 0 and bool(cells)
    main_bins = np.array([n_bins[f] for f in main_features], dtype=np.int64)
    return FitSize(
        n_rows=n_rows, n_bins=n_bins, n_interaction_bins=n_interaction_bins,
        n_scores=objective.n_scores, n_threads=n_threads, outer_bags=outer_bags,
        main_features=list(main_features),
        pair_cells=cells if explicit else cells[:n_pairs],
        detection_cells=cells[0] if detecting else 0,
        squared_error=objective.code == SQUARED_ERROR,
        multiclass=objective.code == MULTICLASS_LOG_LOSS,
        bin_space=len(main_bins) > 0 and bin_space_pays(
            objective.code, main_bins, np.ones(len(main_bins), dtype=np.int64),
            n_rows if bag_rows is None else min(n_rows, bag_rows), weights),
        held_bytes=held_bytes
        + _CATEGORY_BYTES * sum(len(b.categories) for b in bins if b.categories is not None),
        bag_rows=bag_rows,
    )


def minimum_fit_bytes(n_rows: int, n_features: int, n_threads: int, outer_bags: int,
                      bag_rows: int | None = None) -> int:
    """Bytes that every fit of an ``n_rows`` x ``n_features`` table allocates, whatever its
    columns, bins and objective: a byte per cell of typing, the weights and targets, both code
    matrices of at least a byte per cell, and each running bag's weights, targets and scores
    (of its sample of ``bag_rows`` rows, when fewer)."""
    running = max(1, min(n_threads, outer_bags))
    nb = n_rows if bag_rows is None else min(n_rows, bag_rows)
    return n_rows * (n_features * 3 + 8 * 2) + running * nb * 8 * 6


def _size(n_bytes: int) -> str:
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n_bytes >= scale:
            return f"{n_bytes / scale:.1f} {unit}"
    return f"{n_bytes} bytes"


def check_fit_memory(needed: int | MemoryEstimate, n_rows: int, n_features: int) -> None:
    """Raise InsufficientMemoryError when ``needed`` bytes exceed the available memory."""
    phase = ""
    if isinstance(needed, MemoryEstimate):
        phase = f" (at its peak, {needed.peak_phase})"
        needed = needed.total
    available = available_memory()
    if available is None or needed <= available:
        return
    raise InsufficientMemoryError(
        f"fitting {n_rows} rows x {n_features} features needs about {_size(needed)} "
        f"({needed} bytes) of memory{phase} but only {_size(available)} is available; use fewer "
        "rows, features or pairs (interactions), fewer threads (n_jobs) or bags running at once "
        "(outer_bags), or fewer bins (max_bins, max_interaction_bins)"
    )


def check_input_memory(X: object, n_threads: int, outer_bags: int,
                       bag_rows: int | None = None) -> None:
    """Before any per-column work: fail when even ``minimum_fit_bytes`` of the input's shape
    exceed the available memory (inputs without a 2-D ``shape`` are checked after binning)."""
    shape = getattr(X, "shape", None)
    if shape is None or len(shape) != 2:
        return
    n_rows, n_features = int(shape[0]), int(shape[1])
    check_fit_memory(minimum_fit_bytes(n_rows, n_features, n_threads, outer_bags, bag_rows),
                     n_rows, n_features)
