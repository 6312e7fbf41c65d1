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
