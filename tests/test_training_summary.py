"""Training-data summaries: Doane's histogram of every continuous feature, categorical
histograms from the bin weights, distinct-value counts, bounds, and bag weights."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from glassboost import ExplainableBoostingRegressor
from glassboost.schema import CONTINUOUS, NOMINAL, Column
from glassboost.training_summary import feature_summaries, histogram_cut_count


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_cut_count_is_doanes_rule(seed):
    """numpy's 'doane' bins cover the same range with the same number of equal-width bins."""
    values = np.random.default_rng(seed).gamma(1.0 + seed, size=500)
    edges = np.histogram_bin_edges(values, bins="doane")
    assert histogram_cut_count(values) == len(edges) - 2


def test_cut_count_needs_three_values_and_a_spread():
    assert histogram_cut_count(np.array([1.0, 2.0])) == 0
    assert histogram_cut_count(np.full(10, 3.0)) == 0
    assert histogram_cut_count(np.array([np.nan, np.inf, 1.0, 2.0])) == 0


def test_summaries_of_each_kind_of_column():
    values = np.array([0.0, 1.0, 1.0, 2.0, np.nan, 3.0, 4.0, 4.0, 9.0, 10.0])
    not_number = np.zeros(10, dtype=bool)
    not_number[4] = True  # present but not a number: the unseen bin
    weights = np.arange(1.0, 11.0)
    category_weights = np.array([0.0, 30.0, 25.0, 0.0])
    result = feature_summaries(
        [Column(values, not_number), Column(np.array(["a"] * 10, dtype=object))],
        [CONTINUOUS, NOMINAL], [None, category_weights], weights)
    edges, histogram = result["histogram_edges_"][0], result["histogram_weights_"][0]
    assert edges[0] == 0.0 and edges[-1] == 10.0 and np.all(np.diff(edges) > 0)
    assert len(histogram) == len(edges) + 1  # missing, the value bins, unseen
    assert histogram[0] == 0.0 and histogram[-1] == weights[4]
    assert histogram.sum() == weights.sum()
    assert result["histogram_edges_"][1] is None
    np.testing.assert_array_equal(result["histogram_weights_"][1], category_weights)
    np.testing.assert_array_equal(result["unique_val_counts_"], [7, 2])
    np.testing.assert_array_equal(result["feature_bounds_"][0], [0.0, 10.0])
    assert np.isnan(result["feature_bounds_"][1]).all()


def test_a_column_with_no_numbers():
    result = feature_summaries([Column(np.full(5, np.nan))], [CONTINUOUS], [None], np.ones(5))
    assert result["histogram_edges_"] == [None]
    np.testing.assert_array_equal(result["histogram_weights_"][0], [5.0, 0.0, 0.0])
    assert result["unique_val_counts_"][0] == 0 and np.isnan(result["feature_bounds_"]).all()


def test_bag_weights_are_the_training_rows_of_each_bag():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"x": rng.normal(size=200)})
    y = X["x"].to_numpy() + rng.normal(size=200)
    weights = rng.uniform(0.5, 2.0, size=200)
    model = ExplainableBoostingRegressor(outer_bags=3, max_rounds=20, interactions=0,
                                         validation_size=0.25).fit(X, y, sample_weight=weights)
    assert model.bag_weights_.shape == (3,)
    # a quarter of the rows validate: each bag trains on 150 rows' weights
    assert np.all(model.bag_weights_ < weights.sum())
    np.testing.assert_allclose(model.bag_weights_ / weights.sum(), 0.75, atol=0.06)
    full = ExplainableBoostingRegressor(outer_bags=2, max_rounds=20, interactions=0,
                                        validation_size=0).fit(X, y, sample_weight=weights)
    np.testing.assert_allclose(full.bag_weights_, weights.sum())
