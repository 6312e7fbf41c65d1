"""glassboost.utils: bad arguments get errors that name them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from glassboost import utils

RNG = np.random.default_rng(0)
X = pd.DataFrame({"a": RNG.normal(size=200), "b": RNG.normal(size=200),
                  "c": RNG.choice(["x", "y"], 200)})
Y = (X["a"] * X["b"] > 0).astype(int).to_numpy()


@pytest.mark.parametrize("interactions", ["abc", [("a",)], [("a", "b", "c")], [("a", "a")],
                                          ["a"], {"a": "b"}])
def test_measure_interactions_refuses_what_is_not_a_list_of_pairs(interactions) -> None:
    with pytest.raises(ValueError, match="interactions"):
        utils.measure_interactions(X, Y, interactions=interactions)


def test_measure_interactions_accepts_pairs_by_name_or_index_in_any_order() -> None:
    by_name = utils.measure_interactions(X, Y, interactions=[("b", "a"), ["c", 0]])
    assert sorted(pair for pair, _ in by_name) == [(0, 1), (0, 2)]


def test_measure_interactions_refuses_missing_targets() -> None:
    y = Y.astype(float)
    y[[3, 7]] = np.nan
    with pytest.raises(ValueError, match=r"y contains missing values \(rows \[3, 7\]\)"):
        utils.measure_interactions(X, y)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_purify_refuses_scores_that_are_not_finite(bad) -> None:
    scores = np.arange(6.0).reshape(2, 3)
    scores[1, 2] = bad
    with pytest.raises(ValueError, match="scores must be finite"):
        utils.purify(scores, np.ones((2, 3)))
