"""Dask counts the fit's stored values at their real size, so workers spill them in time."""

import numpy as np
import pytest

pytest.importorskip("dask")

from dask.sizeof import sizeof  # noqa: E402

from glassboost.dask.partition import BinnedPartition, PartitionSummary  # noqa: E402
from glassboost.dask.sketch import summarize_continuous  # noqa: E402
from glassboost.schema import Column  # noqa: E402


def test_a_binned_partition_counts_its_arrays():
    rows = 100_000
    part = BinnedPartition(np.zeros((rows, 20), np.uint16, order="F"), None, np.zeros(rows),
                           np.ones(rows), np.zeros(rows, np.uint8),
                           [np.zeros(256) for _ in range(20)], {}, None)
    arrays = rows * (40 + 8 + 8 + 1) + 20 * 256 * 8
    assert arrays <= sizeof(part) < arrays + 10_000


def test_a_partition_summary_counts_every_feature_summary():
    rng = np.random.default_rng(0)
    features = [summarize_continuous(Column(rng.normal(size=50_000)), np.ones(50_000), 4096)
                for _ in range(30)]
    summary = PartitionSummary(["x"] * 30, ["continuous"] * 30, [None] * 30, [{}] * 30, 50_000,
                               50_000.0, None, None, features, [])
    arrays = sum(f.values.nbytes + f.weights.nbytes for f in features)
    assert arrays == 30 * 4096 * 16
    # dask samples long lists: the estimate is within a few percent when the parts are alike
    assert 0.95 * arrays <= sizeof(summary) < 1.1 * arrays
