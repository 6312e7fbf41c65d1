"""Early stopping of a boosting stage (numba): the validation loss's scale, and counting steps.

Early stopping counts steps (a cyclic round is one step per term): boosting stops when the
validation loss has not improved by more than ``max(early_stopping_tolerance * best loss,
min_improvement)`` for ``early_stopping_rounds * n_terms`` steps, and keeps the best tables.
The steps are counted from the start when ``stop_in_smoothing`` is set, so a stage whose loss
stopped improving during the smoothing rounds ends there, after ``SMOOTHING_WINDOW_FACTOR``
windows (a random cut's gain varies a lot, and a stage with few terms has a short window), or
once its loss has stayed above the rise margin for ``SMOOTHING_RISE_ROUNDS`` rounds;
otherwise (InterpretML's rule) the window starts after the smoothing rounds, which always run
to the end. Losses are compared as means over the validation weight (squared error as its root,
RMSE); ``min_improvement`` is an absolute amount on that scale (the caller sets it and the
tolerance from the validation set's size: see ``booster.noise_floor``).
"""

import numpy as np
from numba import njit

from .loss import RMSE_LOG, SQUARED_ERROR

#: Early stopping inside the smoothing rounds waits this many windows (``count_steps``).
SMOOTHING_WINDOW_FACTOR = 2


#: Rounds the validation loss must stay above its best by the rise margin to stop a stage
#: (``count_steps``): a single step's jump is not a trend.
RISE_ROUNDS = 2
#: The same inside the smoothing rounds, where a random cut's loss jumps more: a stage whose
#: best came early and whose loss then stayed above the margin this long is fitting noise.
SMOOTHING_RISE_ROUNDS = 20


@njit(cache=True)  # booster calls it too
def mean_validation_loss(raw_loss, val_loss_offset, val_total, objective):
    """The validation loss on the scale early stopping compares: the mean loss, or for squared
    error and rmse_log its root (RMSE), so that relative tolerances mean the same for every
    objective."""
    loss = (raw_loss + val_loss_offset) / val_total
    return np.sqrt(max(loss, 0.0)) if objective == SQUARED_ERROR or objective == RMSE_LOG \
        else loss


@njit(inline="always")
def copy_cells(target, source, n_cells):
    """``target[:n_cells] = source[:n_cells]`` of a table (n_cells, n_scores) as a loop: numba
    compiles an array-to-array slice assignment with an error path that formats both shapes, a
    second of compiling (string code) per distinct pair of ranks."""
    for cell in range(n_cells):
        for k in range(target.shape[1]):
            target[cell, k] = source[cell, k]


@njit(no_cpython_wrapper=True, no_cfunc_wrapper=True)
def count_steps(raw_loss, n_steps, early_stopping, state, tables, best_tables, dirty, n_bins,
                 val_loss_offset, val_total, objective, tolerance, min_improvement, window, rise,
                 rise_window, smoothing_steps, smoothing_window, smoothing_rise_window):
    """Count ``n_steps`` more steps that scored ``raw_loss``; True means early stopping stops.

    ``state`` holds (best loss, steps since it, best step, steps run, steps the loss has stayed
    more than ``rise`` (relative) above the best). On an improvement the tables changed since
    the last best (``dirty``) are copied into ``best_tables``: their first ``n_bins`` cells, the
    rest of a table's row is padding. After the ``smoothing_steps``, a stage stops after
    ``window`` steps without an improvement, or sooner once the loss has stayed above the margin
    for ``rise_window`` steps after a best found past the smoothing steps: then it is
    overfitting, and the rest of the window would only confirm that. Inside the smoothing
    steps the waits are ``smoothing_window`` and ``smoothing_rise_window`` (0: not there).
    """
    state[3] += n_steps
    if not early_stopping:
        return False
    loss = mean_validation_loss(raw_loss, val_loss_offset, val_total, objective)
    if loss < state[0] - max(tolerance * abs(state[0]), min_improvement):
        state[0] = loss
        state[1] = 0.0
        state[2] = state[3]
        state[4] = 0.0
        for t in range(dirty.shape[0]):
            if dirty[t]:
                copy_cells(best_tables[t], tables[t], n_bins[t])
                dirty[t] = False
    else:
        state[1] += n_steps
        state[4] = state[4] + n_steps if loss > state[0] + rise * abs(state[0]) else 0.0
    if state[3] <= smoothing_steps:
        return (smoothing_window > 0 and state[1] >= smoothing_window) or (
            rise > 0.0 and smoothing_rise_window > 0 and state[4] >= smoothing_rise_window)
    risen = rise > 0.0 and state[2] > smoothing_steps and state[4] >= rise_window
    return state[1] >= window or risen

