"""Bags, stages and threads: the orchestration of boosting around the compiled kernels.

Every bag is a train/validation split of the same shared bin-code matrices (no copy of the data
per bag); a bag is described by weight vectors built inside the thread that runs it. Rows with
identical codes are boosted as weighted groups when that pays (``grouping``). Bags run on a
thread pool (the kernels release the GIL) and each one is seeded on its own, so results do not
depend on ``n_jobs``.

A fit may be watched (``FitMonitor``): a wall-clock budget and step callbacks stop boosting from
outside. Each bag then keeps the best tables it reached, as early stopping keeps them; bags whose
main effects had not started boosting when everything stopped are left out of the model.
"""

from __future__ import annotations

import contextlib
import itertools
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np
from scipy.special import xlogy

from . import compile_ahead
from .grouping import RowGroups, group_identical_rows
from .kernels.boost import ahead_jobs, boost_arguments, boost_kernel
from .kernels.control import CONTROL_HANDLE, CONTROL_STOP, STEP_REPORTERS
from .kernels.intercept import offset_intercept, offset_loss
from .kernels.interactions import pair_strengths
from .kernels.loss import (GAMMA_DEVIANCE, MULTICLASS_LOG_LOSS, NO_PARAMS, POISSON_DEVIANCE,
                           QUANTILE, RMSE_LOG, SQUARED_ERROR, SURVIVAL_COX, TWEEDIE_DEVIANCE,
                           cox_risk_factors, float_params, group_loss, rows_loss)
from .kernels.stopping import mean_validation_loss
from .objectives import (Objective, cox_detection_scores, initial_scores, kernel_params,
                         offset_quantile, time_order)
from .shares import Channel, ClassPositions, RowShare


@dataclass(frozen=True)
class BagProgress:
    """What a finished bag reports: stage name, bag index, bag count, best step, loss."""

    stage: str
    bag: int
    n_bags: int
    best_step: int
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
    greedy_ratio: float  # greedy steps per term after each sweep (0: cyclic rounds only)
    cyclic_progress: float  # fraction of sweeps that apply their trees
    gain_scale: float  # greedy ranking weight of nominal main terms' gains
    cat_smooth: float = 10.0
    early_stopping_noise: float = 0.0  # see ``noise_floor``
    early_stopping_rise: float = 0.0  # see ``noise_share``
    early_stopping_in_smoothing: bool = False  # the window may end the smoothing rounds
    inner_bags: int = 0  # trees per step, each on a bootstrap of the bag (``inner_occurrences``)
    smoothing_rows: int = 0  # rows a smoothing round samples (``kernels.row_sample``); 0 all
    options: np.ndarray | None = None  # the kernels' split options (``split.split_options``)


@dataclass
class BinnedData:
    """What the booster needs to know about the training data, all as arrays."""

    codes: np.ndarray  # (n_rows, n_features) fine bin codes, column-major: a feature's codes
    interaction_codes: np.ndarray  # are contiguous; the same for the coarse bin codes
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
    pairs: list[tuple[int, ...]]  # pairs, then any explicit terms of three or more features
    main_tables: list[list[np.ndarray]]  # [bag][term] -> (n_bins, n_scores)
    pair_tables: list[list[np.ndarray]]  # [bag][pair] -> (n1, n2[, ...], n_scores)
    pair_strengths: dict[tuple[int, int], float] = field(default_factory=dict)
    best_steps: np.ndarray | None = None  # (2, n_bags): best step per stage and bag
    bags: list[int] | None = None  # the bags in the tables (all, unless a fit was stopped)


@dataclass
class MainStage:
    """The main-effect stage of a Booster's bags: the bags that ran, each one's (tables, best
    step, validation loss), in that order."""

    main_features: list[int]
    ran: list[int]
    results: list[tuple]

    @property
    def tables(self) -> dict[int, list[np.ndarray]]:
        return {bag: result[0] for bag, result in zip(self.ran, self.results)}


#: What a step callback returns to stop: this bag's stage, or the whole fit.
STOP_CURRENT, STOP_ALL = "stop_current", "stop_all"


class FitMonitor:
    """Stops boosting from outside: when ``max_time`` seconds have passed since ``started``
    (``time.monotonic()``; by default when boosting starts), and when ``callback(bag, stage,
    step, term, metric)`` returns ``STOP_CURRENT`` (this bag's stage) or ``STOP_ALL``.
    ``interaction_callback(bag, term, strength)`` sees every candidate pair's strength in a bag
    (``STOP_CURRENT``: that bag ranks no more pairs). An exception raised by a callback stops
    the fit and is kept in ``error`` for the caller to raise."""

    _handles = itertools.count()

    def __init__(self, max_time: float | None = None, callback: Callable | None = None,
                 started: float | None = None, interaction_callback: Callable | None = None):
        self.max_time = max_time
        self.started = started
        self.callback = callback
        self.interaction_callback = interaction_callback
        self.stopped = False
        self.error: BaseException | None = None
        self._controls: list[np.ndarray] = []
        self._handles_used: list[int] = []
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None

    def start(self) -> None:
        """Start the timer of ``max_time``: as a Python float, since the timer's wait refuses
        numpy's float32, and none for a budget past the longest wait (inf: no limit)."""
        if self.max_time is not None:
            spent = 0.0 if self.started is None else time.monotonic() - self.started
            left = max(float(self.max_time) - spent, 0.0)
            if left < threading.TIMEOUT_MAX:
                self._timer = threading.Timer(left, self.stop_all)
                self._timer.daemon = True
                self._timer.start()

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        for handle in self._handles_used:
            STEP_REPORTERS.pop(handle, None)

    def stop_all(self) -> None:
        with self._lock:
            self.stopped = True
            for control in self._controls:
                control[CONTROL_STOP] = 1.0

    def control(self, bag: int, stage: int) -> np.ndarray:
        """The control array of one bag's stage (``kernels.boost``)."""
        control = np.array([0.0, -1.0])
        if self.callback is not None:
            handle = next(self._handles)
            STEP_REPORTERS[handle] = lambda step, term, metric: self._report(
                bag, stage, step, term, metric)
            self._handles_used.append(handle)
            control[CONTROL_HANDLE] = handle
        with self._lock:
            self._controls.append(control)
            control[CONTROL_STOP] = 1.0 if self.stopped else 0.0
        return control

    def _report(self, bag: int, stage: int, step: int, term: int, metric: float) -> bool:
        return self._act(self.callback, bag, stage, step, term, metric)

    def _act(self, callback: Callable, *arguments) -> bool:
        """Call ``callback``; True when it stops (this bag's stage, or everything)."""
        try:
            action = callback(*arguments)
        except BaseException as error:  # noqa: BLE001 - raised again after the fit
            self.error = self.error or error
            action = STOP_ALL
        if action == STOP_ALL:
            self.stop_all()
        return action in (STOP_ALL, STOP_CURRENT)

    def report_interactions(self, bag: int, pairs: list[tuple[int, int]],
                            strengths: np.ndarray) -> np.ndarray:
        """Show a bag's pair strengths to the interaction callback, in the candidates' order;
        the pairs after the one it stops at are not ranked in this bag (strength 0)."""
        if self.interaction_callback is None:
            return strengths
        strengths = strengths.copy()
        for i, (pair, strength) in enumerate(zip(pairs, strengths)):
            if self.stopped or self._act(self.interaction_callback, bag, pair, float(strength)):
                strengths[i + 1:] = 0.0
                break
        return strengths


def stratified_mask(n_rows: int, strata: np.ndarray | None, size: float,
                    rng: np.random.Generator, every_class: bool = False) -> np.ndarray:
    """A random draw of ``size`` rows (a count, or a fraction below 1) without replacement, in
    proportion from every class of ``strata`` when given: the rows a bag holds out for early
    stopping (``validation_size``), which leave every class at least one row; or, with
    ``every_class``, a bag's sample (``max_bag_rows``), which takes at least one row of every
    class, so that no bag misses a rare class."""
    return ClassPositions.of_table(n_rows, strata).draw(size, rng, every_class)[0]


@dataclass
class BagRows:
    """One bag's rows (or row groups) as the kernels weigh them: see ``kernels.loss``."""

    train_count: np.ndarray  # training rows in each group
    train_w: np.ndarray  # training weight
    train_wy: np.ndarray  # (n, n_scores) training weight times target (per class: one-hot)
    val_w: np.ndarray
    val_wy: np.ndarray
    val_loss_offset: float  # the loss's constant part (see ``loss_offset``)
    reference_loss: float  # validation loss of the constant starting score (``_mean_loss``)
    val_rows: float  # effective number of validation rows, sum(w)^2 / sum(w^2)


@dataclass
class BagView:
    """The rows one bag boosts on, as the stages read them: every row (or, when grouping pays,
    every group of identical rows), or the bag's own sample of ``max_bag_rows`` rows."""

    rows: np.ndarray | None  # the data's rows in the sample; None: every row
    validation: np.ndarray | None  # which of the view's rows validate (None: ``bags`` says)
    codes: np.ndarray  # (main, interaction) codes of the view's rows or groups
    interaction_codes: np.ndarray
    groups: RowGroups | None
    init_score: np.ndarray | None
    survival: tuple | None  # Cox's time order of the view's rows


def loss_offset(objective: Objective, y: np.ndarray, weights: np.ndarray) -> float:
    """The part of the summed loss that no score changes, which the kernels leave out: squared
    error's and rmse_log's ``sum(w * y^2)``, and the saturated part of Poisson's, Tweedie's and
    gamma's deviance (so the total is half the deviance, zero for a perfect fit). Log losses,
    pseudo-Huber and pinball need none: they are zero for a perfect fit."""
    if objective.code in (SQUARED_ERROR, RMSE_LOG):
        return float(weights @ y**2)
    if objective.code == POISSON_DEVIANCE:
        return float(weights @ (xlogy(y, y) - y))
    if objective.code == TWEEDIE_DEVIANCE:
        power = objective.param
        return float(weights @ (y ** (2.0 - power) / ((1.0 - power) * (2.0 - power))))
    if objective.code == GAMMA_DEVIANCE:
        used = weights > 0  # gamma's targets are positive; rows out of the sum may hold anything
        return float(weights[used] @ (-1.0 - np.log(y[used])))
    return 0.0


def constant_loss(objective: Objective, base: np.ndarray, val_w: np.ndarray,
                  val_wy: np.ndarray, offset: float, params: tuple = NO_PARAMS,
                  survival: tuple | None = None) -> float:
    """Validation loss of the constant score ``base``, as early stopping measures it: every row
    is scored alike, so the whole validation set is one group of the loss kernels (summed row
    by row for the losses that are not linear in the target, and over the risk sets of the rows
    in time order ``survival`` for Cox)."""
    total = float(val_w.sum())
    if total <= 0.0:
        return 0.0
    wy = val_wy.sum(axis=0)
    if survival is not None:
        loss = cox_risk_factors(survival[0], survival[1], np.full(len(val_w), float(base[0])),
                                val_w, np.ascontiguousarray(val_wy[:, 0]), np.empty(len(val_w)))
    elif objective.code == MULTICLASS_LOG_LOSS:  # one group row, through a cached kernel
        loss = offset_loss(objective.code, np.ascontiguousarray(base, dtype=np.float64)[None, :],
                           np.array([total]), np.ascontiguousarray(wy, dtype=np.float64)[None, :],
                           float_params(params))
    elif not objective.linear_in_target:
        loss = rows_loss(objective.code, np.full(len(val_w), float(base[0])), val_w,
                         np.ascontiguousarray(val_wy[:, 0]), params)
    else:
        loss = group_loss(objective.code, float(base[0]), total, float(wy[0]), params)
    return float(mean_validation_loss(loss, offset, total, objective.code))


#: The noise floor never falls below the noise of this share of the constant model's loss.
NOISE_FLOOR_SHARE = 0.1


def noise_floor(reference_loss: float, val_rows: float, noise: float) -> tuple[float, float]:
    """(relative, absolute) least improvement of the mean validation loss that early stopping
    counts, besides ``early_stopping_tolerance``.

    A validation set of ``n`` rows measures a mean loss with a sampling error of about
    ``loss / sqrt(n)`` (per-row losses vary about as much as their mean), so a window of
    boosting must gain ``noise`` times that of the best loss so far (``n`` is the effective row
    count of the weights): a stage does not run thousands of rounds for gains the validation
    set cannot tell apart. On separable data the loss falls towards zero by a constant fraction
    per window and no relative rule stops it, so the floor never goes below the noise of a loss
    of ``NOISE_FLOOR_SHARE`` times the constant model's. ``noise=0`` turns both off.
    """
    relative = noise_share(val_rows, noise)
    return relative, relative * NOISE_FLOOR_SHARE * abs(reference_loss)


def noise_share(val_rows: float, multiple: float) -> float:
    """``multiple`` times the relative sampling error of a mean validation loss over
    ``val_rows`` (effective) rows, ``1 / sqrt(val_rows)``; 0 when either is not positive.
    Early stopping's noise floor (``noise_floor``) and its rise margin (``early_stopping_rise``:
    how far above its best the loss must stay for ``RISE_ROUNDS`` rounds, inside the smoothing
    rounds ``SMOOTHING_RISE_ROUNDS``, for a stage to stop before its window ends, see
    ``stopping.count_steps``) are such shares.
    """
    if multiple <= 0.0 or val_rows <= 0.0:
        return 0.0
    return multiple / np.sqrt(val_rows)


def main_term_codes(codes: np.ndarray, features: list[int]) -> np.ndarray:
    """Each main term's cell per row, one term per row of the result (n_terms, n_rows): its
    feature's codes. No copy when ``codes`` is column-major and every feature is used."""
    by_feature = codes.T
    if list(features) != list(range(codes.shape[1])):
        by_feature = by_feature[features]
    return np.ascontiguousarray(by_feature)


def pair_term_codes(codes: np.ndarray, pairs: list[tuple[int, ...]],
                    n_bins: np.ndarray) -> np.ndarray:
    """Each interaction term's cell per row, one term per row of the result (n_terms,
    n_rows), in the smallest unsigned type: a pair's is ``code1 * n2 + code2``, a term of more
    features the row-major combination of all its codes, as ``predict`` gathers it."""
    largest = max(_cell_count(term, n_bins) for term in pairs)
    dtype = np.uint16 if largest <= 2**16 else np.uint32
    cells = np.empty((len(pairs), codes.shape[0]), dtype=dtype)
    for t, term in enumerate(pairs):
        cells[t] = codes[:, term[0]]
        for f in term[1:]:
            cells[t] = cells[t] * dtype(n_bins[f]) + codes[:, f]
    return cells


def interaction_order(terms: list[tuple[int, ...]]) -> list[tuple[int, ...]]:
    """Explicit interaction terms in the order they are boosted and stored: pairs as given,
    then terms of more features by their size and sorted features, as InterpretML orders them
    (each keeps its own order of features)."""
    wide = sorted((t for t in terms if len(t) > 2), key=lambda t: (len(t), sorted(t)))
    return [t for t in terms if len(t) <= 2] + wide


def _cell_count(term: tuple[int, ...], n_bins: np.ndarray) -> int:
    return int(np.prod([int(n_bins[f]) for f in term]))


def tensor_shapes(features: list[tuple[int, ...]], n_bins: np.ndarray) -> np.ndarray | None:
    """The kernel's ``tensor_shapes`` (``kernels.boost``): per term of three or more features
    its number of features and their bins, 0 for mains and pairs; None without such terms."""
    widest = max((len(t) for t in features), default=0)
    if widest < 3:
        return None
    shapes = np.zeros((len(features), 1 + widest), dtype=np.int64)
    for t, term in enumerate(features):
        if len(term) >= 3:
            shapes[t, 0] = len(term)
            shapes[t, 1:1 + len(term)] = n_bins[list(term)]
    return shapes


def _pack_terms(features: list[tuple[int, ...]], n_bins: np.ndarray, data: BinnedData):
    """Arrays describing terms for the boosting kernel (a main term has ``n2 == 1``, and so
    has a term of three or more features, whose ``n1`` counts its cells)."""
    n1 = np.array([n_bins[t[0]] if len(t) < 3 else _cell_count(t, n_bins) for t in features],
                  dtype=np.int64)
    n2 = np.array([n_bins[t[1]] if len(t) == 2 else 1 for t in features], dtype=np.int64)
    nominal = np.array([len(t) == 1 and data.nominal[t[0]] for t in features], dtype=np.bool_)
    monotone = np.array([data.monotone[t[0]] if len(t) == 1 else 0 for t in features], np.int64)
    return n1, n2, nominal, monotone


#: Most memory one bag's bin-space state (its training and validation co-occurrence sums) may take.
BIN_SPACE_BYTES = 128 * 2**20


def bin_space_pays(objective_code: int, n1: np.ndarray, n2: np.ndarray, n_rows: int,
                   weights: tuple[np.ndarray, ...]) -> bool:
    """Boost in bin space (``kernels.bin_space``): squared-error main effects whose co-occurrence
    sums fit in BIN_SPACE_BYTES, when a step over them costs less than a pass over the rows.
    A step adds a few prefix rows of the sums, about six vectorized float32 values per bin of
    the model; a pass costs a few ns per row. ``benchmarks/bin_space_cost.py`` puts the
    break-even near 2.2 rows per bin, so bin space needs 2.5. The sums are float32, so every
    array of ``weights`` must hold integers totalling less than 2**24 (then they are exact)."""
    if objective_code != SQUARED_ERROR or np.any(n2 != 1):
        return False
    if not all(np.array_equal(w, np.round(w)) and w.sum() < 2**24 for w in weights):
        return False
    total = int(n1.sum())
    cells = total * (total + len(n1)) - int((n1 * (n1 + 1)).sum())  # sum over t != p
    return 2 * 4 * cells <= BIN_SPACE_BYTES and 5 * total < 2 * n_rows


def prepare_compile() -> None:
    """On a fresh install, launch the process that compiles part of the kernels while this one
    types the data and bins it (``compile_ahead``)."""
    compile_ahead.prepare(boost_kernel, pair_strengths)


def _run_stage(term_codes, features, n_bins, data, objective, settings, scores, rows: BagRows,
               seed, objective_params=NO_PARAMS, control=None, later_kernels=None,
               survival=None, remote=None):
    """One bag's stage: boost ``features``' terms; (tables, best step, best loss).
    ``later_kernels``: () -> ``compile_ahead`` jobs for kernels the fit calls after this stage,
    which a second process can compile meanwhile when the cache is cold. ``survival``: Cox's
    time order of the rows. ``remote``: the sum handle when the rows are a share (``shares``)."""
    n1, n2, nominal, monotone = _pack_terms(features, n_bins, data)
    shapes = tensor_shapes(features, n_bins)
    tables = np.zeros((len(features), int((n1 * n2).max()), objective.n_scores))
    occurrences = inner_occurrences(rows.train_w, settings.inner_bags, seed)
    in_bins = shapes is None and occurrences is None and bin_space_pays(
        objective.code, n1, n2, term_codes.shape[1], (rows.train_w, rows.val_w))
    relative_floor, absolute_floor = noise_floor(rows.reference_loss, rows.val_rows,
                                                 settings.early_stopping_noise)
    arguments = boost_arguments(
        term_codes, n1, n2, nominal, monotone, rows.train_count, rows.train_w, rows.train_wy,
        rows.val_w, rows.val_wy, rows.val_loss_offset, objective.code, scores, tables,
        settings.learning_rate, settings.max_rounds, settings.early_stopping_rounds,
        max(settings.early_stopping_tolerance, relative_floor), absolute_floor,
        settings.min_samples_leaf, settings.min_hessian,
        settings.max_leaves, settings.smoothing_rounds, settings.greedy_ratio,
        settings.cyclic_progress, settings.cat_smooth, settings.gain_scale, in_bins, seed,
        stop_in_smoothing=settings.early_stopping_in_smoothing,
        rise=noise_share(rows.val_rows, settings.early_stopping_rise),
        smoothing_rows=settings.smoothing_rows, survival=survival,
        objective_params=objective_params, options=settings.options, control=control,
        tensor_shapes=shapes, occurrences=occurrences, remote=remote,
    )
    if remote is None:
        compile_ahead.start(boost_kernel, arguments, lambda: ahead_jobs(arguments) + (
            later_kernels() if later_kernels else []))
    best_step, _, best_loss = boost_kernel(*arguments)
    return [tables[i, : n1[i] * n2[i]].reshape(*n_bins[list(term)], -1) if len(term) > 1
            else tables[i, : n1[i]].copy() for i, term in enumerate(features)], \
        best_step, best_loss


def inner_occurrences(train_w: np.ndarray, n_inner: int, seed: int) -> np.ndarray | None:
    """InterpretML's inner bags of one bag's stage: (n_inner, n_rows), how often each training
    row (``train_w > 0``) is drawn into each of ``n_inner`` samples with replacement of the
    training rows' size; None when ``n_inner`` is 0."""
    if n_inner == 0:
        return None
    rng = np.random.default_rng(int(seed))
    training = np.flatnonzero(train_w > 0)
    occurrences = np.zeros((n_inner, len(train_w)))
    for b in range(n_inner):
        drawn = rng.integers(len(training), size=len(training))
        occurrences[b, training] = np.bincount(drawn, minlength=len(training))
    return occurrences


def check_shareable(objective: Objective, bags, init_score, monitor, settings) -> None:
    """Reject what boosting a share of the rows (``shares``) cannot do alike on every share:
    ``bags``, ``init_score`` and ``monitor`` must be None, and ``settings`` without inner
    bags or smoothing samples."""
    given = [name for name, value in (("bags", bags), ("init_score", init_score),
                                      ("callbacks or max_time", monitor)) if value is not None]
    if settings.inner_bags:
        given.append("inner_bags")
    if settings.smoothing_rows:  # each share would draw its own rows' sample
        given.append("smoothing_max_rows")
    if not objective.linear_in_target:
        given.append(f"objective {objective.name!r}")
    if given:
        raise ValueError("exact boosting across workers does not support "
                         + ", ".join(given) + "; use boosting='shards'")


def _scores_from_tables(base, codes, features, tables, n_rows, init_score=None):
    scores = np.tile(base, (n_rows, 1))
    if init_score is not None:
        scores += init_score
    for feature, table in zip(features, tables):
        scores += table[codes[:, feature]]
    return scores


def _bag_weights(bag: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(training, validation) weights of a bag given as InterpretML's ``bags`` column: a row
    with a positive value ``k`` trains with ``k`` times its weight, one with ``-k`` validates
    with ``k`` times its weight, 0 leaves the row out."""
    bag = bag.astype(np.float64)
    return np.maximum(bag, 0.0) * weights, np.maximum(-bag, 0.0) * weights


class Booster:
    """Runs both boosting stages for every bag and returns the raw bagged tables.

    ``bags`` (n_rows, outer_bags), InterpretML's bag matrix (``_bag_weights``), replaces the
    random validation splits. ``init_score`` (n_rows, n_scores): every row's starting score
    besides the intercept, which is then fitted on top of it; it is not part of the tables.
    ``max_bag_rows``: with more rows than this (and no ``bags``), each bag boosts on its own
    stratified random sample of that many rows, of which ``validation_size`` validates; None:
    every bag on every row, as InterpretML. ``monitor`` can stop the stages early
    (``FitMonitor``). ``boosted`` are the bags this booster boosts, all by default: boosters
    that each hold the same rows can share one fit's bags out between them (``dask.shards``),
    and every bag is the one the whole fit draws. ``share``: the rows are this process's share
    of a table that other processes boost at the same time (``shares``); not with ``bags``,
    ``init_score``, ``monitor``, inner bags, or an objective that is not linear in the target.
    """

    def __init__(self, data: BinnedData, objective: Objective, main_settings: BoostSettings,
                 pair_settings: BoostSettings, outer_bags: int, validation_size: float,
                 n_threads: int, random_state: int | None, bags: np.ndarray | None = None,
                 init_score: np.ndarray | None = None, monitor: FitMonitor | None = None,
                 boosted: Sequence[int] | None = None, max_bag_rows: int | None = None,
                 share: RowShare | None = None):
        self.data = data
        self.share = share
        self._positions = None if share is None else share.positions
        self.max_bag_rows = max_bag_rows
        self.boosted = list(range(outer_bags)) if boosted is None else list(boosted)
        self.bags = bags
        self.init_score = init_score
        self.monitor = monitor
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
        # the starting score is fitted to the rows some bag trains on, each with its largest
        # replication
        used = data.weights if bags is None else data.weights * np.maximum(bags.max(axis=1), 0)
        if share is not None:
            check_shareable(objective, bags, init_score, monitor, main_settings)
            self.channels = {bag: Channel(share, bag) for bag in self.boosted}
            self.base = self._shared_start(used)
        else:
            self.base = initial_scores(objective, data.y, used)
        # the quantile's scale is that of what the terms learn: y less init_score, over the
        # rows some bag trains on
        learned = (data.y - init_score[:, 0] if init_score is not None
                   and objective.code == QUANTILE else data.y)
        self.objective_params = kernel_params(objective, learned, used)
        self.groups: RowGroups | None = None
        self._codes: tuple[np.ndarray, np.ndarray] | None = None
        # the targets as the kernels sum them: one column, or one-hot classes
        if objective.code == MULTICLASS_LOG_LOSS:
            self.targets = np.eye(objective.n_scores)[data.y.astype(np.int64)]
        elif objective.code == SURVIVAL_COX:  # the events; their times order the risk sets
            self.targets = (data.y > 0).astype(np.float64)[:, None]
        else:
            self.targets = data.y[:, None]
        self.survival = time_order(data.y) if objective.code == SURVIVAL_COX else None
        if init_score is not None and objective.code == QUANTILE:
            self.base = offset_quantile(objective, data.y, init_score, used)
        elif init_score is not None:
            # the intercept that is best on top of the given scores (all rows, as without them)
            self.base = offset_intercept(objective.code, init_score, used,
                                         used[:, None] * self.targets,
                                         np.array(self.base, dtype=np.float64),
                                         self._float_params())

    def _shared_start(self, used: np.ndarray) -> np.ndarray:
        """``initial_scores`` of the whole table from its sums over every share: class
        weights, or the total weight and weighted target (the objectives shares support start
        from the weighted mean)."""
        sums, y, n_scores = Channel(self.share, "start"), self.data.y, self.objective.n_scores
        if self.objective.code == MULTICLASS_LOG_LOSS:
            priors = sums.sum(np.bincount(y.astype(np.int64), weights=used, minlength=n_scores))
            return initial_scores(self.objective, np.arange(n_scores, dtype=np.float64), priors)
        total, weighted = sums.sum(np.array([used.sum(), used @ y]))
        return initial_scores(self.objective, np.array([weighted / total]), np.array([total]))

    def _float_params(self) -> tuple:
        return float_params(self.objective_params)

    def _scored_loss(self, scores: np.ndarray, w: np.ndarray, wy: np.ndarray,
                     survival: tuple | None) -> float:
        """The summed loss of rows weighted ``w`` at ``scores`` (n_rows, n_scores); Cox's is
        the negative log partial likelihood over the risk sets of those rows (``survival``)."""
        if survival is not None:
            return cox_risk_factors(survival[0], survival[1],
                                    np.ascontiguousarray(scores[:, 0]), w,
                                    np.ascontiguousarray(wy[:, 0]), np.empty(len(w)))
        return offset_loss(self.objective.code, scores, w, wy, self._float_params())

    def _detection_scores(self, scores: np.ndarray, rows: BagRows,
                          survival: tuple | None) -> np.ndarray:
        """The scores pairs are ranked at: for Cox, ``s + log H(t)``, at which Poisson's
        gradients are Cox's (``kernels.loss``)."""
        if survival is None:
            return scores
        return cox_detection_scores(scores, survival, rows.train_w, rows.train_wy[:, 0])

    def _samples(self) -> bool:
        """True when every bag boosts on its own sample of ``max_bag_rows`` rows: the data has
        more rows than that, no ``bags`` matrix, and grouping does not bring it below that."""
        if (self.max_bag_rows is None or self.bags is not None
                or self.positions().totals.sum() <= self.max_bag_rows):
            return False
        self._prepared_codes()
        return self.groups is None or self.groups.n_groups > self.max_bag_rows

    def positions(self) -> ClassPositions:
        """Where the rows stand in the whole table, by class (``shares``)."""
        if self._positions is None:
            self._positions = ClassPositions.of_table(len(self.data.y), self.data.strata)
        return self._positions

    def bag_split(self, bag: int) -> tuple[np.ndarray | None, np.ndarray]:
        """(the rows ``bag`` draws, None for every row; which of them validate), from its
        seed, without a ``bags`` matrix: stratified draws (``stratified_mask``)."""
        rng = np.random.default_rng(self.split_seeds[bag])
        rows, positions = None, self.positions()
        if self._samples():
            drawn, positions = positions.draw(self.max_bag_rows, rng, every_class=True)
            rows = np.flatnonzero(drawn)
        return rows, positions.draw(self.validation_size, rng, every_class=False)[0]

    def _view(self, bag: int) -> BagView:
        """The rows ``bag`` boosts on, rebuilt from its seed by each stage."""
        codes, interaction_codes = self._prepared_codes()
        rows = validation = None  # with a ``bags`` matrix, every row; the matrix validates
        if self.bags is None:
            rows, validation = self.bag_split(bag)
        if rows is None:
            return BagView(None, validation, codes, interaction_codes, self.groups,
                           self.init_score, self.survival)
        data = self.data
        return BagView(rows, validation, np.asfortranarray(data.codes[rows]),
                       np.asfortranarray(data.interaction_codes[rows]), None,
                       None if self.init_score is None else self.init_score[rows],
                       None if self.survival is None else time_order(data.y[rows]))

    def _bag_rows(self, bag: int, view: BagView) -> BagRows:
        """One bag's training and validation weights over the rows of ``view``, rebuilt by
        each stage.

        Rebuilding (and recomputing a bag's main-effect scores from its tables) costs one pass
        over the rows per stage; keeping them instead would hold every bag's row-sized arrays in
        memory at once, while now only the bags being boosted have any.
        """
        data = self.data
        weights, y, targets = data.weights, data.y, self.targets
        if view.rows is not None:
            weights, y, targets = weights[view.rows], y[view.rows], targets[view.rows]
        if view.validation is not None:
            train_w = np.where(view.validation, 0.0, weights)
            val_w = np.where(view.validation, weights, 0.0)
            train_count = (train_w > 0).astype(np.float64)
        else:
            train_w, val_w = _bag_weights(self.bags[:, bag], weights)
            train_count = np.where(train_w > 0, np.maximum(self.bags[:, bag], 0), 0)
        offset = loss_offset(self.objective, y, val_w)
        val_wy = val_w[:, None] * targets
        if view.init_score is None:
            reference = constant_loss(self.objective, self.base, val_w, val_wy, offset,
                                      self.objective_params, view.survival)
        else:
            total = float(val_w.sum())
            reference = 0.0 if total <= 0 else float(mean_validation_loss(
                self._scored_loss(view.init_score + self.base, val_w, val_wy, view.survival),
                offset, total, self.objective.code))
        squares = float(val_w @ val_w)
        val_rows = val_w.sum() ** 2 / squares if squares > 0 else 0.0
        if self.share is not None:  # the whole table's sums, and its constant score's loss
            sums = self.channels[bag].sum(np.concatenate(
                ([offset, val_w.sum(), squares], val_wy.sum(axis=0))))
            offset, total, squares = (float(v) for v in sums[:3])
            reference = constant_loss(self.objective, self.base, np.array([total]),
                                      sums[None, 3:], offset, self.objective_params)
            val_rows = total**2 / squares if squares > 0 else 0.0
        rows = BagRows(train_count.astype(np.float64, copy=False), train_w,
                       train_w[:, None] * targets, val_w, val_wy, offset, reference, val_rows)
        if view.groups is None:
            return rows
        group = view.groups.sum
        return BagRows(group(rows.train_count), group(rows.train_w), group(rows.train_wy),
                       group(rows.val_w), group(rows.val_wy), offset, reference, val_rows)

    def _map(self, fn, stage: str | None, bags: list[int]):
        """Run ``fn`` for every bag of ``bags``; boosting stages (named) report (tables, best
        step, loss)."""

        def run(bag):
            result = fn(bag)
            if self.progress is not None and stage is not None:
                self.progress(BagProgress(stage, bag, self.outer_bags, result[1], result[2]))
            return result

        if self.n_threads <= 1 or len(bags) == 1:
            return [run(bag) for bag in bags]
        pool = ThreadPoolExecutor(max_workers=self.n_threads)
        try:
            return list(pool.map(run, bags))
        finally:
            # on an error or an interrupt, bags not yet started are dropped, not run
            pool.shutdown(wait=True, cancel_futures=True)

    def fit(self, main_features: list[int], candidate_pairs: list[tuple[int, int]],
            n_pairs: int, explicit_pairs: bool) -> BaggedTerms:
        """Boost mains, choose pairs (FAST, unless ``explicit_pairs``), boost pairs."""
        if self.monitor is None:
            return self._fit(main_features, candidate_pairs, n_pairs, explicit_pairs)
        self.monitor.start()
        try:
            bagged = self._fit(main_features, candidate_pairs, n_pairs, explicit_pairs)
        finally:
            self.monitor.close()
        if self.monitor.error is not None:
            raise self.monitor.error
        return bagged

    def _kernel_sums(self, bag: int):
        """A context giving the kernels of ``bag`` the handle of its sums across shares (None
        for a table held whole)."""
        return contextlib.nullcontext() if self.share is None else \
            self.channels[bag].registered()

    def _control(self, bag: int, stage: int) -> np.ndarray | None:
        """The control array of a bag's stage, or None when the fit is not watched."""
        return None if self.monitor is None else self.monitor.control(bag, stage)

    def _stopped(self, bag: int) -> bool:
        """True when a stage of ``bag`` must not start: the fit was stopped (the first boosted
        bag's main effects always start, so that a model has at least one bag)."""
        return self.monitor is not None and self.monitor.stopped and bag != self.boosted[0]

    def _fit(self, main_features, candidate_pairs, n_pairs, explicit_pairs) -> BaggedTerms:
        ranks = n_pairs > 0 and candidate_pairs and not explicit_pairs
        mains = self.boost_mains(
            main_features, (lambda: self._ranking_kernel(candidate_pairs)) if ranks else None)
        strengths: dict[tuple[int, int], float] = {}
        if explicit_pairs:
            pairs = interaction_order(candidate_pairs)
        elif n_pairs > 0 and candidate_pairs and not (self.monitor and self.monitor.stopped):
            strengths, pairs = choose_pairs(candidate_pairs,
                                            self.rank_pairs(mains, candidate_pairs), n_pairs)
            if self.monitor is not None and self.monitor.stopped:
                pairs = []  # stopped while ranking: no pairs are boosted
        else:
            pairs = []
        return self.boost_pairs(mains, pairs, strengths)

    def _prepared_codes(self) -> tuple[np.ndarray, np.ndarray]:
        """The (main, interaction) code matrices the stages read: one row per group of
        identical rows when grouping is allowed (``self.groups``), else the data's own."""
        if self._codes is None:
            data = self.data
            # a loss that is not linear in the target needs every row's own target; rows with
            # their own starting scores, or that inner bags draw one by one, cannot be merged
            self.groups = (group_identical_rows(data.codes, data.n_bins)
                           if self.objective.linear_in_target and self.init_score is None
                           and self.main_settings.inner_bags == 0 and self.share is None
                           else None)
            codes, interaction_codes = data.codes, data.interaction_codes
            if self.groups is not None:
                codes = np.asfortranarray(codes[self.groups.representatives])
                interaction_codes = np.asfortranarray(
                    interaction_codes[self.groups.representatives])
            self._codes = codes, interaction_codes
        return self._codes

    def boost_mains(self, main_features: list[int], later_kernels=None) -> MainStage:
        """The main-effect stage of every bag (bags a stopped fit did not start are left out);
        ``later_kernels`` as ``_run_stage`` takes them."""
        data, base = self.data, self.base
        codes, _ = self._prepared_codes()
        main_codes = (main_term_codes(codes, main_features)
                      if main_features and not self._samples() else None)

        def main_stage(bag):
            if self._stopped(bag):
                return None, 0, np.nan
            if not main_features:
                return [], 0, 0.0
            view = self._view(bag)
            scores = np.tile(base, (len(view.codes), 1))
            if view.init_score is not None:
                scores += view.init_score
            term_codes = (main_codes if view.rows is None
                          else main_term_codes(view.codes, main_features))
            rows = self._bag_rows(bag, view)
            with self._kernel_sums(bag) as remote:
                return _run_stage(term_codes, [(f,) for f in main_features], data.n_bins, data,
                                  self.objective, self.main_settings, scores, rows,
                                  self.kernel_seeds[bag], self.objective_params,
                                  self._control(bag, 0), later_kernels, view.survival, remote)

        main_results = self._map(main_stage, "main effects", self.boosted)
        ran = [(bag, result) for bag, result in zip(self.boosted, main_results)
               if result[0] is not None]
        return MainStage(list(main_features), [bag for bag, _ in ran], [r for _, r in ran])

    def _bag_scores(self, mains: MainStage | None, bag: int, view: BagView) -> np.ndarray:
        """The score of every row of ``view`` after ``mains``' stage of ``bag`` (None: before
        it)."""
        codes = view.codes
        if mains is None:
            return _scores_from_tables(self.base, codes, [], [], len(codes), view.init_score)
        return _scores_from_tables(self.base, codes, mains.main_features, mains.tables[bag],
                                   len(codes), view.init_score)

    def _ranking_kernel(self, candidate_pairs: list[tuple[int, int]]) -> list:
        """``pair_strengths`` as a kernel a second process can compile while the main effects
        are boosted (``_run_stage``'s ``later_kernels``), typed with bag 0's arguments."""
        view = self._view(0)
        arguments = self._strength_arguments(0, view, candidate_pairs,
                                             self._bag_scores(None, 0, view))
        return [(pair_strengths, (*arguments, None), (pair_strengths,))]

    def _strength_arguments(self, bag: int, view: BagView,
                            candidate_pairs: list[tuple[int, int]], scores: np.ndarray) -> tuple:
        """``pair_strengths``' arguments: the candidates' strengths in ``bag`` at ``scores``
        (of the rows of ``view``)."""
        rows = self._bag_rows(bag, view)
        return (view.interaction_codes, np.array(candidate_pairs, dtype=np.int64),
                self.data.n_interaction_bins.astype(np.int64),
                self._detection_scores(scores, rows, view.survival), rows.train_count,
                rows.train_w, rows.train_wy,
                POISSON_DEVIANCE if self.survival is not None else self.objective.code,
                self.pair_settings.min_samples_leaf, self.pair_settings.min_hessian,
                self.objective_params)

    def rank_pairs(self, mains: MainStage, candidate_pairs: list[tuple[int, int]]) -> np.ndarray:
        """FAST strength of every candidate pair, summed over the bags of ``mains``."""

        def detect(bag):
            view = self._view(bag)
            arguments = self._strength_arguments(bag, view, candidate_pairs,
                                                 self._bag_scores(mains, bag, view))
            with self._kernel_sums(bag) as remote:
                found = pair_strengths(*arguments, remote)
            if self.monitor is None:
                return found
            return self.monitor.report_interactions(bag, candidate_pairs, found)

        return np.sum(self._map(detect, None, mains.ran), axis=0)

    def boost_pairs(self, mains: MainStage, pairs: list[tuple[int, ...]],
                    strengths: dict[tuple[int, int], float]) -> BaggedTerms:
        """The interaction stage of the bags of ``mains`` on ``pairs``; every bag's tables."""
        data = self.data
        _, interaction_codes = self._prepared_codes()
        pair_codes = (pair_term_codes(interaction_codes, pairs, data.n_interaction_bins)
                      if pairs and not self._samples() else None)

        def pair_stage(bag):
            if not pairs:
                return [], 0, 0.0
            if self.monitor is not None and self.monitor.stopped:  # zero tables
                return [np.zeros((*data.n_interaction_bins[list(term)],
                                  self.objective.n_scores)) for term in pairs], 0, np.nan
            view = self._view(bag)
            term_codes = (pair_codes if view.rows is None else
                          pair_term_codes(view.interaction_codes, pairs, data.n_interaction_bins))
            rows = self._bag_rows(bag, view)
            with self._kernel_sums(bag) as remote:
                return _run_stage(term_codes, pairs, data.n_interaction_bins, data,
                                  self.objective, self.pair_settings,
                                  self._bag_scores(mains, bag, view), rows,
                                  self.kernel_seeds[bag] + 1, self.objective_params,
                                  self._control(bag, 1), survival=view.survival, remote=remote)

        pair_results = self._map(pair_stage, "interactions", mains.ran)
        return BaggedTerms(
            base_scores=self.base,
            main_features=list(mains.main_features),
            pairs=pairs,
            main_tables=[mains.tables[bag] for bag in mains.ran],
            bags=mains.ran,
            pair_tables=[result[0] for result in pair_results],
            pair_strengths=strengths,
            best_steps=np.array([[r[1] for r in mains.results],
                                 [r[1] for r in pair_results]]),
        )


def choose_pairs(candidate_pairs: list[tuple[int, int]], total: np.ndarray,
                 n_pairs: int) -> tuple[dict[tuple[int, int], float], list[tuple[int, int]]]:
    """(strength of every candidate, the ``n_pairs`` strongest with a positive strength)."""
    strengths = {pair: float(s) for pair, s in zip(candidate_pairs, total)}
    ranked = np.argsort(-total, kind="stable")
    return strengths, [candidate_pairs[i] for i in ranked[:n_pairs] if total[i] > 0]
