"""Explanations of fitted models: global (every term) and local (every row), with plots."""

from __future__ import annotations

from typing import Any

from .base import Explanation
from .global_explanation import GlobalExplanation
from .local_explanation import LocalExplanation


def explain_global(model: Any, name: str | None = None) -> GlobalExplanation:
    """Every term's shape, uncertainty band, training density and importance."""
    return GlobalExplanation(model, name)


def explain_local(model: Any, X: Any, y: Any = None, name: str | None = None,
                  init_score: Any = None) -> LocalExplanation:
    """Every row's per-term contributions, intercept, score, prediction and (if given) actual;
    ``init_score``: base scores added to every row's score (InterpretML's meaning)."""
    return LocalExplanation(model, X, y, name, init_score)


__all__ = ["Explanation", "GlobalExplanation", "LocalExplanation", "explain_global",
           "explain_local"]
