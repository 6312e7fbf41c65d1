"""Compile on both cores: a second process fills numba's cache while this one compiles.

numba compiles one function at a time per process, so the first fit on a fresh install keeps one
core busy for half a minute while the other idles. When a fit is about to compile its boosting
kernel (the cache does not hold it yet), :func:`start` launches one Python process, the helper,
that compiles some of the functions the kernel calls, for the exact argument types the kernel
will pass, into numba's on-disk cache (those functions are ``cache=True``). This process
compiles the rest meanwhile. When its typing reaches a function the helper promised, it waits
until the helper reports that function done and then loads it from the cache instead of
compiling it again.

A job is (function, arguments, promised functions). A function promised as its own job is
compiled; otherwise the job's function is a driver that is only typed, which compiles the
functions it calls (``kernels.boost._ahead``). The helper reports each function it compiled on
its standard output once the cache holds it.

The result never depends on the helper, only the time does: whatever it has not reported (it
failed, it was killed, a signature differs) is compiled here as before, at the latest when the
helper exits or after ``WAIT_SECONDS``. No helper is launched when the kernel is compiled or
cached already, while an earlier helper runs, or when ``GLASSBOOST_COMPILE_AHEAD=0``.
"""

from __future__ import annotations

import importlib
import os
import pickle
import subprocess
import sys
import threading
from typing import Callable

from numba import config, typeof

#: Environment variable that turns the helper off when set to 0.
SWITCH = "GLASSBOOST_COMPILE_AHEAD"
#: Longest wait for a promised function (the helper compiles each in seconds).
WAIT_SECONDS = 120.0

Job = tuple[Callable, tuple, tuple[Callable, ...]]

_lock = threading.Lock()
_helper: subprocess.Popen | None = None


def start(kernel, arguments: tuple, jobs: Callable[[], list[Job]]) -> bool:
    """Launch the helper on ``jobs()`` when ``kernel`` is about to be compiled for
    ``arguments``. True when a helper was launched."""
    global _helper
    if os.environ.get(SWITCH, "1") == "0" or config.DISABLE_JIT:
        return False
    with _lock:
        if _helper is not None and _helper.poll() is None:
            return False
        if _compiled_or_cached(kernel, tuple(typeof(value) for value in arguments)):
            return False
        listed = jobs()
        request = [(_name(function), tuple(typeof(value) for value in values),
                    function in promised) for function, values, promised in listed]
        try:
            helper = subprocess.Popen(
                [sys.executable, "-c", "from glassboost.compile_ahead import main; main()"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            helper.stdin.write(pickle.dumps(request))
            helper.stdin.close()
        except OSError:  # no process to be had: compile here, as without a helper
            return False
        _helper = helper
        _await_promises(helper, [function for _, _, promised in listed for function in promised])
        return True


def _name(function) -> tuple[str, str]:
    return function.py_func.__module__, function.py_func.__name__


def _compiled_or_cached(kernel, signature: tuple) -> bool:
    """True when ``kernel`` has ``signature`` compiled in this process or in its disk cache
    (numba's cache index; when it cannot be read, True: no helper is launched)."""
    if signature in kernel.overloads:
        return True
    try:
        cache = kernel._cache
        key = cache._index_key(signature, kernel.targetctx.codegen())
        return key in cache._cache_file._load_index()
    except Exception:  # noqa: BLE001  (numba internals changed: stay on the safe side)
        return True


def _await_promises(helper: subprocess.Popen, promised: list) -> None:
    """Make each promised function's ``compile`` wait for the helper's report (or its exit),
    then go on as numba's own, which then finds the function in the cache."""
    done = {_name(function): threading.Event() for function in promised}
    for function in promised:
        compile_here, ready = function.compile, done[_name(function)]

        def compile_when_ready(signature, compile_here=compile_here, ready=ready):
            ready.wait(WAIT_SECONDS)
            return compile_here(signature)

        function.compile = compile_when_ready

    def follow() -> None:
        for line in helper.stdout:
            module, _, name = line.decode().strip().rpartition(".")
            if (module, name) in done:
                done[module, name].set()
        helper.wait()
        for function in promised:  # numba's own compile again
            function.__dict__.pop("compile", None)
        for ready in done.values():
            ready.set()

    threading.Thread(target=follow, name="glassboost-compile-ahead", daemon=True).start()


def _type_only(function, signature: tuple) -> None:
    """Type ``function`` for ``signature`` without compiling it: typing compiles (and caches)
    the functions it calls, which is all a driver is for."""
    from numba.core import compiler
    from numba.core.registry import cpu_target
    from numba.core.typed_passes import type_inference_stage

    typing, target = cpu_target.typing_context, cpu_target.target_context
    typing.refresh()
    target.refresh()
    function_ir = compiler.run_frontend(function.py_func, inline_closures=True)
    type_inference_stage(typing, target, function_ir, signature, None)


def main() -> None:
    """The helper: compile or type every requested job, reporting each compiled function once
    it is in the cache (numba saves a function just after its compile event ends, so a report
    waits for the next event or the end of the job)."""
    from numba.core import event

    finished: list[str] = []

    def report() -> None:
        for name in finished:
            sys.stdout.write(name + "\n")
        sys.stdout.flush()
        finished.clear()

    class Report(event.Listener):
        def on_start(self, ev: event.Event) -> None:
            report()

        def on_end(self, ev: event.Event) -> None:
            report()
            finished.append(".".join(_name(ev.data["dispatcher"])))

    event.register("numba:compile", Report())
    for (module, name), signature, compiled in pickle.load(sys.stdin.buffer):
        function = getattr(importlib.import_module(module), name)
        if compiled:
            function.compile(signature)
        else:
            _type_only(function, signature)
        report()
