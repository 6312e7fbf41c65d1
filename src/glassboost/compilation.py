"""The one-line notice that glassboost's kernels are being compiled.

numba compiles a kernel the first time it runs with new argument types and keeps the machine code
in its on-disk cache, so a later process starts at once. The first fit on a fresh install (or
after an upgrade of glassboost or numba) compiles for a while, and in silence that looks like a
hang. numba announces every compile its cache cannot serve as a ``numba:compile`` event; the first
such event for a glassboost kernel logs one line (logger ``glassboost``, level WARNING, so it
reaches stderr unless logging is configured otherwise), once per process.
"""

from __future__ import annotations

import logging
import threading

from numba.core import event
from numba.core.dispatcher import LiftedCode

#: Seconds the kernels of a first small fit take to compile on the reference machine (2-core VM),
#: with the second core compiling alongside (``compile_ahead``): 18.3-19.3 s measured with
#: ``benchmarks/compile_cost.py`` on an idle machine (more on a busy one); the notice quotes it.
FIRST_FIT_COMPILE_SECONDS = 20
NOTICE = (f"compiling glassboost's kernels once for this machine "
          f"(about {FIRST_FIT_COMPILE_SECONDS} s) ...")

logger = logging.getLogger("glassboost")


class _CompileNotice(event.Listener):
    """Logs ``NOTICE`` when numba starts compiling a glassboost kernel, the first time only."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._announced = False

    def on_start(self, ev: event.Event) -> None:
        if self._announced or not _is_glassboost_kernel(ev.data["dispatcher"]):
            return
        with self._lock:  # bags compile on several threads
            if self._announced:
                return
            self._announced = True
        logger.warning(NOTICE)

    def on_end(self, ev: event.Event) -> None:
        pass


def _is_glassboost_kernel(dispatcher) -> bool:
    # a block lifted to object mode (``objmode``: the step reporter's call into Python) is
    # built in every process in milliseconds, since numba cannot cache it: not a kernel compile
    if isinstance(dispatcher, LiftedCode):
        return False
    module = getattr(getattr(dispatcher, "py_func", None), "__module__", None) or ""
    return module.startswith("glassboost.kernels")


event.register("numba:compile", _CompileNotice())
