"""Performance views of any fitted model: ROC, precision-recall, calibration and regression
residuals, with the same explanation interface as the EBM's explanations (``data()``,
``visualize()``)."""

from .explanation import PerfExplanation
from .views import PR, ROC, Calibration, RegressionPerf

__all__ = ["Calibration", "PR", "ROC", "PerfExplanation", "RegressionPerf"]
