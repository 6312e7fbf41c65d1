"""Finishing bagged tables: purify pairs, center every term, average over bags.

After this the decomposition is unique: each main effect has weighted mean zero, each pair has
zero weighted row and column means (its marginal parts live in the mains), and all the constants
are in the intercept. Each step only moves value between tables that the same rows read, so
predictions do not change.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .booster import BaggedTerms


@dataclass
class FinishedTerms:
    term_features: list[tuple[int, ...]]
    term_scores: list[np.ndarray]  # mean over bags, each (..., n_scores)
    standard_deviations: list[np.ndarray]
    bagged_scores: list[np.ndarray]  # (n_bags, ..., n_scores)
    intercept: np.ndarray  # (n_scores,)
    bagged_intercept: np.ndarray  # (n_bags, n_scores)


def _marginal_means(table: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted row sums then column sums of ``table`` (n1, n2, k), stacked: (n1 + n2, k)."""
    return np.concatenate([np.einsum("ij,ijk->ik", weights, table),
                           np.einsum("ij,ijk->jk", weights, table)])


def purify_pair(table: np.ndarray, weights: np.ndarray,
                refinements: int = 2) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Split ``table`` (n1, n2, k) into pure + row marginal (n1, k) + column marginal (n2, k).

    The marginals are the weighted least-squares additive fit of the table: one linear system of
    n1 + n2 unknowns (normal equations, solved by SVD since a constant can move between rows and
    columns), refined on its own residual. Rows or columns without weight get marginal zero and
    keep their values. ``pure + rows + cols`` equals the table whatever the solver's accuracy.
    """
    n1, n2 = weights.shape
    system = np.zeros((n1 + n2, n1 + n2))
    system[:n1, :n1] = np.diag(weights.sum(axis=1))
    system[n1:, n1:] = np.diag(weights.sum(axis=0))
    system[:n1, n1:] = weights
    system[n1:, :n1] = weights.T
    pure = table.astype(np.float64, copy=True)
    marginals = np.zeros((n1 + n2, table.shape[2]))
    for _ in range(refinements):
        step = np.linalg.lstsq(system, _marginal_means(pure, weights), rcond=None)[0]
        pure -= step[:n1, None, :] + step[None, n1:, :]
        marginals += step
    return pure, marginals[:n1], marginals[n1:]


def _weighted_mean(table: np.ndarray, weights: np.ndarray) -> np.ndarray:
    total = weights.sum()
    if total <= 0:
        return np.zeros(table.shape[-1])
    return np.tensordot(weights, table, axes=weights.ndim) / total


def _zero_unsupported(table: np.ndarray, weights: np.ndarray) -> None:
    """Missing bins without training data and unseen bins contribute nothing."""
    if table.ndim == 2:
        table[-1] = 0.0
        if weights[0] <= 0:
            table[0] = 0.0
        return
    table[-1, :] = 0.0
    table[:, -1] = 0.0
    if weights[0].sum() <= 0:
        table[0, :] = 0.0
    if weights[:, 0].sum() <= 0:
        table[:, 0] = 0.0


def _purify_every_bag(bagged: BaggedTerms, pair_weights: dict) -> list[list[tuple]]:
    """[bag][pair] -> (pure, rows, cols): one least-squares solve per pair for all bags at once
    (the system depends only on the pair's weights; the bags are its right-hand sides)."""
    n_bags = len(bagged.pair_tables)
    parts: list[list[tuple]] = [[] for _ in range(n_bags)]
    for t, pair in enumerate(bagged.pairs):
        tables = [bagged.pair_tables[bag][t] for bag in range(n_bags)]
        pure, rows, cols = purify_pair(np.concatenate(tables, axis=2), pair_weights[pair])
        k = tables[0].shape[2]
        for bag in range(n_bags):
            scores = slice(bag * k, (bag + 1) * k)
            parts[bag].append((pure[..., scores], rows[:, scores], cols[:, scores]))
    return parts


def _finish_bag(bagged: BaggedTerms, bag: int, purified: list[tuple], main_weights: dict,
                pair_weights: dict, fine_to_coarse: dict) -> tuple[np.ndarray, list[np.ndarray]]:
    intercept = bagged.base_scores.astype(np.float64, copy=True)
    mains = {f: t.copy() for f, t in zip(bagged.main_features, bagged.main_tables[bag])}
    pairs = []
    for (i, j), (pure, rows, cols) in zip(bagged.pairs, purified):
        pure = pure.copy()
        for feature, marginal, axis in ((i, rows, 0), (j, cols, 1)):
            if feature in mains:
                mains[feature] += marginal[fine_to_coarse[feature]]
            else:
                pure += np.expand_dims(marginal, axis=1 - axis)
        pairs.append(pure)
    tables = [mains[f] for f in bagged.main_features] + pairs
    weights = [main_weights[f] for f in bagged.main_features] + [
        pair_weights[p] for p in bagged.pairs
    ]
    for table, w in zip(tables, weights):
        mean = _weighted_mean(table, w)
        table -= mean
        intercept += mean
        _zero_unsupported(table, w)
    return intercept, tables


def finish_terms(bagged: BaggedTerms, main_weights: dict[int, np.ndarray],
                 pair_weights: dict[tuple[int, int], np.ndarray],
                 fine_to_coarse: dict[int, np.ndarray]) -> FinishedTerms:
    """Purify and center every bag, then average; ``*_weights`` are training weights per bin."""
    n_bags = len(bagged.main_tables)
    purified = _purify_every_bag(bagged, pair_weights)
    results = [
        _finish_bag(bagged, bag, purified[bag], main_weights, pair_weights, fine_to_coarse)
        for bag in range(n_bags)
    ]
    bagged_intercept = np.array([r[0] for r in results])
    n_terms = len(bagged.main_features) + len(bagged.pairs)
    bagged_scores = [np.stack([r[1][t] for r in results]) for t in range(n_terms)]
    return FinishedTerms(
        term_features=[(f,) for f in bagged.main_features] + [tuple(p) for p in bagged.pairs],
        term_scores=[s.mean(axis=0) for s in bagged_scores],
        standard_deviations=[s.std(axis=0) for s in bagged_scores],
        bagged_scores=bagged_scores,
        intercept=bagged_intercept.mean(axis=0),
        bagged_intercept=bagged_intercept,
    )
