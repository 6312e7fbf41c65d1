"""Compile on both cores: a second process fills numba's cache while this one compiles.

numba compiles one function at a time per process, so the first fit on a fresh install kept one
core busy for half a minute while the other idled. Now a fit whose boosting kernel is not cached
gets a helper: one Python process that compiles some of the functions the kernel calls, for the
exact argument types the kernel will pass, into numba's on-disk cache (those functions are
``cache=True``), while this process compiles the rest. When its typing reaches a function the
helper promised, it waits for the helper's report and loads the function from the cache instead
of compiling it again.

:func:`prepare` launches the helper at the start of a fit when the kernel has no variant cached
at all (a fresh install), so that it starts numba while the data is typed and binned;
:func:`start` hands it the jobs once the fit knows the kernel's arguments (launching it then if
``prepare`` did not). A job is (function, arguments, promised functions). A function promised
as its own job is compiled; otherwise the job's function is a driver that is only typed, which
compiles the functions it calls (``kernels.boost._ahead``). The helper reports each function it
compiled on its standard output once the cache holds it.

The result never depends on the helper, only the time does: whatever it has not reported (it
failed, it was killed, a signature differs) is compiled here as before, at the latest when the
helper exits or after ``WAIT_SECONDS``. Only a process's first compile of the kernel gets a
helper: a process that already compiled or loaded a variant holds most of what another variant
calls and compiles it faster alone. No helper is launched either when the kernel's variant is
cached, while an earlier helper runs, or when ``GLASSBOOST_COMPILE_AHEAD=0``.
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
_idle = False  # the helper was launched by ``prepare`` and waits for its request


def prepare(kernel, *later) -> bool:
    """Launch the helper ahead of the fit's request when ``kernel`` has no variant compiled in
    this process or cached (a fresh install): it imports numba and the modules of ``kernel``
    and ``later`` while the fit bins its data, and waits for :func:`start`. True if launched."""
    global _helper, _idle
    with _lock:
        if not _enabled() or _running() or kernel.overloads or _cache_has_any(kernel):
            return False
        modules = sorted({function.py_func.__module__ for function in (kernel, *later)})
        _helper, _idle = _launch(modules), True
        return _helper is not None


def start(kernel, arguments: tuple, jobs: Callable[[], list[Job]]) -> bool:
    """Give the helper ``jobs()`` when ``kernel`` is about to be compiled for ``arguments``,
    launching it unless ``prepare`` did. True when a helper got the jobs."""
    global _helper, _idle
    with _lock:
        if not _enabled() or (_running() and not _idle):
            return False
        helper = _helper if _running() else None
        _helper, _idle = None, False
        # a process that compiled (or loaded) another variant already holds most of the
        # functions this one calls: it compiles the new variant faster than a fresh helper
        if kernel.overloads or _cached(kernel, tuple(map(typeof, arguments))):
            if helper is not None:
                helper.stdin.close()  # nothing to do: it exits
            return False
        listed = jobs()
        request = [(_name(function), tuple(typeof(value) for value in values),
                    function in promised) for function, values, promised in listed]
        helper = helper or _launch([])
        if helper is None:
            return False
        try:
            helper.stdin.write(pickle.dumps(request))
            helper.stdin.close()
        except OSError:  # it died: compile here, as without a helper
            return False
        _helper = helper
        _await_promises(helper, [function for _, _, promised in listed for function in promised])
        return True


def _enabled() -> bool:
    return (os.environ.get(SWITCH, "1") != "0" and not config.DISABLE_JIT
            and bool(sys.executable))


def _running() -> bool:
    return _helper is not None and _helper.poll() is None


def _launch(modules: list[str]) -> subprocess.Popen | None:
    """The helper process, importing ``modules`` before it reads its request from stdin."""
    code = "from glassboost.compile_ahead import main; main()"
    try:
        return subprocess.Popen([sys.executable, "-c", code, *modules], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    except OSError:  # no process to be had: compile here, as without a helper
        return None


def _name(function) -> tuple[str, str]:
    return function.py_func.__module__, function.py_func.__name__


def _cached(kernel, signature: tuple) -> bool:
    """True when numba's disk cache holds ``kernel`` for ``signature`` (its index says so;
    when it cannot be read, True: no helper is launched)."""
    try:
        cache = kernel._cache
        key = cache._index_key(signature, kernel.targetctx.codegen())
        return key in cache._cache_file._load_index()
    except Exception:  # noqa: BLE001  (numba internals changed: stay on the safe side)
        return True


def _cache_has_any(kernel) -> bool:
    """True when numba's cache holds some variant of ``kernel`` (or cannot be read)."""
    try:
        return bool(kernel._cache._cache_file._load_index())
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


class _Typed(Exception):
    """Ends a driver's compile once it is typed (``_type_only``)."""


def _type_only(function, signature: tuple) -> None:
    """Type ``function`` for ``signature`` without compiling it: typing compiles (and caches)
    the functions it calls, which is all a driver is for. numba's own passes up to typing run
    (inlining and dead-branch pruning included), then the compile ends."""
    from numba import njit
    from numba.core.compiler import CompilerBase, DefaultPassBuilder
    from numba.core.compiler_machinery import FunctionPass, register_pass
    from numba.core.typed_passes import NopythonTypeInference

    @register_pass(mutates_CFG=False, analysis_only=True)
    class StopAfterTyping(FunctionPass):
        _name = "glassboost_stop_after_typing"

        def __init__(self) -> None:
            FunctionPass.__init__(self)

        def run_pass(self, state) -> bool:
            raise _Typed

    class TypeOnly(CompilerBase):
        def define_pipelines(self):
            pipeline = DefaultPassBuilder.define_untyped_pipeline(self.state)
            pipeline.add_pass(NopythonTypeInference, "typing")
            pipeline.add_pass(StopAfterTyping, "stop after typing")
            pipeline.finalize()
            return [pipeline]

    try:
        njit(pipeline_class=TypeOnly)(function.py_func).compile(signature)
    except _Typed:
        pass


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
    for module in sys.argv[1:]:
        importlib.import_module(module)
    try:
        request = pickle.load(sys.stdin.buffer)
    except EOFError:  # the fit needed nothing
        return
    for (module, name), signature, compiled in request:
        function = getattr(importlib.import_module(module), name)
        if compiled:
            function.compile(signature)
        else:
            _type_only(function, signature)
        report()
