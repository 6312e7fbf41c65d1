"""Explainable Boosting Machines trained and scored on a Dask cluster (``pip install
glassboost[dask]``): see docs/dask.md."""

from .estimators import DaskExplainableBoostingClassifier, DaskExplainableBoostingRegressor

__all__ = ["DaskExplainableBoostingClassifier", "DaskExplainableBoostingRegressor"]
