"""Differentially private EBM estimators (the DP-EBM of Nori, Caruana et al., 2021).

They are the standard estimators with three stages swapped: private binning
(:mod:`.binning`), the noisy random-split step rule (:mod:`.dp_step`) and the accountant
(:mod:`.accounting`). Typing, bin codes, finishing and every fitted attribute are the
engine's, so scoring, explanations, the report, JSON/SQL/ONNX export and editing work
unchanged; editing a fitted model reads no training data and spends no privacy.
"""

from __future__ import annotations

import copy
import numbers
import warnings
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from ..binning import bin_column, smallest_code_dtype
from ..booster import BaggedTerms
from ..grouping import group_identical_rows
from ..estimators import (FITTED_ATTRIBUTES, TRAINING_SUMMARIES, ExplainableBoostingClassifier,
                          ExplainableBoostingRegressor, _check_finite_model,
                          _store_parameters)
from ..objectives import check_target_scale, classification_objective, regression_objective
from ..parameters import (check_number, check_random_state, check_validation_size,
                          parse_exclude, resolve_n_threads)
from ..purification import finish_terms
from ..resources import check_fit_memory, typed_bytes
from ..schema import BINNING_STRATEGIES, CONTINUOUS, NOMINAL, type_table
from .accounting import check_privacy_parameters, plan_budget
from .binning import private_categorical, private_continuous, public_bounds
from .dp_step import LOG_LOSS, SQUARED_ERROR, dp_boost

PRIVACY_ATTRIBUTES = ("noise_scale_binning_", "noise_scale_boosting_", "privacy_budget_",
                      "feature_bounds_")


def _check_dp_params(est) -> None:
    check_privacy_parameters(est.epsilon, est.delta, est.composition, est.bin_budget_frac)
    check_number("max_bins", est.max_bins, 3, integer=True)
    check_validation_size(est.validation_size)
    check_number("outer_bags", est.outer_bags, 1, integer=True)
    check_number("learning_rate", est.learning_rate, 0.0, low_open=True, high_open=True)
    check_number("max_rounds", est.max_rounds, 1, integer=True)
    check_number("max_leaves", est.max_leaves, 2, integer=True)
    check_random_state(est.random_state)
    resolve_n_threads(est.n_jobs)


def _refuse_text(names, types, columns) -> None:
    """Text in a continuous feature is refused (missing values are binned privately)."""
    for name, ftype, column in zip(names, types, columns):
        if ftype == CONTINUOUS and column.not_number is not None and column.not_number.any():
            raise ValueError(
                f"Feature {name!r} has non-numeric values in a continuous feature (first at "
                f"row {int(np.flatnonzero(column.not_number)[0])}); private binning takes "
                "numbers or missing values: convert or declare the feature nominal")


def _refuse_declared_binnings(names, binnings, declared) -> None:
    """Cut points or a binning strategy declared in ``feature_types`` would be replaced by the
    private bins, which come from noisy counts: refused rather than silently dropped."""
    strategies = [t if isinstance(t, str) and t in BINNING_STRATEGIES else None
                  for t in (declared if declared is not None else [None] * len(names))]
    for name, binning, strategy in zip(names, binnings, strategies):
        if isinstance(binning, np.ndarray) or strategy is not None:
            given = "cut points" if strategy is None else f"the binning {strategy!r}"
            raise ValueError(
                f"Feature {name!r}: feature_types gives {given}, which private EBMs do not "
                "use (their bins are chosen from noisy counts); declare it 'continuous' and "
                "pass its public range in privacy_bounds")


def _boosted_rows(codes: np.ndarray, rows: np.ndarray, n_bins: np.ndarray, y: np.ndarray,
                  objective_code: int):
    """What the step rule boosts: a bag's training rows one by one, or for log loss its groups
    of rows with identical codes when there are few enough (``grouping``), with their summed
    targets and sizes; the released sums are the same (``dp_step``)."""
    groups = (group_identical_rows(codes[:, rows].T, n_bins) if objective_code == LOG_LOSS
              else None)
    if groups is None:
        return codes, rows, y, np.ones(len(y))
    members = rows[groups.representatives]
    return (np.ascontiguousarray(codes[:, members]), np.arange(groups.n_groups, dtype=np.int64),
            groups.sum(y[rows]), groups.sum(np.ones(len(rows))))


def _training_rows(n_rows: int, validation_size, rng: np.random.Generator) -> np.ndarray:
    """A bag's training rows; ``validation_size`` rows are left out (validation is unused)."""
    if not validation_size:
        return np.arange(n_rows, dtype=np.int64)
    n_val = (int(validation_size) if isinstance(validation_size, numbers.Integral)
             else int(round(validation_size * n_rows)))
    return np.sort(rng.permutation(n_rows)[n_val:]).astype(np.int64)


class _DPFit:
    """Shared fit of the private classifier and regressor."""

    def _dp_target(self, y_encoded: np.ndarray) -> tuple[np.ndarray, float, float, int]:
        raise NotImplementedError

    def fit(self, X: Any, y: Any, sample_weight: Any = None, bags: Any = None,
            init_score: Any = None):
        """Fit privately: private bins, ``max_rounds`` cyclic rounds of noisy random-split
        steps over every main term, then the standard finishing. ``sample_weight``, ``bags``
        and ``init_score`` are refused (see docs/privacy.md)."""
        for name, value in (("sample_weight", sample_weight), ("bags", bags),
                            ("init_score", init_score)):
            if value is not None:
                raise ValueError(
                    f"{name} is not supported by differentially private EBMs: the privacy "
                    "guarantee bounds what one record can change, and a record's weight, bag "
                    "counts or starting score would change that bound (pass it as None)")
        for attribute in FITTED_ATTRIBUTES + TRAINING_SUMMARIES + PRIVACY_ATTRIBUTES:
            self.__dict__.pop(attribute, None)
        working = copy.copy(self)
        with threadpool_limits(limits=1, user_api="blas"):
            fitted = working._dp_fitted_state(X, y)
        self.__dict__.update(fitted)
        return self

    def _dp_fitted_state(self, X: Any, y: Any) -> dict:
        _check_dp_params(self)
        if y is None:
            raise ValueError(f"{type(self).__name__} requires y to be passed, but the target "
                             "y is None")
        if self.random_state is not None:
            warnings.warn(
                f"random_state={self.random_state} makes the noise reproducible, so the model "
                "is not private; use it only for testing (random_state=None for privacy)",
                UserWarning, stacklevel=3)
        table = type_table(X, self.feature_names, self.feature_types, "timestamp", self.exclude)
        declared = self.feature_types
        if declared is None or any(isinstance(t, str) and t == "auto" for t in declared):
            warnings.warn(
                "Possible privacy violation: feature types were inferred by reading the "
                "training data, which is not counted in epsilon. Pass feature_types with "
                "'continuous', 'nominal' or an ordinal list of levels for every feature.",
                UserWarning, stacklevel=3)
        names, types, columns = table.names, table.types, table.columns
        n_rows = len(columns[0].values)
        if n_rows == 0:  # as the standard estimators say it
            raise ValueError(f"X has no rows: found array with 0 sample(s) (shape=(0, "
                             f"{len(names)})) while a minimum of 1 is required.")
        if n_rows < 2:
            raise ValueError(f"n_samples={n_rows}: at least 2 samples are required to fit")
        check_fit_memory(self._fit_bytes(X, table), n_rows, len(names))
        if (isinstance(self.validation_size, numbers.Integral)
                and self.validation_size >= n_rows):
            raise ValueError(f"validation_size={self.validation_size} rows must be below the "
                             f"{n_rows} rows of X")
        _refuse_text(names, types, columns)
        _refuse_declared_binnings(names, table.binnings, declared)
        y_encoded, strata = self._encode_target(y, n_rows)
        y_train, start, clip, objective_code = self._dp_target(y_encoded)
        excluded = parse_exclude(self.exclude, names)
        features = [i for i in range(len(names)) if (i,) not in excluded]
        if not features:
            raise ValueError("exclude leaves no main term to boost; private EBMs fit main "
                             "effects only")

        budget = plan_budget(
            self.epsilon, self.delta, self.composition, self.bin_budget_frac,
            n_binning_queries=len(names),
            n_boosting_queries=self.max_rounds * len(features) * self.outer_bags,
            bin_sensitivity=1.0, boost_sensitivity=self.learning_rate * clip)
        rng = np.random.default_rng(self.random_state)
        bounds = public_bounds(self.privacy_bounds, names, types, columns)
        bins, weights = [], []
        for i, (name, ftype, column, order) in enumerate(zip(names, types, columns,
                                                             table.orders)):
            try:
                if ftype == CONTINUOUS:
                    b, w = private_continuous(column, bounds[i], self.max_bins,
                                              budget.noise_scale_binning, rng)
                else:
                    b, w = private_categorical(ftype, column, order, self.max_bins,
                                               budget.noise_scale_binning, rng)
            except ValueError as error:
                raise ValueError(f"Feature {name!r}: {error}") from None
            bins.append(b)
            weights.append(w)

        # every feature's noisy histogram estimates the same row count: scale them to their
        # mean (post-processing, free), so that every term's weights add up to one total as
        # in any model
        total = np.mean([w.sum() for w in weights])
        weights = [w * (total / w.sum()) for w in weights]
        n_bins = np.array([bins[f].n_bins for f in features], dtype=np.int64)
        codes = np.empty((len(features), n_rows), dtype=smallest_code_dtype(n_bins.max()))
        noisy_weights = np.zeros((len(features), n_bins.max()))
        for t, f in enumerate(features):
            column = columns[f]
            if types[f] == CONTINUOUS:  # outside the public bounds: clipped to them
                column = type(column)(np.clip(column.values, *bounds[f]), column.not_number)
            codes[t] = bin_column(column, bins[f])
            noisy_weights[t, :n_bins[t]] = weights[f]
        # the leaves cover the value bins; a nominal feature's unseen bin holds its rare
        # categories ("other") and takes part too
        split_bins = np.where([types[f] == NOMINAL for f in features], n_bins, n_bins - 1)

        bag_seeds = rng.integers(0, 2**63 - 1, size=self.outer_bags)

        def run_bag(seed):
            bag_rng = np.random.default_rng(seed)
            rows = _training_rows(n_rows, self.validation_size, bag_rng)
            shape = (self.max_rounds, len(features))
            cut_draws = bag_rng.random(shape + (self.max_leaves - 1,))
            noise = bag_rng.standard_normal(shape + (self.max_leaves + 1,))  # + missing leaf
            bag_codes, bag_rows, targets, counts = _boosted_rows(codes, rows, n_bins, y_train,
                                                                 objective_code)
            tables = np.zeros_like(noisy_weights)
            dp_boost(bag_codes, bag_rows, split_bins, noisy_weights, targets, counts,
                     np.full(bag_codes.shape[1], start), tables, cut_draws, noise,
                     budget.noise_scale_boosting, float(self.learning_rate), clip, objective_code)
            return [tables[t, :n_bins[t], None].copy() for t in range(len(features))]

        with ThreadPoolExecutor(max_workers=min(resolve_n_threads(self.n_jobs),
                                                self.outer_bags)) as pool:
            main_tables = list(pool.map(run_bag, bag_seeds))
        bagged = BaggedTerms(base_scores=np.array([start]), main_features=features, pairs=[],
                             main_tables=main_tables, pair_tables=[[] for _ in main_tables])
        finished = finish_terms(bagged, {f: weights[f] for f in features}, {}, {})
        objective = self._objective()
        fitted = {
            "n_features_in_": len(names),
            "feature_names_in_": list(names),
            "feature_types_in_": list(types),
            "bins_": [b.levels() for b in bins],
            "term_features_": finished.term_features,
            "term_names_": [names[f] for (f,) in finished.term_features],
            "term_scores_": [s[..., 0] for s in finished.term_scores],
            "standard_deviations_": [s[..., 0] for s in finished.standard_deviations],
            "bagged_scores_": [s[..., 0] for s in finished.bagged_scores],
            "bagged_intercept_": finished.bagged_intercept[:, 0],
            "intercept_": self._intercept_layout(finished.intercept),
            "bin_weights_": [weights[f] for f in features],
            "link_": objective.link,
            "link_param_": np.nan,
            "objective_": objective.name,
            "best_iteration_": np.full((2, self.outer_bags), self.max_rounds * len(features)),
            "interaction_strengths_": {},
            "datetime_conversions_": [c.to_dict() for c in table.conversions],
            "_match_by_name": self.feature_names is None and hasattr(X, "columns"),
            "noise_scale_binning_": budget.noise_scale_binning,
            "noise_scale_boosting_": budget.noise_scale_boosting,
            "privacy_budget_": budget.to_dict(),
            "feature_bounds_": np.array([bounds.get(i, (np.nan, np.nan))
                                         for i in range(len(names))], dtype=np.float64),
        }
        fitted.update(self._fitted_target_attributes())
        _check_finite_model(fitted)
        return fitted

    def estimate_mem(self, X: Any, y: Any = None, data_multiplier: float = 0.0) -> int:
        """Bytes a private ``fit(X, y)`` allocates at its peak (typed columns, bin codes, the
        target, and per bag running at once its scores, rows, noise and cut draws), plus
        ``data_multiplier`` times the bytes of X and y. Reads nothing private: it spends no
        budget, but it is not part of the model either."""
        check_number("data_multiplier", data_multiplier, 0.0)
        _check_dp_params(self)
        table = type_table(X, self.feature_names, self.feature_types, "timestamp",
                           self.exclude)
        data_bytes = (X.memory_usage(deep=True).sum() if hasattr(X, "memory_usage")
                      else np.asarray(X).nbytes) + (0 if y is None else np.asarray(y).nbytes)
        return int(self._fit_bytes(X, table) + data_multiplier * data_bytes)

    def _fit_bytes(self, X: Any, table) -> int:
        """Bytes of the private fit of the typed ``table`` of ``X`` at its peak."""
        n_rows, n_features = len(table.columns[0].values), len(table.names)
        n_terms = n_features - len(parse_exclude(self.exclude, table.names))
        code_bytes = smallest_code_dtype(self.max_bins + 2).itemsize
        per_bag = (40 * n_rows  # scores, training rows, counts; grouping's keys
                   + code_bytes * n_rows * n_terms  # a bag's codes, taken to group them
                   + 8 * self.max_rounds * n_terms * 2 * self.max_leaves)
        parallel = min(resolve_n_threads(self.n_jobs), self.outer_bags)
        return int(typed_bytes(X, table) + code_bytes * n_rows * n_terms + 8 * n_rows
                   + parallel * per_bag)

    def privacy_summary(self) -> str:
        """What the fitted model spent, in words."""
        from .accounting import PrivacyBudget

        if "privacy_budget_" in self.__dict__:
            return PrivacyBudget(**self.privacy_budget_).summary()
        if "term_scores_" in self.__dict__:  # loaded from a model file: its parameters
            return (f"({self.epsilon:g}, {self.delta:g})-differentially private "
                    f"({self.composition} composition); the noise scales are not in the "
                    "model file")
        raise AttributeError(f"this {type(self).__name__} is not fitted yet")


_PARAMETERS_DOC = """
    Parameters keep InterpretML's names, meanings and defaults: ``epsilon`` and ``delta`` (the
    budget), ``composition`` ("gdp" or "classic"), ``bin_budget_frac`` (the share of epsilon
    spent on binning), ``privacy_bounds`` (public (min, max) of continuous features, a dict by
    name or index or one entry per feature; values outside are clipped to them), ``max_bins``,
    ``outer_bags``, ``validation_size``, ``learning_rate``, ``max_rounds``, ``max_leaves``,
    ``exclude``, ``feature_names``, ``feature_types``, ``n_jobs``, ``random_state`` (None for
    privacy; a fixed seed makes the noise reproducible). Fitted: the standard attributes plus
    ``noise_scale_binning_``, ``noise_scale_boosting_``, ``privacy_budget_`` and
    ``privacy_summary()``. See docs/privacy.md.
"""


class DPExplainableBoostingClassifier(_DPFit, ExplainableBoostingClassifier):
    __doc__ = "Differentially private EBM for binary classification." + _PARAMETERS_DOC

    def __init__(self, feature_names=None, feature_types=None, max_bins=32, exclude=None,
                 validation_size=0, outer_bags=1, learning_rate=0.01, max_rounds=300,
                 max_leaves=3, n_jobs=-2, random_state=None, epsilon=1.0, delta=1e-5,
                 composition="gdp", bin_budget_frac=0.1, privacy_bounds=None):
        _store_parameters(self, locals())

    objective = "log_loss"

    def _dp_target(self, y_encoded):
        if len(self._classes) != 2:
            raise ValueError(f"DPExplainableBoostingClassifier fits binary targets only; y has "
                             f"{len(self._classes)} class(es)")
        return y_encoded, 0.0, 1.0, LOG_LOSS

    def _objective(self):
        return classification_objective("log_loss", 2)


class DPExplainableBoostingRegressor(_DPFit, ExplainableBoostingRegressor):
    __doc__ = ("Differentially private EBM for regression (squared error). "
               "``privacy_target_min`` and ``privacy_target_max`` are the target's public "
               "range: y is clipped to it, and gradients to its width." + _PARAMETERS_DOC)

    def __init__(self, feature_names=None, feature_types=None, max_bins=32, exclude=None,
                 validation_size=0, outer_bags=1, learning_rate=0.01, max_rounds=300,
                 max_leaves=3, n_jobs=-2, random_state=None, epsilon=1.0, delta=1e-5,
                 composition="gdp", bin_budget_frac=0.1, privacy_bounds=None,
                 privacy_target_min=None, privacy_target_max=None):
        _store_parameters(self, locals())

    objective = "rmse"

    def _dp_target(self, y_encoded):
        low, high = self.privacy_target_min, self.privacy_target_max
        read = ""
        if low is None or high is None:
            warnings.warn(
                "Possible privacy violation: the target's min and max were read from the "
                "training data, and they set the noise; this is not counted in epsilon. Pass "
                "public values as privacy_target_min and privacy_target_max to avoid it.",
                UserWarning, stacklevel=4)
            read = " (read from y)"
            low = float(np.min(y_encoded)) if low is None else low
            high = float(np.max(y_encoded)) if high is None else high
        check_number("privacy_target_min", low, -np.inf, high_open=True)
        check_number("privacy_target_max", high, -np.inf, high_open=True)
        if not low < high:
            raise ValueError(f"privacy_target_min ({low!r}) must be below privacy_target_max "
                             f"({high!r}){read}; pass the target's public range as both")
        self._target_range = (float(low), float(high))
        y_clipped = np.clip(y_encoded, low, high)
        # the clipped targets and the range (the gradient clip) enter the sums: as the
        # standard estimators, refuse scales whose sums overflow
        check_target_scale(self._objective(), np.append(y_clipped, float(high) - float(low)),
                           np.ones(len(y_clipped)))
        # starting from the public range's middle costs nothing and saves rounds
        return y_clipped, (low + high) / 2.0, float(high - low), SQUARED_ERROR

    def _objective(self):
        return regression_objective("rmse")
