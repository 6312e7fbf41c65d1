"""Validation of estimator parameters and of the term specifications (interactions, exclude)."""

from __future__ import annotations

import numbers
import os
import re
from typing import Any, Sequence

import numpy as np


def check_number(name: str, value: Any, low: float, high: float = np.inf, *,
                 integer: bool = False, low_open: bool = False, high_open: bool = False) -> None:
    """Raise ValueError naming ``name`` when ``value`` is not a number in the allowed range."""
    kinds = (numbers.Integral,) if integer else (numbers.Real,)
    ok = isinstance(value, kinds) and not isinstance(value, (bool, np.bool_))
    if ok and not integer:
        ok = np.isfinite(value) or (value == np.inf and high == np.inf and not high_open)
    if ok:
        ok = (value > low if low_open else value >= low) and (
            value < high if high_open else value <= high
        )
    if not ok:
        kind = "an integer" if integer else "a number"
        lo = "(" if low_open else "["
        hi = ")" if high_open or high == np.inf else "]"
        raise ValueError(f"{name} must be {kind} in the range {lo}{low}, {high}{hi}, got {value!r}")


def cyclic_progress_fraction(value: Any) -> float:
    """``cyclic_progress`` as the fraction of sweeps that apply their trees (True is 1, False 0)."""
    if isinstance(value, (bool, np.bool_)):
        return float(value)
    check_number("cyclic_progress", value, 0.0, 1.0)
    return float(value)


def resolve_n_threads(n_jobs: Any) -> int:
    """joblib-style ``n_jobs``: positive counts, -1 for all cores, -2 for all but one, ..."""
    if n_jobs is None:
        return 1
    if not isinstance(n_jobs, numbers.Integral) or isinstance(n_jobs, bool) or n_jobs == 0:
        raise ValueError(f"n_jobs must be a non-zero integer (or None), got {n_jobs!r}")
    cores = os.cpu_count() or 1
    return int(n_jobs) if n_jobs > 0 else max(1, cores + 1 + int(n_jobs))


def check_random_state(value: Any) -> None:
    if value is not None and (
        not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 0
    ):
        raise ValueError(f"random_state must be None or a non-negative integer, got {value!r}")


def feature_index(item: Any, names: Sequence[str], what: str) -> int:
    """Index of a feature given by position (negative counts from the end, as InterpretML
    allows; a whole float such as 2.0 is its integer) or by name."""
    if isinstance(item, float) and item.is_integer():
        item = int(item)
    if isinstance(item, (numbers.Integral,)) and not isinstance(item, bool):
        if not -len(names) <= item < len(names):
            raise ValueError(f"{what}: feature index {item} is out of range 0..{len(names) - 1}")
        return int(item) % len(names)
    if isinstance(item, str):
        if item not in names:
            raise ValueError(f"{what}: unknown feature {item!r}")
        return names.index(item)
    raise ValueError(f"{what}: {item!r} is neither a feature name nor a feature index")


def parse_term(item: Any, names: Sequence[str], what: str) -> tuple[int, ...]:
    """A main effect (one feature) or a pair, as sorted feature indices."""
    if isinstance(item, (str, numbers.Integral)):
        return (feature_index(item, names, what),)
    if isinstance(item, Sequence) and 1 <= len(item) <= 2:
        term = tuple(sorted(feature_index(f, names, what) for f in item))
        if len(set(term)) != len(term):
            raise ValueError(f"{what}: term {item!r} repeats a feature")
        return term
    raise ValueError(
        f"{what}: {item!r} is not a feature or a pair of features (higher-order terms are not "
        "supported)"
    )


def parse_exclude(exclude: Any, names: Sequence[str]) -> set[tuple[int, ...]]:
    """The terms the user excluded; 'mains' excludes every main effect."""
    if exclude is None:
        return set()
    if isinstance(exclude, str) and exclude == "mains":
        return {(i,) for i in range(len(names))}
    if isinstance(exclude, str) or not isinstance(exclude, Sequence):
        raise ValueError(f"exclude must be None, 'mains' or a list of terms, got {exclude!r}")
    return {parse_term(item, names, "exclude") for item in exclude}


def parse_interactions(interactions: Any, names: Sequence[str]) -> tuple[int, list | None]:
    """(number of pairs to detect, explicit pairs or None) from the ``interactions`` parameter."""
    n_features = len(names)
    if interactions is None:
        return 0, None
    if isinstance(interactions, str):
        match = re.fullmatch(r"\s*(\d+(\.\d*)?)\s*x\s*", interactions)
        if not match:
            raise ValueError(
                f"interactions={interactions!r}: a string must be a multiple of the feature "
                "count such as '3x'"
            )
        return int(float(match.group(1)) * n_features), None
    if isinstance(interactions, numbers.Real) and not isinstance(interactions, bool):
        if interactions < 0 or not np.isfinite(interactions):
            raise ValueError(f"interactions must be >= 0, got {interactions!r}")
        if 0 < interactions < 1:
            return int(interactions * n_features), None
        if float(interactions) != int(interactions):
            raise ValueError(
                f"interactions={interactions!r}: a count must be a whole number (or a fraction "
                "below 1 of the feature count)"
            )
        return int(interactions), None
    if isinstance(interactions, Sequence):
        pairs = []
        for item in interactions:
            term = parse_term(item, names, "interactions")
            if len(term) != 2:
                raise ValueError(f"interactions: {item!r} is not a pair of two features")
            if term not in pairs:
                pairs.append(term)
        return len(pairs), pairs
    raise ValueError(
        f"interactions must be a count, a fraction, a string like '3x' or a list of pairs, "
        f"got {interactions!r}"
    )


def parse_monotone(constraints: Any, n_features: int) -> np.ndarray:
    """-1/0/+1 per feature from ``monotone_constraints``."""
    if constraints is None:
        return np.zeros(n_features, dtype=np.int64)
    values = list(constraints) if isinstance(constraints, Sequence) or isinstance(
        constraints, np.ndarray) else None
    if values is None or len(values) != n_features:
        raise ValueError(
            f"monotone_constraints must list one of -1, 0, 1 for each of the {n_features} "
            f"features, got {constraints!r}"
        )
    for i, v in enumerate(values):
        if v not in (-1, 0, 1) or isinstance(v, bool):
            raise ValueError(f"monotone_constraints[{i}]={v!r} must be -1, 0 or 1")
    return np.array(values, dtype=np.int64)


def check_validation_size(value: Any) -> None:
    if value is None:
        return
    if isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= 0:
        return
    check_number("validation_size", value, 0.0, 1.0, high_open=True)
