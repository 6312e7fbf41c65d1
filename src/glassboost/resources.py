"""Memory needed to fit, checked against the memory available before the big allocations.

Fitting on a table larger than memory should fail at once with a message saying how much is
needed, not after minutes of swapping or with the process killed by the operating system.
"""

from __future__ import annotations

import os

import numpy as np

from .binning import smallest_code_dtype


class InsufficientMemoryError(MemoryError):
    """Fitting would need more memory than the machine has available."""


def available_memory() -> int | None:
    """Bytes of memory available to new allocations, or None where it cannot be known."""
    try:
        pages = os.sysconf("SC_AVPHYS_PAGES")
        page_size = os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        pages = page_size = -1
    if pages > 0 and page_size > 0:
        return int(pages) * int(page_size)
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def fit_memory_bytes(n_rows: int, n_bins: list[int], n_interaction_bins: list[int],
                     n_scores: int, n_threads: int, outer_bags: int) -> int:
    """Estimated bytes a fit allocates: both bin-code matrices plus each running bag's state.

    A running bag holds its scores, its train and validation weights, gradients and hessians for
    interaction detection (all per row) and the main-effect histograms (per bin).
    """
    n_features = len(n_bins)
    codes = n_rows * n_features * (smallest_code_dtype(max(n_bins)).itemsize
                                   + smallest_code_dtype(max(n_interaction_bins)).itemsize)
    per_row = n_scores * 8 * 3 + 8 * 2
    histograms = int(np.sum(n_bins)) * (2 + 4 * n_scores) * 8
    running = max(1, min(n_threads, outer_bags))
    return codes + running * (n_rows * per_row + histograms)


def _size(n_bytes: int) -> str:
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n_bytes >= scale:
            return f"{n_bytes / scale:.1f} {unit}"
    return f"{n_bytes} bytes"


def check_fit_memory(n_rows: int, n_bins: list[int], n_interaction_bins: list[int],
                     n_scores: int, n_threads: int, outer_bags: int) -> None:
    """Raise InsufficientMemoryError when the estimate exceeds the available memory."""
    available = available_memory()
    if available is None:
        return
    needed = fit_memory_bytes(n_rows, n_bins, n_interaction_bins, n_scores, n_threads,
                              outer_bags)
    if needed > available:
        raise InsufficientMemoryError(
            f"fitting {n_rows} rows x {len(n_bins)} features needs about {_size(needed)} of "
            f"memory but only {_size(available)} is available; use fewer rows or features, "
            "fewer threads (n_jobs) or bags running at once (outer_bags)"
        )
