"""Stopping a boosting kernel from outside, and reporting its steps (numba).

A *control* array (None when nothing watches the fit, which numba prunes) lets the caller stop
boosting from outside: after every counted step (a greedy step, or a cyclic round) the kernel
reports it to the Python callable registered under ``control[CONTROL_HANDLE]`` (if >= 0; it
returns True to stop) and stops when ``control[CONTROL_STOP]`` is set (another thread sets it
when a time budget ends). A stopped stage keeps its best tables, as early stopping does.
"""

from typing import Callable

import numpy as np
from numba import njit, objmode

from .stopping import mean_validation_loss

#: Python callables ``(steps run, term, validation metric) -> stop?`` by control handle.
STEP_REPORTERS: dict[int, Callable[[int, int, float], bool]] = {}
#: Positions in a control array: the stop flag, and the handle of the step reporter (-1: none).
CONTROL_STOP, CONTROL_HANDLE = 0, 1


def _report_step(handle, steps, term, metric):
    """Call the step reporter registered under ``handle`` (from compiled code, with the GIL)."""
    return bool(STEP_REPORTERS[handle](steps, term, metric))


@njit(no_cpython_wrapper=True, no_cfunc_wrapper=True)
def _reported(handle, steps, term, metric):
    with objmode(stop="boolean"):
        stop = _report_step(handle, steps, term, metric)
    return stop


@njit(no_cpython_wrapper=True, no_cfunc_wrapper=True)
def halted(control, term, raw_loss, count):
    """After steps were counted (the last on ``term``): report them to the step reporter, if
    any, with the validation metric (NaN without early stopping); True when boosting stops."""
    if control is None:
        return False
    early_stopping, state = count[0], count[1]
    if control[CONTROL_HANDLE] >= 0.0:
        metric = mean_validation_loss(raw_loss, count[6], count[7], count[8]) \
            if early_stopping else np.nan
        if _reported(np.int64(control[CONTROL_HANDLE]), np.int64(state[3]), np.int64(term),
                     metric):
            control[CONTROL_STOP] = 1.0
    return control[CONTROL_STOP] != 0.0

