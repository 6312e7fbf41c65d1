"""Model files and export: versioned JSON files and SQL scoring queries (``glassboost.load``
reads the files back into estimators).

``to_sql`` is imported on first use: reading a model file to score with it imports neither the
SQL writer nor what it needs.
"""

from typing import Any

from .model_json import ModelFileError, to_json

__all__ = ["ModelFileError", "to_json", "to_sql"]


def __getattr__(name: str) -> Any:
    if name == "to_sql":
        from .sql import to_sql

        return to_sql
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
