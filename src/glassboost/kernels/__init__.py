"""Compiled numba kernels: pure functions over arrays, no pandas, no validation."""
