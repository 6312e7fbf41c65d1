"""Lazy scoring of Dask DataFrames with categorical, nullable, text and date columns and
missing values: every method gives the single-machine model's result on the pandas frame."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

from glassboost.dask import (DaskExplainableBoostingClassifier,  # noqa: E402
                             DaskExplainableBoostingRegressor)

pytestmark = pytest.mark.filterwarnings("ignore::glassboost.schema.DataWarning")
PARAMS = dict(outer_bags=1, max_rounds=60, interactions=2, random_state=1)
METHODS = ("predict", "predict_proba", "decision_function", "eval_terms")


def _frame(n: int = 800) -> pd.DataFrame:
    rng = np.random.default_rng(11)
    X = pd.DataFrame({
        "a": rng.normal(size=n),
        "cat": pd.Categorical(rng.choice(list("pqrs"), n), categories=list("pqrs")),
        "level": pd.Categorical(rng.choice(["lo", "mid", "hi"], n),
                                categories=["lo", "mid", "hi"], ordered=True),
        "text": pd.array(rng.choice(["u", "v", "w"], n), dtype="string"),
        "count": pd.array(rng.integers(0, 5, n), dtype="Int64"),
        "flag": pd.array(rng.random(n) < 0.5, dtype="boolean"),
        "when": pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 1000, n), unit="D")
        + pd.to_timedelta(rng.integers(0, 24, n), unit="h"),
        "zoned": pd.Timestamp("2020-01-01", tz="Europe/Paris")
        + pd.to_timedelta(rng.integers(0, 1000, n), unit="D"),
    })
    for column in X.columns:
        X.loc[rng.random(n) < 0.08, column] = None
    return X


def _assert_scores_equal(model, dX, X) -> None:
    local = model.to_local()
    for method in METHODS:
        if hasattr(model, method):
            lazy = getattr(model, method)(dX)
            np.testing.assert_array_equal(lazy.compute(), getattr(local, method)(X),
                                          err_msg=method)


@pytest.mark.parametrize("task", ["binary", "multiclass", "regression"])
def test_lazy_scores_of_typed_columns_with_missing_values_equal_single_machine(client, task):
    X = _frame()
    rng = np.random.default_rng(12)
    f = (X["a"].fillna(0) + (X["cat"] == "p") + (X["level"] == "hi")
         + X["when"].dt.month.fillna(6) / 6).to_numpy(dtype=float)
    y = {"binary": (f + rng.normal(size=len(X)) > 1).astype(int),
         "multiclass": np.array(["l", "m", "h"])[np.digitize(f + rng.normal(size=len(X)),
                                                             [0.5, 1.5])],
         "regression": f + rng.normal(size=len(X))}[task]
    estimator = (DaskExplainableBoostingRegressor if task == "regression"
                 else DaskExplainableBoostingClassifier)
    dX = dd.from_pandas(X, npartitions=4)
    model = estimator(**PARAMS).fit(dX, dd.from_pandas(pd.Series(y), npartitions=4))
    assert set(model.feature_types_in_) == {"continuous", "nominal", "ordinal"}
    _assert_scores_equal(model, dX, X)
    # scoring rows the fit did not see: categories typed per partition by Dask (unknown
    # categories), an unseen text value in one partition, a partition of dates at midnight
    # and one of missing dates
    other = X.copy()
    other["text"] = other["text"].astype(object)
    other.loc[other.index[-50:], "text"] = "unseen"
    other.loc[other.index[:200], "when"] = other["when"].iloc[:200].dt.normalize()
    other.loc[other.index[200:400], "when"] = pd.NaT
    lazy = dd.from_pandas(other.assign(cat=other["cat"].astype(object)), npartitions=4)
    lazy = lazy.assign(cat=lazy["cat"].astype("category"))
    assert not lazy["cat"].cat.known
    _assert_scores_equal(model, lazy, other)
