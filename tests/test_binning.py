"""Tests of cut points, category maps and bin codes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from glassboost import binning
from glassboost.binning import (FeatureBins, bin_column, unseen_categories, coarse_code_matrix, code_matrix,
                                coarsen_cuts, feature_bins_from_levels, fine_to_coarse_maps,
                                fit_categorical, fit_continuous, quantile_cuts,
                                smallest_code_dtype)
from glassboost.schema import CONTINUOUS, NOMINAL, ORDINAL, Column


def test_few_distinct_values_get_one_bin_each() -> None:
    values = np.array([3.0, 1.0, 2.0, 2.0, 1.0, 3.0])
    cuts = quantile_cuts(values, np.ones(6), 1024)
    np.testing.assert_array_equal(cuts, [1.5, 2.5])


def test_cuts_balance_weight() -> None:
    rng = np.random.default_rng(0)
    values = rng.normal(size=10_000)
    cuts = quantile_cuts(values, np.ones(len(values)), 10)
    assert len(cuts) == 9
    counts = np.bincount(np.searchsorted(cuts, values, side="right"), minlength=10)
    assert counts.min() > 900 and counts.max() < 1100


def test_weights_move_the_cuts() -> None:
    values = np.arange(100, dtype=float)
    weights = np.where(values < 50, 3.0, 1.0)  # the low half holds 3/4 of the weight
    cuts = quantile_cuts(values, weights, 4)
    assert len(cuts) == 3
    assert cuts[1] < 50 and cuts[0] < 20  # two cuts inside the heavy half
    bin_weights = np.bincount(np.searchsorted(cuts, values), weights=weights, minlength=4)
    assert bin_weights.max() - bin_weights.min() <= 3.0  # equal to within one value's weight
    assert np.array_equal(quantile_cuts(values, np.ones(100), 4), [24.5, 49.5, 74.5])


def test_heavy_values_leave_the_budget_to_the_others() -> None:
    """A value holding half the rows takes one bin, and the others share the rest of the
    budget: equal-weight targets on the cumulative weight would mostly fall inside it."""
    rng = np.random.default_rng(1)
    values = np.concatenate([np.zeros(5_000), rng.normal(size=5_000)])
    cuts = quantile_cuts(values, np.ones(len(values)), 64)
    assert len(cuts) == 63
    counts = np.bincount(np.searchsorted(cuts, values, side="right"), minlength=64)
    heavy = np.searchsorted(cuts, 0.0, side="right")
    assert counts[heavy] >= 5_000
    others = np.delete(counts, heavy)
    assert others.max() <= 2 * others.min()


def test_equal_weight_groups_against_a_brute_force_search() -> None:
    """No split into as many runs has a heaviest run lighter by more than the heaviest unit."""
    rng = np.random.default_rng(2)
    for _ in range(20):
        weights = rng.integers(1, 6, size=12).astype(float)
        weights[rng.integers(12)] = 30.0
        ends = binning.equal_weight_groups(weights, 4)
        assert len(ends) == 3 and np.all(np.diff(ends) > 0) and ends[-1] < 11
        runs = np.add.reduceat(weights, np.concatenate(([0], ends + 1)))
        best = min(max(np.add.reduceat(weights, [0, a + 1, b + 1, c + 1]))
                   for a in range(10) for b in range(a + 1, 10) for c in range(b + 1, 11))
        assert runs.max() <= best + np.sort(weights)[-2]


def test_ties_stay_whole_and_cuts_sit_between_values() -> None:
    values = np.concatenate([np.zeros(900), np.arange(1, 101, dtype=float)])
    cuts = quantile_cuts(values, np.ones(len(values)), 10)
    codes = np.searchsorted(cuts, values, side="right")
    assert len(np.unique(codes[:900])) == 1  # the tied value is never split
    assert np.all(np.isin(cuts, np.arange(101) + 0.5))
    assert np.all(np.diff(cuts) > 0)


def test_zero_weight_missing_and_inf_do_not_move_cuts() -> None:
    values = np.array([1.0, 2.0, 3.0, np.nan, np.inf, -np.inf, 100.0])
    weights = np.array([1, 1, 1, 1, 1, 1, 0.0])
    np.testing.assert_array_equal(quantile_cuts(values, weights, 1024), [1.5, 2.5])


def test_constant_feature_has_no_cuts() -> None:
    assert len(quantile_cuts(np.full(10, 7.0), np.ones(10), 16)) == 0
    bins = fit_continuous(Column(np.full(10, 7.0)), np.ones(10), 16, 8)
    assert bins.n_bins == 3 and bins.n_interaction_bins == 3


@pytest.fixture(scope="module")
def continuous_bins() -> tuple[np.ndarray, FeatureBins]:
    rng = np.random.default_rng(1)
    values = np.round(rng.exponential(size=5000), 2)
    values[:50] = np.nan
    return values, fit_continuous(Column(values), np.ones(len(values)), 256, 16)


def test_coarse_cuts_are_a_subset_of_fine_cuts(continuous_bins) -> None:
    values, bins = continuous_bins
    assert 100 < len(bins.cuts) <= 255  # ties of the rounded values merge some bins
    assert 1 <= len(bins.interaction_cuts) <= 15
    assert set(bins.interaction_cuts) <= set(bins.cuts)
    assert bins.n_bins == len(bins.cuts) + 3
    assert bins.n_interaction_bins == len(bins.interaction_cuts) + 3


def test_fine_to_coarse_maps_every_row(continuous_bins) -> None:
    values, bins = continuous_bins
    column = Column(np.concatenate([values, [np.nan, np.inf, -np.inf, 0.0]]),
                    np.concatenate([np.zeros(len(values) + 4, bool)]))
    column.not_number[-1] = True  # one entry is text: unseen
    fine = bin_column(column, bins)
    coarse = bin_column(column, bins, interaction=True)
    mapping = bins.fine_to_coarse()
    assert len(mapping) == bins.n_bins
    np.testing.assert_array_equal(mapping[fine], coarse)
    assert mapping[0] == 0 and mapping[-1] == bins.n_interaction_bins - 1
    assert np.all(np.diff(mapping[1:-1]) >= 0)


def test_coarse_code_matrix_reads_the_interaction_codes_off_the_fine_ones(continuous_bins) -> None:
    values, continuous = continuous_bins
    n = len(values)
    labels = np.array(list("abcdefg"), dtype=object)[np.arange(n) % 7]
    labels[::11] = None
    nominal = fit_categorical(NOMINAL, Column(labels), max_interaction_bins=4)
    assert nominal.interaction_categories is not None  # coarsened for pairs
    columns = [Column(values), Column(labels), Column(labels)]
    bins = [continuous, nominal, fit_categorical(NOMINAL, Column(labels))]
    columns[1].values[5] = "unseen"
    fine = code_matrix(columns, bins, False)
    coarse = coarse_code_matrix(fine, bins, fine_to_coarse_maps(bins))
    expected = code_matrix(columns, bins, True)
    assert coarse.dtype == expected.dtype and coarse.flags.f_contiguous
    np.testing.assert_array_equal(coarse, expected)
    np.testing.assert_array_equal(binning.interaction_code_matrix(columns, bins, fine), expected)


def test_no_fine_to_coarse_maps_when_coarse_cuts_are_not_fine_cuts() -> None:
    bins = FeatureBins(CONTINUOUS, cuts=np.array([1.0, 2.0]), interaction_cuts=np.array([1.5]))
    assert fine_to_coarse_maps([bins]) is None
    # then the interaction codes come from the values
    column = Column(np.array([0.5, 1.2, 1.7, 2.5]))
    fine = binning.code_matrix([column], [bins], False)
    np.testing.assert_array_equal(binning.interaction_code_matrix([column], [bins], fine)[:, 0],
                                  [1, 1, 2, 2])


def test_continuous_codes_for_missing_unseen_and_inf() -> None:
    bins = FeatureBins(CONTINUOUS, cuts=np.array([1.0, 2.0]), interaction_cuts=np.array([1.0]))
    values = np.array([np.nan, 0.5, 1.0, 1.5, 2.5, np.inf, -np.inf, np.nan])
    not_number = np.array([False] * 7 + [True])
    np.testing.assert_array_equal(bin_column(Column(values, not_number), bins),
                                  [0, 1, 2, 2, 3, 3, 1, 4])
    np.testing.assert_array_equal(bin_column(Column(values, not_number), bins, True),
                                  [0, 1, 2, 2, 2, 2, 1, 3])


def test_categorical_codes_for_missing_and_unseen() -> None:
    bins = fit_categorical(NOMINAL, Column(np.array(["b", "a", None, "b"], dtype=object)))
    assert bins.categories == {"a": 1, "b": 2}
    codes = bin_column(Column(np.array(["a", None, "z", "b"], dtype=object)), bins)
    np.testing.assert_array_equal(codes, [1, 0, 3, 2])
    assert bins.n_bins == 4 and bins.n_interaction_bins == 4
    np.testing.assert_array_equal(bins.fine_to_coarse(), np.arange(4))


def test_unseen_categories_only_when_no_present_value_was_seen() -> None:
    bins = fit_categorical(NOMINAL, Column(np.array(["False", "True"], dtype=object)))

    def unseen(*values):
        return unseen_categories(Column(np.array(values, dtype=object)), bins)

    assert unseen("0", "1", None, "0") == ["0", "1"]
    assert unseen("0", "True") == []  # one known category: the others are new data
    assert unseen("maybe", "maybe", None) == []  # one new value: a new category, not an encoding
    continuous = fit_continuous(Column(np.arange(10.0)), np.ones(10), 4, 4)
    assert unseen_categories(Column(np.arange(3.0)), continuous) == []


def test_numeric_labels_sort_by_value_and_ordinals_keep_order() -> None:
    bins = fit_categorical(NOMINAL, Column(np.array(["10", "9", "-1"], dtype=object)))
    assert list(bins.categories) == ["-1", "9", "10"]
    ordinal = fit_categorical(ORDINAL, Column(np.array(["lo", "hi"], dtype=object)),
                              ["lo", "mid", "hi"])
    assert ordinal.categories == {"lo": 1, "mid": 2, "hi": 3}
    with pytest.raises(ValueError, match="not among the declared"):
        fit_categorical(ORDINAL, Column(np.array(["x"], dtype=object)), ["lo", "hi"])


def test_zero_weight_categories_are_unseen() -> None:
    column = Column(np.array(["a", "b", "c"], dtype=object))
    bins = fit_categorical(NOMINAL, column, weights=np.array([1.0, 0.0, 2.0]))
    assert bins.categories == {"a": 1, "c": 2}


def test_levels_round_trip(continuous_bins) -> None:
    _, bins = continuous_bins
    again = feature_bins_from_levels(CONTINUOUS, bins.levels())
    np.testing.assert_array_equal(again.cuts, bins.cuts)
    np.testing.assert_array_equal(again.interaction_cuts, bins.interaction_cuts)
    nominal = FeatureBins(NOMINAL, categories={"x": 1, "y": 2})
    assert feature_bins_from_levels(NOMINAL, nominal.levels()) == nominal
    assert nominal.bin_labels() == ["(missing)", "x", "y", "(unseen)"]
    assert len(bins.bin_labels()) == bins.n_bins
    assert len(bins.bin_labels(interaction=True)) == bins.n_interaction_bins


def test_coarse_cuts_of_a_tied_feature_use_the_budget() -> None:
    """Fine bins of very unequal weight (one holds 40% of the rows) still give nearly
    ``max_bins`` coarse bins."""
    weights = np.ones(500)
    weights[100] = 400.0
    picked = coarsen_cuts(np.arange(499) + 0.5, weights, 64)
    assert len(picked) == 63
    assert 100.5 in picked and 99.5 in picked  # the heavy bin stands alone


def test_coarsen_cuts_with_few_cuts_keeps_them() -> None:
    cuts = np.array([1.0, 2.0])
    np.testing.assert_array_equal(coarsen_cuts(cuts, np.ones(3), 8), cuts)
    many = np.arange(1.0, 100.0)
    picked = coarsen_cuts(many, np.ones(100), 4)
    np.testing.assert_array_equal(picked, [25.0, 50.0, 75.0])


@pytest.mark.parametrize("max_code, dtype", [(255, np.uint8), (256, np.uint16),
                                             (70_000, np.uint32)])
def test_smallest_code_dtype(max_code, dtype) -> None:
    assert smallest_code_dtype(max_code) == np.dtype(dtype)


def _labels(counts: dict[str, int]) -> Column:
    return Column(np.array([label for label, n in counts.items() for _ in range(n)], dtype=object))


def test_nominal_with_many_categories_keeps_the_heaviest_for_pairs() -> None:
    counts = {"a": 5, "b": 1, "c": 9, "d": 2, "e": 7, "f": 1, "g": 3}
    bins = fit_categorical(NOMINAL, _labels(counts), max_interaction_bins=4)
    assert bins.n_bins == 9  # main effects keep every category
    # the three heaviest (c, e, a) keep their own pair bins, in category order; the rest share
    assert bins.interaction_categories == {"a": 1, "b": 4, "c": 2, "d": 4, "e": 3, "f": 4,
                                           "g": 4}
    assert bins.n_interaction_bins == 6
    np.testing.assert_array_equal(bins.fine_to_coarse(), [0, 1, 4, 2, 4, 3, 4, 4, 5])
    assert bins.bin_labels(interaction=True) == ["(missing)", "a", "c", "e",
                                                 "(other: 4 categories)", "(unseen)"]
    column = Column(np.array(["a", None, "zzz", "b", "c", "g"], dtype=object))
    np.testing.assert_array_equal(bin_column(column, bins, interaction=True), [1, 0, 5, 4, 2, 4])
    np.testing.assert_array_equal(bins.fine_to_coarse()[bin_column(column, bins)],
                                  bin_column(column, bins, interaction=True))


def test_weights_choose_the_heaviest_categories() -> None:
    column = Column(np.array(list("abcde"), dtype=object))
    bins = fit_categorical(NOMINAL, column, weights=np.array([1.0, 9.0, 2.0, 8.0, 3.0]),
                           max_interaction_bins=3)
    assert bins.interaction_categories == {"a": 3, "b": 1, "c": 3, "d": 2, "e": 3}


def test_few_categories_are_not_coarsened() -> None:
    column = _labels({"a": 1, "b": 2, "c": 3})
    for limit in (None, 3, 64):
        bins = fit_categorical(NOMINAL, column, max_interaction_bins=limit)
        assert bins.interaction_categories is None and bins.levels() == [bins.categories]
        assert bins.n_interaction_bins == bins.n_bins == 5


def test_ordinal_with_many_levels_merges_neighbours() -> None:
    order = [f"L{i:02d}" for i in range(40)]
    rng = np.random.default_rng(3)
    column = Column(np.array(order, dtype=object)[rng.integers(0, 30, 2000)])  # 10 levels unseen
    bins = fit_categorical(ORDINAL, column, order, max_interaction_bins=8)
    coarse = bins.fine_to_coarse()
    assert bins.n_interaction_bins <= 10 and len(coarse) == 42
    assert coarse[0] == 0 and coarse[-1] == bins.n_interaction_bins - 1
    assert np.all(np.diff(coarse[1:-1]) >= 0)  # runs of neighbouring levels, in order
    runs = np.bincount(bin_column(column, bins, interaction=True))[1:-1]
    assert runs.min() > 2000 / 8 / 2 and runs.max() < 2000 / 8 * 2  # of about equal weight
    labels = bins.bin_labels(interaction=True)
    assert labels[1].startswith("L00 to ") and labels[-2].endswith(" to L39")


def test_coarse_categories_round_trip_and_are_validated() -> None:
    bins = fit_categorical(NOMINAL, _labels({"a": 3, "b": 2, "c": 1}), max_interaction_bins=2)
    assert bins.levels() == [{"a": 1, "b": 2, "c": 3}, {"a": 1, "b": 2, "c": 2}]
    again = feature_bins_from_levels(NOMINAL, bins.levels())
    assert again == bins and again.n_interaction_bins == 4
    with pytest.raises(ValueError, match="exactly the feature's categories"):
        FeatureBins(NOMINAL, categories={"a": 1, "b": 2}, interaction_categories={"a": 1})
    with pytest.raises(ValueError, match="integers 1..m"):
        FeatureBins(NOMINAL, categories={"a": 1, "b": 2}, interaction_categories={"a": 1, "b": 3})


def test_a_fitted_pair_of_coarsened_nominals_scores_rows_by_their_coarse_bins() -> None:
    from glassboost import ExplainableBoostingClassifier

    rng = np.random.default_rng(4)
    n = 3000
    X = pd.DataFrame({"a": rng.integers(0, 40, n).astype(str),
                      "b": rng.integers(0, 12, n).astype(str), "x": rng.normal(size=n)})
    y = ((X["a"].astype(int) % 3 == 0) ^ (X["b"].astype(int) > 5)).astype(int)
    model = ExplainableBoostingClassifier(outer_bags=2, max_rounds=50, max_interaction_bins=8,
                                          interactions=[("a", "b")], n_jobs=1).fit(X, y)
    pair = model.term_names_.index("a & b")
    table, weights = model.term_scores_[pair], model.bin_weights_[pair]
    assert table.shape == (10, 10)  # 8 coarse bins of each, plus missing and unseen
    a, b = (feature_bins_from_levels(NOMINAL, model.bins_[f]) for f in (0, 1))
    codes = [bin_column(Column(X[name].to_numpy(dtype=object)), bins, interaction=True)
             for name, bins in (("a", a), ("b", b))]
    np.testing.assert_array_equal(model.eval_terms(X)[:, pair], table[codes[0], codes[1]])
    # purified: every row and column of the pair has weighted mean zero
    np.testing.assert_allclose((weights * table).sum(axis=0), 0.0, atol=1e-9)
    np.testing.assert_allclose((weights * table).sum(axis=1), 0.0, atol=1e-9)


def test_continuous_codes_are_the_same_with_numpy_and_with_the_kernel(monkeypatch) -> None:
    rng = np.random.default_rng(3)
    cuts = np.sort(rng.choice(np.round(rng.normal(size=500), 1), 40, replace=False))
    values = np.concatenate([rng.normal(size=3000), cuts, cuts + 1e-12, cuts - 1e-12,
                             [np.nan, np.inf, -np.inf, np.nan]])
    by_numpy = binning.continuous_codes(values, cuts)
    monkeypatch.setattr(binning, "KERNEL_BINNING_VALUES", 0)
    by_kernel = binning.continuous_codes(values, cuts)
    assert by_numpy.dtype == by_kernel.dtype == np.int64
    np.testing.assert_array_equal(by_numpy, by_kernel)
    assert by_numpy[-4] == 0 and by_numpy[-3] == len(cuts) + 1 and by_numpy[-2] == 1


# ---- binning strategies of feature_types -------------------------------------------------------
def _skewed(n: int = 500, seed: int = 0) -> np.ndarray:
    values = np.random.default_rng(seed).lognormal(size=n)
    values[:5] = [np.nan, np.inf, -np.inf, 1e6, -50.0]  # missing, infinite, outliers
    return values


def test_the_strategies_are_the_names_feature_types_accepts() -> None:
    from glassboost.schema import BINNING_STRATEGIES

    assert tuple(binning.CUT_STRATEGIES) == BINNING_STRATEGIES
    assert binning.CUT_STRATEGIES["quantile"] is quantile_cuts


def test_uniform_cuts_have_equal_widths_between_the_finite_ends() -> None:
    values = _skewed()
    weights = np.ones(len(values))
    weights[5] = 0.0  # a row of zero weight does not move the ends
    used = values[np.isfinite(values) & (weights > 0)]
    cuts = binning.uniform_cuts(values, weights, 9)
    expected = np.linspace(used.min(), used.max(), 10)[1:-1]
    np.testing.assert_allclose(cuts, expected, rtol=1e-12)
    np.testing.assert_allclose(np.diff(cuts), (used.max() - used.min()) / 9, rtol=1e-9)
    # every bin of the range, even those no value falls in
    assert len(binning.uniform_cuts(np.array([0.0, 1.0, 10.0]), np.ones(3), 5)) == 4
    assert len(binning.uniform_cuts(np.full(4, 2.0), np.ones(4), 5)) == 0


def test_winsorized_cuts_end_at_the_quantiles_with_equal_widths_between() -> None:
    values = _skewed()
    weights = np.ones(len(values))
    cuts = binning.winsorized_cuts(values, weights, 8)
    finite = np.sort(values[np.isfinite(values)])
    k = len(finite)
    low, high = finite[(k - 1) // 8], finite[k - 1 - (k - 1) // 8]  # 1/8 and 7/8 quantiles
    assert cuts[0] == finite[finite > low].min()  # the lowest bin: values up to `low`
    assert cuts[-1] == np.nextafter(finite[finite < high].max(), np.inf)  # from `high` on
    assert len(cuts) == 7
    np.testing.assert_allclose(np.diff(cuts), (cuts[-1] - cuts[0]) / 6, rtol=1e-9)
    # the outliers do not stretch the cuts, as they stretch uniform ones
    assert cuts[-1] < 10 < binning.uniform_cuts(values, weights, 8)[-1]
    # weights count as repeated rows
    repeated = np.repeat(finite, 3)
    np.testing.assert_array_equal(binning.winsorized_cuts(finite, np.full(k, 3.0), 8),
                                  binning.winsorized_cuts(repeated, np.ones(3 * k), 8))


@pytest.mark.parametrize("values, max_bins, expected", [
    ([1.0, 2.0, 2.0, 2.0, 3.0], 4, [1.5, 2.5]),  # one value between the ends: cut around it
    ([1.0, 1.0, 2.0, 3.0, 3.0], 3, [1.5, 2.5]),
    ([0.0, 1.0, 2.0, 3.0], 2, [1.5]),  # one cut: next to the weighted median
])
def test_winsorized_cuts_of_few_values(values, max_bins, expected) -> None:
    values = np.array(values)
    cuts = binning.winsorized_cuts(values, np.ones(len(values)), max_bins)
    np.testing.assert_array_equal(cuts, expected)


def test_rounded_quantile_cuts_are_short_decimals_making_the_same_bins() -> None:
    values = np.random.default_rng(1).normal(size=400) * 37.0
    weights = np.ones(len(values))
    exact = quantile_cuts(values, weights, 16)
    rounded = binning.rounded_quantile_cuts(values, weights, 16)
    assert len(rounded) == len(exact) and np.all(np.diff(rounded) > 0)
    # the same training values on either side of every cut
    np.testing.assert_array_equal(np.searchsorted(exact, values, side="right"),
                                  np.searchsorted(rounded, values, side="right"))
    digits = [len(repr(abs(float(c))).replace(".", "").strip("0")) for c in rounded]
    assert max(digits) <= 6 and np.mean(digits) < 4, rounded
    assert binning.rounded_quantile_cuts(np.array([-0.3, 0.7]), np.ones(2), 4).tolist() == [0.0]
    assert binning.rounded_quantile_cuts(np.array([1.04, 1.06]), np.ones(2), 4).tolist() == [1.05]


def test_explicit_cuts_are_used_exactly_and_pairs_take_a_subset() -> None:
    values = _skewed()
    cuts = np.array([-1.0, 0.5, 1.0, 2.0, 3.0, 8.0])
    bins = fit_continuous(Column(values), np.ones(len(values)), 256, 4, cuts)
    np.testing.assert_array_equal(bins.cuts, cuts)
    assert len(bins.interaction_cuts) == 3 and np.isin(bins.interaction_cuts, cuts).all()
    assert bins.fine_to_coarse() is not None


@pytest.mark.parametrize("strategy", ["uniform", "winsorized", "rounded_quantile"])
def test_every_strategy_coarsens_to_a_subset_for_pairs(strategy) -> None:
    values = _skewed()
    bins = fit_continuous(Column(values), np.ones(len(values)), 64, 8, strategy)
    np.testing.assert_array_equal(
        bins.cuts, binning.CUT_STRATEGIES[strategy](values, np.ones(len(values)), 64))
    assert len(bins.interaction_cuts) <= 7 and np.isin(bins.interaction_cuts, bins.cuts).all()
