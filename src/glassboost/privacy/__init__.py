"""Differentially private EBMs: private binning, the noisy step rule, the accountant."""

from .estimators import DPExplainableBoostingClassifier, DPExplainableBoostingRegressor

__all__ = ["DPExplainableBoostingClassifier", "DPExplainableBoostingRegressor"]
