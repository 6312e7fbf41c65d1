"""Bags, stages and threads: the orchestration of boosting around the compiled kernels.

Every bag is a train/validation split of the same shared bin-code matrices (no copy of the data
per bag); a bag is described by two weight vectors built inside the thread that runs it. Bags run
on a thread pool (the kernels release the GIL) and each one is seeded on its own, so results do
not depend on ``n_jobs``.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from .kernels.boost import boost_terms
from .kernels.interactions import pair_strengths
from .objectives import Objective, initial_scores


@dataclass(frozen=True)
class BagProgress:
    """What a finished bag reports: stage name, bag index, bag count, best round, loss."""

    stage: str
    bag: int
    n_bags: int
    best_round: int
    validation_loss: float


#: A callable receiving BagProgress as bags finish; set it around ``fit`` (the CLI does).
progress_callback: ContextVar[Callable[[BagProgress], None] | None] = ContextVar(
    "glassboost_progress_callback", default=None
)


@dataclass(frozen=True)
class BoostSettings:
    """Hyperparameters of one boosting stage."""

    learning_rate: float
    max_rounds: int
    early_stopping_rounds: int
    early_stopping_tolerance: float
    min_samples_leaf: int
    min_hessian: float
    max_leaves: int
    smoothing_rounds: int
    cat_smooth: float = 10.0


@dataclass
class BinnedData:
    """What the booster needs to know about the training data, all as arrays."""

    codes: np.ndarray  # (n_rows, n_features) fine bin codes, one row's codes side by side
    interaction_codes: np.ndarray  # (n_rows, n_features) coarse bin codes
    n_bins: np.ndarray  # fine bins per feature
    n_interaction_bins: np.ndarray  # coarse bins per feature
    nominal: np.ndarray  # bool per feature
    monotone: np.ndarray  # -1, 0, +1 per feature
    y: np.ndarray  # float64 targets (class index for classifiers)
    weights: np.ndarray  # float64 sample weights
    strata: np.ndarray | None  # class labels to stratify bags by, or None


@dataclass
class BaggedTerms:
    """Raw (uncentered) per-bag tables of every term, as boosting left them."""

    base_scores: np.ndarray  # (n_scores,)
    main_features: list[int]
    pairs: list[tuple[int, int]]
    main_tables: list[list[np.ndarray]]  # [bag][term] -> (n_bins, n_scores)
    pair_tables: list[list[np.ndarray]]  # [bag][pair] -> (n1, n2, n_scores)
    pair_strengths: dict[tuple[int, int], float] = field(default_factory=dict)
    best_rounds: np.ndarray | None = None  # (2, n_bags): best round per stage and bag


def validation_mask(n_rows: int, strata: np.ndarray | None, validation_size: float,
                    rng: np.random.Generator) -> np.ndarray:
    """Rows held out for early stopping; stratified by class when ``strata`` is given."""
    mask = np.zeros(n_rows, dtype=bool)
    if not validation_size:
        return mask
    fraction = validation_size / n_rows if validation_size >= 1 else validation_size
    groups = [np.arange(n_rows)] if strata is None else [
        np.flatnonzero(strata == label) for label in np.unique(strata)
    ]
    for rows in groups:
        n_val = int(round(fraction * len(rows)))
        n_val = min(n_val, len(rows) - 1)
        if n_val > 0:
            mask[rng.choice(rows, size=n_val, replace=False)] = True
    return mask


def _pack_terms(features: list[tuple[int, ...]], n_bins: np.ndarray, data: BinnedData):
    """Arrays describing terms for the boosting kernel."""
    f1 = np.array([t[0] for t in features], dtype=np.int64)
    f2 = np.array([t[1] if len(t) > 1 else -1 for t in features], dtype=np.int64)
    n1 = n_bins[f1].astype(np.int64)
    n2 = np.where(f2 >= 0, n_bins[np.maximum(f2, 0)], 1).astype(np.int64)
    nominal = np.array([len(t) == 1 and data.nominal[t[0]] for t in features], dtype=np.bool_)
    monotone = np.array([data.monotone[t[0]] if len(t) == 1 else 0 for t in features], np.int64)
    return f1, f2, n1, n2, nominal, monotone


def _run_stage(codes, features, n_bins, data, objective, settings, scores, train_w, val_w, seed):
    f1, f2, n1, n2, nominal, monotone = _pack_terms(features, n_bins, data)
    tables = np.zeros((len(features), int((n1 * n2).max()), objective.n_scores))
    best_round, _, best_loss = boost_terms(
        codes, f1, f2, n1, n2, nominal, monotone, data.y, train_w, val_w, objective.code, scores,
        tables, settings.learning_rate, settings.max_rounds, settings.early_stopping_rounds,
        settings.early_stopping_tolerance, settings.min_samples_leaf, settings.min_hessian,
        settings.max_leaves, settings.smoothing_rounds, settings.cat_smooth, seed,
    )
    return [tables[i, : n1[i] * n2[i]].reshape(n1[i], n2[i], -1) if f2[i] >= 0
            else tables[i, : n1[i]].copy() for i in range(len(features))], best_round, best_loss


def _scores_from_tables(base, codes, features, tables, n_rows):
    scores = np.tile(base, (n_rows, 1))
    for feature, table in zip(features, tables):
        scores += table[codes[:, feature]]
    return scores


class Booster:
    """Runs both boosting stages for every bag and returns the raw bagged tables."""

    def __init__(self, data: BinnedData, objective: Objective, main_settings: BoostSettings,
                 pair_settings: BoostSettings, outer_bags: int, validation_size: float,
                 n_threads: int, random_state: int | None):
        self.data = data
        self.objective = objective
        self.main_settings = main_settings
        self.pair_settings = pair_settings
        self.outer_bags = outer_bags
        self.validation_size = validation_size
        self.n_threads = n_threads
        seeds = np.random.SeedSequence(random_state).generate_state(2 * outer_bags)
        self.split_seeds = seeds[:outer_bags]
        self.kernel_seeds = (seeds[outer_bags:] % (2**31 - 1)).astype(np.int64)
        self.progress = progress_callback.get()

    def _bag_weights(self, bag: int) -> tuple[np.ndarray, np.ndarray]:
        """(training, validation) weights of one bag, rebuilt from its seed by each stage.

        Rebuilding (and recomputing a bag's main-effect scores from its tables) costs one pass
        over the rows per stage; keeping them instead would hold every bag's row-sized arrays in
        memory at once, while now only the bags being boosted have any.
        """
        data = self.data
        rng = np.random.default_rng(self.split_seeds[bag])
        val = validation_mask(len(data.y), data.strata, self.validation_size, rng)
        return np.where(val, 0.0, data.weights), np.where(val, data.weights, 0.0)

    def _map(self, fn, stage: str | None):
        """Run ``fn`` for every bag; boosting stages (named) report (tables, best round, loss)."""
        def run(bag):
            result = fn(bag)
            if self.progress is not None and stage is not None:
                self.progress(BagProgress(stage, bag, self.outer_bags, result[1], result[2]))
            return result

        if self.n_threads <= 1 or self.outer_bags == 1:
            return [run(bag) for bag in range(self.outer_bags)]
        pool = ThreadPoolExecutor(max_workers=self.n_threads)
        try:
            return list(pool.map(run, range(self.outer_bags)))
        finally:
            # on an error or an interrupt, bags not yet started are dropped, not run
            pool.shutdown(wait=True, cancel_futures=True)

    def fit(self, main_features: list[int], candidate_pairs: list[tuple[int, int]],
            n_pairs: int, explicit_pairs: bool) -> BaggedTerms:
        """Boost mains, choose pairs (FAST, unless ``explicit_pairs``), boost pairs."""
        data = self.data
        n_rows = len(data.y)
        base = initial_scores(self.objective, data.y, data.weights)

        def main_stage(bag):
            train_w, val_w = self._bag_weights(bag)
            if not main_features:
                return [], 0, 0.0
            scores = np.tile(base, (n_rows, 1))
            return _run_stage(data.codes, [(f,) for f in main_features], data.n_bins, data,
                              self.objective, self.main_settings, scores, train_w, val_w,
                              self.kernel_seeds[bag])

        main_results = self._map(main_stage, "main effects")
        main_tables = [result[0] for result in main_results]

        def bag_scores(bag):
            return _scores_from_tables(base, data.codes, main_features, main_tables[bag], n_rows)

        strengths: dict[tuple[int, int], float] = {}
        if explicit_pairs:
            pairs = list(candidate_pairs)
        elif n_pairs > 0 and candidate_pairs:
            pair_array = np.array(candidate_pairs, dtype=np.int64)

            def detect(bag):
                train_w, _ = self._bag_weights(bag)
                return pair_strengths(
                    data.interaction_codes, pair_array, data.n_interaction_bins.astype(np.int64),
                    bag_scores(bag), data.y, train_w, self.objective.code,
                    self.pair_settings.min_samples_leaf, self.pair_settings.min_hessian,
                )

            total = np.sum(self._map(detect, None), axis=0)
            strengths = {pair: float(s) for pair, s in zip(candidate_pairs, total)}
            ranked = np.argsort(-total, kind="stable")
            pairs = [candidate_pairs[i] for i in ranked[:n_pairs] if total[i] > 0]
        else:
            pairs = []

        def pair_stage(bag):
            if not pairs:
                return [], 0, 0.0
            train_w, val_w = self._bag_weights(bag)
            return _run_stage(data.interaction_codes, pairs, data.n_interaction_bins, data,
                              self.objective, self.pair_settings, bag_scores(bag), train_w,
                              val_w, self.kernel_seeds[bag] + 1)

        pair_results = self._map(pair_stage, "interactions")
        return BaggedTerms(
            base_scores=base,
            main_features=list(main_features),
            pairs=pairs,
            main_tables=main_tables,
            pair_tables=[result[0] for result in pair_results],
            pair_strengths=strengths,
            best_rounds=np.array([[r[1] for r in main_results], [r[1] for r in pair_results]]),
        )
