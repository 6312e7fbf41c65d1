"""Finishing bagged tables: purify pairs, center every term, average over bags.

After this the decomposition is unique: each main effect has weighted mean zero, each pair has
zero weighted row and column means (its marginal parts live in the mains), and all the constants
are in the intercept. A term of three or more features is purified first: its weighted means
along each axis move to the model's term on the other features (a main effect, or a pair that is
then purified in turn); means on features without such a term are purified further, and what
has no term to go to stays in the tensor. Each step only moves value between tables that the same rows read, so
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


def purify_tensor(table: np.ndarray, weights: np.ndarray, tolerance: float = 1e-13,
                  max_sweeps: int = 10_000) -> tuple[np.ndarray, dict[tuple[int, ...], np.ndarray]]:
    """Split ``table`` (n_1, ..., n_k, m) into a pure part, whose weighted means along every
    axis vanish, and impurities ``{kept axes: table}`` of one axis fewer, by removing each
    axis's weighted means in turn until they fall below ``tolerance`` times the table's scale.
    Slices without weight keep their values. ``pure + impurities`` (broadcast) equals the
    table."""
    k = weights.ndim
    pure = table.astype(np.float64, copy=True)
    impurities = {tuple(a for a in range(k) if a != axis): np.zeros(
        np.delete(np.array(pure.shape), axis)) for axis in range(k)}
    scale = max(float(np.abs(pure).max(initial=0.0)), 1e-300)
    for _ in range(max_sweeps):
        largest = 0.0
        for axis in range(k):
            total = weights.sum(axis=axis)[..., None]
            sums = (weights[..., None] * pure).sum(axis=axis)
            mean = np.divide(sums, total, out=np.zeros_like(sums), where=total > 0)
            pure -= np.expand_dims(mean, axis)
            impurities[tuple(a for a in range(k) if a != axis)] += mean
            largest = max(largest, float(np.abs(mean).max(initial=0.0)))
        if largest <= tolerance * scale:
            break
    return pure, impurities


def _purify_tensors(bagged: BaggedTerms, weights: dict, fine_to_coarse: dict) -> tuple:
    """Purify every term of three or more features, all bags at once (their tables side by
    side on the score axis). Returns ([bag][term] -> pure tensor, {pair index: addition of all
    bags}, {main feature: addition of all bags on its fine bins})."""
    n_bags = len(bagged.pair_tables)
    pair_index = {tuple(sorted(p)): t for t, p in enumerate(bagged.pairs) if len(p) == 2}
    mains = set(bagged.main_features)
    tensors: list[dict[int, np.ndarray]] = [{} for _ in range(n_bags)]
    pair_adds: dict[int, np.ndarray] = {}
    main_adds: dict[int, np.ndarray] = {}
    for t, term in enumerate(bagged.pairs):
        if len(term) < 3:
            continue
        tables = [bagged.pair_tables[bag][t] for bag in range(n_bags)]
        n_scores = tables[0].shape[-1]
        stacked = np.concatenate(tables, axis=-1)
        w = weights[term]
        kept = _move_impurities(stacked, w, term, pair_index, mains, pair_adds, main_adds,
                                fine_to_coarse)
        for bag in range(n_bags):
            tensors[bag][t] = kept[..., bag * n_scores:(bag + 1) * n_scores]
    return tensors, pair_adds, main_adds


def _move_impurities(table, weights, features, pair_index, mains, pair_adds, main_adds,
                     fine_to_coarse):
    """The part of ``table`` (axes: ``features``) that stays on these features: its impurities
    go to the model's term on their features, or are purified further when there is none;
    what finds no term comes back, broadcast over the missing axes."""
    if len(features) == 1:
        if features[0] in mains:
            coarse = fine_to_coarse[features[0]]
            main_adds[features[0]] = main_adds.get(features[0], 0.0) + table[coarse]
            return np.zeros_like(table)
        return table
    key = tuple(sorted(features))
    if len(features) == 2 and key in pair_index:
        oriented = table if features == key else np.swapaxes(table, 0, 1)
        t = pair_index[key]
        pair_adds[t] = pair_adds.get(t, 0.0) + oriented
        return np.zeros_like(table)
    if len(features) == 2:
        pure, rows, cols = purify_pair(table, weights)
        impurities = {(0,): rows, (1,): cols}
    else:
        pure, impurities = purify_tensor(table, weights)
    for axes, impurity in impurities.items():
        dropped = tuple(a for a in range(len(features)) if a not in axes)
        rest = _move_impurities(impurity, weights.sum(axis=dropped),
                                tuple(features[a] for a in axes), pair_index, mains, pair_adds,
                                main_adds, fine_to_coarse)
        pure = pure + np.expand_dims(rest, dropped)
    return pure


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
    if weights.ndim > 2:  # a term of three or more features: every axis alike
        for axis in range(weights.ndim):
            np.moveaxis(table, axis, 0)[-1] = 0.0
            if np.moveaxis(weights, axis, 0)[0].sum() <= 0:
                np.moveaxis(table, axis, 0)[0] = 0.0
        return
    table[-1, :] = 0.0
    table[:, -1] = 0.0
    if weights[0].sum() <= 0:
        table[0, :] = 0.0
    if weights[:, 0].sum() <= 0:
        table[:, 0] = 0.0


def _purify_every_bag(bagged: BaggedTerms, pair_weights: dict,
                      pair_adds: dict | None = None) -> list[list[tuple]]:
    """[bag][pair] -> (pure, rows, cols): one least-squares solve per pair for all bags at once
    (the system depends only on the pair's weights; the bags are its right-hand sides).
    ``pair_adds`` (all bags side by side) are added to pairs first; terms of more features
    are skipped (``_purify_tensors``)."""
    n_bags = len(bagged.pair_tables)
    parts: list[list[tuple]] = [[] for _ in range(n_bags)]
    for t, pair in enumerate(bagged.pairs):
        if len(pair) > 2:
            continue
        tables = [bagged.pair_tables[bag][t] for bag in range(n_bags)]
        stacked = np.concatenate(tables, axis=2)
        if pair_adds and t in pair_adds:
            stacked = stacked + pair_adds[t]
        pure, rows, cols = purify_pair(stacked, pair_weights[pair])
        k = tables[0].shape[2]
        for bag in range(n_bags):
            scores = slice(bag * k, (bag + 1) * k)
            parts[bag].append((pure[..., scores], rows[:, scores], cols[:, scores]))
    return parts


def _finish_bag(bagged: BaggedTerms, bag: int, purified: list[tuple], main_weights: dict,
                pair_weights: dict, fine_to_coarse: dict, tensors: dict | None = None,
                main_adds: dict | None = None) -> tuple[np.ndarray, list[np.ndarray]]:
    intercept = bagged.base_scores.astype(np.float64, copy=True)
    mains = {f: t.copy() for f, t in zip(bagged.main_features, bagged.main_tables[bag])}
    for f, added in (main_adds or {}).items():
        n_scores = mains[f].shape[-1]
        mains[f] += added[..., bag * n_scores:(bag + 1) * n_scores]
    pairs = []
    parts = iter(purified)
    for t, term in enumerate(bagged.pairs):
        if len(term) > 2:
            pairs.append(tensors[t].copy())
            continue
        (i, j), (pure, rows, cols) = term, next(parts)
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
    tensors, pair_adds, main_adds = _purify_tensors(bagged, pair_weights, fine_to_coarse)
    purified = _purify_every_bag(bagged, pair_weights, pair_adds)
    results = [
        _finish_bag(bagged, bag, purified[bag], main_weights, pair_weights, fine_to_coarse,
                    tensors[bag], main_adds)
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
