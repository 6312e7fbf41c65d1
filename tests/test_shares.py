"""Exact boosting of a table shared out between processes (``shares``): every share draws the
bags a single process draws, and boosters on the shares, run at once, fit the single-process
model. The shares here are threads that sum through an in-process rendezvous."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from glassboost import ExplainableBoostingClassifier, ExplainableBoostingRegressor
from glassboost.booster import BinnedData, Booster, stratified_mask
from glassboost.objectives import classification_objective, regression_objective
from glassboost.shares import ClassPositions


class _Rendezvous:
    """Sums of the shares' values, key by key, in the order of the shares' ranks."""

    def __init__(self, n: int):
        self.n, self.condition = n, threading.Condition()
        self.parts: dict = {}
        self.totals: dict = {}

    def sum(self, rank: int, key, values: np.ndarray) -> np.ndarray:
        with self.condition:
            parts = self.parts.setdefault(key, [None] * self.n)
            parts[rank] = np.array(values, dtype=np.float64)
            if all(part is not None for part in parts):
                total = parts[0].copy()
                for part in parts[1:]:
                    total += part
                self.totals[key] = [total, self.n]
                del self.parts[key]
                self.condition.notify_all()
            elif not self.condition.wait_for(lambda: key in self.totals, timeout=120):
                raise TimeoutError(f"share {rank} waited in vain for sum {key}")
            entry = self.totals[key]
            entry[1] -= 1
            if entry[1] == 0:
                del self.totals[key]
            return entry[0].copy()


class _ThreadShare:
    def __init__(self, rendezvous: _Rendezvous, rank: int, positions: ClassPositions):
        self.rendezvous, self.rank, self.positions = rendezvous, rank, positions

    def sum(self, key, values):
        return self.rendezvous.sum(self.rank, key, values)


def _blocks(n_rows: int, n_shares: int, n_blocks: int = 8) -> list[np.ndarray]:
    """Each share's rows: blocks of the table dealt out in turn (shares hold rows that are not
    next to each other, as a worker holds partitions)."""
    blocks = np.array_split(np.arange(n_rows), n_blocks)
    return [np.concatenate(blocks[s::n_shares]) for s in range(n_shares)]


def _share_positions(strata: np.ndarray | None, n_rows: int,
                     n_shares: int) -> tuple[list[np.ndarray], list[ClassPositions]]:
    """Each share's rows and their positions, built block by block from class counts alone."""
    labels = np.zeros(n_rows, np.int64) if strata is None else \
        np.unique(strata, return_inverse=True)[1].reshape(-1)
    totals = np.bincount(labels)
    blocks = np.array_split(np.arange(n_rows), 8)
    before = np.cumsum([np.zeros_like(totals)] + [np.bincount(labels[b], minlength=len(totals))
                                                   for b in blocks], axis=0)
    rows, positions = [], []
    for s in range(n_shares):
        mine = range(s, 8, n_shares)
        rows.append(np.concatenate([blocks[b] for b in mine]))
        positions.append(ClassPositions.joined([
            ClassPositions.of_share(labels[blocks[b]], before[b], totals) for b in mine]))
    return rows, positions


@pytest.mark.parametrize("classes", [None, 3])
@pytest.mark.parametrize("size, every_class", [(0.15, False), (700, True), (0.5, False)])
def test_shares_draw_the_rows_one_table_draws(classes, size, every_class) -> None:
    rng = np.random.default_rng(2)
    n = 2000
    strata = None if classes is None else rng.choice(classes, n, p=[0.7, 0.29, 0.01]) + 10
    want = stratified_mask(n, strata, size, np.random.default_rng(9), every_class)
    whole_mask, whole_drawn = ClassPositions.of_table(n, strata).draw(
        size, np.random.default_rng(9), every_class)
    np.testing.assert_array_equal(whole_mask, want)
    rows, positions = _share_positions(strata, n, 3)
    got = np.zeros(n, dtype=bool)
    drawn_ranks = {}
    for share_rows, share_positions in zip(rows, positions):
        mask, drawn = share_positions.draw(size, np.random.default_rng(9), every_class)
        got[share_rows[mask]] = True
        np.testing.assert_array_equal(drawn.totals, whole_drawn.totals)
        for row, c, r in zip(share_rows[mask], drawn.classes, drawn.ranks):
            drawn_ranks[row] = (c, r)
    np.testing.assert_array_equal(got, want)
    # the drawn rows' positions within the draw are their places among the drawn rows of
    # their class, in table order
    chosen = np.flatnonzero(want)
    labels = np.zeros(n, np.int64) if strata is None else \
        np.unique(strata, return_inverse=True)[1].reshape(-1)
    expected = [(labels[row], np.count_nonzero(labels[chosen[:i]] == labels[row]))
                for i, row in enumerate(chosen)]
    np.testing.assert_array_equal([drawn_ranks[row] for row in chosen], expected)
    if strata is not None and every_class:
        assert np.all(whole_drawn.totals >= 1)


def _data(n: int, objective: str, seed: int = 0) -> BinnedData:
    rng = np.random.default_rng(seed)
    codes = np.asfortranarray(rng.integers(0, 32, size=(n, 4)).astype(np.uint8))
    signal = (codes[:, 0] - 15.5) / 8 + (codes[:, 1] - 15.5) * (codes[:, 2] - 15.5) / 128
    strata = None
    if objective == "binary":
        y = (rng.random(n) < 1 / (1 + np.exp(-signal))).astype(np.float64)
        strata = y
    elif objective == "multiclass":
        y = np.clip(np.round(signal + rng.normal(size=n)) + 1, 0, 2)
        strata = y
    elif objective == "poisson_deviance":
        y = rng.poisson(np.exp(signal / 2)).astype(np.float64)
    else:
        y = signal + rng.normal(size=n)
    return BinnedData(codes=codes, interaction_codes=np.asfortranarray(codes // 4),
                      n_bins=np.full(4, 32), n_interaction_bins=np.full(4, 8),
                      nominal=np.zeros(4, dtype=bool), monotone=np.zeros(4, dtype=np.int64),
                      y=y, weights=rng.uniform(0.5, 2.0, n), strata=strata)


def _subset(data: BinnedData, rows: np.ndarray) -> BinnedData:
    return BinnedData(codes=np.asfortranarray(data.codes[rows]),
                      interaction_codes=np.asfortranarray(data.interaction_codes[rows]),
                      n_bins=data.n_bins, n_interaction_bins=data.n_interaction_bins,
                      nominal=data.nominal, monotone=data.monotone, y=data.y[rows],
                      weights=data.weights[rows],
                      strata=None if data.strata is None else data.strata[rows])


def _fit(booster: Booster, pairs):
    mains = booster.boost_mains([0, 1, 2, 3])
    return booster.rank_pairs(mains, pairs), booster.boost_pairs(mains, pairs, {})


@pytest.mark.parametrize("objective, max_bag_rows", [
    ("binary", None), ("binary", 1500), ("rmse", None), ("multiclass", None),
    ("poisson_deviance", 1500)])
def test_boosters_on_shares_fit_the_whole_table_model(objective, max_bag_rows) -> None:
    """Three boosters, each on a share of the rows (blocks dealt out in turn), boosting at
    once and summing across shares, give the tables, best steps and pair strengths of one
    booster on every row."""
    n = 2400
    data = _data(n, objective)
    if objective in ("binary", "multiclass"):
        obj = classification_objective("log_loss", 3 if objective == "multiclass" else 2)
        # shares take no smoothing sample (``check_shareable``), as the Dask estimators' default
        settings = ExplainableBoostingClassifier(max_rounds=40,
                                                 smoothing_max_rows=None)._boost_settings()
    else:
        obj = regression_objective(objective)
        settings = ExplainableBoostingRegressor(max_rounds=40)._boost_settings()

    def booster(data, share=None) -> Booster:
        return Booster(data, obj, *settings, outer_bags=3, validation_size=0.2, n_threads=2,
                       random_state=4, max_bag_rows=max_bag_rows, share=share)

    pairs = [(0, 1), (1, 2), (2, 3)]
    want_strengths, want = _fit(booster(data), pairs)
    rows, positions = _share_positions(data.strata, n, 3)
    rendezvous = _Rendezvous(3)
    with ThreadPoolExecutor(3) as pool:
        results = list(pool.map(
            lambda s: _fit(booster(_subset(data, rows[s]),
                                   _ThreadShare(rendezvous, s, positions[s])), pairs),
            range(3)))
    assert want.best_steps.min() > 0 and want_strengths.max() > 0
    for strengths, bagged in results:
        np.testing.assert_allclose(strengths, want_strengths, rtol=1e-9)
        np.testing.assert_array_equal(bagged.best_steps, want.best_steps)
        np.testing.assert_allclose(bagged.base_scores, want.base_scores, rtol=1e-12)
        for name in ("main_tables", "pair_tables"):
            for got_bag, want_bag in zip(getattr(bagged, name), getattr(want, name),
                                         strict=True):
                for got, expected in zip(got_bag, want_bag, strict=True):
                    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("change, named", [
    ({"objective": regression_objective("quantile")}, "objective 'quantile:alpha=0.5'"),
    ({"init_score": np.zeros((10, 1))}, "init_score"),
    ({"inner_bags": 2}, "inner_bags"), ({"smoothing_max_rows": 5}, "smoothing_max_rows")])
def test_what_shares_cannot_boost_alike_is_named(change, named) -> None:
    data = _data(10, "rmse")
    settings = ExplainableBoostingRegressor(
        inner_bags=change.get("inner_bags", 0),
        smoothing_max_rows=change.get("smoothing_max_rows"))._boost_settings()
    positions = ClassPositions.of_table(10, None)
    with pytest.raises(ValueError, match=f"does not support {named}"):
        Booster(data, change.get("objective", regression_objective("rmse")), *settings,
                outer_bags=1, validation_size=0.2, n_threads=1, random_state=0,
                init_score=change.get("init_score"),
                share=_ThreadShare(_Rendezvous(1), 0, positions))
