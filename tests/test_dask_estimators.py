"""The Dask estimators' methods that need the rows (explanations, the memory estimate) on
lazy collections: what they compute equals the single-machine result on the same rows."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

dd = pytest.importorskip("dask.dataframe")
da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")

from glassboost.dask import DaskExplainableBoostingClassifier  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::glassboost.schema.DataWarning")
PARAMS = dict(outer_bags=1, max_rounds=60, interactions=2, random_state=1)


def _data(n: int = 600):
    rng = np.random.default_rng(7)
    X = pd.DataFrame({"a": rng.normal(size=n),
                      "c": pd.Categorical(rng.choice(list("xyz"), n)),
                      "s": rng.choice(["u", "v"], n).astype(object),
                      "t": pd.Timestamp("2021-01-01")
                      + pd.to_timedelta(rng.integers(0, 900, n), unit="D")})
    X.loc[rng.random(n) < 0.1, "a"] = np.nan
    X.loc[rng.random(n) < 0.1, "s"] = None
    X.loc[rng.random(n) < 0.05, "t"] = pd.NaT
    f = np.nan_to_num(X["a"].to_numpy()) + (X["c"] == "x").to_numpy()
    labels = np.array(["low", "mid", "high"])[np.digitize(f + rng.logistic(size=n), [0, 1.5])]
    return X, pd.Series(labels)


@pytest.fixture(scope="module")
def fitted(client):
    X, y = _data()
    dX, dy = dd.from_pandas(X, npartitions=4), dd.from_pandas(y, npartitions=4)
    return DaskExplainableBoostingClassifier(**PARAMS).fit(dX, dy), dX, dy


def _same_explanation(mine, theirs) -> None:
    for name in ("contributions", "intercept", "scores", "probabilities", "init_scores"):
        np.testing.assert_array_equal(getattr(mine, name), getattr(theirs, name), err_msg=name)
    np.testing.assert_array_equal(mine.predictions, theirs.predictions)
    np.testing.assert_array_equal(mine.actual, theirs.actual)
    assert mine.row_ids == theirs.row_ids
    pd.testing.assert_frame_equal(mine.input_coverage(), theirs.input_coverage())
    for row in range(len(theirs)):
        assert (json.dumps(mine.data(row), default=repr, sort_keys=True)
                == json.dumps(theirs.data(row), default=repr, sort_keys=True))


def test_explain_local_of_a_few_lazy_rows_is_the_single_machine_explanation(fitted):
    model, dX, dy = fitted
    local = model.to_local()
    rows = dX[dX["a"] > 1.5]  # a lazy selection over every partition
    computed, labels = rows.compute(), dy[dX["a"] > 1.5].compute()
    assert 0 < len(computed) < 200
    mine = model.explain_local(rows, dy[dX["a"] > 1.5])
    _same_explanation(mine, local.explain_local(computed, labels))
    # with per-row base scores as a Dask Series
    start = dd.from_pandas(pd.DataFrame(np.linspace(-1, 1, 1800).reshape(600, 3)),
                           npartitions=4)[dX["a"] > 1.5]
    _same_explanation(model.explain_local(rows, init_score=start),
                      local.explain_local(computed, init_score=start.compute().to_numpy()))
    # a Dask Array of the same rows
    column = dX[["a"]].to_dask_array(lengths=True)
    numeric = DaskExplainableBoostingClassifier(**PARAMS).fit(
        column, (dy == "high").astype(int).to_dask_array(lengths=True))
    block = column[:50]
    _same_explanation(numeric.explain_local(block),
                      numeric.to_local().explain_local(block.compute()))


def test_explain_local_refuses_more_rows_than_max_rows_by_name(fitted):
    model, dX, dy = fitted
    with pytest.raises(ValueError, match="X holds 600 rows, more than max_rows=500; select"):
        model.explain_local(dX, dy, max_rows=500)
    assert len(model.explain_local(dX, dy, max_rows=600)) == 600
    with pytest.raises(ValueError, match="max_rows"):
        model.explain_local(dX, max_rows=0)


@pytest.mark.parametrize("with_y", [True, False])
def test_estimate_mem_of_lazy_rows_is_the_single_machine_estimate(client, with_y):
    X, y = _data(2000)
    X["text"] = pd.array(np.random.default_rng(3).choice(["alpha", "beta", "gamma"], 2000),
                         dtype="string[pyarrow]")
    dX, dy = dd.from_pandas(X, npartitions=5), dd.from_pandas(y, npartitions=5)
    computed, labels = dX.compute(), dy.compute()
    model = DaskExplainableBoostingClassifier(**PARAMS)
    local = model._local_estimator()
    for multiplier in (0.0, 2.0):
        mine = model.estimate_mem(dX, dy if with_y else None, multiplier)
        theirs = local.estimate_mem(computed, labels if with_y else None, multiplier)
        assert mine == pytest.approx(theirs, rel=0.01), multiplier
    # a regressor, on a Dask Array of numbers: the same bins, so the same estimate
    from glassboost.dask import DaskExplainableBoostingRegressor

    numbers = X[["a"]].to_numpy()
    target = np.nan_to_num(numbers[:, 0])
    regressor = DaskExplainableBoostingRegressor(**PARAMS)
    assert regressor.estimate_mem(da.from_array(numbers, chunks=(400, 1)),
                                  da.from_array(target, chunks=400)) == \
        regressor._local_estimator().estimate_mem(numbers, target)


def test_estimate_mem_reads_no_rows_on_the_client(client, monkeypatch):
    """Only summaries, counts and bytes reach the client: the collection is never computed
    or turned into an array there."""
    X, y = _data(600)
    dX, dy = dd.from_pandas(X, npartitions=3), dd.from_pandas(y, npartitions=3)
    expected = DaskExplainableBoostingClassifier(**PARAMS)._local_estimator().estimate_mem(
        dX.compute(), dy.compute())

    def gathered(*args, **kwargs):
        raise AssertionError("the rows were gathered on the client")

    for kind in (type(dX), type(dy)):
        monkeypatch.setattr(kind, "compute", gathered)
        monkeypatch.setattr(kind, "__array__", gathered)
    mine = DaskExplainableBoostingClassifier(**PARAMS).estimate_mem(dX, dy)
    assert mine == pytest.approx(expected, rel=0.01)
    with pytest.raises(ValueError, match="y has 2 partitions but X has 3"):
        DaskExplainableBoostingClassifier(**PARAMS).estimate_mem(
            dX, dd.from_pandas(y, npartitions=2))


def test_the_class_weight_checks_of_the_single_machine_fit(client):
    """A class of zero total weight (over all partitions) is refused and one lighter than
    twice min_hessian flagged, with the single-machine fit's messages."""
    from glassboost.schema import DataWarning

    X, y = _data(300)
    dX, dy = dd.from_pandas(X, npartitions=3), dd.from_pandas(y, npartitions=3)
    weights = pd.Series(np.where(y == "mid", 0.0, 1.0))
    dw = dd.from_pandas(weights, npartitions=3)
    with pytest.raises(ValueError, match=r"sample_weight is zero on every row of class\(es\) "
                                         r"\['mid'\] of y.*Drop those rows"):
        DaskExplainableBoostingClassifier(**PARAMS).fit(dX, dy, sample_weight=dw)
    dw = dd.from_pandas(pd.Series(np.where(y == "mid", 1e-7, 1.0)), npartitions=3)
    with pytest.warns(DataWarning, match=r"class\(es\) \['mid'\] of y weigh .* below twice "
                                         r"min_hessian=0.0001"):
        DaskExplainableBoostingClassifier(**dict(PARAMS, interactions=0, max_rounds=5)).fit(
            dX, dy, sample_weight=dw)


def test_weights_small_overall_warn_as_on_one_machine(client):
    """Weights whose mean over all partitions leaves a leaf of min_samples_leaf rows below
    min_hessian give the single-machine fit's warning, word for word."""
    from glassboost import ExplainableBoostingClassifier
    from glassboost.schema import DataWarning

    X, y = _data(120)
    weights = pd.Series(np.where(np.arange(120) % 2, 1e-6, 0.0))  # half of the rows weigh 0
    params = dict(PARAMS, interactions=0, max_rounds=2)
    with pytest.warns(DataWarning, match="sample_weight: with weights of mean") as local:
        ExplainableBoostingClassifier(**params).fit(X, y, sample_weight=weights)
    expected = [str(w.message) for w in local if "weights of mean" in str(w.message)]
    dX, dy, dw = (dd.from_pandas(v, npartitions=3) for v in (X, y, weights))
    with pytest.warns(DataWarning) as caught:
        DaskExplainableBoostingClassifier(**params).fit(dX, dy, sample_weight=dw)
    assert [str(w.message) for w in caught if "weights of mean" in str(w.message)] == expected


def test_too_few_training_rows_warn_as_on_one_machine(client):
    """A validation_size that leaves a bag too few rows to split gives the single-machine
    fit's warning, word for word, on the row count over all partitions."""
    from glassboost import ExplainableBoostingClassifier
    from glassboost.schema import DataWarning

    X, y = _data(40)
    params = dict(PARAMS, interactions=0, max_rounds=2, validation_size=0.9)
    with pytest.warns(DataWarning, match="validation_size=0.9 leaves about 4 of") as local:
        ExplainableBoostingClassifier(**params).fit(X, y)
    expected = [str(w.message) for w in local if "validation_size" in str(w.message)]
    dX, dy = dd.from_pandas(X, npartitions=2), dd.from_pandas(y, npartitions=2)
    with pytest.warns(DataWarning) as caught:
        DaskExplainableBoostingClassifier(**params).fit(dX, dy)
    assert [str(w.message) for w in caught if "validation_size" in str(w.message)] == expected


def test_a_column_vector_y_warns_once_as_on_one_machine(client):
    """y as a table of one column (a DataFrame, or an Array of shape (n, 1)) gives the
    single-machine fit's DataConversionWarning once, at the caller's line, and the same
    model as y given as a column."""
    from sklearn.exceptions import DataConversionWarning

    from glassboost import ExplainableBoostingClassifier

    X, y = _data(60)
    params = dict(PARAMS, interactions=0, max_rounds=2)
    with pytest.warns(DataConversionWarning) as local:
        ExplainableBoostingClassifier(**params).fit(X, y.to_frame())
    expected = [str(w.message) for w in local if w.category is DataConversionWarning]
    dX = dd.from_pandas(X, npartitions=2)
    plain = DaskExplainableBoostingClassifier(**params).fit(dX, dd.from_pandas(y, npartitions=2))
    codes = pd.Series(pd.Categorical(y).codes)
    for column in (dd.from_pandas(y.to_frame(), npartitions=2),
                   da.from_array(codes.to_numpy()[:, None], chunks=30)):
        with pytest.warns(DataConversionWarning) as caught:
            model = DaskExplainableBoostingClassifier(**params).fit(dX, column)
        mine = [w for w in caught if w.category is DataConversionWarning]
        assert [str(w.message) for w in mine] == expected
        assert mine[0].filename == __file__
        assert np.array_equal(model.intercept_, plain.intercept_)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataConversionWarning)
        DaskExplainableBoostingClassifier(**params).fit(dX, dd.from_pandas(y, npartitions=2))


def test_sample_weight_as_a_table_is_refused_as_on_one_machine(client):
    """A table of weights (one column or several) is refused, as on one machine, rather than
    read as its values one after the other."""
    from glassboost import ExplainableBoostingClassifier

    X, y = _data(40)
    weights = pd.DataFrame({"w": np.ones(40)})
    with pytest.raises(ValueError, match=r"sample_weight.shape == \(40, 1\)"):
        ExplainableBoostingClassifier(**PARAMS).fit(X, y, sample_weight=weights)
    dX, dy = dd.from_pandas(X, npartitions=2), dd.from_pandas(y, npartitions=2)
    for table, found in ((dd.from_pandas(weights, npartitions=2), "Dask DataFrame of 1 column"),
                         (da.ones((40, 1), chunks=20), r"2-D Dask Array of shape \(40, 1\)")):
        with pytest.raises(ValueError,
                           match=f"sample_weight must hold one weight per row .*got a {found}"):
            DaskExplainableBoostingClassifier(**PARAMS).fit(dX, dy, sample_weight=table)


def test_shards_too_small_to_split_warn(client):
    """Shards whose bags train on too few rows to split learn nothing, though all the rows
    together would: the fit says so, naming n_shards."""
    from glassboost.dask import DaskExplainableBoostingRegressor
    from glassboost.schema import DataWarning

    X = pd.DataFrame({"a": np.random.default_rng(0).normal(size=48)})
    dX, dy = dd.from_pandas(X, npartitions=8), dd.from_pandas(X["a"] * 3, npartitions=8)
    params = dict(outer_bags=1, max_rounds=20, interactions=0)
    with pytest.warns(DataWarning, match=r"n_shards: the smallest of the 8 shards holds 6 of "
                                         r"the 48 rows, and a bag of it trains on about 5, "
                                         r"fewer than the 8 that one split needs"):
        model = DaskExplainableBoostingRegressor(n_shards=8, **params).fit(dX, dy)
    assert np.ptp(model.term_scores_[0]) < 1e-9  # every shard's bags learned nothing
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)
        model = DaskExplainableBoostingRegressor(n_shards=2, **params).fit(dX, dy)
    assert np.ptp(model.term_scores_[0]) > 1


def test_a_shard_without_a_class_is_refused(client):
    """Rows sorted by label leave each of several shards one class: its bags cannot split
    and its start score would pull the model to that class, so the fit refuses, naming the
    shard's rows and the class; one shard of the same rows fits. A class too light in one
    shard is warned about."""
    from glassboost.schema import DataWarning

    X = pd.DataFrame({"a": np.arange(40.0)})
    y = pd.Series(np.repeat(["no", "yes"], 20))
    dX, dy = dd.from_pandas(X, npartitions=2), dd.from_pandas(y, npartitions=2)
    params = dict(outer_bags=1, max_rounds=5, interactions=0)
    with pytest.raises(ValueError, match=r"shard 0 of the 2 shards \(rows 0 to 19 in partition "
                                         r"order\) holds no weight of class\(es\) \['yes'\] "
                                         r"of y.*boosting='exact'"):
        DaskExplainableBoostingClassifier(n_shards=2, **params).fit(dX, dy)
    model = DaskExplainableBoostingClassifier(n_shards=1, **params).fit(dX, dy)
    assert abs(model.intercept_[0]) < 1
    y = pd.Series(np.tile(["no", "yes"], 20))  # both classes in each shard, but
    weights = pd.Series(np.where((y == "yes") & (np.arange(40) < 20), 1e-6, 1.0))  # light in 0
    with pytest.warns(DataWarning, match=r"shard 0 of the 2 shards \(rows 0 to 19 in "
                                         r"partition order\): class\(es\) \['yes'\] of y "
                                         r"weigh 1e-05 in it, below twice min_hessian"):
        DaskExplainableBoostingClassifier(n_shards=2, **params).fit(
            dX, dd.from_pandas(y, npartitions=2),
            sample_weight=dd.from_pandas(weights, npartitions=2))


@pytest.mark.parametrize("objective", ["poisson_deviance", "tweedie_deviance:variance_power=1.3",
                                       "rmse_log"])
def test_a_log_link_target_zero_wherever_weighted_is_refused(client, objective):
    """As on one machine, from the partitions' summaries: all zeros, or zeros on every row of
    weight > 0, have no finite intercept."""
    from glassboost.dask import DaskExplainableBoostingRegressor

    X = pd.DataFrame({"a": np.arange(40.0)})
    dX = dd.from_pandas(X, npartitions=2)
    params = dict(outer_bags=1, max_rounds=5, interactions=0, n_shards=1)
    message = r"y: objective='.*' needs some y > 0 on a row of weight > 0.*no finite intercept"
    with pytest.raises(ValueError, match=message):
        DaskExplainableBoostingRegressor(objective=objective, **params).fit(
            dX, dd.from_pandas(pd.Series(np.zeros(40)), npartitions=2))
    y = pd.Series(np.where(np.arange(40) < 30, 0.0, 2.0))
    weights = pd.Series(np.where(np.arange(40) < 30, 1.0, 0.0))
    with pytest.raises(ValueError, match=message):
        DaskExplainableBoostingRegressor(objective=objective, **params).fit(
            dX, dd.from_pandas(y, npartitions=2),
            sample_weight=dd.from_pandas(weights, npartitions=2))


@pytest.mark.parametrize("objective", ["poisson_deviance", "tweedie_deviance:variance_power=1.3"])
def test_a_shard_whose_log_link_target_is_all_zero_is_refused(client, objective):
    """A sorted count target leaves one of several shards only zeros: its bags start from the
    log of a mean of 0 and stay there, pulling the intercept to about -15 (-0.5 on one
    machine), so the fit refuses, naming the shard's rows; one shard of the same rows fits as
    on one machine."""
    from glassboost import ExplainableBoostingRegressor
    from glassboost.dask import DaskExplainableBoostingRegressor

    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=400)})
    y = pd.Series(np.sort(rng.poisson(np.exp(0.3 * X["a"].to_numpy() - 0.5)).astype(float)))
    assert (y[:200] == 0).all() and (y[200:] > 0).any()
    dX, dy = dd.from_pandas(X, npartitions=4), dd.from_pandas(y, npartitions=4)
    params = dict(objective=objective, outer_bags=2, max_rounds=20, interactions=0,
                  random_state=1)
    with pytest.raises(ValueError, match=r"shard 0 of the 2 shards \(rows 0 to 199 in partition "
                                         r"order\) holds no y > 0 of weight > 0.*"
                                         r"boosting='exact'"):
        DaskExplainableBoostingRegressor(n_shards=2, **params).fit(dX, dy)
    local = ExplainableBoostingRegressor(**params).fit(X, y)
    model = DaskExplainableBoostingRegressor(n_shards=1, **params).fit(dX, dy)
    assert model.intercept_ == pytest.approx(local.intercept_)


def test_a_fitted_classifier_of_other_classes_is_refused_as_init_score(client, fitted):
    model, dX, dy = fitted
    other = dy.map(lambda label: "other" if label == "mid" else label, meta=dy)
    with pytest.raises(ValueError, match=r"init_score: the ExplainableBoostingClassifier's "
                                         r"classes \['high', 'low', 'mid'\] are not the classes "
                                         r"\['high', 'low', 'other'\] of the model it would "
                                         r"start"):
        DaskExplainableBoostingClassifier(**PARAMS).fit(dX, other, init_score=model.to_local())


def _uniqueness_warnings(caught) -> list[str]:
    return [str(w.message) for w in caught
            if "looks like" in str(w.message) or "categories in" in str(w.message)]


def _fit_both(X: pd.DataFrame, y: pd.Series, npartitions: int) -> tuple[list[str], list[str]]:
    """The ID and near-unique warnings of a single-machine fit and of a Dask fit of the rows
    in ``npartitions`` partitions."""
    from glassboost import ExplainableBoostingClassifier

    params = dict(PARAMS, interactions=0, max_rounds=2)
    with warnings.catch_warnings(record=True) as local:
        warnings.simplefilter("always")
        ExplainableBoostingClassifier(**params).fit(X, y)
    dX, dy = dd.from_pandas(X, npartitions=npartitions), dd.from_pandas(y, npartitions=npartitions)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        DaskExplainableBoostingClassifier(**params).fit(dX, dy)
    return _uniqueness_warnings(local), _uniqueness_warnings(caught)


def test_an_id_over_many_small_partitions_warns_once_as_on_one_machine(client):
    """IDs in partitions of 10 rows (each too small to judge) are judged on the whole column:
    one warning per column, word for word the single-machine one."""
    X, y = _data(120)
    X["row_id"] = np.arange(1000, 1120)
    X["key"] = [f"k{i}" for i in range(120)]
    X["group"] = [f"g{i}" for i in range(84)] + [f"g{i}" for i in range(36)]  # 70% distinct
    local, mine = _fit_both(X, y, 12)
    assert len(local) == 3 and "'row_id' looks like a row ID" in local[0]
    assert "'group' has 84 categories in 120 rows (70% distinct)" in local[2]
    assert mine == local


def test_values_unique_per_partition_but_repeated_across_do_not_warn(client):
    """A column of few values that every partition holds once each (unique within a
    partition, 4 copies over the column) warns neither on one machine nor on Dask."""
    X, y = _data(240)
    X["code"] = np.tile(np.arange(60), 4)
    X["label"] = [f"v{i}" for i in np.tile(np.arange(60), 4)]
    local, mine = _fit_both(X, y, 4)
    assert local == [] and mine == []
