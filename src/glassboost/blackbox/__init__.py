"""Explainers of any fitted model (glassboost, scikit-learn, LightGBM, a plain function), with
the same explanation interface as the EBM's own explanations (``data(key)``, ``visualize(key)``,
``figure``, ``plot``).

Every number comes from the library made for it: scikit-learn's partial dependence, ``shap``'s
KernelExplainer, ``lime``'s LimeTabularExplainer, ``SALib``'s Morris method. The last three are
in the ``explain`` extra (``pip install glassboost[explain]``) and imported only when used.
"""

from .lime_tabular import LimeTabular
from .local_attribution import LocalAttribution
from .morris import MorrisExplanation, MorrisSensitivity
from .partial_dependence import PartialDependence, PartialDependenceExplanation
from .shap_kernel import ShapKernel
from .side_by_side import show_side_by_side

__all__ = ["LimeTabular", "LocalAttribution", "MorrisExplanation", "MorrisSensitivity",
           "PartialDependence", "PartialDependenceExplanation", "ShapKernel",
           "show_side_by_side"]
