"""Rows that share every bin code, merged into weighted groups before boosting.

Boosting sees a row only through its bin codes, its weight and its target, and most objectives
are linear in the target once the score is fixed (see ``kernels.loss``). So rows with identical
codes can be boosted as one group that carries their summed weights and weighted targets: the
same model (up to the order of floating-point sums) from fewer rows. The booster groups rows only
for those objectives (``Objective.linear_in_target``), never for pseudo-Huber or pinball losses. Data with few distinct code
combinations gains the most (CPS1988: 28,155 rows, 6,362 combinations).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Grouping is used only when it leaves at most this fraction of the rows.
MAX_GROUP_FRACTION = 0.5


@dataclass(frozen=True)
class RowGroups:
    """Which group every row belongs to, and one representative row per group."""

    group_of_row: np.ndarray  # (n_rows,) int64
    representatives: np.ndarray  # (n_groups,) row index of each group's first row

    @property
    def n_groups(self) -> int:
        return len(self.representatives)

    def sum(self, values: np.ndarray) -> np.ndarray:
        """Per-group sums of per-row ``values`` (1-D, or 2-D summed column by column)."""
        if values.ndim == 1:
            return np.bincount(self.group_of_row, weights=values, minlength=self.n_groups)
        return np.column_stack([self.sum(values[:, k]) for k in range(values.shape[1])])


def group_identical_rows(codes: np.ndarray, n_bins: np.ndarray,
                         max_fraction: float = MAX_GROUP_FRACTION) -> RowGroups | None:
    """Groups of rows with equal codes, or None when they would not cut the rows enough.

    Features are combined one at a time, fewest bins first, and the combined key is renumbered
    densely after each, so it never overflows; the search stops as soon as the number of
    distinct keys passes ``max_fraction`` of the rows.
    """
    n_rows, n_features = codes.shape
    if n_rows == 0 or n_features == 0:
        return None
    limit = max_fraction * n_rows
    key = np.zeros(n_rows, dtype=np.int64)
    for feature in np.argsort(n_bins, kind="stable"):
        combined = key * np.int64(n_bins[feature]) + codes[:, feature]
        key, uniques = pd.factorize(combined)
        if len(uniques) > limit:
            return None
    # factorize numbers keys in order of first appearance: a row starts a group when its key
    # is larger than every key before it
    starts = np.empty(n_rows, dtype=bool)
    starts[0] = True
    starts[1:] = key[1:] > np.maximum.accumulate(key)[:-1]
    return RowGroups(group_of_row=key.astype(np.int64, copy=False),
                     representatives=np.flatnonzero(starts))
