"""glassboost: fast Explainable Boosting Machines with a scikit-learn API."""

from .estimators import ExplainableBoostingClassifier, ExplainableBoostingRegressor
from .report import report
from .io.model_json import load
from .merge import merge_ebms

__version__ = "0.1.0"

__all__ = ["ExplainableBoostingClassifier", "ExplainableBoostingRegressor", "__version__", "load",
           "merge_ebms", "report"]
