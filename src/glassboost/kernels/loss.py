"""Gradients, hessians and losses of every objective over weighted row groups (numba).

The kernels see a *group* of rows that share every bin code, and so share one score: its total
weight ``w`` and weighted target sum ``wy``. For most objectives that is all the loss needs,
because the loss is linear in the target once the score is fixed (log loss:
``w * softplus(s) - s * wy``; Tweedie: ``w * mu^(2-p) / (2-p) - wy * mu^(1-p) / (1-p)``). A plain
row is the group ``w = weight, wy = weight * y``. The loss's part that depends on the target alone
(squared error's ``sum(w * y^2)``, a deviance's saturated term) is left out of the per-group
loss; the caller adds it once.

Pseudo-Huber and pinball (quantile) losses are not linear in the target: they see single rows
only (never merged into groups, see ``LINEAR_IN_TARGET``) and recover the target as ``wy / w``.

Objectives with parameters take them as ``params``, a pair of floats: Tweedie's variance power,
pseudo-Huber's delta, or the quantile's alpha and the target's scale (see ``objectives``).
A custom objective (``CUSTOM``) sees single rows, as pseudo-Huber does, and its ``params`` carry
three more items: compiled C callbacks ``gradient(y, score)``, ``hessian(y, score)`` and
``loss(y, score)`` of one unit-weight row. They are numba first-class functions of one type, so
the kernels compile once for every custom objective (a variant of their own; the built-in
objectives' pair of floats never reaches those calls).

The per-group functions that dispatch on the objective (``score_exponential``,
``group_gradient_from_exponential``, ``group_loss``, ``add_group_loss``) are typed by numba as
functions of their own (``forceinline``: LLVM's ``alwaysinline``), not inlined into numba's IR of
every caller (``inline="always"``): numba's type inference grows faster than the size of a
function, and a greedy step's pass that inlined every objective's branches took seconds to
type. LLVM still inlines them into the row loops, so the loops run as before (without
``forceinline`` LLVM left them as calls and fits ran 35-50% slower).

Cox's partial likelihood is not a sum over rows at all: a row's gradient depends on every row
still at risk at its time. ``cox_risk_factors`` computes, from all the scores at once, each row's
``exp(s) * H(t)`` (``H`` the Breslow cumulative hazard); given that as its exponential, a row's
gradient is Poisson's (``w * exp(s) * H - w * event``), as Cox's partial likelihood is, at its
baseline hazard, a Poisson likelihood of the events.
"""

import numpy as np
from numba import njit, types
from numba.extending import overload

SQUARED_ERROR = 0
LOG_LOSS = 1
MULTICLASS_LOG_LOSS = 2
POISSON_DEVIANCE = 3
TWEEDIE_DEVIANCE = 4
GAMMA_DEVIANCE = 5
RMSE_LOG = 6
PSEUDO_HUBER = 7
QUANTILE = 8
SURVIVAL_COX = 9
CUSTOM = 10

#: Objectives whose loss is linear in the target at a fixed score: rows may be merged.
LINEAR_IN_TARGET = (SQUARED_ERROR, LOG_LOSS, MULTICLASS_LOG_LOSS, POISSON_DEVIANCE,
                    TWEEDIE_DEVIANCE, GAMMA_DEVIANCE, RMSE_LOG)
#: ``params`` of objectives without parameters.
NO_PARAMS = (0.0, 1.0)

_MIN_HESSIAN = 1e-16


def float_params(params: tuple) -> tuple:
    """``params`` with its pair of numbers as Python floats (one numba type for every
    objective), and a custom objective's callbacks after them."""
    return (float(params[0]), float(params[1]), *params[2:])


@njit(inline="always")
def _softplus(score):
    if score > 0.0:
        return score + np.log1p(np.exp(-score))
    return np.log1p(np.exp(score))


@njit(forceinline=True)
def score_exponential(objective, score, params=NO_PARAMS):
    """The exponential a one-score gradient needs: exp(-s) for log loss, exp(s) for Poisson and
    rmse_log, exp((1 - p) s) for Tweedie, exp(-s) for gamma; 1.0 where none is needed.

    Greedy steps keep it per row and multiply it by ``score_exponential(delta)`` when a step adds
    ``delta``, which costs a multiplication instead of an ``exp`` per row.
    """
    if has_exponential(objective):
        return np.exp(exponent(objective, score, params))
    return 1.0


@njit(inline="always")
def has_exponential(objective):
    """Whether ``score_exponential`` is an ``exp`` (of ``exponent``) rather than 1.0."""
    return (objective == LOG_LOSS or objective == GAMMA_DEVIANCE or objective == POISSON_DEVIANCE
            or objective == RMSE_LOG or objective == TWEEDIE_DEVIANCE)


@njit(forceinline=True)
def exponent(objective, score, params=NO_PARAMS):
    """The power of ``score_exponential``'s ``exp``: -s, s or (1 - p) s."""
    if objective == LOG_LOSS or objective == GAMMA_DEVIANCE:
        return -score
    if objective == TWEEDIE_DEVIANCE:
        return (1.0 - params[0]) * score
    return score


@njit(forceinline=True)
def group_gradient_from_exponential(objective, score, exponential, w, wy, params=NO_PARAMS):
    """``group_gradient`` given ``score_exponential(objective, score, params)``."""
    if objective == LOG_LOSS:
        p = 1.0 / (1.0 + exponential)  # exp(-s) overflows to inf for very negative s: p = 0
        return w * p - wy, w * max(p * (1.0 - p), _MIN_HESSIAN)
    if objective == POISSON_DEVIANCE or objective == SURVIVAL_COX:
        return w * exponential - wy, w * max(exponential, _MIN_HESSIAN)
    if objective == SQUARED_ERROR:
        return w * score - wy, w
    return _other_gradient(objective, score, exponential, w, wy, params)


@njit(inline="always")
def _other_gradient(objective, score, exponential, w, wy, params):
    """(gradient, hessian) of the objectives after the first four (see ``group_gradient``)."""
    if objective == TWEEDIE_DEVIANCE:
        power = params[0]
        high = np.exp((2.0 - power) * score)  # mu^(2-p); exponential is mu^(1-p)
        hessian = (2.0 - power) * w * high + (power - 1.0) * wy * exponential
        return w * high - wy * exponential, max(hessian, w * _MIN_HESSIAN)
    if objective == GAMMA_DEVIANCE:
        return w - wy * exponential, max(wy * exponential, w * _MIN_HESSIAN)
    if objective == RMSE_LOG:
        square = exponential * exponential
        return w * square - wy * exponential, max(w * square, w * _MIN_HESSIAN)
    if w <= 0.0:
        return 0.0, 0.0
    if objective == CUSTOM:
        g, h = _custom_gradient(params, wy / w, score)
        return w * g, w * max(h, _MIN_HESSIAN)
    error = score - wy / w
    if objective == PSEUDO_HUBER:
        root = np.sqrt(1.0 + (error / params[0]) ** 2)
        return w * error / root, w / root
    # QUANTILE: the pinball loss has no curvature; its hessian is w / scale (see ``group_gradient``)
    alpha = params[0]
    return (w * (1.0 - alpha) if error >= 0.0 else -w * alpha), w / params[1]


def _custom_gradient(params, y, score):
    """(gradient, hessian) of a custom objective's row (compiled code only: see ``overload``)."""
    raise NotImplementedError("called from compiled code only")


def _custom_loss(params, y, score):
    """A custom objective's loss of a row (compiled code only)."""
    raise NotImplementedError("called from compiled code only")


def _has_callbacks(params) -> bool:
    """Whether ``params`` (a numba type) is a custom objective's, with its three callbacks."""
    return isinstance(params, types.BaseTuple) and len(params) == 5


@overload(_custom_gradient)
def _custom_gradient_typed(params, y, score):
    if _has_callbacks(params):
        return lambda params, y, score: (params[2](y, score), params[3](y, score))
    return lambda params, y, score: (0.0, 1.0)


@overload(_custom_loss)
def _custom_loss_typed(params, y, score):
    if _has_callbacks(params):
        return lambda params, y, score: params[4](y, score)
    return lambda params, y, score: 0.0


@njit(cache=True)  # objectives calls it, before boosting with a custom objective
def first_bad_row(params, y, score):
    """The first row whose custom gradient, hessian or loss at ``score`` is not a finite number
    (or whose hessian is negative), else -1."""
    for row in range(y.shape[0]):
        g, h = _custom_gradient(params, y[row], score)
        loss = _custom_loss(params, y[row], score)
        if not (np.isfinite(g) and np.isfinite(h) and np.isfinite(loss)) or h < 0.0:
            return row
    return -1


@njit(inline="always")
def group_gradient(objective, score, w, wy, params=NO_PARAMS):
    """(gradient, hessian) of a single-score objective summed over a group.

    Not every hessian is the loss's second derivative. rmse_log's is the Gauss-Newton
    ``w mu^2`` (the true one, ``2 w mu^2 - wy mu``, turns negative when y > 2 mu), which equals
    the true one at a perfect fit. Pseudo-Huber's is ``w / sqrt(1 + (e/delta)^2)``, the curvature
    of the quadratic that bounds the loss from above at the current error ``e`` (a step is then
    a weighted mean of the errors, never beyond them, even for a leaf of outliers, where the
    second derivative ``w / (1 + (e/delta)^2)^1.5`` nearly vanishes); at ``e = 0`` both are ``w``.
    The pinball loss is piecewise linear: as InterpretML, the step is a gradient step over the
    weight, here scaled by the target's ``scale`` (``params[1]``) so that a fit does not depend
    on the units of y. Cox (whose exponential comes from ``cox_risk_factors``) takes the
    Poisson hessian ``w exp(s) H``, above the diagonal of the partial likelihood's,
    ``w exp(s) H - (w exp(s))^2 H2``, by the row's own share of its risk sets.
    """
    return group_gradient_from_exponential(objective, score,
                                           score_exponential(objective, score, params), w, wy,
                                           params)


@njit(forceinline=True, cache=True)  # booster calls it too
def group_loss(objective, score, w, wy, params=NO_PARAMS):
    """Loss of a single-score objective summed over a group, less its target-only part.

    Squared error's loss is (s - y)^2, twice the loss whose gradient ``group_gradient`` gives;
    that keeps it the mean squared error, and leaves every Newton step unchanged (rmse_log's
    likewise). Poisson, Tweedie and gamma give half their deviance.
    """
    if objective == LOG_LOSS:
        return w * _softplus(score) - wy * score
    if objective == POISSON_DEVIANCE:
        return w * np.exp(score) - wy * score
    if objective == SQUARED_ERROR:
        return w * score * score - 2.0 * wy * score
    return _other_loss(objective, score, w, wy, params)


@njit(inline="always")
def _other_loss(objective, score, w, wy, params):
    """``group_loss`` of the objectives after the first four."""
    if objective == TWEEDIE_DEVIANCE:
        power = params[0]
        return (w * np.exp((2.0 - power) * score) / (2.0 - power)
                - wy * np.exp((1.0 - power) * score) / (1.0 - power))
    if objective == GAMMA_DEVIANCE:
        return w * score + wy * np.exp(-score)
    if objective == RMSE_LOG:
        mean = np.exp(score)
        return w * mean * mean - 2.0 * wy * mean
    if objective == SURVIVAL_COX:  # no loss of its own: see cox_risk_factors
        return np.nan
    if w <= 0.0:
        return 0.0
    if objective == CUSTOM:
        return w * _custom_loss(params, wy / w, score)
    error = score - wy / w
    if objective == PSEUDO_HUBER:
        delta = params[0]
        return w * delta * delta * (np.sqrt(1.0 + (error / delta) ** 2) - 1.0)
    alpha = params[0]  # QUANTILE
    return w * ((1.0 - alpha) * error if error >= 0.0 else -alpha * error)


@njit(cache=True)  # booster calls it
def rows_loss(objective, scores, w, wy, params=NO_PARAMS):
    """The summed ``group_loss`` of rows scored ``scores`` (one score per row)."""
    total = 0.0
    for row in range(w.shape[0]):
        if w[row] > 0.0:
            total += group_loss(objective, scores[row], w[row], wy[row], params)
    return total


# Log loss adds unit-weight groups' log1p(exp(-s)) as a product of (1 + exp(-s)), taking one
# log per PRODUCT_LENGTH factors; factors stay below PRODUCT_FACTOR_LIMIT so no product overflows.
PRODUCT_LENGTH = 16
PRODUCT_FACTOR_LIMIT = 2.0 ** 60


@njit(forceinline=True)
def add_group_loss(objective, score, exponential, w, wy, loss, product, length,
                   params=NO_PARAMS):
    """Add a group's ``group_loss`` to the running ``(loss, product, length)``; return them.

    ``exponential`` is ``score_exponential(objective, score, params)``. Log loss is
    ``w * log1p(exp(-s)) + (w - wy) * s``: for a unit-weight group the log1p goes into
    ``product``, whose log ``loss`` takes every ``PRODUCT_LENGTH`` factors, so a validation row
    costs a multiplication instead of an ``exp`` and a ``log``. Poisson reuses ``exp(s)``.
    The total is ``finish_loss(loss, product)``.
    """
    if objective == LOG_LOSS:
        if w == 1.0 and exponential < PRODUCT_FACTOR_LIMIT:
            product *= 1.0 + exponential
            length += 1
            if length == PRODUCT_LENGTH:
                loss += np.log(product)
                product, length = 1.0, 0
            return loss + (1.0 - wy) * score, product, length
        return loss + group_loss(objective, score, w, wy, params), product, length
    if objective == POISSON_DEVIANCE:
        return loss + w * exponential - wy * score, product, length
    return loss + group_loss(objective, score, w, wy, params), product, length


@njit(inline="always")
def finish_loss(loss, product):
    """The total of a loss run by ``add_group_loss``."""
    return loss + np.log(product)


@njit(inline="always")
def softmax_shift(scores, row, n_scores, shifted, first):
    """``s_k - shift`` of row ``row``'s class scores (``scores``: rows x classes) into
    ``shifted[first:first + n_scores]``, the shift being the largest score (so no exponential
    overflows and one is 1); returns the shift.

    The row is an index, not a view: a view per row costs reference counting, which tripled the
    row passes; ``n_scores`` may be a compile-time constant (``class_counts``)."""
    top = scores[row, 0]
    for k in range(1, n_scores):
        top = max(top, scores[row, k])
    for k in range(n_scores):
        shifted[first + k] = scores[row, k] - top
    return top


@njit(inline="always")
def softmax_exponentials(scores, row, n_scores, exponentials, first):
    """``exp(s_k - shift)`` of row ``row``'s class scores into
    ``exponentials[first:first + n_scores]`` (``softmax_shift``); returns the shift."""
    top = softmax_shift(scores, row, n_scores, exponentials, first)
    for k in range(n_scores):
        exponentials[first + k] = np.exp(exponentials[first + k])
    return top


@njit(inline="always")
def softmax_class_gradient(exponential, total, w, wy):
    """(gradient, hessian) of the multiclass log loss of a group for one class, from the class's
    exponential and the sum over classes (both up to a common factor) and its weight ``wy``."""
    p = exponential / total
    return w * p - wy, w * max(p * (1.0 - p), _MIN_HESSIAN)


@njit(inline="always")
def softmax_gradient_from_exponentials(exponentials, w, wy, row, gradient, hessian):
    """Fill per-class gradient/hessian of the multiclass log loss of a group from its class
    exponentials (``softmax_exponentials``) and its class weights ``wy[row]``; returns their
    sum."""
    total = 0.0
    for k in range(exponentials.shape[0]):
        total += exponentials[k]
    for k in range(exponentials.shape[0]):
        gradient[k], hessian[k] = softmax_class_gradient(exponentials[k], total, w, wy[row, k])
    return total


@njit(inline="always")
def softmax_loss(scores, wy, row, n_scores, top, total, w, start):
    """``start`` plus the multiclass log loss of row ``row`` from its scores, their shift and
    the sum of their exponentials: ``w * logsumexp(s) - sum_k wy_k * s_k``, added to ``start``
    term by term (a pass summing its rows' losses keeps its order of additions)."""
    loss = start + w * (np.log(total) + top)
    for k in range(n_scores):
        loss -= wy[row, k] * scores[row, k]
    return loss


@njit(inline="always")
def group_softmax_gradient(scores, wy, row, w, gradient, hessian):
    """Fill per-class gradient/hessian of the multiclass log loss of row ``row`` of ``scores``
    (rows x classes), a group of weight ``w`` whose weight of class ``k`` is ``wy[row, k]``.
    Returns the group's loss.
    """
    n_scores = scores.shape[1]
    top = softmax_exponentials(scores, row, n_scores, gradient, 0)
    total = softmax_gradient_from_exponentials(gradient, w, wy, row, gradient, hessian)
    return softmax_loss(scores, wy, row, n_scores, top, total, w, 0.0)


@njit(cache=True)  # booster calls it too
def cox_risk_factors(order, times, scores, w, event_w, factors):
    """Each row's ``exp(s) * H(t)`` into ``factors``; returns the negative log partial likelihood
    (Breslow's, for tied times) of the rows weighted ``w`` with events weighted ``event_w``.

    ``order`` lists the rows by time and ``times`` their times in that order. The risk set of a
    time ``t`` is every row with a time at or after ``t`` (``R(t)``: their summed ``w exp(s)``),
    and ``H(t)`` sums ``events(t') / R(t')`` over the times ``t' <= t``.
    """
    n = order.shape[0]
    risk = np.empty(n)
    total = 0.0
    for position in range(n - 1, -1, -1):
        row = order[position]
        total += w[row] * np.exp(scores[row])
        risk[position] = total
    loss, hazard, start = 0.0, 0.0, 0
    while start < n:
        end, events = start, 0.0
        while end < n and times[end] == times[start]:
            row = order[end]
            events += event_w[row]
            loss -= event_w[row] * scores[row]
            end += 1
        if events > 0.0:
            hazard += events / risk[start]
            loss += events * np.log(risk[start])
        for position in range(start, end):
            row = order[position]
            factors[row] = np.exp(scores[row]) * hazard
        start = end
    return loss
