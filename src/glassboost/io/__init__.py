"""Model export: versioned JSON files and SQL scoring queries."""

from .model_json import ModelFileError, load, to_json
from .sql import to_sql

__all__ = ["ModelFileError", "load", "to_json", "to_sql"]
