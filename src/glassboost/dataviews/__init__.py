"""Views of a data set before any model (InterpretML's ``interpret.data``): histograms per class
and marginals against a numeric response, with the one explanation interface (``data(key)``,
``visualize(key)``). Named ``dataviews`` because ``glassboost/data`` holds the bundled data."""

from .views import ClassHistogram, ClassHistogramExplanation, Marginal, MarginalExplanation

__all__ = ["ClassHistogram", "ClassHistogramExplanation", "Marginal", "MarginalExplanation"]
