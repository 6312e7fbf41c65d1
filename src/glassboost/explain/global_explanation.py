"""The global explanation: what every term of the model does, over its whole range."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import numpy as np

from ..schema import CONTINUOUS
from .terms import (BAND_WIDTH, Term, checked_class_index, class_names, find_term,
                    has_bagged_spread, model_terms, score_label)

IMPORTANCE_TITLE = "Mean |score| over the training data"
BAND_DESCRIPTION = ("score ± 1 standard deviation of the outer bags' scores (InterpretML's "
                    f"bounds); the figures draw score ± {BAND_WIDTH} standard deviations "
                    "(about 95% of the bag models)")
NO_BAND_DESCRIPTION = ("none: the model has no spread over outer bags (one bag), so the "
                       "figures draw no band and lower and upper bounds equal the scores")


def privacy_record(model: Any) -> dict | None:
    """A differentially private model's account (``privacy_budget_``: budget, split, noise
    scales), or only its parameters when the account is unknown (an older model file), with
    its summary in words; None for a standard model."""
    summary = getattr(model, "privacy_summary", None)
    if summary is None:
        return None
    budget = getattr(model, "privacy_budget_", None)
    record = (dict(budget) if budget is not None else
              {name: getattr(model, name) for name in ("epsilon", "delta", "composition")})
    record["summary"] = summary()
    return record


def _value_names(term: Term, axis: int) -> np.ndarray | list[str]:
    """InterpretML's bin names: the value-bin edges of a continuous feature, else the labels."""
    feature = term.axes[axis]
    if feature.kind == CONTINUOUS:
        return feature.edges.copy()
    return feature.labels[1:-1]


def _per_feature(model: Any, attribute: str, feature: int) -> Any:
    """One feature's entry of a per-feature training summary, None when the model lacks it."""
    entries = getattr(model, attribute, None)
    return None if entries is None else entries[feature]


def _density(model: Any, term: Term) -> dict:
    """InterpretML's density of a main effect: the feature's training histogram
    (``histogram_edges_``, ``histogram_weights_``) when the model keeps it, else the term's
    value bins with their training weight. An interaction's (glassboost's) is the training
    weight of its value bins."""
    if term.is_interaction:
        return {"scores": term.weights[(slice(1, -1),) * len(term.axes)]}
    feature = model.term_features_[term.index][0]
    histogram = _per_feature(model, "histogram_weights_", feature)
    edges = _per_feature(model, "histogram_edges_", feature)
    continuous = term.axes[0].kind == CONTINUOUS
    if histogram is None or (continuous and edges is None) or (
            not continuous and len(histogram) != term.axes[0].n_bins):  # bins since changed
        return {"names": _value_names(term, 0), "scores": term.weights[1:-1]}
    names = np.array(edges, dtype=np.float64) if continuous else _value_names(term, 0)
    return {"names": names, "scores": np.array(histogram, dtype=np.float64)[1:-1]}


def _scores_range(terms: list[Term]) -> tuple[float, float]:
    """InterpretML's ``scores_range``: the lowest ``score - sd`` and the highest
    ``score + sd`` over every bin of every term (one scale for all plots)."""
    if not terms:
        return np.inf, -np.inf
    return (min(float(np.min(t.scores - t.sd)) for t in terms),
            max(float(np.max(t.scores + t.sd)) for t in terms))


def _term_data(term: Term, density: dict, scores_range: tuple[float, float],
               label_names: list | None) -> dict:
    """One term's dictionary: InterpretML's keys (bounds ``score ± sd``) and glassboost's."""
    inner = (slice(1, -1),) * len(term.axes)
    lower, upper = term.scores - term.sd, term.scores + term.sd
    data: dict[str, Any] = {
        "type": "interaction" if term.is_interaction else "univariate",
        "name": term.name,
        "feature_types": [a.kind for a in term.axes],
        "importance": term.importance,
        "scores": term.scores[inner],
        "scores_range": scores_range,
        "lower_bounds": lower[inner],
        "upper_bounds": upper[inner],
        "density": density,
        "all_bins": {
            "labels": [a.labels for a in term.axes],
            "scores": term.scores,
            "lower_bounds": lower,
            "upper_bounds": upper,
            "weights": term.weights,
        },
    }
    if label_names is not None:
        data["meta"] = {"label_names": label_names}
    if term.is_interaction:  # any order: the features and each one's bin names, in order
        data["feature_names"] = [a.feature for a in term.axes]
        data["axis_names"] = [_value_names(term, a) for a in range(len(term.axes))]
        if term.is_pair:
            data["left_names"], data["right_names"] = data["axis_names"]
    else:
        data["names"] = _value_names(term, 0)
        for label, b in (("missing", 0), ("unseen", -1)):
            data[label] = {"score": term.scores[b], "lower_bound": lower[b],
                           "upper_bound": upper[b], "weight": float(term.weights[b])}
    return data


class GlobalExplanation:
    """Every term's shape, uncertainty band, training density and importance.

    The data's bounds are InterpretML's, ``score ± standard_deviations_``; the figures draw
    ``score ± 1.96 * standard_deviations_``. Both show the spread of the outer bags, not a
    confidence interval of the averaged model. The figures' density is the training weight per
    bin (``bin_weights_``). Bins are labelled ``"missing"`` (index 0) and ``"unseen"`` (last
    index).
    """

    def __init__(self, model: Any, name: str | None = None) -> None:
        self.name = name or f"{type(model).__name__} global explanation"
        self.terms: list[Term] = model_terms(model)
        self.score_title = score_label(model)
        self.classes = class_names(model)
        self.privacy = privacy_record(model)
        self.has_band = has_bagged_spread(model)
        self._densities = [_density(model, term) for term in self.terms]
        self._scores_range = _scores_range(self.terms)
        classes = getattr(model, "classes_", None)
        self._label_names = None if classes is None else np.asarray(classes).tolist()

    @property
    def term_names(self) -> list[str]:
        return [t.name for t in self.terms]

    @property
    def importances(self) -> np.ndarray:
        """Mean absolute score over the training data (``term_importances("avg_weight")``)."""
        return np.array([t.importance for t in self.terms])

    def data(self, key: int | str | None = None) -> dict:
        """InterpretML's layout and values: key None gives names and importances; a term
        (index or name) gives its bins, scores, bounds (``score ± sd``), ``scores_range``,
        density and, for classifiers, ``meta``; glassboost adds ``missing``/``unseen`` for
        mains and ``all_bins`` with the full tables; key None also gives ``privacy`` for a
        differentially
        private model (its account, see :func:`privacy_record`). An interaction of any order
        has one table axis per feature, named in ``feature_names`` with their bins in
        ``axis_names`` (a pair's also in ``left_names``/``right_names``); InterpretML leaves
        terms of three or more features out of its explanation, glassboost keeps them."""
        if key is None:
            overall = {"type": "univariate", "names": self.term_names,
                       "scores": self.importances,
                       "importance_type": "avg_weight",
                       "bounds": BAND_DESCRIPTION if self.has_band else NO_BAND_DESCRIPTION}
            if self.privacy is not None:
                overall["privacy"] = self.privacy
            return overall
        term = find_term(self.terms, key)
        return _term_data(term, self._densities[term.index], self._scores_range,
                          self._label_names)

    def figure(self, term: int | str, class_index: int | None = None, x_scale: str = "auto"):
        """Interactive Plotly figure of one term (shape, bars or heat map).

        ``x_scale`` sets the value axis of a continuous feature: ``"linear"``, ``"log"`` (every
        cut point positive), ``"quantile"`` (each bin as wide as its share of the training
        weight, for long tails), or ``"auto"``: quantile when the central 90% of the training
        weight spans less than a fifth of the linear axis, else linear."""
        from .figures import term_figure

        return term_figure(find_term(self.terms, term), self.score_title, self.classes,
                           checked_class_index(self.classes, class_index), x_scale)

    def importance_figure(self):
        """Interactive Plotly bar chart of the term importances, largest on top."""
        from .figures import importance_figure

        return importance_figure(self.term_names, self.importances, IMPORTANCE_TITLE)

    def visualize(self, key: int | str | None = None):
        """InterpretML's interface: the importance chart for None, else the term's figure."""
        return self.importance_figure() if key is None else self.figure(key)

    def plot(self, term: int | str | None = None, path: str | Path | None = None,
             class_index: int | None = None, x_scale: str = "auto"):
        """Static matplotlib figure of one term (or of the importances when ``term`` is None),
        saved to ``path`` (PNG, SVG, PDF by suffix) when given; ``x_scale`` as in
        :meth:`figure`."""
        from . import static

        if term is None:
            fig = static.importance_plot(self.term_names, self.importances, IMPORTANCE_TITLE)
        else:
            fig = static.term_plot(find_term(self.terms, term), self.score_title, self.classes,
                                   checked_class_index(self.classes, class_index), x_scale)
        return static.save(fig, path)

    def _repr_html_(self) -> str:
        from . import static

        svg = static.svg_markup(self.plot())
        private = ("" if self.privacy is None
                   else f"<p>{html.escape(self.privacy['summary'])}</p>")
        return (f"<div><h4>{html.escape(self.name)}</h4>{private}{svg}"
                f"<p>{len(self.terms)} terms; use <code>.figure(term)</code> for an "
                "interactive plot of one term.</p></div>")
