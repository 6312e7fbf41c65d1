"""glassboost: fast Explainable Boosting Machines with a scikit-learn API.

The public names are imported on first use, so that ``import glassboost`` and scoring a saved
model do not pay for what they do not use (the report's Plotly and matplotlib, for instance).
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: Each public name and the submodule that defines it.
_PUBLIC = {
    "CustomObjective": ".objectives",
    "ExplainableBoostingClassifier": ".estimators",
    "ExplainableBoostingRegressor": ".estimators",
    "DataWarning": ".schema",
    "dashboard": ".dashboard",
    "DPExplainableBoostingClassifier": ".privacy",
    "DPExplainableBoostingRegressor": ".privacy",
    "from_interpret": ".io.interpret",
    "input_coverage": ".coverage",
    "load": ".loading",
    "merge_ebms": ".merge",
    "report": ".report",
    "show": ".display",
    "show_side_by_side": ".blackbox.side_by_side",
}

__all__ = ["CustomObjective", "DPExplainableBoostingClassifier", "DPExplainableBoostingRegressor",
           "DataWarning", "ExplainableBoostingClassifier", "ExplainableBoostingRegressor",
           "__version__", "dashboard", "from_interpret", "input_coverage", "load",
           "merge_ebms", "report", "show", "show_side_by_side"]

if TYPE_CHECKING:  # what type checkers and editors see
    from .blackbox.side_by_side import show_side_by_side
    from .coverage import input_coverage
    from .objectives import CustomObjective
    from .dashboard import dashboard
    from .display import show
    from .estimators import ExplainableBoostingClassifier, ExplainableBoostingRegressor
    from .io.interpret import from_interpret
    from .loading import load
    from .merge import merge_ebms
    from .privacy import DPExplainableBoostingClassifier, DPExplainableBoostingRegressor
    from .report import report
    from .schema import DataWarning


def __getattr__(name: str) -> Any:
    """Import a public name on first use and keep it."""
    if name not in _PUBLIC:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_PUBLIC[name], __name__), name)
    setattr(sys.modules[__name__], name, value)
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


class _Package(ModuleType):
    """``glassboost.report`` is the function even after its submodule ``glassboost.report`` is
    imported (which binds the submodule to the package's attribute of the same name)."""

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, ModuleType) and _PUBLIC.get(name) == f".{name}":
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
