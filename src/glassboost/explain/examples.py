"""Which rows the report explains one by one: the worst mistakes and the surest calls."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from .local_explanation import LocalExplanation


def check_count(value: Any, name: str = "count") -> int:
    """``value`` as a number of rows per heading, or a ValueError naming ``name``: a negative
    count would slice from the end and pick nearly every row."""
    if (isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral)
            or value < 0):
        raise ValueError(f"{name} must be a non-negative integer (rows per heading), "
                         f"got {value!r}")
    return int(value)


def pick_examples(local: LocalExplanation, count: int = 3) -> dict[str, list[int]]:
    """Row positions of the ``count`` largest errors and, among the other rows, the ``count``
    most confident predictions (classifiers) or the most accurate ones (regressors).

    A classifier's largest errors are its misclassified rows, the lowest probability of the
    true class first; a correctly predicted row is never among them. When fewer than ``count``
    rows are misclassified, the correct rows with the lowest probability of their class fill
    up the count under a heading of their own.
    """
    count = check_count(count)
    if local.actual is None:
        return _without_target(local, count)
    if local.is_classifier:
        truth = local.actual_class
        p_true = np.where(truth >= 0,
                          local.probabilities[np.arange(len(local)), np.maximum(truth, 0)], 0.0)
        wrong = truth != np.argmax(local.probabilities, axis=1)
        by_p_true = np.argsort(p_true, kind="stable")
        errors = by_p_true[wrong[by_p_true]][:count]
        unsure = by_p_true[~wrong[by_p_true]][:count - len(errors)]
        rest = np.setdiff1d(np.arange(len(local)), np.concatenate((errors, unsure)))
        confidence = local.probabilities[rest].max(axis=1)
        best = rest[np.argsort(-confidence, kind="stable")[:count]]
        picked = {"Largest errors": errors.tolist()}
        if len(unsure):
            picked["Least sure correct predictions"] = unsure.tolist()
        picked["Most confident predictions"] = best.tolist()
        return {reason: rows for reason, rows in picked.items() if rows}
    residual = np.abs(local.actual.astype(np.float64) - local.predictions)
    errors = np.argsort(-residual, kind="stable")[:count]
    rest = np.setdiff1d(np.arange(len(local)), errors)
    best = rest[np.argsort(residual[rest], kind="stable")[:count]]
    return {"Largest errors": errors.tolist(), "Most accurate predictions": best.tolist()}


def _without_target(local: LocalExplanation, count: int) -> dict[str, list[int]]:
    """With no target there are no errors: the least and the most confident predictions
    (classifiers), or the lowest and the highest predictions (regressors)."""
    if local.is_classifier:
        confidence = local.probabilities.max(axis=1)
        order = np.argsort(confidence, kind="stable")
        low, high = "Least confident predictions", "Most confident predictions"
    else:
        order = np.argsort(local.predictions, kind="stable")
        low, high = "Lowest predictions", "Highest predictions"
    lowest = order[:count].tolist()
    highest = [int(r) for r in order[::-1] if r not in lowest][:count]
    return {low: lowest, high: highest}
