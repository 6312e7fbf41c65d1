"""Performance views of any fitted model: ROC, precision-recall and regression residuals, with
the same explanation interface as the EBM's explanations (``data()``, ``visualize()``)."""

from .explanation import PerfExplanation
from .views import PR, ROC, RegressionPerf

__all__ = ["PR", "ROC", "PerfExplanation", "RegressionPerf"]
