"""Fixtures shared by several test modules."""

from __future__ import annotations

import pytest
from sklearn.model_selection import train_test_split

from glassboost.datasets import load_credit


@pytest.fixture(scope="session")
def credit_split():
    """The bundled credit data split 70/30, stratified: (X_train, X_test, y_train, y_test)."""
    def split(random_state: int):
        frame = load_credit()
        y = (frame.pop("Status") == "bad").to_numpy()
        return train_test_split(frame, y, test_size=0.3, random_state=random_state, stratify=y)
    return split


@pytest.fixture(scope="module")
def client():
    """A Dask client of one worker thread in this process, for the small Dask tests (the
    fault and scaling tests of test_dask.py start worker processes of their own)."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=":0") as cluster, \
            distributed.Client(cluster) as client:
        yield client
