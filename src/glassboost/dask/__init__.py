"""Explainable Boosting Machines trained and scored on a Dask cluster (``pip install
glassboost[dask]``): see docs/dask.md."""

try:
    import dask.dataframe  # noqa: F401
    import distributed  # noqa: F401
except ImportError as error:
    raise ImportError("glassboost.dask needs Dask: pip install 'glassboost[dask]' "
                      f"(dask[dataframe] and distributed): {error}") from None

from . import sizes  # noqa: F401  (dask's sizes of the fit's stored values)
from .estimators import DaskExplainableBoostingClassifier, DaskExplainableBoostingRegressor

__all__ = ["DaskExplainableBoostingClassifier", "DaskExplainableBoostingRegressor"]
