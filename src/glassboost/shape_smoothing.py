"""Smoothing of continuous main effects after boosting, at a bandwidth chosen per term by AIC.

A boosted shape over 1,024 bins carries the noise of the few rows in each bin. After boosting,
each continuous main effect is smoothed once, in turn, by a Gaussian-kernel local-linear fit
over the bins' row quantiles (``model.smooth``). Its bandwidth is the one of a geometric grid
that minimizes the term's Akaike criterion when the same kernel smooths the Newton working
response of its bins (the table minus the bins' summed gradient over their summed hessian,
every other term held fixed), as a generalized additive model's local scoring chooses a
smoothing parameter per term: ``deviance + 2 * trace`` of the smoother (log loss's deviance
computed on the rows, squared error's from the bins). A straight true shape gets a kernel over
all the rows and a sine a narrow one; where the grid's narrowest kernel wins, the data ask for
no smoothing and boosting's shape stays, sharp steps included. The boosted table is what is
smoothed, so the shrinkage of boosting's early stopping and of ``reg_lambda`` stays. The
held-out checks behind each choice are in docs/fit-parameters.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .purification import FinishedTerms

#: The values of the estimators' ``shape_smoothing``: AIC-selected smoothing, or none
#: (InterpretML's boosted shapes as they are).
SHAPE_SMOOTHING = ("aic", None)
#: The bandwidths tried, as fractions of the training rows: geometric from about two bins of
#: 1,024 to twice the rows (beyond which the fit is the weighted straight line).
BANDWIDTHS = np.geomspace(0.002, 2.0, 18)
#: The objectives the stage applies to, with one score per row (binary classification and
#: regression): those whose effect on held-out accuracy was measured on every benchmark table.
#: Multiclass models are left as boosted: one bandwidth per term for every class, on the
#: diagonal of the softmax hessian, lowered the held-out AUC of both multiclass tables.
SMOOTHED_OBJECTIVES = ("log_loss", "rmse")

_SMOOTHING_CHUNK = 256  # bins fitted at once: a (chunk, bins in reach) kernel matrix
_KERNEL_REACH = 8.0  # bandwidths beyond which the Gaussian kernel (< 1e-14) is left out
_ANCHORS_PER_BANDWIDTH = 8  # points per bandwidth at which a wide kernel is evaluated


def bin_positions(weights: np.ndarray) -> np.ndarray:
    """Each bin's position as the quantile of its middle row, from the bins' weights."""
    return (np.cumsum(weights) - weights / 2) / weights.sum()


def _kernel_fit(position: np.ndarray, weights: np.ndarray, values: np.ndarray,
                bandwidth: float, at: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The Gaussian-kernel local-linear fit of ``values`` (bins x columns, at sorted
    ``position``) at the sorted points ``at``; the weight per unit of bin weight that a bin at
    each point would have in its own fit; and whether the kernel holds any weight there. Where
    the kernel holds too little spread for a slope the fit is the kernel mean."""
    fitted = np.empty((len(at), values.shape[1]))
    own = np.zeros(len(at))
    weighted = np.zeros(len(at), dtype=bool)
    reach = _KERNEL_REACH * bandwidth
    for start in range(0, len(at), _SMOOTHING_CHUNK):
        rows = slice(start, start + _SMOOTHING_CHUNK)
        points = at[rows]
        near = slice(np.searchsorted(position, points[0] - reach),
                     np.searchsorted(position, points[-1] + reach, side="right"))
        offset = position[None, near] - points[:, None]
        kernel = np.exp(-0.5 * (offset / bandwidth) ** 2) * weights[None, near]
        s0 = kernel.sum(axis=1)[:, None]
        s1 = (kernel * offset).sum(axis=1)[:, None]
        s2 = (kernel * offset**2).sum(axis=1)[:, None]
        t0, t1 = kernel @ values[near], (kernel * offset) @ values[near]
        det = s0 * s2 - s1**2
        sloped = det > 1e-9 * s0 * s2
        has = s0 > 0
        with np.errstate(all="ignore"):  # tiny weights: read through ``weighted``, clipped
            line = (s2 * t0 - s1 * t1) / np.where(sloped, det, 1.0)
            mean = t0 / np.where(has, s0, 1.0)
            own[rows] = np.where(sloped, s2 / np.where(sloped, det, 1.0),
                                 1.0 / np.where(has, s0, 1.0))[:, 0]
        fitted[rows] = np.where(sloped, line, mean)
        weighted[rows] = has[:, 0]
    return fitted, own, weighted


def local_linear(position: np.ndarray, weights: np.ndarray, values: np.ndarray,
                 bandwidth: float) -> np.ndarray:
    """The Gaussian-kernel local-linear fit of ``values`` (bins x columns) at every sorted
    position; where the kernel holds no weight at all (a bin far from every weighted bin), the
    value itself."""
    fitted, _, weighted = _kernel_fit(position, weights, values, bandwidth, position)
    return np.where(weighted[:, None], fitted, values)


def _fit_with_leverage(position: np.ndarray, weights: np.ndarray, values: np.ndarray,
                       bandwidth: float) -> tuple[np.ndarray, np.ndarray]:
    """``local_linear`` and each bin's leverage (the weight of its own value in its fit). A
    wide kernel is evaluated at ``_ANCHORS_PER_BANDWIDTH`` evenly spaced points per bandwidth
    and interpolated to the bins, which costs a fraction of every bin's own fit and moves it
    by far less than the fit's noise; a narrow one at every bin."""
    n_anchors = int(np.ceil((position[-1] - position[0]) / bandwidth * _ANCHORS_PER_BANDWIDTH))
    if n_anchors + 1 < len(position):
        anchors = np.linspace(position[0], position[-1], n_anchors + 1)
        fitted, own, weighted = _kernel_fit(position, weights, values, bandwidth, anchors)
        if weighted.all():
            columns = [np.interp(position, anchors, fitted[:, k])
                       for k in range(values.shape[1])]
            return np.stack(columns, axis=1), _leverage(weights, np.interp(position, anchors,
                                                                           own))
    fitted, own, weighted = _kernel_fit(position, weights, values, bandwidth, position)
    return (np.where(weighted[:, None], fitted, values),
            np.where(weighted, _leverage(weights, own), 0.0))


def _leverage(weights: np.ndarray, own: np.ndarray) -> np.ndarray:
    """Each bin's leverage from its weight and its fit's weight per unit, in [0, 1] (a weighted
    line's hat value), which bounds the overflow of a kernel holding almost no weight."""
    with np.errstate(all="ignore"):
        return np.clip(np.nan_to_num(weights * own, nan=1.0, posinf=1.0), 0.0, 1.0)


@dataclass(frozen=True)
class SmoothedShape:
    """A fit of a term's value bins (bins x scores), its bandwidth and degrees of freedom."""

    values: np.ndarray
    bandwidth: float
    degrees_of_freedom: float


def smooth_by_aic(position: np.ndarray, gradient: np.ndarray, hessian: np.ndarray,
                  values: np.ndarray, dispersion: float = 1.0, min_hessian: float = 0.0,
                  deviance: Callable[[np.ndarray], float] | None = None,
                  bandwidths: np.ndarray = BANDWIDTHS) -> SmoothedShape | None:
    """The local-linear fit, over the bandwidths (ascending), of the working response of value
    bins with summed ``gradient`` and ``hessian`` (bins x scores) around the table ``values``,
    that minimizes ``deviance / dispersion + 2 * trace``; None when the narrowest bandwidth
    does, as the data then ask for no smoothing, or when fewer than three bins count. The
    deviance of moving the bins from ``values`` to a fit is ``deviance(fit - values)`` when
    given (up to a constant), else its quadratic approximation ``sum(hessian * residual**2)``,
    exact for squared error but not where the hessian vanishes (separable classes). A bin
    counts when its hessian is positive and at least ``min_hessian``, the least a boosting leaf
    takes; the others carry no weight and take the fit at their place."""
    counted = (hessian > 0) & (hessian >= min_hessian)
    if np.count_nonzero(counted.all(axis=1)) < 3:
        return None
    hessian = np.where(counted, hessian, 0.0)
    working = np.where(counted, values - gradient / np.where(counted, hessian, 1.0), values)
    weight = hessian.sum(axis=1)
    weight = weight / weight.max()  # the fit is the same; near-separable classes' are tiny
    best = None
    for bandwidth in bandwidths:
        fitted, leverage = _fit_with_leverage(position, weight, working, float(bandwidth))
        degrees = float(leverage.sum()) * values.shape[1]
        lack = (float(np.sum(hessian * (working - fitted)**2)) if deviance is None
                else deviance(fitted - values))
        criterion = lack / dispersion + 2.0 * degrees
        if best is None or criterion < best[0]:
            best = (criterion, SmoothedShape(fitted, float(bandwidth), degrees))
    return None if best[1].bandwidth == bandwidths[0] else best[1]


def _log_loss_deviance(scores: np.ndarray, y: np.ndarray, weights: np.ndarray,
                       codes: np.ndarray) -> Callable[[np.ndarray], float]:
    """The binomial deviance (up to a constant) of the rows when each value bin of a term
    (``codes``) moves by a change."""
    def deviance(change: np.ndarray) -> float:
        moved = scores[:, 0] + np.concatenate(([0.0], change[:, 0], [0.0]))[codes]
        return 2.0 * float(weights @ (np.logaddexp(0.0, moved) - y * moved))
    return deviance


def _scores(finished: FinishedTerms, codes: np.ndarray, interaction_codes: np.ndarray,
            init_score: np.ndarray | None) -> np.ndarray:
    """The finished model's scores (rows x scores) on the binned training rows."""
    scores = np.tile(finished.intercept, (len(codes), 1))
    if init_score is not None:
        scores += init_score.reshape(len(codes), -1)
    for features, table in zip(finished.term_features, finished.term_scores):
        if len(features) == 1:
            scores += table[codes[:, features[0]]]
        else:
            scores += table[tuple(interaction_codes[:, f] for f in features)]
    return scores


def _derivatives(objective: str, scores: np.ndarray, y: np.ndarray,
                 weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's weighted gradient and hessian of the loss (rows x 1)."""
    w = weights[:, None]
    if objective == "rmse":
        return w * (scores - y[:, None]), np.broadcast_to(w, scores.shape)
    p = 1.0 / (1.0 + np.exp(-scores))
    return w * (p - y[:, None]), w * p * (1.0 - p)


def _dispersion(objective: str, scores: np.ndarray, y: np.ndarray, weights: np.ndarray) -> float:
    """What turns the loss into a deviance: the residual variance for squared error, 1 for log
    loss."""
    if objective != "rmse":
        return 1.0
    return float(weights @ (scores[:, 0] - y) ** 2 / max(weights.sum(), np.finfo(float).tiny))


def _bin_sums(codes: np.ndarray, values: np.ndarray, n_bins: int) -> np.ndarray:
    return np.stack([np.bincount(codes, weights=values[:, k], minlength=n_bins)
                     for k in range(values.shape[1])], axis=1)


def smooth_main_effects(finished: FinishedTerms, features: list[int], objective: str,
                        codes: np.ndarray, interaction_codes: np.ndarray, y: np.ndarray,
                        weights: np.ndarray, main_weights: dict[int, np.ndarray],
                        init_score: np.ndarray | None = None, min_hessian: float = 0.0,
                        missing: str = "separate") -> None:
    """Smooth the main effects of ``features`` in ``finished`` in place, one after another on
    the training rows (``codes``, ``y``, ``weights``), each against the model as the ones before
    left it: its table is smoothed at the chosen bandwidth over the bins' ``weights`` (as
    ``model.smooth`` with ``passthrough=1``), re-centred with ``main_weights`` into the
    intercept; the unseen bin keeps its score and the per-bag tables move with the mean table.
    Bins count as in ``smooth_by_aic`` with ``min_hessian``; the criterion reads ``weights``
    scaled to sum to the number of weighted rows, so weights are relative, as in boosting. With
    ``missing`` "low" or "high" the missing bin moves with the end bin it is boosted with.
    Does nothing for an objective outside ``SMOOTHED_OBJECTIVES`` or a model of more than one
    score per row."""
    if objective not in SMOOTHED_OBJECTIVES or not features or len(finished.intercept) != 1:
        return
    scale = np.count_nonzero(weights) / weights.sum() if weights.sum() > 0 else 0.0
    scores = _scores(finished, codes, interaction_codes, init_score)
    dispersion = _dispersion(objective, scores, y, weights)
    if dispersion <= 0:  # squared error fitted exactly: nothing to smooth
        return
    terms = {f[0]: t for t, f in enumerate(finished.term_features) if len(f) == 1}
    for feature in features:
        t = terms[feature]
        table, w = finished.term_scores[t], main_weights[feature]
        rows = np.bincount(codes[:, feature], weights=weights, minlength=len(table))[1:-1]
        if rows.sum() <= 0:
            continue
        gradient, hessian = _derivatives(objective, scores, y, weights)
        g = _bin_sums(codes[:, feature], gradient, len(table))[1:-1]
        h = _bin_sums(codes[:, feature], hessian, len(table))[1:-1]
        position = bin_positions(rows)
        exact = (None if objective == "rmse"
                 else _log_loss_deviance(scores, y, weights * scale, codes[:, feature]))
        shape = smooth_by_aic(position, g * scale, h * scale, table[1:-1], dispersion,
                              min_hessian * scale, exact)
        if shape is None:
            continue
        change = np.zeros_like(table)
        change[1:-1] = local_linear(position, rows, table[1:-1], shape.bandwidth) - table[1:-1]
        if missing in ("low", "high"):
            change[0] = change[1 if missing == "low" else -2]
        centred = w > 0
        centred[-1] = False  # the unseen bin keeps its score
        change[~centred] = 0.0
        mean = change[centred].T @ w[centred] / w[centred].sum()
        change[centred] -= mean
        finished.term_scores[t] = table + change
        finished.bagged_scores[t] = finished.bagged_scores[t] + change
        finished.intercept = finished.intercept + mean
        finished.bagged_intercept = finished.bagged_intercept + mean
        scores += change[codes[:, feature]] + mean
