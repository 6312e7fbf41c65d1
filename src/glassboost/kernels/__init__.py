"""Compiled numba kernels: pure functions over arrays, no pandas, no validation.

Compile time is a cost users pay (once per machine, then numba's cache serves it), so the kernels
avoid what multiplies it: a constant passed to another kernel is a numpy scalar
(``np.int64(0)``, ``np.bool_(False)``), because numba compiles the callee once more for every
Python literal it receives.
"""
