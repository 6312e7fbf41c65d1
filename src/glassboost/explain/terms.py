"""Read a fitted model's tables into plain per-term records that explanations and plots share.

Everything here reads only the InterpretML-layout fitted attributes, so any object carrying them
(an estimator, a loaded model) can be explained.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..binning import feature_bins_from_levels
from ..schema import CONTINUOUS

#: Half-width of the band the figures draw, in bag standard deviations: ``score ± 1.96 * sd``
#: covers about 95% of the outer bags' values if they are spread normally. The data keep
#: InterpretML's bounds, ``score ± sd``.
BAND_WIDTH = 1.96

MISSING = "missing"
UNSEEN = "unseen"


@dataclass(frozen=True)
class Axis:
    """One feature of a term, binned at the resolution the term uses.

    ``labels`` has one entry per bin: ``"missing"``, the value bins, ``"unseen"``. For continuous
    features ``edges`` holds the edges of the value bins (one more than the value bins) as
    InterpretML names them: the cuts between the training minimum and maximum
    (``feature_bounds_``), see :func:`graph_bounds`.
    """

    feature: str
    kind: str
    labels: list[str]
    edges: np.ndarray | None

    @property
    def n_bins(self) -> int:
        return len(self.labels)

    @property
    def drawn_edges(self) -> np.ndarray:
        """The edges a figure can draw: ``edges`` when finite and increasing, else the cuts
        extended by one neighbouring bin width (no cuts, infinite or single-value bounds)."""
        if np.all(np.isfinite(self.edges)) and np.all(np.diff(self.edges) > 0):
            return self.edges
        return _extended_edges(self.edges[1:-1])


@dataclass(frozen=True)
class Term:
    """One term's table with its bag standard deviations, training weight per bin, and
    importance."""

    index: int
    name: str
    axes: tuple[Axis, ...]
    scores: np.ndarray
    sd: np.ndarray
    weights: np.ndarray
    importance: float
    #: False when the model has no spread over bags (one bag, as a private model): figures then
    #: draw no band, since a band of zero width would claim a certainty nobody measured.
    has_band: bool = True

    @property
    def is_main(self) -> bool:
        return len(self.axes) == 1

    @property
    def is_pair(self) -> bool:
        return len(self.axes) == 2

    @property
    def is_interaction(self) -> bool:
        """A term of two or more features (a pair or a higher-order term)."""
        return len(self.axes) > 1

    @property
    def kind(self) -> str:
        """What the term is, for titles and tables: the feature's kind for a main effect,
        ``interaction`` for a pair, ``N-way interaction`` for a term of N > 2 features."""
        if self.is_main:
            return self.axes[0].kind
        return "interaction" if self.is_pair else f"{len(self.axes)}-way interaction"

    def slices(self) -> list[tuple[tuple[int, ...], str]]:
        """A term of three or more features as pair tables: one slice per combination of the
        shown bins of its features after the first two, as (those bins, label), e.g.
        ``((2,), "c = [2.5, 5.5)")``. A pair is one slice with no bins and no label."""
        shown = [self.shown_bins(axis) for axis in range(2, len(self.axes))]
        return [(tuple(int(b) for b in bins),
                 ", ".join(f"{self.axes[a].feature} = {self.axes[a].labels[b]}"
                           for a, b in enumerate(bins, start=2)))
                for bins in itertools.product(*shown)]

    def for_class(self, k: int | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Scores and the drawn band's lower and upper edges (``score ± BAND_WIDTH * sd``) of
        class ``k`` (None: the model has one score)."""
        scores, sd = ((self.scores, self.sd) if k is None
                      else (self.scores[..., k], self.sd[..., k]))
        return scores, scores - BAND_WIDTH * sd, scores + BAND_WIDTH * sd

    def bar_order(self) -> list[int]:
        """Bins of a main effect in drawing order: the shown value bins, then missing/unseen."""
        last = self.axes[0].n_bins - 1
        shown = [int(b) for b in self.shown_bins()]
        return [b for b in shown if b not in (0, last)] + [b for b in shown if b in (0, last)]

    def special_bins(self) -> list[int]:
        """The missing and unseen bins of a main effect that are drawn."""
        return [b for b in self.bar_order() if b in (0, self.axes[0].n_bins - 1)]

    def shown_bins(self, axis: int = 0) -> np.ndarray:
        """Indices of the bins to draw along ``axis``: every value bin; the missing bin when it
        holds training weight or a non-zero score; the unseen bin always for a main effect (it
        tells what a value never seen in training scores), for an interaction when it is
        non-zero."""
        n = self.axes[axis].n_bins
        other = tuple(i for i in range(self.weights.ndim) if i != axis)
        weight = self.weights.sum(axis=other) if other else self.weights
        score_axes = tuple(i for i in range(self.scores.ndim) if i != axis)
        nonzero = np.any(self.scores != 0, axis=score_axes) if score_axes else self.scores != 0
        keep = np.ones(n, dtype=bool)
        keep[0] = bool(weight[0] > 0 or nonzero[0])
        keep[n - 1] = self.is_main or bool(weight[n - 1] > 0 or nonzero[n - 1])
        return np.flatnonzero(keep)


def _extended_edges(cuts: np.ndarray) -> np.ndarray:
    """The cuts with an outer edge one neighbouring bin width past each end ([0, 1] without
    cuts): edges to draw when the training range is unknown or a single value."""
    if len(cuts) == 0:
        return np.array([0.0, 1.0])
    step_low = cuts[1] - cuts[0] if len(cuts) > 1 else max(abs(cuts[0]), 1.0)
    step_high = cuts[-1] - cuts[-2] if len(cuts) > 1 else step_low
    return np.concatenate(([cuts[0] - step_low], cuts, [cuts[-1] + step_high]))


def graph_bounds(cuts: np.ndarray, low: float, high: float) -> tuple[float, float]:
    """InterpretML's outer edges of a continuous feature (its native ``SuggestGraphBounds``):
    the training minimum ``low`` and maximum ``high`` when they lie outside the cuts; an end
    without a usable bound (NaN, or inside the cuts, as in an edited model) extends past its
    outer cut by the span from the other end over twice the number of cuts (at most 64).
    Without cuts the bounds themselves, ±inf where unknown."""
    low_ok = not np.isnan(low) and (len(cuts) == 0 or low <= cuts[0])
    high_ok = not np.isnan(high) and (len(cuts) == 0 or high >= cuts[-1])
    if len(cuts) == 0:
        return (low if low_ok else -np.inf), (high if high_ok else np.inf)
    span = (high if high_ok else cuts[-1]) - (low if low_ok else cuts[0])
    step = span / min(2 * len(cuts), 64)
    return (low if low_ok else cuts[0] - step), (high if high_ok else cuts[-1] + step)


def _training_range(model: Any, feature: int) -> tuple[float, float]:
    """The feature's training minimum and maximum (``feature_bounds_``), NaN when unknown
    (a model loaded from a file)."""
    bounds = getattr(model, "feature_bounds_", None)
    if bounds is None:
        return np.nan, np.nan
    low, high = np.asarray(bounds, dtype=np.float64)[feature]
    return float(low), float(high)


def feature_axis(model: Any, feature: int, interaction: bool) -> Axis:
    """The bins of one feature at the main-effect or the interaction resolution."""
    kind = model.feature_types_in_[feature]
    bins = feature_bins_from_levels(kind, model.bins_[feature])
    labels = bins.bin_labels(interaction=interaction)
    labels[0], labels[-1] = MISSING, UNSEEN
    edges = None
    if kind == CONTINUOUS:
        cuts = bins.interaction_cuts if interaction else bins.cuts
        low, high = graph_bounds(cuts, *_training_range(model, feature))
        edges = np.concatenate(([low], cuts, [high]))
    return Axis(str(model.feature_names_in_[feature]), kind, labels, edges)


def class_names(model: Any) -> list[str] | None:
    """Class labels of a multiclass model (one score per class), else None."""
    classes = getattr(model, "classes_", None)
    if classes is None or len(classes) <= 2:
        return None
    return [str(c) for c in classes]


def checked_class_index(classes: list[str] | None, class_index: int | None) -> int | None:
    """``class_index`` as a position in ``classes`` (negative counts from the end), checked,
    so a class label given for an index, or a class picked of a model with one score per row
    (regressor, binary classifier), is named instead of failing or being ignored."""
    if class_index is None:
        return None
    if classes is None:
        raise ValueError(f"class_index={class_index!r} picks a class of a multiclass model; "
                         "this model has one score per row (a binary classifier's is the "
                         "log-odds of classes_[1]), so leave class_index None")
    if not -len(classes) <= int(class_index) < len(classes):
        raise ValueError(f"class_index={class_index!r} is not a position in the model's "
                         f"{len(classes)} classes {classes}")
    return int(class_index) % len(classes)


def score_label(model: Any) -> str:
    """What a term's score means, for axis titles."""
    link = getattr(model, "link_", "identity")
    if link == "logit":
        return f"Score (log-odds of {model.classes_[1]})"
    if link == "mlogit":
        return "Score (log-odds, per class)"
    if link == "log":
        return "Score (log of the mean)"
    return "Score (added to the prediction)"


def has_bagged_spread(model: Any) -> bool:
    """Whether any score varies over the outer bags: a one-bag model has no spread to show."""
    return any(np.any(np.asarray(sd, dtype=np.float64) > 0)
               for sd in model.standard_deviations_)


def model_terms(model: Any) -> list[Term]:
    """Every term of a fitted model, in the model's order, as copies of its tables: an
    explanation keeps what the model was when explained, and writing into its numbers
    leaves the model as it is."""
    importances = model.term_importances()
    has_band = has_bagged_spread(model)
    terms = []
    for t, features in enumerate(model.term_features_):
        interaction = len(features) > 1
        terms.append(Term(
            index=t,
            name=str(model.term_names_[t]),
            axes=tuple(feature_axis(model, f, interaction) for f in features),
            scores=np.array(model.term_scores_[t], dtype=np.float64),
            sd=np.array(model.standard_deviations_[t], dtype=np.float64),
            weights=np.array(model.bin_weights_[t], dtype=np.float64),
            importance=float(importances[t]),
            has_band=has_band,
        ))
    return terms


def find_term(terms: list[Term], key: int | str) -> Term:
    """A term by index or by name; a name that several terms share (a model converted from
    InterpretML may name a feature 'a & b' beside the pair of 'a' and 'b') is refused."""
    if isinstance(key, (int, np.integer)) and not isinstance(key, bool):
        if not -len(terms) <= key < len(terms):
            raise IndexError(f"term index {key} is out of range for {len(terms)} terms")
        return terms[key]
    found = [i for i, term in enumerate(terms) if term.name == key]
    if len(found) > 1:
        raise ValueError(f"term name {key!r} is ambiguous: the terms at indices {found} have "
                         "it; give the term by index")
    if found:
        return terms[found[0]]
    raise KeyError(f"no term named {key!r}; terms are {[t.name for t in terms][:20]}")
