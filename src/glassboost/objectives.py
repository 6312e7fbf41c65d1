"""Objectives: names, links, starting scores and inverse links (the kernels hold the math).

Regression objectives take InterpretML's names and parameter syntax, ``name:key=value``
(``"tweedie_deviance:variance_power=1.3"``, ``"quantile:alpha=0.9"``); a parameter left out takes
InterpretML's default. An objective's canonical name spells every parameter out, and is what a
fitted model stores as ``objective_``. ``CustomObjective`` brings a regression loss of one's own.
"""

from __future__ import annotations

import math
import weakref
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
from scipy.special import expit, logsumexp, softmax

from .kernels.loss import (CUSTOM, GAMMA_DEVIANCE, LINEAR_IN_TARGET, LOG_LOSS,
                           MULTICLASS_LOG_LOSS, NO_PARAMS, POISSON_DEVIANCE, PSEUDO_HUBER,
                           QUANTILE, RMSE_LOG, SQUARED_ERROR, SURVIVAL_COX, TWEEDIE_DEVIANCE,
                           cox_risk_factors, first_bad_row)


class CustomObjective:
    """A regression objective of one's own, boosted by the same kernels as the built-in ones.

    ``gradient(y, score)``, ``hessian(y, score)`` and ``loss(y, score)`` are the derivatives and
    the loss of one row of weight 1 at the score ``score`` (the model's additive output, before
    ``link``'s inverse: with ``link="log"`` the prediction is ``exp(score)``). Write them as
    plain functions of two floats in the subset of Python that numba compiles (or pass
    ``numba.njit`` functions); glassboost compiles each to a C callback. A row's weight
    multiplies all three. The hessian is the step's curvature: the second derivative, or any
    positive bound of it (values below 1e-16 count as 1e-16). Rows are never merged into groups,
    since the loss need not be linear in the target.

    Before boosting, the fit checks at a few targets that ``gradient`` is the derivative of
    ``loss``, and at every target that all three are finite and the hessian not negative; it
    raises a ``ValueError`` naming the function or the row otherwise
    (``check_custom_objective``). The first fit with a custom objective compiles the kernels
    once for all custom objectives (cached on disk like the others); each new objective then
    compiles only its three functions. ``name`` labels the fitted model (``objective_`` is
    ``"custom:name"``). A model file keeps the name and link, so a loaded model predicts, but
    refitting it needs the ``CustomObjective`` again.
    """

    def __init__(self, name: str, gradient: Callable[[float, float], float],
                 hessian: Callable[[float, float], float], loss: Callable[[float, float], float],
                 link: str = "identity"):
        self.name = name
        self.gradient = gradient
        self.hessian = hessian
        self.loss = loss
        self.link = link

    def __repr__(self) -> str:
        return f"CustomObjective({self.name!r}, link={self.link!r})"

    def callbacks(self) -> tuple:
        """The three functions compiled to C callbacks (each compiled once per process)."""
        return tuple(_callback(getattr(self, part), part)
                     for part in ("gradient", "hessian", "loss"))


_CALLBACKS: "weakref.WeakKeyDictionary[Callable, Any]" = weakref.WeakKeyDictionary()


def _callback(function: Callable, part: str):
    """``function`` (y, score) -> float compiled to a numba C callback, or a ValueError naming
    ``part`` when numba cannot compile it."""
    from numba import cfunc, float64

    source = getattr(function, "py_func", function)
    if not callable(source):
        raise ValueError(f"objective: the custom objective's {part} must be a function of "
                         f"(y, score), got {type(function).__name__}")
    compiled = _CALLBACKS.get(source)
    if compiled is None:
        try:
            # numpy's error model: a division by zero gives inf or NaN (which the checks and
            # the fitted model's checks catch) instead of an exception a callback cannot raise
            compiled = cfunc(float64(float64, float64), error_model="numpy")(source)
        except Exception as error:  # numba's typing and lowering errors have no common base
            first = str(error).strip().splitlines()[0] if str(error).strip() else ""
            raise ValueError(f"objective: numba could not compile the custom objective's {part} "
                             f"as a function of two floats (y, score) returning a float: "
                             f"{type(error).__name__}: {first}") from error
        _CALLBACKS[source] = compiled
    return compiled


@dataclass(frozen=True)
class Objective:
    """An objective as the booster sees it: kernel code, link name, number of scores per row,
    and its parameter (Tweedie's variance power, pseudo-Huber's delta, the quantile's alpha)."""

    name: str
    code: int
    link: str
    n_scores: int
    param: float = 0.0
    custom: CustomObjective | None = None

    @property
    def exponentiated(self) -> bool:
        """Whether the kernels take ``exp`` of the score: every link but the identity, and
        Cox's partial likelihood (its score is a log hazard ratio)."""
        return self.link != "identity" or self.code == SURVIVAL_COX

    @property
    def linear_in_target(self) -> bool:
        """Whether rows with equal bin codes may be boosted as one weighted group."""
        return self.code in LINEAR_IN_TARGET


@dataclass(frozen=True)
class _Regression:
    """A regression objective's kernel code, link, parameter (name, default, valid range as
    open bounds) and the targets it accepts (lowest value, and whether it is allowed)."""

    code: int
    link: str
    param: tuple[str, float, float, float] | None = None
    lowest_target: float = -math.inf
    lowest_allowed: bool = True


_REGRESSION = {
    "rmse": _Regression(SQUARED_ERROR, "identity"),
    "poisson_deviance": _Regression(POISSON_DEVIANCE, "log", lowest_target=0.0),
    "tweedie_deviance": _Regression(TWEEDIE_DEVIANCE, "log", ("variance_power", 1.5, 1.0, 2.0),
                                    lowest_target=0.0),
    "gamma_deviance": _Regression(GAMMA_DEVIANCE, "log", lowest_target=0.0,
                                  lowest_allowed=False),
    "rmse_log": _Regression(RMSE_LOG, "log", lowest_target=0.0),
    "pseudo_huber": _Regression(PSEUDO_HUBER, "identity", ("delta", 1.0, 0.0, math.inf)),
    "quantile": _Regression(QUANTILE, "identity", ("alpha", 0.5, 0.0, 1.0)),
    # the score is the log hazard ratio; y is the time, negative when censored (never 0)
    "survival_cox": _Regression(SURVIVAL_COX, "identity"),
}
CLASSIFICATION_OBJECTIVES = ("log_loss",)
#: Every accepted regression name, and the canonical name it stands for.
REGRESSION_OBJECTIVES = {
    "rmse": "rmse",
    "squared_error": "rmse",
    "poisson_deviance": "poisson_deviance",
    "poisson": "poisson_deviance",
    "tweedie_deviance": "tweedie_deviance",
    "tweedie": "tweedie_deviance",
    "gamma_deviance": "gamma_deviance",
    "gamma": "gamma_deviance",
    "rmse_log": "rmse_log",
    "pseudo_huber": "pseudo_huber",
    "quantile": "quantile",
    "survival_cox": "survival_cox",
}


def classification_objective(name: str, n_classes: int) -> Objective:
    if isinstance(name, CustomObjective):
        raise ValueError(f"objective={name!r}: custom objectives are for regression; a "
                         f"classifier takes one of {CLASSIFICATION_OBJECTIVES}")
    if name not in CLASSIFICATION_OBJECTIVES:
        raise ValueError(
            f"objective={name!r} is not a classification objective; use one of "
            f"{CLASSIFICATION_OBJECTIVES}"
        )
    if n_classes == 2:
        return Objective("log_loss", LOG_LOSS, "logit", 1)
    return Objective("log_loss", MULTICLASS_LOG_LOSS, "mlogit", n_classes)


def _parse_parameter(objective: str, spec: _Regression, text: str) -> float:
    """The value of ``key=value`` for ``spec``'s parameter, checked against its range."""
    key, equals, value = (part.strip() for part in text.partition("="))
    if spec.param is None:
        raise ValueError(f"objective={objective!r}: {key!r} is not a parameter of this "
                         "objective, which takes none")
    name, _, low, high = spec.param
    if key != name:
        raise ValueError(f"objective={objective!r}: {key!r} is not a parameter of this "
                         f"objective; its parameter is {name}")
    if not equals:
        raise ValueError(f"objective={objective!r}: {name} has no value; write {name}=<number>")
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"objective={objective!r}: {name}={value!r} is not a number") from None
    if not low < number < high or (name == "delta" and not math.isfinite(number * number)):
        bounds = f"above {low:g}" if high == math.inf else f"strictly between {low:g} and {high:g}"
        raise ValueError(f"objective={objective!r}: {name}={value} must be {bounds}"
                         + (" (and its square finite)" if name == "delta" else ""))
    return number


CUSTOM_PREFIX = "custom:"
CUSTOM_LINKS = ("identity", "log")


def custom_objective(objective: CustomObjective) -> Objective:
    """The ``Objective`` of a ``CustomObjective``, its name and link checked."""
    if not isinstance(objective.name, str) or not objective.name.strip():
        raise ValueError(f"objective: a custom objective's name must be a non-empty string, got "
                         f"{objective.name!r}")
    if objective.link not in CUSTOM_LINKS:
        raise ValueError(f"objective: a custom objective's link must be one of {CUSTOM_LINKS}, "
                         f"got {objective.link!r}")
    return Objective(CUSTOM_PREFIX + objective.name, CUSTOM, objective.link, 1, custom=objective)


def regression_objective(name: "str | CustomObjective") -> Objective:
    """The regression objective ``name``: a name with its parameters (``"quantile:alpha=0.9"``),
    or a ``CustomObjective``."""
    if isinstance(name, CustomObjective):
        return custom_objective(name)
    if isinstance(name, str) and name.startswith(CUSTOM_PREFIX):
        raise ValueError(f"objective={name!r} names a custom objective, which a string cannot "
                         "carry; pass the glassboost.CustomObjective itself")
    base, _, parameters = name.partition(":") if isinstance(name, str) else (None, "", "")
    canonical = REGRESSION_OBJECTIVES.get(base.strip()) if base is not None else None
    if canonical is None:
        raise ValueError(
            f"objective={name!r} is not a regression objective; use one of "
            f"{sorted(REGRESSION_OBJECTIVES)}, with parameters as name:key=value"
        )
    spec = _REGRESSION[canonical]
    value = spec.param[1] if spec.param is not None else 0.0
    given = [part for part in parameters.replace(";", ",").split(",") if part.strip()]
    if len(given) > 1:
        raise ValueError(f"objective={name!r}: {len(given)} parameters given, the objective "
                         "takes at most one")
    if given:
        value = _parse_parameter(name, spec, given[0])
    if spec.param is not None:
        canonical = f"{canonical}:{spec.param[0]}={value!r}"
    return Objective(canonical, spec.code, spec.link, 1, value)


def check_regression_target(objective: Objective, y: np.ndarray) -> None:
    """Reject targets outside the objective's domain (Tweedie, Poisson and rmse_log need
    y >= 0; gamma needs y > 0; Cox's signed times are never 0), naming the objective and the
    first bad value."""
    if objective.code == SURVIVAL_COX and (y == 0).any():
        first = int(np.flatnonzero(y == 0)[0])
        raise ValueError(f"y: objective='survival_cox' needs nonzero times (positive for an "
                         f"event, negative when censored), but y[{first}] = 0")
    spec = _REGRESSION.get(objective.name.partition(":")[0])
    if spec is None or spec.lowest_target == -math.inf:
        return
    low = spec.lowest_target
    bad = (y < low) if spec.lowest_allowed else (y <= low)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        relation = ">=" if spec.lowest_allowed else ">"
        raise ValueError(f"y: objective={objective.name!r} needs y {relation} {low:g}, but "
                         f"y[{first}] = {y[first]:g} ({int(bad.sum())} such value(s))")


def zero_target_refused(objective: Objective) -> bool:
    """Whether ``objective`` has a log link and accepts y == 0 (Poisson, Tweedie, rmse_log):
    on a target that is zero wherever the weight is positive, its best intercept is -inf."""
    spec = _REGRESSION.get(objective.name.partition(":")[0])
    return spec is not None and spec.link == "log" and spec.lowest_target == 0.0 \
        and spec.lowest_allowed


def check_nonzero_target(objective: Objective, positive_weight: float) -> None:
    """Reject a target that is zero on every row of weight > 0 (``positive_weight``: the
    weight of the rows with y > 0) for the objectives of ``zero_target_refused``: the log-link
    mean is then 0, whose log, the intercept that minimizes the loss, is minus infinity, so
    any finite model would be an artefact of where the fit stops."""
    if zero_target_refused(objective) and not positive_weight > 0:
        raise ValueError(
            f"y: objective={objective.name!r} needs some y > 0 on a row of weight > 0, but "
            "every such value is zero: the log-link mean is then 0 and the intercept that "
            "minimizes the loss is log(0) = -inf, so the model has no finite intercept. Fit "
            "rows with some positive target, or predict 0 without a model")


def survival_target(y: Any) -> np.ndarray:
    """Cox's target as InterpretML takes it, the time signed by the event (positive: an event,
    negative: censored), from that, from two columns (time, event), or from a structured array
    or a data frame with fields ``time`` and ``event`` (as scikit-survival's)."""
    columns = getattr(y, "columns", None)
    if columns is not None and {"time", "event"} <= set(columns):
        y = np.rec.fromarrays([np.asarray(y["time"]), np.asarray(y["event"])],
                              names=["time", "event"])
    array = np.asarray(y)
    if array.dtype.names is not None:
        if not {"time", "event"} <= set(array.dtype.names):
            raise ValueError(f"y: a structured survival target needs fields 'time' and "
                             f"'event', found {list(array.dtype.names)}")
        time, event = array["time"], array["event"]
    elif array.ndim == 2 and array.shape[1] == 2:
        time, event = array[:, 0], array[:, 1]
    elif array.ndim == 2:
        raise ValueError(f"y: a survival target has 1 column (signed times) or 2 (time, "
                         f"event), found {array.shape[1]}")
    else:
        return array
    time, event = np.asarray(time, dtype=np.float64), np.asarray(event)
    if not np.isin(event, (0, 1)).all():
        raise ValueError("y: the event column of a survival target must hold 0/1 or "
                         "False/True")
    if (time <= 0).any():
        first = int(np.flatnonzero(time <= 0)[0])
        raise ValueError(f"y: survival times must be positive, but time[{first}] = "
                         f"{time[first]:g}")
    return np.where(event.astype(bool), time, -time)


def time_order(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cox's rows in order of time (|y|) and their times in that order (``kernels.loss``)."""
    times = np.abs(y)
    order = np.argsort(times, kind="stable").astype(np.int64)
    return order, np.ascontiguousarray(times[order], dtype=np.float64)


def cox_detection_scores(scores: np.ndarray, survival: tuple, w: np.ndarray,
                         event_w: np.ndarray) -> np.ndarray:
    """Cox's scores (n_rows, 1) moved to ``s + log H(t)`` over the risk sets of the rows
    weighted ``w`` (events weighted ``event_w``, in time order ``survival``): at those, Poisson's
    gradients and hessians are Cox's (``kernels.loss``), so pairs are ranked with Poisson's."""
    factors = np.empty(len(scores))
    cox_risk_factors(survival[0], survival[1], np.ascontiguousarray(scores[:, 0]), w,
                     np.ascontiguousarray(event_w), factors)
    with np.errstate(divide="ignore"):
        return np.log(factors)[:, None]


def kernel_params(objective: Objective, y: np.ndarray, weights: np.ndarray) -> tuple:
    """The ``params`` pair the loss kernels take: the objective's parameter and, for the
    quantile, the scale of the target (its weighted mean absolute deviation from the
    quantile, 1.0 when that is zero), which makes the pinball steps independent of y's units.
    A custom objective's adds its three callbacks (``kernels.loss``)."""
    if objective.custom is not None:
        return (*NO_PARAMS, *objective.custom.callbacks())
    if objective.code == QUANTILE:
        start = _weighted_quantile(y, weights, objective.param)
        used = weights > 0
        scale = float(np.average(np.abs(y[used] - start), weights=weights[used])) \
            if used.any() else 0.0
        return (objective.param, scale if scale > 0.0 and math.isfinite(scale) else 1.0)
    if objective.param:
        return (objective.param, 1.0)
    return NO_PARAMS


#: Largest total weight, and largest total weight times the largest |y|, that a fit accepts.
#: Gradient sums reach about that much and the splits square them, so staying below 2**500
#: keeps every sum, square and loss of a fit finite in float64 (its limit is about 2**1024).
SCALE_LIMIT = 2.0**500


def check_weight_scale(weights: np.ndarray) -> None:
    """Reject sample weights whose total is too large for the loss's sums (see SCALE_LIMIT)."""
    with np.errstate(over="ignore"):
        total = float(np.sum(weights))
    if total > SCALE_LIMIT:
        raise ValueError(
            f"sample_weight: the weights total {total:.3g}, above {SCALE_LIMIT:.3g}, where the "
            "sums of squared gradients overflow float64; divide them by a constant (to mean 1, for "
            "example: weights count as rows)"
        )


#: The largest hessian of one row of weight 1, by objective (log loss: ``p (1 - p) <= 1/4``);
#: objectives whose hessian grows with the score have no such bound and are not checked.
_ROW_HESSIAN = {LOG_LOSS: 0.25, MULTICLASS_LOG_LOSS: 0.25, SQUARED_ERROR: 1.0}


def small_weights_message(objective: Objective, weights: np.ndarray, min_hessian: float,
                          min_samples_leaf: int) -> str | None:
    """The warning for weights too small for ``min_hessian`` (``mean_weight_message`` of the
    mean of the positive weights), else None."""
    used = weights[weights > 0]
    if len(used) == 0:
        return None
    return mean_weight_message(objective, float(used.mean()), min_hessian, min_samples_leaf)


def mean_weight_message(objective: Objective, mean: float, min_hessian: float,
                        min_samples_leaf: int) -> str | None:
    """The warning for a mean positive weight ``mean`` too small for ``min_hessian``, else
    None (the Dask fit gives it the mean over all partitions).

    Weights count as rows (scikit-learn's convention: integer weights equal repeated rows), so
    ``min_hessian`` is an amount of summed weight. When a leaf of ``min_samples_leaf`` rows of
    the mean weight cannot reach it, ``min_hessian`` rather than the data decides which splits
    are allowed: weights of 1e-6 let a classifier learn nothing at all.
    """
    bound = _ROW_HESSIAN.get(objective.code)
    if bound is None or min_hessian <= 0:
        return None
    reach = bound * mean * max(int(min_samples_leaf), 1)
    if min_hessian <= reach:
        return None
    return (f"sample_weight: with weights of mean {mean:.3g}, a leaf of min_samples_leaf="
            f"{min_samples_leaf} rows sums to a hessian of at most {reach:.3g}, below "
            f"min_hessian={min_hessian:g}, so min_hessian, not the data, decides which splits "
            "are allowed and the model may learn little or nothing. Weights count as rows: "
            "scale them up (to mean 1, for example) or lower min_hessian.")


def check_target_scale(objective: Objective, y: np.ndarray, weights: np.ndarray) -> None:
    """Reject regression targets whose scale would overflow the loss's sums: the largest |y|
    times the total weight must stay below SCALE_LIMIT (and |y| itself, whose square the
    squared error sums)."""
    if objective.code in (LOG_LOSS, MULTICLASS_LOG_LOSS) or len(y) == 0:
        return
    largest = float(np.max(np.abs(y)))
    total = float(np.sum(weights))
    if largest > SCALE_LIMIT / max(total, 1.0):
        remedy = ("the model's intercept moves by the log of the divisor" if objective.link == "log"
                  else "the model scales by the same divisor")
        raise ValueError(
            f"y: targets up to {largest:.3g} with a total weight of {total:.3g} would overflow "
            f"the {objective.name} loss's sums in float64 (max |y| x max(total weight, 1) must "
            f"stay below {SCALE_LIMIT:.3g}); divide y by a constant ({remedy}) and multiply the "
            "predictions back"
        )


def _log_weighted_mean(y: np.ndarray, weights: np.ndarray) -> float:
    """log(sum(w * y) / sum(w)) for y >= 0, summed in log space: no overflow for huge targets
    or weights, no underflow for tiny ones; -inf when every weighted target is zero."""
    used = weights > 0
    positive = used & (y > 0)
    if not positive.any():
        return -np.inf
    return float(logsumexp(np.log(weights[positive]) + np.log(y[positive]))
                 - logsumexp(np.log(weights[used])))



def _weighted_quantile(y: np.ndarray, weights: np.ndarray, alpha: float) -> float:
    """The smallest y whose rows up to it (in order of y) carry at least ``alpha`` of the weight:
    a minimizer of the weighted pinball loss."""
    used = weights > 0
    order = np.argsort(y[used], kind="stable")
    values, cumulative = y[used][order], np.cumsum(weights[used][order])
    if len(values) == 0:
        return 0.0
    index = int(np.searchsorted(cumulative, alpha * cumulative[-1], side="left"))
    return float(values[min(index, len(values) - 1)])


def offset_quantile(objective: Objective, y: np.ndarray, offsets: np.ndarray,
                    weights: np.ndarray) -> np.ndarray:
    """The quantile objective's best constant on top of per-row ``offsets`` (n_rows, 1): the
    weighted quantile of ``y - offsets``. Newton steps, which find the other objectives' (see
    ``kernels.intercept``), cycle around it on a target with a point mass (claims with many
    zeros), since the pinball loss has no curvature."""
    return np.array([_weighted_quantile(y - offsets[:, 0], weights, objective.param)])


#: Iterations and relative tolerance of ``_pseudo_huber_location``.
PSEUDO_HUBER_ITERATIONS, PSEUDO_HUBER_TOLERANCE = 200, 1e-12


def _pseudo_huber_location(y: np.ndarray, weights: np.ndarray, delta: float) -> float:
    """The constant that minimizes the weighted pseudo-Huber loss, by iteratively reweighted
    means from the weighted median: each step minimizes a quadratic that bounds the loss from
    above, so the loss falls at every step."""
    location = _weighted_quantile(y, weights, 0.5)
    used = weights > 0
    y, weights = y[used], weights[used]
    if len(y) == 0:
        return 0.0
    scale = max(float(np.max(np.abs(y - location))), delta)
    for _ in range(PSEUDO_HUBER_ITERATIONS):
        reweighted = weights / np.sqrt(1.0 + ((y - location) / delta) ** 2)
        moved = float(np.dot(reweighted, y) / reweighted.sum())
        if abs(moved - location) <= PSEUDO_HUBER_TOLERANCE * scale:
            return moved
        location = moved
    return location

def initial_scores(objective: Objective, y: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """The constant score that minimizes the loss: where boosting starts.

    Every log-link objective (Poisson, Tweedie, gamma, rmse_log) is minimized by the weighted
    mean target; the quantile objective by the weighted quantile; pseudo-Huber by the location
    that ``_pseudo_huber_location`` iterates to. The log link's score is computed in log space, so a mean target near the float64
    limit gives its log (about 709 for 1e308) instead of infinity. An all-zero target's log
    would be -inf: it starts from log(1e-12).
    """
    total = weights.sum()
    if objective.code == SURVIVAL_COX:  # the partial likelihood ignores a constant
        return np.zeros(1)
    if objective.code == MULTICLASS_LOG_LOSS:
        priors = np.bincount(y.astype(np.int64), weights=weights, minlength=objective.n_scores)
        logs = np.log(np.clip(priors / total, 1e-12, None))
        return logs - logs.mean()
    if objective.code in (POISSON_DEVIANCE, TWEEDIE_DEVIANCE, GAMMA_DEVIANCE, RMSE_LOG):
        log_mean = _log_weighted_mean(y, weights)
        return np.array([log_mean if np.isfinite(log_mean) else np.log(1e-12)])
    if objective.code == QUANTILE:
        return np.array([_weighted_quantile(y, weights, objective.param)])
    if objective.code == PSEUDO_HUBER:
        return np.array([_pseudo_huber_location(y, weights, objective.param)])
    if objective.code == CUSTOM:
        return _custom_start(objective, y, weights)
    mean = float(np.dot(y, weights) / total)
    if objective.code == LOG_LOSS:
        p = min(max(mean, 1e-12), 1 - 1e-12)
        return np.array([np.log(p / (1 - p))])
    return np.array([mean])


def _custom_start(objective: Objective, y: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """A custom objective's best constant: Newton steps of its own gradient and hessian, from
    the weighted mean target (on the log link, its log)."""
    from .kernels.intercept import offset_intercept  # compiled code, only when needed

    used = weights > 0
    mean = float(np.dot(y[used], weights[used]) / weights[used].sum()) if used.any() else 0.0
    if objective.link == "log":
        mean = math.log(mean) if mean > 0.0 else math.log(1e-12)
    y = np.ascontiguousarray(y, dtype=np.float64)
    weights = np.ascontiguousarray(weights, dtype=np.float64)
    return offset_intercept(CUSTOM, np.zeros((len(y), 1)), weights, (weights * y)[:, None],
                            np.array([mean]), kernel_params(objective, y, weights))


def check_custom_objective(objective: Objective, y: np.ndarray) -> None:
    """Raise a ValueError, naming the function, when a custom objective's ``gradient`` is not
    the derivative of its ``loss``, or a value is not finite, or ``hessian`` is negative, at a
    few of the targets ``y`` and scores around their mean; and, naming the row, when a value is
    not finite (or the hessian negative) for any target at those scores."""
    custom = objective.custom
    if custom is None or len(y) == 0:
        return
    targets = np.quantile(y, [0.1, 0.5, 0.9])
    center = float(np.mean(y)) if objective.link == "identity" else \
        math.log(max(float(np.mean(y)), 1e-12))
    spread = float(np.std(y)) if objective.link == "identity" else 0.5
    with np.errstate(all="ignore"):
        _check_custom_points(objective, y, targets, center, spread)


def _check_custom_points(objective: Objective, y: np.ndarray, targets: np.ndarray,
                         center: float, spread: float) -> None:
    """``check_custom_objective`` at its points (numpy's floating-point errors ignored)."""
    gradient, hessian, loss = objective.custom.callbacks()
    for target in targets:
        for score in (center - spread, center, center + spread):
            # numpy floats: a division by zero gives inf, as in the compiled callbacks
            target, score = np.float64(target), np.float64(score)
            values = {"gradient": gradient(target, score), "hessian": hessian(target, score),
                      "loss": loss(target, score)}
            for part, value in values.items():
                if not math.isfinite(value):
                    raise ValueError(f"objective: the custom objective's {part}(y={target:g}, "
                                     f"score={score:g}) is {value}, not a finite number")
            if values["hessian"] < 0.0:
                raise ValueError(f"objective: the custom objective's hessian(y={target:g}, "
                                 f"score={score:g}) is {values['hessian']:g}; it must be >= 0")
            step = 1e-5 * max(1.0, abs(score))
            slope = (loss(target, score + step) - loss(target, score - step)) / (2 * step)
            if abs(slope - values["gradient"]) > 1e-3 * max(1.0, abs(slope)):
                raise ValueError(
                    f"objective: the custom objective's gradient(y={target:g}, score={score:g}) "
                    f"is {values['gradient']:g}, but the slope of its loss there is {slope:g}: "
                    "the gradient must be the derivative of the loss in the score")
    params = kernel_params(objective, y, np.ones(len(y)))
    every_y = np.ascontiguousarray(y, dtype=np.float64)
    for score in (center - spread, center, center + spread):
        row = int(first_bad_row(params, every_y, float(score)))
        if row >= 0:
            target = every_y[row]
            raise ValueError(
                f"objective: the custom objective at y[{row}] = {target:g} and score "
                f"{score:g} gives gradient {gradient(target, score):g}, hessian "
                f"{hessian(target, score):g} and loss {loss(target, score):g}: every value "
                "must be a finite number, and the hessian >= 0")


def inverse_link(link: str, scores: np.ndarray) -> np.ndarray:
    """Map decision scores to predictions: probabilities for classifiers, means for regressors."""
    if link == "logit":
        p = expit(scores)
        return np.column_stack([1.0 - p, p])
    if link == "mlogit":
        return softmax(scores, axis=1)
    if link == "log":
        return np.exp(scores)
    return scores
