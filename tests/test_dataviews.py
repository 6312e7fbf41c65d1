"""Data views: class histograms count every row once, in numpy's bins; marginals give numpy's
histogram and correlation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_diabetes, load_iris

from glassboost.dataviews import ClassHistogram, Marginal
from glassboost.explain import Explanation


def test_class_histogram_counts_each_class_in_numpys_bins():
    X, y = load_iris(return_X_y=True, as_frame=True)
    species = np.array(["setosa", "versicolor", "virginica"])[y]
    X = X.assign(size=pd.cut(X["sepal length (cm)"], 3, labels=["s", "m", "l"]).astype(str))
    X.iloc[0, 1] = np.nan
    view = ClassHistogram().explain_data(X, species)
    assert isinstance(view, Explanation)
    np.testing.assert_array_equal(view.data()["class_counts"], [50, 50, 50])
    d = view.data("sepal width (cm)")
    width = X["sepal width (cm)"].to_numpy()
    edges = np.histogram_bin_edges(width[~np.isnan(width)], bins="doane")
    np.testing.assert_array_equal(d["names"], edges)
    for k, c in enumerate(d["classes"]):
        rows = width[(species == c) & ~np.isnan(width)]
        np.testing.assert_array_equal(d["counts"][k], np.histogram(rows, bins=edges)[0])
    np.testing.assert_array_equal(d["missing"], [1, 0, 0])
    sizes = view.data("size")
    table = pd.crosstab(species, X["size"])
    np.testing.assert_array_equal(sizes["counts"], table[list(sizes["names"])].to_numpy())
    assert len(view.visualize("size").data) == 3
    for labels in (species.astype(object), y.to_numpy(dtype=np.float64)):
        labels[3] = None  # None in object labels, NaN in numbers
        with pytest.raises(ValueError, match="1 missing labels"):
            ClassHistogram().explain_data(X, labels)
    assert "1 missing, not drawn" in view.visualize("sepal width (cm)").layout.title.text


def test_marginal_is_numpys_histogram_and_correlation():
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    view = Marginal().explain_data(X, y)
    d = view.data("bmi")
    assert d["correlation"] == pytest.approx(np.corrcoef(X["bmi"], y)[0, 1])
    counts, edges = np.histogram(X["bmi"], bins="doane")
    np.testing.assert_array_equal(d["feature_density"]["scores"], counts)
    np.testing.assert_array_equal(view.data()["density"]["scores"],
                                  np.histogram(y, bins="doane")[0])
    assert f"{d['correlation']:.3f}" in view.visualize("bmi").layout.title.text
    with pytest.raises(ValueError, match="'bmi' has 1 infinite values"):
        Marginal().explain_data(X.assign(bmi=np.r_[np.inf, X["bmi"].iloc[1:]]), y).data("bmi")
    with pytest.raises(ValueError, match="numeric response"):
        Marginal().explain_data(X, np.where(y > 100, "high", "low"))
    with pytest.raises(ValueError, match=r"y has 1 infinite values \(first at row 2\)"):
        Marginal().explain_data(X, np.r_[y[:2], -np.inf, y[3:]])
    with pytest.raises(ValueError, match="442 rows but y has 441 values"):
        Marginal().explain_data(X, y[:-1])


def test_marginal_counts_missing_values_apart():
    X = pd.DataFrame({"x": [1.0, np.nan, 3.0, 4.0, 5.0], "c": ["a", None, "b", "a", "b"]})
    y = np.array([1.0, 2.0, np.nan, 4.0, 6.0])
    view = Marginal().explain_data(X, y)
    response = view.data()["density"]
    assert response["scores"].sum() + response["missing"] == 5 and response["missing"] == 1
    for name in ("x", "c"):
        density = view.data(name)["feature_density"]
        assert density["scores"].sum() == 4 and density["missing"] == 1
        assert "1 missing, not drawn" in view.visualize(name).layout.title.text
    assert "1 missing, not drawn" in view.visualize().layout.title.text
