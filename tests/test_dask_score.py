"""``score`` of Dask collections: summed per partition on the workers, equal to the
single-machine ``score`` of the computed rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

dd = pytest.importorskip("dask.dataframe")
da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")

import dask  # noqa: E402  (installed with dask.dataframe above)

from glassboost.dask import (DaskExplainableBoostingClassifier,  # noqa: E402
                             DaskExplainableBoostingRegressor)

pytestmark = pytest.mark.filterwarnings("ignore::glassboost.schema.DataWarning")
PARAMS = dict(outer_bags=1, max_rounds=60, interactions=0, random_state=1)


def _data(n: int = 600):
    rng = np.random.default_rng(5)
    X = pd.DataFrame({"a": rng.normal(size=n), "c": rng.choice(list("xyz"), n).astype(object),
                      "t": pd.Timestamp("2021-01-01")
                      + pd.to_timedelta(rng.integers(0, 900, n), unit="D")})
    X.loc[rng.random(n) < 0.1, "a"] = np.nan
    X.loc[rng.random(n) < 0.1, "c"] = None
    X.loc[rng.random(n) < 0.05, "t"] = pd.NaT
    f = np.nan_to_num(X["a"].to_numpy()) + (X["c"] == "x").to_numpy()
    labels = np.array(["low", "mid", "high"])[np.digitize(f + rng.logistic(size=n), [0, 1.5])]
    return X, labels, 3 * f + rng.normal(size=n), rng.uniform(0.5, 2.0, n)


def _parts(*columns, n: int = 4):
    return [dd.from_pandas(c if isinstance(c, pd.DataFrame) else pd.Series(c), npartitions=n)
            for c in columns]


def test_score_equals_the_single_machine_score_of_the_computed_rows(client):
    X, labels, target, weights = _data()
    dX, dlabels, dtarget, dw = _parts(X, labels, target, weights)
    classifier = DaskExplainableBoostingClassifier(**PARAMS).fit(dX, dlabels)
    regressor = DaskExplainableBoostingRegressor(**PARAMS).fit(dX, dtarget)
    computed = dX.compute()
    for model, y, dy in ((classifier, labels, dlabels), (regressor, target, dtarget)):
        local = model.to_local()
        for w, dweights in ((None, None), (weights, dw)):
            mine = model.score(dX, dy, sample_weight=dweights)
            assert isinstance(mine, float)
            assert mine == pytest.approx(local.score(computed, y, sample_weight=w), rel=1e-12)
        with dask.config.set(scheduler="synchronous"):  # any scheduler, not only a client
            assert model.score(dX, dy) == pytest.approx(local.score(computed, y), rel=1e-12)
        # in-memory data is scored by the plain estimator
        assert model.score(X, y) == local.score(X, y)
    # a Dask Array of numbers, in blocks of rows that are not the DataFrame's partitions
    numeric = X[["a"]].to_numpy()
    model = DaskExplainableBoostingRegressor(**PARAMS).fit(
        da.from_array(numeric, chunks=(150, 1)), da.from_array(target, chunks=150))
    assert model.score(da.from_array(numeric, chunks=(100, 1)),
                       da.from_array(target, chunks=100)) == pytest.approx(
        model.to_local().score(numeric, target), rel=1e-12)


def test_score_skips_empty_partitions_and_follows_r2_score_at_its_edges(client):
    X, _, target, _ = _data(400)
    dX, dy = _parts(X, target)
    model = DaskExplainableBoostingRegressor(**PARAMS).fit(dX, dy)
    local = model.to_local()
    frame = dd.from_pandas(X.assign(y=target, row=np.arange(len(X))), npartitions=4)
    kept = frame[frame["row"] >= 200]  # the first two partitions emptied
    assert kept.map_partitions(len).compute().tolist() == [0, 0, 100, 100]
    assert model.score(kept[list(X.columns)], kept["y"]) == pytest.approx(
        local.score(X.iloc[200:], target[200:]), rel=1e-12)
    # a constant target: 0.0 unless the predictions are exact, as r2_score gives it
    constant = np.full(len(X), 2.5)
    assert model.score(dX, _parts(constant)[0]) == local.score(X, constant) == 0.0
    with pytest.warns(Warning, match="less than two samples"):
        assert np.isnan(model.score(dd.from_pandas(X.iloc[:1], npartitions=1),
                                    dd.from_pandas(pd.Series(target[:1]), npartitions=1)))


def test_bad_labels_are_named_by_partition(client):
    X, labels, target, weights = _data(400)
    dX, dy = _parts(X, target)
    model = DaskExplainableBoostingRegressor(**PARAMS).fit(dX, dy)
    broken = target.copy()
    broken[350] = np.nan  # in the last partition
    with pytest.raises(ValueError, match="partition 3 of y: .*NaN"):
        model.score(dX, _parts(broken)[0])
    with pytest.raises(ValueError, match="y has 2 partitions but X has 4"):
        model.score(dX, _parts(target, n=2)[0])
    with pytest.raises(ValueError, match="sample_weight is zero everywhere"):
        model.score(dX, dy, sample_weight=_parts(np.zeros(len(X)))[0])
