"""scikit-learn estimators. They validate, delegate to the booster, and store fitted state."""

from __future__ import annotations

import copy
import numbers
import time
from itertools import combinations
from typing import Any, Callable, Sequence

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_array, check_is_fitted, column_or_1d
from threadpoolctl import threadpool_limits

from .binning import FeatureBins, feature_bins_from_levels, table_bins
from .binning import code_matrix, interaction_code_matrix, warn_only_unseen
from .booster import (BaggedTerms, BinnedData, Booster, BoostSettings, FitMonitor,
                      prepare_compile)
from .io.detail import AbsentPartError
from .kernels.split import split_options
from .model import term_contributions, term_importances, term_sums
from .objectives import (Objective, check_custom_objective, check_nonzero_target,
                         check_regression_target, check_target_scale, check_weight_scale,
                         classification_objective, inverse_link, regression_objective,
                         small_weights_message, survival_target)
from .parameters import (check_flag, check_inner_bags, check_max_bag_rows, check_max_time,
                         check_number, check_random_state, check_term_names,
                         check_validation_size, clean_bags, few_training_rows_message,
                         clean_init_score, cyclic_progress_fraction, missing_code,
                         chosen_callbacks, parse_callbacks,
                         parse_exclude, parse_interactions, parse_monotone, resolve_n_threads,
                         check_tensor_sizes)
from .purification import FinishedTerms, finish_terms
from .resources import (check_fit_memory, check_input_memory, estimate_fit_memory, fit_size,
                        typed_bytes)
from .schema import CONTINUOUS, NOMINAL, align_for_predict, type_table, without_decimal_nans
from .schema import _warn as warn_data
from .shape_smoothing import SHAPE_SMOOTHING, smooth_main_effects
from .training_summary import bag_weights, feature_summaries

FITTED_ATTRIBUTES = (
    "n_features_in_", "feature_names_in_", "feature_types_in_", "bins_", "term_features_",
    "term_names_", "term_scores_", "standard_deviations_", "bagged_scores_", "bagged_intercept_",
    "intercept_", "bin_weights_", "link_", "link_param_", "objective_", "classes_",
    "best_iteration_", "interaction_strengths_", "datetime_conversions_", "_match_by_name",
    "bag_shares_",
)
#: The classifier's learning rate (InterpretML's: 0.015), squared error's under
#: ``learning_rate="auto"``, and every other regression objective's (InterpretML's): see
#: docs/architecture.md.
CLASSIFIER_RATE, SQUARED_ERROR_RATE, REGRESSOR_RATE = 0.1, 0.06, 0.04
#: The classifier's ``smoothing_max_rows`` (InterpretML's: every row, None; the regressor's
#: default): see docs/fit-parameters.md.
CLASSIFIER_SMOOTHING_ROWS = 5_000
# InterpretML's summaries of the training data (``training_summary``); model files leave them out
TRAINING_SUMMARIES = ("histogram_edges_", "histogram_weights_", "unique_val_counts_",
                      "feature_bounds_", "bag_weights_", "min_target_", "max_target_")


def check_interaction_settings(max_interaction_bins: Any, min_samples_leaf: Any,
                               min_hessian: Any) -> None:
    """Refuse the settings that the pair strengths depend on outside a fit's ranges (a NaN
    ``min_hessian`` would let every cut count)."""
    check_number("max_interaction_bins", max_interaction_bins, 2, 253, integer=True)
    check_number("min_samples_leaf", min_samples_leaf, 1, integer=True)
    check_number("min_hessian", min_hessian, 0.0)


def _check_params(est: "_EBMBase") -> None:
    check_number("max_bins", est.max_bins, 2, integer=True)
    check_interaction_settings(est.max_interaction_bins, est.min_samples_leaf, est.min_hessian)
    check_validation_size(est.validation_size)
    check_number("outer_bags", est.outer_bags, 1, integer=True)
    if not (isinstance(est.learning_rate, str) and est.learning_rate == "auto"):
        check_number("learning_rate", est.learning_rate, 0.0, low_open=True, high_open=True)
    check_number("greedy_ratio", est.greedy_ratio, 0.0)
    check_number("interaction_greedy_ratio", est.interaction_greedy_ratio, 0.0)
    cyclic_progress_fraction(est.cyclic_progress)
    check_number("max_rounds", est.max_rounds, 0, integer=True)
    check_number("early_stopping_rounds", est.early_stopping_rounds, 0, integer=True)
    check_number("early_stopping_tolerance", est.early_stopping_tolerance, 0.0)
    check_number("early_stopping_noise", est.early_stopping_noise, 0.0)
    check_number("early_stopping_rise", est.early_stopping_rise, 0.0)
    check_flag("early_stopping_in_smoothing", est.early_stopping_in_smoothing)
    check_number("smoothing_rounds", est.smoothing_rounds, 0, integer=True)
    check_number("interaction_smoothing_rounds", est.interaction_smoothing_rounds, 0,
                 integer=True)
    if est.smoothing_max_rows is not None:
        check_number("smoothing_max_rows", est.smoothing_max_rows, 1, integer=True)
    if est.shape_smoothing not in SHAPE_SMOOTHING:
        raise ValueError(f"shape_smoothing must be one of {SHAPE_SMOOTHING}, got "
                         f"{est.shape_smoothing!r}")
    check_number("max_leaves", est.max_leaves, 2, integer=True)
    check_number("gain_scale", est.gain_scale, 0.0, low_open=True)
    check_number("cat_smooth", est.cat_smooth, 0.0)
    check_random_state(est.random_state)
    resolve_n_threads(est.n_jobs)
    check_inner_bags(est.inner_bags)
    check_number("reg_alpha", est.reg_alpha, 0.0)
    check_number("reg_lambda", est.reg_lambda, 0.0)
    check_number("max_delta_step", est.max_delta_step, 0.0)
    check_number("min_cat_samples", est.min_cat_samples, 0, integer=True)
    missing_code(est.missing)
    est._callbacks()
    check_max_time(est.max_time)
    check_max_bag_rows(est.max_bag_rows, est.validation_size)


def _sample_weights(sample_weight: Any, n_rows: int) -> np.ndarray:
    if sample_weight is None:
        return np.ones(n_rows)
    try:
        weights = np.asarray(sample_weight, dtype=np.float64)
    except (TypeError, ValueError, OverflowError) as error:  # overflow: beyond float64
        raise ValueError(f"sample_weight must be numbers: {error}") from None
    if weights.ndim == 0:
        weights = np.full(n_rows, float(weights))
    if weights.ndim != 1 or len(weights) != n_rows:
        raise ValueError(
            f"sample_weight.shape == {weights.shape}, expected ({n_rows},) to match X's rows"
        )
    if not np.all(np.isfinite(weights)):
        raise ValueError("sample_weight contains NaN or infinity")
    if np.any(weights < 0):
        raise ValueError("Negative values in data passed to sample_weight")
    with np.errstate(over="ignore"):  # a total too large is reported below
        if weights.sum() <= 0:
            raise ValueError("sample_weight is zero everywhere; at least one row needs weight > 0")
    check_weight_scale(weights)
    return weights


def class_weight_faults(classes: np.ndarray, totals: np.ndarray,
                        min_hessian: float) -> tuple[list, list]:
    """The classes (at most ten of each) whose total weight ``totals`` is zero, and those below
    twice ``min_hessian``, as Python values for messages."""
    def names(positions: np.ndarray) -> list:
        return [classes[k].item() if hasattr(classes[k], "item") else classes[k]
                for k in positions[:10]]

    return (names(np.flatnonzero(totals <= 0)),
            names(np.flatnonzero(totals < 2 * min_hessian)))


def _check_class_weights(classes: np.ndarray, y_encoded: np.ndarray, weights: np.ndarray,
                         min_hessian: float) -> str | None:
    """Refuse weights that are zero on every row of a class: that class has no hessian, and
    a tree may split only where every class's hessian reaches ``min_hessian``, so the model
    would learn nothing at all and score every row alike. The warning for a class whose
    total weight is below twice ``min_hessian`` (no cut can give both sides that much: the
    hessian of a class's score sums to about its weight), else None."""
    totals = np.bincount(y_encoded.astype(np.intp), weights=weights, minlength=len(classes))
    empty, light = class_weight_faults(classes, totals, min_hessian)
    if empty:
        raise ValueError(
            f"sample_weight is zero on every row of class(es) {empty} of y: with no "
            "weight for a class no tree can split, so the model would learn nothing and score "
            "every row alike. Drop those rows from X and y (the model then has no such "
            "class), or give them weight > 0."
        )
    if not light:
        return None
    return (f"sample_weight: class(es) {light} of y weigh {totals.min():.3g} in "
            f"all, below twice min_hessian={min_hessian:g}; the hessian of a class's score "
            "sums to about its weight, so no cut can give both sides min_hessian and the "
            "model will learn little or nothing. Weights count as rows: scale them up (to "
            "mean 1, for example) or lower min_hessian.")


def class_target(y: Any, n_rows: int) -> tuple[np.ndarray, np.ndarray]:
    """A classifier's target as its sorted classes and every row's class index, refusing a y
    that is not one label per row of X (missing, infinite or continuous values)."""
    y = column_or_1d(np.asarray(y) if not isinstance(y, pd.Series) else y, warn=True)
    if len(y) != n_rows:
        raise ValueError(f"X has {n_rows} rows but y has {len(y)} values")
    missing = pd.isna(without_decimal_nans(pd.Series(y, dtype=object))).to_numpy()
    if missing.any():
        raise ValueError(
            f"Input y contains NaN (missing target at rows {np.flatnonzero(missing)[:5]})"
        )
    if y.dtype.kind == "f" and not np.all(np.isfinite(y)):
        raise ValueError("Input y contains infinity")
    try:
        check_classification_targets(y)
    except ValueError as error:
        raise ValueError(f"Target y: {error}") from None
    return np.unique(y, return_inverse=True)


def regression_target(objective: Objective, y: Any, n_rows: int) -> np.ndarray:
    """A regressor's target as float64 numbers, one per row of X, refusing values that are
    not finite numbers or lie outside ``objective``'s domain (Cox's: signed times, from
    ``objectives.survival_target``)."""
    if objective.name == "survival_cox":
        y = survival_target(y)  # (time, event) columns become InterpretML's signed times
    dtype = getattr(y, "dtype", None)
    if dtype is not None and dtype.kind in "mM":  # numpy's and pyarrow's dates and durations
        raise ValueError(f"Target y of a regressor holds {dtype} values, which would be "
                         f"read in their storage unit (often nanoseconds); convert them to "
                         f"a number first, e.g. y.dt.total_seconds() / 86400 for days")
    try:
        y = check_array(y, ensure_2d=False, dtype=np.float64, input_name="y")
    except (TypeError, ValueError, OverflowError) as error:  # overflow: beyond float64
        raise ValueError(f"Target y of a regressor must be finite numbers: {error}") from None
    y = column_or_1d(y, warn=True)
    if len(y) != n_rows:
        raise ValueError(f"X has {n_rows} rows but y has {len(y)} values")
    check_regression_target(objective, y)
    check_custom_objective(objective, y)
    return y.astype(np.float64)


def check_weighted_target(objective: Objective, y_encoded: np.ndarray,
                          weights: np.ndarray) -> None:
    """Refuse a target (``y_encoded``: the numbers the loss sees) that ``objective`` cannot
    fit under ``weights``: too large for the loss's sums, or zero on every row of weight > 0
    under a log link (``objectives.check_target_scale`` and ``check_nonzero_target``)."""
    check_target_scale(objective, y_encoded, weights)
    check_nonzero_target(objective, float(weights[y_encoded > 0].sum()))


def _check_finite_model(fitted: dict) -> None:
    """Refuse to store a model that cannot score finite numbers: every table, intercept and
    weight must be finite, and so must the intercept plus the largest |value| of every term
    (the most a row can score)."""
    remedy = ("; check the scale of y and sample_weight, and learning_rate "
              f"({fitted['objective_']} objective)")
    intercept = np.ravel(np.asarray(fitted["intercept_"], dtype=np.float64))
    if not (np.all(np.isfinite(intercept))
            and np.all(np.isfinite(fitted["bagged_intercept_"]))):
        raise ValueError(f"the fitted model is not finite: its intercept is NaN or infinite"
                         f"{remedy}")
    reach = np.abs(intercept)
    for t, name in enumerate(fitted["term_names_"]):
        for what in ("term_scores_", "standard_deviations_", "bagged_scores_", "bin_weights_"):
            if not np.all(np.isfinite(fitted[what][t])):
                raise ValueError(f"the fitted model is not finite: term {name!r} has NaN or "
                                 f"infinite {what}{remedy}")
        scores = np.abs(np.asarray(fitted["term_scores_"][t], dtype=np.float64))
        with np.errstate(over="ignore"):
            reach = reach + scores.reshape(-1, intercept.size).max(axis=0, initial=0.0)
    if not np.all(np.isfinite(reach)):
        raise ValueError("the fitted model is not finite: its intercept plus the largest value "
                         f"of every term overflows float64{remedy}")


def term_bin_weights(codes: np.ndarray, interaction_codes: np.ndarray, weights: np.ndarray,
                     bins: list[FeatureBins], main_features: list[int],
                     pairs: list[tuple[int, ...]]) -> tuple[dict, dict]:
    """Training weight of every bin of every main term, and of every cell of every pair (or
    term of more features: row-major cells). Sums over row blocks add up to the whole."""
    main_weights = {f: np.bincount(codes[:, f], weights=weights, minlength=bins[f].n_bins)
                    for f in main_features}
    pair_weights = {}
    for term in pairs:
        shape = [bins[f].n_interaction_bins for f in term]
        cell = np.ravel_multi_index(
            tuple(interaction_codes[:, f].astype(np.int64) for f in term), shape)
        pair_weights[term] = np.bincount(cell, weights=weights,
                                         minlength=int(np.prod(shape))).reshape(shape)
    return main_weights, pair_weights


def _single_class_state(fitted: dict) -> dict:
    """InterpretML's model of a one-class target: every row is that class with probability 1,
    and the score (the log-odds of any other class) is -inf. No term can change that."""
    fitted.update({"intercept_": np.array([-np.inf]),
                   "bagged_intercept_": np.full(len(fitted["bag_weights_"]), -np.inf),
                   "link_": "monoclassification"})
    return fitted


def _bagged_intercepts(model: Any) -> np.ndarray:
    """The per-bag intercepts, which scoring bag by bag needs; AbsentPartError when the model has
    no bags (loaded from a file written below detail='all', or merged from such a model)."""
    intercepts = np.asarray(model.bagged_intercept_, dtype=np.float64)
    if len(intercepts) == 0:
        raise AbsentPartError(
            "predict_with_uncertainty needs the per-bag tables bagged_scores_ and "
            "bagged_intercept_, and this model has zero bags: model files keep them only when "
            "written with detail='all', and a model merged from one without them has none")
    return intercepts


def _store_parameters(estimator: BaseEstimator, arguments: dict) -> None:
    """Keep every ``__init__`` argument unchanged, as scikit-learn requires."""
    for name, value in arguments.items():
        if name not in ("self", "__class__"):
            setattr(estimator, name, value)


class _EBMBase(BaseEstimator):
    """Shared fitting and scoring of both estimators."""

    def _encode_target(self, y: Any, n_rows: int) -> tuple[np.ndarray, np.ndarray | None]:
        raise NotImplementedError

    def _objective(self):
        raise NotImplementedError

    def _learning_rate(self) -> float:
        """``learning_rate`` as a number, "auto" resolved by the estimator's ``_auto_rate``."""
        if isinstance(self.learning_rate, str):
            return self._auto_rate()
        return float(self.learning_rate)

    def _auto_rate(self) -> float:
        raise NotImplementedError

    def _callbacks(self) -> tuple:
        """The (boost, interaction) callbacks of ``callbacks`` or ``callback`` (each may be
        None), as ``parameters.parse_callbacks`` makes them."""
        return parse_callbacks(chosen_callbacks(self.callbacks, self.callback))

    def fit(self, X: Any, y: Any, sample_weight: Any = None, bags: Any = None,
            init_score: Any = None) -> "_EBMBase":
        """Fit the model: bin features, boost mains and pairs over bags, finish the tables.

        ``bags`` (n_samples, outer_bags): InterpretML's bag matrix, which replaces the random
        validation splits (a positive ``k``: the row trains ``k`` times in that bag; ``-k``:
        it validates ``k`` times; 0: left out). ``init_score``: every row's starting score
        (n_samples,) or (n_samples, n_classes), or a fitted model (this estimator too: its fit
        before this call) whose predictions through the link give them; boosting starts from
        it, and it is not part of the fitted model (add it to ``decision_function`` to score as
        during training).

        The fitted attributes are set all at once at the end, so a fit that fails or is
        interrupted (KeyboardInterrupt) leaves the estimator unfitted, never half-fitted.
        """
        started = time.monotonic()  # max_time counts from here
        if init_score is self:  # boosting on from this fit, as InterpretML: keep it to score with
            init_score = copy.copy(self)
        for attribute in FITTED_ATTRIBUTES + TRAINING_SUMMARIES:
            self.__dict__.pop(attribute, None)
        # the fit's working state (the classes being encoded) lives on a copy, so that fits of
        # one estimator on several threads at once do not see each other's: each stores a
        # complete model, and the last to finish is kept
        working = copy.copy(self)
        # idle BLAS threads keep spinning after a numpy call, on the very cores the bags
        # run on (on CPS1988 that cost a quarter of the fit time): one BLAS thread suffices
        with threadpool_limits(limits=1, user_api="blas"):
            fitted = working._fitted_state(X, y, sample_weight, bags, init_score, started)
        self.__dict__.update(fitted)
        return self

    def _fitted_state(self, X: Any, y: Any, sample_weight: Any, bags: Any = None,
                      init_score: Any = None, started: float | None = None) -> dict:
        """Every fitted attribute, computed without touching the estimator's own state."""
        _check_params(self)
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None"
            )
        check_input_memory(X, resolve_n_threads(self.n_jobs), self.outer_bags,
                           None if bags is not None else self.max_bag_rows)
        prepare_compile()
        table = type_table(X, self.feature_names, self.feature_types, self.datetime_features,
                           self.exclude)
        n_rows = len(table.columns[0].values)
        if n_rows < 2:
            raise ValueError(
                f"n_samples={n_rows}: at least 2 samples are required to fit, got 1 sample"
                if n_rows == 1 else
                f"X has no rows: found array with 0 sample(s) (shape=({n_rows}, "
                f"{len(table.names)})) while a minimum of 1 is required."
            )
        if (isinstance(self.validation_size, numbers.Integral)
                and self.validation_size >= n_rows):
            raise ValueError(
                f"validation_size={self.validation_size} rows must be below the {n_rows} rows of "
                "X (a count in the range [0, n_samples), or a fraction in the range [0.0, 1.0))"
            )
        check_max_bag_rows(self.max_bag_rows, self.validation_size, n_rows)
        y_encoded, strata = self._encode_target(y, n_rows)
        single_class = len(getattr(self, "_classes", (0, 1))) == 1
        weights = _sample_weights(sample_weight, n_rows)
        light = None
        if not single_class and getattr(self, "_classes", None) is not None:
            light = _check_class_weights(self._classes, y_encoded, weights, self.min_hessian)
        objective = self._objective()
        check_weighted_target(objective, y_encoded, weights)
        small = (small_weights_message(objective, weights, self.min_hessian,
                                       self.min_samples_leaf) or light)
        if small:
            warn_data(small)
        bag_matrix = clean_bags(bags, n_rows, self.outer_bags)
        few = bag_matrix is None and few_training_rows_message(
            self.validation_size, n_rows, self.max_bag_rows, self.min_samples_leaf)
        if few:
            warn_data(few)
        start_scores = clean_init_score(init_score, X, n_rows, objective.link,
                                        objective.n_scores, getattr(self, "_classes", None),
                                        objective.exponentiated)
        names = table.names
        monotone = self._monotone(names, table.types, objective)
        bins = table_bins(table, weights, self.max_bins, self.max_interaction_bins)
        main_features, candidates, n_pairs, explicit = self._terms_to_fit(names, bins, monotone)
        if single_class:  # InterpretML's monoclassification: nothing to learn
            main_features, candidates = [], []
        check_fit_memory(estimate_fit_memory(fit_size(
            bins, objective, n_rows, (weights,), main_features, candidates, n_pairs,
            explicit is not None, resolve_n_threads(self.n_jobs), self.outer_bags,
            typed_bytes(X, table) + y_encoded.nbytes + getattr(strata, "nbytes", 0)
            + weights.nbytes, None if bag_matrix is not None else self.max_bag_rows)),
            n_rows, len(names))

        codes = code_matrix(table.columns, bins, False)
        data = BinnedData(
            codes=codes,
            interaction_codes=interaction_code_matrix(table.columns, bins, codes),
            n_bins=np.array([b.n_bins for b in bins], dtype=np.int64),
            n_interaction_bins=np.array([b.n_interaction_bins for b in bins], dtype=np.int64),
            nominal=np.array([t == NOMINAL for t in table.types]),
            monotone=monotone,
            y=y_encoded,
            weights=weights,
            strata=strata,
        )
        callback, interaction_callback = self._callbacks()
        booster = Booster(
            data, objective, *self._boost_settings(),
            outer_bags=self.outer_bags, validation_size=self.validation_size or 0,
            n_threads=resolve_n_threads(self.n_jobs), random_state=self.random_state,
            bags=bag_matrix, init_score=start_scores, max_bag_rows=self.max_bag_rows,
            monitor=(FitMonitor(self.max_time, callback, started, interaction_callback)
                     if self.max_time is not None or callback or interaction_callback
                     else None),
        )
        bagged = booster.fit(main_features, candidates, n_pairs, explicit is not None)

        main_weights, pair_weights = term_bin_weights(data.codes, data.interaction_codes,
                                                      weights, bins, main_features, bagged.pairs)
        summaries = feature_summaries(
            table.columns, table.types,
            [np.bincount(data.codes[:, f], weights=weights, minlength=bins[f].n_bins)
             for f in range(len(names))], weights)
        smoothed = [f for f in bagged.main_features
                    if table.types[f] == CONTINUOUS and not monotone[f]]
        # with ``bags``, a row counts as often as a bag trains on it; a row no bag names, never
        seen = (weights if bag_matrix is None else weights * np.maximum(
            bag_matrix.max(axis=1), np.any(bag_matrix != 0, axis=1)))

        def smooth(finished: FinishedTerms) -> None:
            smooth_main_effects(finished, smoothed, objective.name, data.codes,
                                data.interaction_codes, y_encoded, seen, main_weights,
                                start_scores, float(self.min_hessian), self.missing)

        return self._finished_state(
            bagged, bins, table.names, table.types, main_weights, pair_weights, summaries,
            bag_weights(booster, getattr(bagged, "bags", None)),
            [c.to_dict() for c in table.conversions],
            self.feature_names is None and (isinstance(X, pd.DataFrame)
                                            or hasattr(X, "to_pandas")),
            single_class,
            None if self.shape_smoothing is None or objective.custom is not None else smooth)

    def _monotone(self, names: list[str], types: list[str], objective) -> np.ndarray:
        """-1, 0, +1 per feature from ``monotone_constraints``, checked against the types."""
        monotone = parse_monotone(self.monotone_constraints, names)
        for i in np.flatnonzero(monotone):
            if types[i] == NOMINAL:
                raise ValueError(
                    f"monotone_constraints: feature {names[i]!r} is nominal and has no order"
                )
        if monotone.any() and objective.n_scores > 1:
            raise ValueError("monotone_constraints are not supported for multiclass models")
        return monotone

    def _terms_to_fit(self, names: list[str], bins: list[FeatureBins],
                      monotone: np.ndarray) -> tuple[list[int], list[tuple[int, ...]], int, Any]:
        """(main features, candidate or explicit interaction terms, number of pairs to choose,
        the explicit terms or None) from ``exclude``, ``interactions`` and the constraints;
        ValueError when two of these terms would have one name."""
        excluded = parse_exclude(self.exclude, names)
        n_pairs, explicit = parse_interactions(self.interactions, names)
        main_features = [i for i in range(len(names)) if (i,) not in excluded]
        if explicit is not None:
            for term in explicit:
                if monotone[list(term)].any():
                    kind = "pair" if len(term) == 2 else f"term of {len(term)} features"
                    raise ValueError(
                        f"interactions: {kind} {[names[i] for i in term]} contains a monotone "
                        "constrained feature; interaction terms would break the constraint"
                    )
            candidates = [p for p in explicit if tuple(sorted(p)) not in excluded]
            check_tensor_sizes(candidates, [b.n_interaction_bins for b in bins], names)
        else:
            candidates = [
                p for p in combinations(range(len(names)), 2)
                if p not in excluded and not monotone[list(p)].any()
                and min(bins[p[0]].n_interaction_bins, bins[p[1]].n_interaction_bins) > 3
            ]
        pairs = candidates if explicit is not None or n_pairs else []
        check_term_names([(f,) for f in main_features] + pairs, names)
        return main_features, candidates, n_pairs, explicit

    def _boost_settings(self) -> tuple[BoostSettings, BoostSettings]:
        """The (main effects, interactions) stages' settings from the parameters, as Python
        ints and floats: the kernels compile once per argument type, so numpy's int16 or
        float32 would compile them anew (20-30 s) for the same model."""
        common = dict(
            max_rounds=int(self.max_rounds), early_stopping_rounds=int(self.early_stopping_rounds),
            early_stopping_tolerance=float(self.early_stopping_tolerance),
            early_stopping_noise=float(self.early_stopping_noise),
            early_stopping_rise=float(self.early_stopping_rise),
            early_stopping_in_smoothing=bool(self.early_stopping_in_smoothing),
            min_samples_leaf=int(self.min_samples_leaf), min_hessian=float(self.min_hessian),
            max_leaves=int(self.max_leaves), cat_smooth=float(self.cat_smooth),
            gain_scale=float(self.gain_scale),
            cyclic_progress=cyclic_progress_fraction(self.cyclic_progress),
            inner_bags=int(self.inner_bags),
            smoothing_rows=0 if self.smoothing_max_rows is None else int(self.smoothing_max_rows),
            options=split_options(self.reg_alpha, self.reg_lambda, self.max_delta_step,
                                  missing_code(self.missing), self.min_cat_samples),
        )
        learning_rate = self._learning_rate()
        return (BoostSettings(learning_rate=learning_rate,
                              smoothing_rounds=int(self.smoothing_rounds),
                              greedy_ratio=float(self.greedy_ratio), **common),
                BoostSettings(learning_rate=learning_rate,
                              smoothing_rounds=int(self.interaction_smoothing_rounds),
                              greedy_ratio=float(self.interaction_greedy_ratio), **common))

    def _finished_state(self, bagged: BaggedTerms, bins: list[FeatureBins], names: list[str],
                        types: list[str], main_weights: dict, pair_weights: dict,
                        summaries: dict, bag_totals: np.ndarray, conversions: list[dict],
                        match_by_name: bool, single_class: bool,
                        smooth: Callable[[FinishedTerms], None] | None = None) -> dict:
        """Every fitted attribute from the boosted bags: purified, centred and averaged tables
        (``finish_terms``, then ``smooth`` in place when given) with their training bin weights,
        the training summaries, and the target's attributes; ``bag_totals`` is each bag's
        training weight."""
        objective = self._objective()
        finished = finish_terms(bagged, main_weights, pair_weights,
                                {f: bins[f].fine_to_coarse() for f in range(len(names))})
        if smooth is not None:
            smooth(finished)

        squeeze = objective.n_scores == 1
        fitted = {
            "n_features_in_": len(names),
            "feature_names_in_": list(names),
            "feature_types_in_": list(types),
            "bins_": [b.levels() for b in bins],
            "term_features_": finished.term_features,
            "term_names_": [" & ".join(names[f] for f in t) for t in finished.term_features],
            "term_scores_": [s[..., 0] if squeeze else s for s in finished.term_scores],
            "standard_deviations_": [
                s[..., 0] if squeeze else s for s in finished.standard_deviations
            ],
            "bagged_scores_": [s[..., 0] if squeeze else s for s in finished.bagged_scores],
            "bagged_intercept_": (finished.bagged_intercept[:, 0] if squeeze
                                  else finished.bagged_intercept),
            "intercept_": self._intercept_layout(finished.intercept),
            "bin_weights_": [main_weights[f] for f in bagged.main_features]
            + [pair_weights[p] for p in bagged.pairs],
            "link_": objective.link,
            "link_param_": np.nan,
            "objective_": objective.name,
            "best_iteration_": bagged.best_steps,
            "interaction_strengths_": {
                (names[i], names[j]): s for (i, j), s in bagged.pair_strengths.items()
            },
            "datetime_conversions_": conversions,
            "_match_by_name": match_by_name,
            "bag_weights_": bag_totals,
        }
        fitted.update(summaries)
        fitted.update(self._fitted_target_attributes())
        if single_class:
            return _single_class_state(fitted)
        _check_finite_model(fitted)
        return fitted

    def _fitted_target_attributes(self) -> dict:
        return {}

    def _intercept_layout(self, intercept: np.ndarray):
        """InterpretML's layout: an array for classifiers, a float for regressors."""
        return intercept.copy()

    # ---- scoring -------------------------------------------------------------------------
    def _feature_bins(self) -> list[FeatureBins]:
        return [feature_bins_from_levels(t, levels)
                for t, levels in zip(self.feature_types_in_, self.bins_)]

    def _model_inputs(self, X: Any) -> tuple:
        """(columns, bins, term features, term scores, n_scores) that scoring reads."""
        check_is_fitted(self, "term_scores_")
        columns = align_for_predict(X, self.feature_names_in_, self.feature_types_in_,
                                    self._match_by_name, type(self).__name__,
                                    getattr(self, "datetime_conversions_", None))
        bins = self._feature_bins()
        warn_only_unseen(columns, bins, self.term_features_, list(self.feature_names_in_))
        return (columns, bins, self.term_features_, self.term_scores_,
                int(np.size(self.intercept_)))

    def eval_terms(self, X: Any) -> np.ndarray:
        """Per-row contribution of every term: (n_rows, n_terms[, n_classes])."""
        return term_contributions(*self._model_inputs(X))

    def _raw_scores(self, X: Any, init_score: Any = None) -> np.ndarray:
        sums = term_sums(*self._model_inputs(X))
        intercept = np.asarray(self.intercept_, dtype=np.float64)
        return (sums + (intercept.reshape(-1)[0] if intercept.size == 1 else intercept)
                + self._start_scores(init_score, X, sums))

    def _start_scores(self, init_score: Any, X: Any, sums: np.ndarray) -> np.ndarray | float:
        """InterpretML's ``init_score`` at scoring time: per-row scores (or a fitted model whose
        predictions through the link give them) added to the model's own."""
        if init_score is None:
            return 0.0
        n_scores = 1 if sums.ndim == 1 else sums.shape[1]
        start = clean_init_score(init_score, X, len(sums), self.link_, n_scores,
                                 getattr(self, "classes_", None))
        return start[:, 0] if sums.ndim == 1 else start

    @property
    def has_fitted_(self) -> bool:
        """InterpretML's fitted flag: True once the model has terms' tables (fitted, loaded
        or merged); absent (AttributeError) before, so ``check_is_fitted(model, "has_fitted_")``
        works as with InterpretML."""
        if "term_scores_" not in self.__dict__:
            raise AttributeError(f"this {type(self).__name__} is not fitted yet")
        return True

    def term_importances(self, importance_type: str = "avg_weight") -> np.ndarray:
        """Importance of every term (see :func:`glassboost.model.term_importances`)."""
        check_is_fitted(self, "term_scores_")
        return term_importances(self.term_scores_, self.bin_weights_, importance_type)

    # ---- explanations, editing and export live in their own modules ----------------------
    def explain_global(self, name: str | None = None):
        """Global explanation: every term's shape, bounds, density and importance."""
        from .explain import explain_global

        return explain_global(self, name)

    def explain_local(self, X: Any, y: Any = None, name: str | None = None,
                      init_score: Any = None):
        """Local explanation: every row's per-term contributions, intercept and prediction;
        ``init_score`` (per row, or a fitted model) is added to every row's score before the
        link, as in :meth:`decision_function`."""
        from .explain import explain_local

        return explain_local(self, X, y, name, init_score)

    def to_json(self, file: Any = None, detail: str = "all",
                indent: int | str | None = 2, compact: bool = False) -> str | None:
        """Write the model as versioned JSON to ``file`` (a path, ``.gz`` for gzip, or a file
        object), or return the text when None. ``detail``: "minimal", "interpretable",
        "mergeable" or "all"; ``compact=True`` writes the tables as exact binary blocks, a
        file about 40% of the size (see :func:`glassboost.io.model_json.to_json`)."""
        from .io.model_json import to_json

        return to_json(self, file, detail, indent, compact)

    def to_sql(self, dialect: str = "portable", table: str | Sequence[str] = "data",
               columns: dict[str, str] | None = None) -> str:
        """One SQL query computing every row's score (and probability for classifiers);
        ``table`` is one identifier ("a.b" holds a dot) or parts such as ("schema", "table")."""
        from .io.sql import to_sql

        return to_sql(self, dialect=dialect, table=table, columns=columns)

    def to_onnx(self, file: Any = None, missing_string: str = ""):
        """An ``onnx.ModelProto`` scoring rows as this model does, also written to ``file`` when
        given; needs the ``onnx`` extra (see :func:`glassboost.export.onnx.to_onnx`)."""
        from .export.onnx import to_onnx

        return to_onnx(self, file, missing_string)

    def remove_terms(self, terms):
        """Drop terms (by index or name); returns the model."""
        from . import editing

        return editing.remove_terms(self, terms)

    def remove_features(self, features):
        """Drop features and every term that uses them; returns the model."""
        from . import editing

        return editing.remove_features(self, features)

    def scale(self, term, factor: float):
        """Multiply one term's table (and its bounds) by ``factor``; returns the model."""
        from . import editing

        return editing.scale(self, term, factor)

    def sweep(self, terms: bool = True, bins: bool = True, features: bool = False):
        """Purge terms that are zero everywhere, bin levels no term reads and (``features``)
        features no term uses, as InterpretML's ``sweep``; returns the model."""
        from . import editing

        return editing.sweep(self, terms, bins, features)

    def remove_weak_terms(self, threshold: float, importance_type: str = "avg_weight"):
        """Drop terms whose importance is below ``threshold``; returns the model."""
        from . import editing

        return editing.remove_weak_terms(self, threshold, importance_type)

    def monotonize(self, term, increasing: bool | str | None = "auto",
                   passthrough: float = 0.0):
        """Make a main effect monotone by weighted isotonic regression, keeping ``intercept_``
        (``passthrough`` > 0 moves that part of the mean's change into it); returns the
        model."""
        from . import editing

        return editing.monotonize(self, term, increasing, passthrough)

    def smooth(self, term, bandwidth: float, passthrough: float = 0.0):
        """Smooth a main effect by a local-linear kernel fit over its bins, ``bandwidth`` a
        fraction of the training rows (see :func:`glassboost.editing.smooth`); returns the
        model."""
        from . import editing

        return editing.smooth(self, term, bandwidth, passthrough)

    def copy(self):
        """A deep copy of the estimator and its fitted model."""
        return copy.deepcopy(self)

    def predict_with_uncertainty(self, X: Any, init_score: Any = None) -> np.ndarray:
        """Each row's score averaged over the outer bags and its standard deviation across
        them, as InterpretML computes them from ``bagged_scores_`` and ``bagged_intercept_``
        (plus ``init_score``, as in :meth:`decision_function`): shape (n_rows, 2) (multiclass:
        (n_rows, 2, n_classes)). A merged model weighs its bags by ``bag_shares_``, as its
        tables weigh them, so the mean is its score. A model without per-bag tables raises
        AbsentPartError."""
        columns, bins, features, _, n_scores = self._model_inputs(X)
        bagged_intercept = _bagged_intercepts(self)
        per_bag = np.stack([
            term_sums(columns, bins, features, [s[bag] for s in self.bagged_scores_], n_scores)
            + bagged_intercept[bag] for bag in range(len(bagged_intercept))])
        per_bag = per_bag + self._start_scores(init_score, X, per_bag[0])
        shares = getattr(self, "bag_shares_", None)
        if shares is None:  # a fit's bags weigh alike
            return np.stack([per_bag.mean(axis=0), per_bag.std(axis=0)], axis=1)
        mean = np.tensordot(shares, per_bag, axes=1)
        spread = np.sqrt(np.tensordot(shares, (per_bag - mean) ** 2, axes=1))
        return np.stack([mean, spread], axis=1)

    def to_jsonable(self, detail: str = "all") -> dict:
        """The model file's document as plain Python values (see :meth:`to_json`)."""
        from .io.model_json import model_document

        check_is_fitted(self, "term_scores_")
        return model_document(self, detail)

    def estimate_mem(self, X: Any, y: Any = None, data_multiplier: float = 0.0) -> int:
        """Bytes ``fit(X, y)`` would allocate at its peak (the same estimate ``fit`` checks
        against the available memory), plus ``data_multiplier`` times the bytes of X and y.
        Without y, a classifier is sized as binary. Pairs are sized for the candidates with
        the most cells."""
        check_number("data_multiplier", data_multiplier, 0.0)
        _check_params(self)
        working = copy.copy(self)
        table = type_table(X, self.feature_names, self.feature_types, self.datetime_features,
                           self.exclude)
        n_rows = len(table.columns[0].values)
        weights = np.ones(n_rows)
        if y is None:
            y_encoded, strata = np.zeros(n_rows), None
            working._classes = np.arange(2)
        else:
            y_encoded, strata = working._encode_target(y, n_rows)
        objective = working._objective()
        bins = table_bins(table, weights, self.max_bins, self.max_interaction_bins)
        # the terms fit boosts: exclude (in any order of a term's features), monotone features
        # left out of pairs, and pairs of features with too few bins left out
        main_features, candidates, n_pairs, explicit = working._terms_to_fit(
            table.names, bins, working._monotone(table.names, table.types, objective))
        size = fit_size(bins, objective, n_rows, (weights,), main_features, candidates,
                        n_pairs, explicit is not None, resolve_n_threads(self.n_jobs),
                        self.outer_bags, typed_bytes(X, table) + y_encoded.nbytes
                        + getattr(strata, "nbytes", 0) + weights.nbytes, self.max_bag_rows)
        data_bytes = (X.memory_usage(deep=True).sum() if isinstance(X, pd.DataFrame)
                      else np.asarray(X).nbytes) + (0 if y is None else np.asarray(y).nbytes)
        return int(estimate_fit_memory(size).total + data_multiplier * data_bytes)

    def set_term_scores(self, term, scores):
        """Replace one term's table after validating its shape; returns the model."""
        from . import editing

        return editing.set_term_scores(self, term, scores)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.string = True
        tags.input_tags.categorical = True
        return tags


class ExplainableBoostingClassifier(ClassifierMixin, _EBMBase):
    """Explainable Boosting Machine for binary and multiclass classification.

    The model is ``logit(p) = intercept_ + sum_t f_t(x)``: one lookup table per main effect and
    per detected pair. Parameters keep InterpretML's names and defaults (but
    ``early_stopping_rounds``: 50 here, 100 there, and ``learning_rate``: 0.1 here, 0.015
    there; see docs/architecture.md), with these additions:
    ``interaction_greedy_ratio`` is ``greedy_ratio`` (greedy steps per term after each sweep) for
    the pairs, and ``early_stopping_noise`` makes a stage stop once a window of
    ``early_stopping_rounds`` gains less than that multiple of the validation loss's sampling noise
    (about the best loss / sqrt(validation rows), and no less than a tenth of the constant
    model's loss / sqrt(validation rows); 0 gives InterpretML's rule). The defaults, a window
    of 50 rounds and 0.005, ask the same rate of gain as 100 rounds and 0.01 and wait half as
    long after a stage's best step. ``early_stopping_rise`` ends a stage sooner once its
    validation loss has stayed more than that multiple of its sampling noise above its best: for
    two rounds after a best found past the smoothing rounds, or for 20 rounds inside them, where
    random cuts' losses jump more; the stage is overfitting (0 waits out the window).
    ``early_stopping_in_smoothing`` counts that window from a stage's first round, so a stage
    whose validation loss stopped improving during its smoothing rounds ends there; False gives
    InterpretML's rule (the smoothing rounds always run, and the window starts after them). The
    validation loss is compared as RMSE for ``rmse`` and half the deviance for Poisson, so that
    ``early_stopping_tolerance`` is relative on the metric's own scale. See docs/architecture.md.
    ``datetime_features`` ("parts" or "timestamp") says what date columns become: year, month,
    day of week (and hour) as separate features, or one feature of days since 1970-01-01 (see
    docs/input-handling.md). ``reg_alpha``, ``reg_lambda``, ``max_delta_step``, ``missing``,
    ``min_cat_samples`` (default 0, off; InterpretML's is 10), ``inner_bags`` and
    ``callbacks`` are InterpretML's (``callback``, interpret-core 0.7's name, is taken too);
    ``max_time`` (seconds) stops boosting at a wall-clock budget and keeps each bag's best
    tables so far. ``max_bag_rows``: on more rows than this, each outer bag boosts its own
    stratified random sample of that many rows, so that a bag's cost stops growing with the
    data while the bags together still see it; None gives InterpretML's bags of every row
    (see docs/fit-parameters.md). ``smoothing_max_rows``: on more training rows than this, each
    smoothing round (main and pair stages) fills its histograms from its own random sample of
    about that many, weighted up to the whole bag, so that a random cut's cost stops growing
    with the data (default 5,000); None uses every row, as InterpretML does (see
    docs/fit-parameters.md). ``shape_smoothing="aic"`` refits each continuous main effect once
    after boosting, smoothed with a bandwidth its own Akaike criterion chooses (binary log loss
    and squared error; ``glassboost.shape_smoothing``); None keeps boosting's shapes, as
    InterpretML does.
    """

    def __init__(self, feature_names=None, feature_types=None, max_bins=1024,
                 max_interaction_bins=64, interactions="3x", exclude=None, validation_size=0.15,
                 outer_bags=14, learning_rate=CLASSIFIER_RATE, greedy_ratio=10.0,
                 interaction_greedy_ratio=10.0, cyclic_progress=False, max_rounds=50000,
                 early_stopping_rounds=50, early_stopping_tolerance=1e-5,
                 early_stopping_noise=0.005, early_stopping_rise=0.05,
                 early_stopping_in_smoothing=True,
                 smoothing_rounds=75, interaction_smoothing_rounds=75, min_samples_leaf=4,
                 min_hessian=1e-4, max_leaves=2, gain_scale=5.0, cat_smooth=10.0,
                 monotone_constraints=None, objective="log_loss", n_jobs=-1, random_state=42,
                 datetime_features="parts", inner_bags=0, reg_alpha=0.0, reg_lambda=0.0,
                 max_delta_step=0.0, min_cat_samples=0, missing="separate", callbacks=None,
                 max_time=None, callback=None, max_bag_rows=250_000,
                 smoothing_max_rows=CLASSIFIER_SMOOTHING_ROWS, shape_smoothing="aic"):
        _store_parameters(self, locals())

    def _encode_target(self, y, n_rows):
        classes, encoded = class_target(y, n_rows)
        self._classes = classes
        # the class index as bags stratify by it, in the smallest type that holds it
        return encoded.astype(np.float64), encoded.astype(np.min_scalar_type(len(classes)))

    def _auto_rate(self) -> float:
        return CLASSIFIER_RATE

    def _objective(self):
        # a one-class target is fitted as binary (with no terms) and stored as InterpretML's
        # monoclassification model
        return classification_objective(self.objective, max(2, len(self._classes)))

    def _fitted_target_attributes(self) -> dict:
        return {"classes_": self._classes}

    def decision_function(self, X: Any, init_score: Any = None) -> np.ndarray:
        """Log-odds (binary, shape (n,)) or per-class scores (multiclass, shape (n, k)), plus
        ``init_score`` when given (the base scores the model was fitted on, per row or as a
        fitted model)."""
        return self._raw_scores(X, init_score)

    def predict_proba(self, X: Any, init_score: Any = None) -> np.ndarray:
        scores = self._raw_scores(X, init_score)
        if self.link_ == "monoclassification":
            return np.ones((len(scores), 1))
        return inverse_link(self.link_, scores)

    def predict(self, X: Any, init_score: Any = None) -> np.ndarray:
        probabilities = self.predict_proba(X, init_score)
        return self.classes_[np.argmax(probabilities, axis=1)]

    def reorder_classes(self, classes: Any):
        """Put the classes in the given order, moving every class's scores with it (binary:
        swapping the classes negates every score); returns the model."""
        from . import editing

        return editing.reorder_classes(self, classes)


class ExplainableBoostingRegressor(RegressorMixin, _EBMBase):
    """Explainable Boosting Machine for regression.

    The model is ``link(y_hat) = intercept_ + sum_t f_t(x)``: the identity link for squared
    error (``"rmse"``), ``"pseudo_huber:delta=d"`` and ``"quantile:alpha=a"`` (y_hat is the
    alpha-quantile), the log link for ``"poisson_deviance"``,
    ``"tweedie_deviance:variance_power=p"`` (1 < p < 2), ``"gamma_deviance"`` and ``"rmse_log"``
    (see ``glassboost.objectives``). ``"survival_cox"`` fits Cox's proportional hazards: y is
    the time, negative when censored (or columns time and event), and the score is the log
    hazard ratio. A ``glassboost.CustomObjective`` brings a loss of one's own (gradient,
    hessian and loss as numba-compilable functions; ``docs/custom-objectives.md``). Parameters
    as for the classifier, but ``learning_rate="auto"``: 0.06 for ``rmse``, whose Newton steps
    are exact, and InterpretML's 0.04 for the other objectives, whose curved losses a Newton
    step only approximates (docs/architecture.md); a number is used as given; and
    ``smoothing_max_rows=None``: squared error's main effects boost in bin space, which takes no
    sample, so a sample saves a regression little (docs/fit-parameters.md).
    """

    def __init__(self, feature_names=None, feature_types=None, max_bins=1024,
                 max_interaction_bins=64, interactions="5x", exclude=None, validation_size=0.15,
                 outer_bags=14, learning_rate="auto", greedy_ratio=10.0,
                 interaction_greedy_ratio=10.0, cyclic_progress=False, max_rounds=50000,
                 early_stopping_rounds=50, early_stopping_tolerance=1e-5,
                 early_stopping_noise=0.005, early_stopping_rise=0.05,
                 early_stopping_in_smoothing=True,
                 smoothing_rounds=500, interaction_smoothing_rounds=100, min_samples_leaf=4,
                 min_hessian=0.0, max_leaves=2, gain_scale=5.0, cat_smooth=10.0,
                 monotone_constraints=None, objective="rmse", n_jobs=-1, random_state=42,
                 datetime_features="parts", inner_bags=0, reg_alpha=0.0, reg_lambda=0.0,
                 max_delta_step=0.0, min_cat_samples=0, missing="separate", callbacks=None,
                 max_time=None, callback=None, max_bag_rows=250_000,
                 smoothing_max_rows=None, shape_smoothing="aic"):
        _store_parameters(self, locals())

    def _encode_target(self, y, n_rows):
        y = regression_target(regression_objective(self.objective), y, n_rows)
        self._target_range = (float(y.min()), float(y.max()))
        return y, None

    def _objective(self):
        return regression_objective(self.objective)

    def _auto_rate(self) -> float:
        return SQUARED_ERROR_RATE if self._objective().name == "rmse" else REGRESSOR_RATE

    def _fitted_target_attributes(self) -> dict:
        return {"min_target_": self._target_range[0], "max_target_": self._target_range[1]}

    def _intercept_layout(self, intercept: np.ndarray):
        return float(intercept[0])

    def decision_function(self, X: Any, init_score: Any = None) -> np.ndarray:
        """The additive score before the inverse link (equal to predict for squared error),
        plus ``init_score`` when given."""
        return self._raw_scores(X, init_score)

    def predict(self, X: Any, init_score: Any = None) -> np.ndarray:
        scores = self._raw_scores(X, init_score)
        return inverse_link(self.link_, scores)
