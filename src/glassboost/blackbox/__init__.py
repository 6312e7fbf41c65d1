"""Explainers of any fitted model (glassboost, scikit-learn, LightGBM, a plain function), with
the same explanation interface as the EBM's own explanations (``data(key)``, ``visualize(key)``,
``figure``, ``plot``).

Every number comes from the library made for it: scikit-learn's partial dependence and
permutation importance, ``shap``'s kernel, permutation and tree explainers, ``lime``'s
LimeTabularExplainer, ``SALib``'s Morris method; an EBM's exact SHAP values come from its terms.
shap, lime and SALib are in the ``explain`` extra (``pip install glassboost[explain]``) and
imported only when used.
"""

from .ebm_shap import EbmShap
from .lime_tabular import LimeTabular
from .local_attribution import LocalAttribution
from .morris import MorrisExplanation, MorrisSensitivity
from .partial_dependence import PartialDependence, PartialDependenceExplanation
from .permutation_importance import ImportanceExplanation, PermutationImportance
from .shap_kernel import ShapKernel
from .shap_permutation import ShapPermutation
from .shap_tree import ShapTree
from .side_by_side import show_side_by_side

__all__ = ["EbmShap", "ImportanceExplanation", "LimeTabular", "LocalAttribution",
           "MorrisExplanation", "MorrisSensitivity", "PartialDependence",
           "PartialDependenceExplanation", "PermutationImportance", "ShapKernel",
           "ShapPermutation", "ShapTree", "show_side_by_side"]
