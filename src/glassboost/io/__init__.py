"""Model files and export: versioned JSON files and SQL scoring queries (``glassboost.load``
reads the files back into estimators)."""

from .model_json import ModelFileError, to_json
from .sql import to_sql

__all__ = ["ModelFileError", "to_json", "to_sql"]
