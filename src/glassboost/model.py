"""The fitted additive model: turn typed columns into per-term contributions, and rank terms.

These functions read only the fitted tables (``bins``, ``term_features``, ``term_scores``), so
they serve estimators, loaded model files and edited models alike.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .binning import FeatureBins, bin_column, smallest_code_dtype
from .kernels.predict import gather_terms, gather_wide_terms, sum_terms, sum_wide_terms
from .schema import CONTINUOUS, Column


def _coarse_from_fine(bins: FeatureBins, fine_codes: np.ndarray) -> np.ndarray | None:
    """Interaction codes looked up from main-effect codes, if every coarse cut is a fine cut."""
    if bins.kind != CONTINUOUS or np.isin(bins.interaction_cuts, bins.cuts).all():
        return bins.fine_to_coarse()[fine_codes]
    return None


def _check_shapes(bins, term_features, term_scores, n_scores) -> None:
    """The gather kernel reads without bounds checks: every table must fit its bins."""
    for features, table in zip(term_features, term_scores):
        sizes = [bins[f].n_bins if len(features) == 1 else bins[f].n_interaction_bins
                 for f in features]
        expected = tuple(sizes) + ((n_scores,) if n_scores > 1 else ())
        if np.shape(table) != expected:
            raise ValueError(f"the table of term {features} has shape {np.shape(table)}, but "
                             f"its bins need {expected}")


@dataclass
class _WideTerms:
    """Terms of three or more features, laid out for ``gather_wide_terms``."""

    at: np.ndarray  # index of each among all terms
    positions: np.ndarray  # rows of ``coarse`` of every wide term's features, term after term
    starts: np.ndarray  # (n_wide + 1,): where each term's features begin in ``positions``
    strides: np.ndarray  # per entry of ``positions``: cells one bin of that feature moves by
    offsets: np.ndarray  # per wide term: start of its table in ``flat``


@dataclass
class _BinnedRows:
    """Codes of the features the terms use, and every table flattened for the kernels.

    Mains and pairs (``narrow``) and terms of three or more features (``wide``) are scored by
    separate kernels, so that the common ones keep their fixed two-feature cell.
    """

    fine: np.ndarray  # (n_used_features, n_rows)
    coarse: np.ndarray  # (n_used_features, n_rows), filled for features in interactions
    narrow: np.ndarray  # index of each main and pair among all terms
    first: np.ndarray  # per narrow term: row of ``fine``/``coarse`` of its first feature
    second: np.ndarray  # per narrow term: of its second feature, -1 for a main effect
    n2: np.ndarray  # per pair: bins of its second feature
    offsets: np.ndarray  # per narrow term: start of its table in ``flat``
    wide: _WideTerms
    flat: np.ndarray  # (n_cells, n_scores)
    n_threads: int

    def row_parts(self, n_rows: int) -> list[tuple[int, int]]:
        bounds = np.linspace(0, n_rows, self.n_threads + 1).astype(np.int64)
        return list(zip(bounds[:-1], bounds[1:]))


def _wide_terms(term_features, term_scores, position, offsets) -> _WideTerms:
    at = [t for t, features in enumerate(term_features) if len(features) > 2]
    shapes = [np.shape(term_scores[t])[:len(term_features[t])] for t in at]
    strides = [np.cumprod((1,) + shape[:0:-1])[::-1] for shape in shapes]
    return _WideTerms(
        at=np.array(at, dtype=np.int64),
        positions=np.array([position[f] for t in at for f in term_features[t]],
                           dtype=np.int64),
        starts=np.cumsum([0] + [len(term_features[t]) for t in at]).astype(np.int64),
        strides=(np.concatenate(strides) if strides else np.zeros(0)).astype(np.int64),
        offsets=offsets[at],
    )


def _bin_rows(columns, bins, term_features, term_scores, n_scores) -> _BinnedRows:
    """Bin every used column (a thread per core) and pack the tables."""
    _check_shapes(bins, term_features, term_scores, n_scores)
    n_rows = len(columns[0].values) if columns else 0
    used = sorted({f for features in term_features for f in features})
    in_pairs = {f for features in term_features if len(features) > 1 for f in features}
    position = {f: i for i, f in enumerate(used)}
    fine = np.empty((len(used), n_rows),
                    smallest_code_dtype(max([bins[f].n_bins for f in used], default=0)))
    coarse = np.empty((len(used), n_rows), smallest_code_dtype(
        max([bins[f].n_interaction_bins for f in in_pairs], default=0)))

    def bin_feature(feature: int) -> None:
        i = position[feature]
        fine[i] = bin_column(columns[feature], bins[feature])
        if feature in in_pairs:
            looked_up = _coarse_from_fine(bins[feature], fine[i])
            coarse[i] = looked_up if looked_up is not None else bin_column(
                columns[feature], bins[feature], interaction=True)

    n_threads = max(1, min(os.cpu_count() or 1, len(used)))
    with ThreadPoolExecutor(max_workers=n_threads) as pool:
        list(pool.map(bin_feature, used))
    tables = [np.asarray(table, dtype=np.float64).reshape(-1, n_scores) for table in term_scores]
    offsets = np.cumsum([0] + [len(table) for table in tables])[:-1].astype(np.int64)
    narrow = [t for t, features in enumerate(term_features) if len(features) <= 2]
    return _BinnedRows(
        fine=fine, coarse=coarse,
        narrow=np.array(narrow, dtype=np.int64),
        first=np.array([position[term_features[t][0]] for t in narrow], dtype=np.int64),
        second=np.array([position[term_features[t][1]] if len(term_features[t]) > 1 else -1
                         for t in narrow], dtype=np.int64),
        n2=np.array([np.shape(term_scores[t])[1] if len(term_features[t]) > 1 else 0
                     for t in narrow], dtype=np.int64),
        offsets=offsets[narrow],
        wide=_wide_terms(term_features, term_scores, position, offsets),
        flat=np.concatenate(tables) if tables else np.zeros((0, n_scores)),
        n_threads=n_threads,
    )


def _run_parts(rows: _BinnedRows, narrow_outputs: list[np.ndarray],
               wide_outputs: list[np.ndarray], n_rows: int, summing: bool) -> None:
    """Run the scoring kernels (``sum_*`` when ``summing``, else ``gather_*``) over row ranges
    on threads, once per score (class)."""
    tables = [np.ascontiguousarray(rows.flat[:, k]) for k in range(len(narrow_outputs))]
    narrow_kernel = sum_terms if summing else gather_terms
    wide_kernel = sum_wide_terms if summing else gather_wide_terms
    wide = rows.wide

    def run(part: tuple[int, int]) -> None:
        for table, out, wide_out in zip(tables, narrow_outputs, wide_outputs):
            narrow_kernel(rows.fine, rows.coarse, rows.first, rows.second, rows.n2,
                          rows.offsets, table, out, part[0], part[1])
            if len(wide.at):
                wide_kernel(rows.coarse, wide.positions, wide.starts, wide.strides,
                            wide.offsets, table, wide_out, part[0], part[1])

    with ThreadPoolExecutor(max_workers=rows.n_threads) as pool:
        list(pool.map(run, rows.row_parts(n_rows)))


def term_contributions(columns: Sequence[Column], bins: Sequence[FeatureBins],
                       term_features: Sequence[tuple[int, ...]],
                       term_scores: Sequence[np.ndarray], n_scores: int = 1) -> np.ndarray:
    """Per-row, per-term contributions: (n_rows, n_terms) or (n_rows, n_terms, n_scores).

    ``n_scores`` (one score per class for multiclass, else 1) is given by the caller rather than
    read from the tables, so a model whose terms were all removed still has the right shape.
    The result is a transposed view of (n_terms, n_rows) arrays, which the kernels fill a term
    at a time.
    """
    n_rows = len(columns[0].values) if columns else 0
    rows = _bin_rows(columns, bins, term_features, term_scores, n_scores)
    narrow = [np.empty((len(rows.narrow), n_rows)) for _ in range(n_scores)]
    wide = [np.empty((len(rows.wide.at), n_rows)) for _ in range(n_scores)]
    _run_parts(rows, narrow, wide, n_rows, summing=False)
    outputs = narrow
    if len(rows.wide.at):  # put the terms back in their order
        outputs = [np.empty((len(term_features), n_rows)) for _ in range(n_scores)]
        for out, narrow_out, wide_out in zip(outputs, narrow, wide):
            out[rows.narrow], out[rows.wide.at] = narrow_out, wide_out
    if n_scores == 1:
        return outputs[0].T
    return np.moveaxis(np.stack(outputs, axis=-1), 0, 1)


def term_sums(columns: Sequence[Column], bins: Sequence[FeatureBins],
              term_features: Sequence[tuple[int, ...]], term_scores: Sequence[np.ndarray],
              n_scores: int = 1) -> np.ndarray:
    """Per-row sum of the terms, (n_rows,) or (n_rows, n_scores): ``term_contributions`` summed
    over terms, without holding every term's column (mains and pairs first, then wider terms)."""
    n_rows = len(columns[0].values) if columns else 0
    rows = _bin_rows(columns, bins, term_features, term_scores, n_scores)
    outputs = [np.zeros(n_rows) for _ in range(n_scores)]
    _run_parts(rows, outputs, outputs, n_rows, summing=True)
    return outputs[0] if n_scores == 1 else np.column_stack(outputs)


def term_importances(term_scores: Sequence[np.ndarray], bin_weights: Sequence[np.ndarray],
                     importance_type: str = "avg_weight") -> np.ndarray:
    """Importance of every term.

    ``avg_weight``: mean absolute contribution over the training data (averaged over classes).
    ``min_max``: range of the term's table (largest minus smallest value).
    """
    if importance_type == "avg_weight":
        result = []
        for table, weights in zip(term_scores, bin_weights):
            magnitude = np.abs(table)
            if magnitude.ndim > weights.ndim:
                magnitude = magnitude.mean(axis=-1)
            total = weights.sum()
            result.append(float((magnitude * weights).sum() / total) if total > 0 else 0.0)
        return np.array(result)
    if importance_type == "min_max":
        return np.array([float(np.ptp(table)) if table.size else 0.0 for table in term_scores])
    raise ValueError(
        f"importance_type={importance_type!r} is not supported; use 'avg_weight' or 'min_max'"
    )
