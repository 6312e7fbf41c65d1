"""glassboost: fast Explainable Boosting Machines with a scikit-learn API."""

from .estimators import ExplainableBoostingClassifier, ExplainableBoostingRegressor

__version__ = "0.1.0"

__all__ = ["ExplainableBoostingClassifier", "ExplainableBoostingRegressor", "__version__"]
