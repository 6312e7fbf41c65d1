"""Per-term contributions and their sums from fitted tables."""

from __future__ import annotations

import numpy as np

from glassboost.binning import FeatureBins, bin_column
from glassboost.model import term_contributions, term_sums
from glassboost.schema import CONTINUOUS, NOMINAL, Column


def _model(interaction_cuts):
    rng = np.random.default_rng(0)
    bins = [FeatureBins(CONTINUOUS, cuts=np.array([-1.0, 0.0, 0.5, 1.0]),
                        interaction_cuts=np.asarray(interaction_cuts)),
            FeatureBins(NOMINAL, categories={"a": 1, "b": 2, "c": 3})]
    columns = [Column(np.concatenate([rng.normal(size=500), [np.nan]])),
               Column(np.array(list(rng.choice(["a", "b", "c", "zz"], size=500)) + [None],
                               dtype=object))]
    terms = [(0,), (1,), (0, 1)]
    tables = [rng.normal(size=bins[0].n_bins), rng.normal(size=bins[1].n_bins),
              rng.normal(size=(bins[0].n_interaction_bins, bins[1].n_interaction_bins))]
    return columns, bins, terms, tables


def test_contributions_read_each_row_cell_also_when_coarse_cuts_are_not_fine_cuts() -> None:
    for interaction_cuts in ([0.0, 1.0], [0.25]):  # a subset of the fine cuts, and not
        columns, bins, terms, tables = _model(interaction_cuts)
        got = term_contributions(columns, bins, terms, tables)
        fine = [bin_column(c, b) for c, b in zip(columns, bins)]
        coarse = [bin_column(c, b, interaction=True) for c, b in zip(columns, bins)]
        want = np.column_stack([tables[0][fine[0]], tables[1][fine[1]],
                                tables[2][coarse[0], coarse[1]]])
        np.testing.assert_array_equal(got, want)
        np.testing.assert_allclose(term_sums(columns, bins, terms, tables), want.sum(axis=1),
                                   rtol=1e-12)


def test_multiclass_contributions_and_sums() -> None:
    columns, bins, terms, tables = _model([0.0])
    rng = np.random.default_rng(1)
    tables3 = [np.stack([t, t * 2, rng.normal(size=t.shape)], axis=-1) for t in tables]
    got = term_contributions(columns, bins, terms, tables3, n_scores=3)
    assert got.shape == (501, 3, 3)
    for k in range(3):
        np.testing.assert_array_equal(
            got[:, :, k], term_contributions(columns, bins, terms, [t[..., k] for t in tables3]))
    np.testing.assert_allclose(term_sums(columns, bins, terms, tables3, n_scores=3),
                               got.sum(axis=1), rtol=1e-12)


def _wide_model(n_scores: int = 1):
    """Mains, a pair and two terms of three and four features, on every kind of bin."""
    rng = np.random.default_rng(2)
    bins = [FeatureBins(CONTINUOUS, cuts=np.array([-1.0, 0.0, 0.5, 1.0]),
                        interaction_cuts=np.array([0.25])),
            FeatureBins(NOMINAL, categories={"a": 1, "b": 2, "c": 3}),
            FeatureBins(CONTINUOUS, cuts=np.array([0.0]), interaction_cuts=np.array([0.0])),
            FeatureBins(NOMINAL, categories={"u": 1, "v": 2},
                        interaction_categories={"u": 1, "v": 1})]
    n = 3000
    columns = [Column(np.where(rng.random(n) < 0.1, np.nan, rng.normal(size=n))),
               Column(np.array(list(rng.choice(["a", "b", "c", "zz", None], size=n)),
                               dtype=object)),
               Column(rng.normal(size=n)),
               Column(np.array(list(rng.choice(["u", "v", "w"], size=n)), dtype=object))]
    terms = [(0,), (1,), (2, 0, 1), (0, 1), (3,), (1, 3, 0, 2)]
    extra = (n_scores,) if n_scores > 1 else ()
    tables = [rng.normal(size=tuple(bins[f].n_bins if len(t) == 1 else bins[f].n_interaction_bins
                                    for f in t) + extra) for t in terms]
    return columns, bins, terms, tables


def test_terms_of_any_order_read_their_cell_of_coarse_codes() -> None:
    columns, bins, terms, tables = _wide_model()
    fine = [bin_column(c, b) for c, b in zip(columns, bins)]
    coarse = [bin_column(c, b, interaction=True) for c, b in zip(columns, bins)]
    want = np.column_stack([tables[t][tuple((fine if len(f) == 1 else coarse)[i] for i in f)]
                            for t, f in enumerate(terms)])
    got = term_contributions(columns, bins, terms, tables)
    np.testing.assert_array_equal(got, want)
    np.testing.assert_allclose(term_sums(columns, bins, terms, tables), want.sum(axis=1),
                               rtol=1e-12)
    # the mains and pairs alone are scored exactly as before, wide terms or not
    narrow = [0, 1, 3, 4]
    np.testing.assert_array_equal(
        term_contributions(columns, bins, [terms[t] for t in narrow],
                           [tables[t] for t in narrow]), want[:, narrow])


def test_multiclass_terms_of_any_order() -> None:
    columns, bins, terms, tables = _wide_model(n_scores=3)
    got = term_contributions(columns, bins, terms, tables, n_scores=3)
    for k in range(3):
        np.testing.assert_array_equal(
            got[:, :, k], term_contributions(columns, bins, terms, [t[..., k] for t in tables]))
    np.testing.assert_allclose(term_sums(columns, bins, terms, tables, n_scores=3),
                               got.sum(axis=1), rtol=1e-12, atol=1e-14)
