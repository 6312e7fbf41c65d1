"""Compiled numba kernels: pure functions over arrays, no pandas, no validation.

Compile time is a cost users pay (once per machine, then numba's cache serves it), so the kernels
avoid what multiplies it:

- a constant passed to another kernel is a numpy scalar (``np.int64(0)``, ``np.bool_(False)``):
  numba compiles the callee once more for every Python literal it receives;
- a kernel the package calls from Python is cached (``cache=True``), however small, so that a
  process with a warm cache compiles nothing (and the compile notice stays quiet).

The first compile of a process logs one line (``glassboost.compilation``).
"""

from .. import compilation  # noqa: F401  (registers the compile notice before any kernel compiles)
