"""One row's explanation as the steps of a waterfall: intercept, terms by size, final score.

The walk starts at the intercept (not at zero), so that the contributions, which are what the
reader came for, use the whole width of the chart.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Waterfall:
    """A waterfall chart's content: one bar per shown term, in drawing order, between the
    intercept and the final score."""

    title: str
    labels: list[str]
    values: list[float]
    intercept: float
    score: float
    axis_title: str
    note: str = ""  # what the score means, e.g. "P(bad) = 0.81", written next to it
    flags: str = ""  # the row's missing and unseen features, written under the title

    @property
    def starts(self) -> np.ndarray:
        """Where each contribution's bar starts: the running total before it."""
        return self.intercept + np.concatenate(([0.0], np.cumsum(self.values)))[:len(self.values)]


def build_waterfall(title: str, term_labels: list[str], contributions: np.ndarray,
                    intercept: float, axis_title: str, note: str = "",
                    max_terms: int = 12, flags: str = "") -> Waterfall:
    """Sort terms by |contribution|; past ``max_terms``, the rest share one "other" bar so the
    chart stays readable while the bars still add up to the score exactly."""
    order = np.argsort(-np.abs(contributions), kind="stable")
    shown, rest = order[:max_terms], order[max_terms:]
    labels = [term_labels[i] for i in shown]
    values = [float(contributions[i]) for i in shown]
    if len(rest):
        labels.append(f"{len(rest)} other terms")
        values.append(float(contributions[rest].sum()))
    score = float(intercept + contributions.sum())
    return Waterfall(title, labels, values, float(intercept), score, axis_title, note, flags)
