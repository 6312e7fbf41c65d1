"""Editing fitted models: drop, scale, replace or monotonize terms, drop features.

Every edit keeps the per-term attributes aligned (``term_features_``, ``term_names_``,
``term_scores_``, ``standard_deviations_``, ``bagged_scores_``, ``bin_weights_``) and keeps the
model exactly ``intercept_ + sum of terms``, so ``eval_terms`` still adds up to
``decision_function``. Per-bag tables move with the mean table: after an edit their mean is still
``term_scores_``. Every function edits the model in place and returns it, for chaining.

Edits are all-or-nothing: each computes every new attribute first and assigns them only when all
are computed, so an edit that fails leaves the model exactly as it was. A model loaded from a
file that left parts out (:class:`~glassboost.io.detail.AbsentPart`) can still take the edits that
do not need those parts; the parts stay absent.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

import numpy as np
from sklearn.isotonic import IsotonicRegression
from sklearn.utils.validation import check_is_fitted

from .io.detail import AbsentPart
from .model import term_importances
from .schema import NOMINAL

_PER_TERM = ("term_features_", "term_names_", "term_scores_", "standard_deviations_",
             "bagged_scores_", "bin_weights_")


def _fitted(model: Any) -> None:
    check_is_fitted(model, "term_scores_")


def term_index(model: Any, term: Any) -> int:
    """The index of a term given by index or name; ValueError naming it when unknown."""
    if isinstance(term, (int, np.integer)) and not isinstance(term, (bool, np.bool_)):
        if -len(model.term_names_) <= term < len(model.term_names_):
            return int(term) % len(model.term_names_)
        raise ValueError(f"term index {term} is out of range: the model has "
                         f"{len(model.term_names_)} terms")
    if isinstance(term, str) and term in model.term_names_:
        return model.term_names_.index(term)
    raise ValueError(f"unknown term {term!r}; terms are {list(model.term_names_)}")


def _feature_index(model: Any, feature: Any) -> int:
    names = list(model.feature_names_in_)
    if isinstance(feature, (int, np.integer)) and not isinstance(feature, (bool, np.bool_)):
        if -len(names) <= feature < len(names):
            return int(feature) % len(names)
        raise ValueError(f"feature index {feature} is out of range: the model has "
                         f"{len(names)} features")
    if isinstance(feature, str) and feature in names:
        return names.index(feature)
    raise ValueError(f"unknown feature {feature!r}; features are {names}")


def _as_list(items: Any) -> list:
    return [items] if isinstance(items, (str, int, np.integer)) else list(items)


def _assign(model: Any, updates: dict[str, Any]) -> Any:
    """Set the new attributes, all computed beforehand (plain assignments cannot fail)."""
    for attribute, value in updates.items():
        setattr(model, attribute, value)
    return model


def _kept_terms(model: Any, keep: list[int]) -> dict[str, Any]:
    """The per-term attributes restricted to the terms ``keep`` (absent parts stay absent)."""
    updates = {}
    for attribute in _PER_TERM:
        values = getattr(model, attribute)
        updates[attribute] = (values if isinstance(values, AbsentPart)
                              else [values[t] for t in keep])
    return updates


def _with_term(model: Any, attribute: str, t: int, change: Callable[[Any], Any]) -> Any:
    """A copy of the per-term list ``attribute`` with term ``t`` replaced by ``change`` of it
    (absent stays absent)."""
    values = getattr(model, attribute)
    if isinstance(values, AbsentPart):
        return values
    values = list(values)
    values[t] = change(values[t])
    return values


def remove_terms(model: Any, terms: Iterable[Any]) -> Any:
    """Drop terms given by index or name. Terms have weighted mean zero, so nothing else moves."""
    _fitted(model)
    drop = {term_index(model, t) for t in _as_list(terms)}
    keep = [t for t in range(len(model.term_names_)) if t not in drop]
    return _assign(model, _kept_terms(model, keep))


def remove_features(model: Any, features: Iterable[Any]) -> Any:
    """Drop features (by index or name) and every term that uses them.

    The features leave ``feature_names_in_``, ``bins_`` and the other per-feature attributes, so
    arrays passed to ``predict`` afterwards have the remaining columns only.
    """
    _fitted(model)
    drop = {_feature_index(model, f) for f in _as_list(features)}
    updates = _kept_terms(model, [t for t, fs in enumerate(model.term_features_)
                                  if not drop & set(fs)])
    keep = [f for f in range(model.n_features_in_) if f not in drop]
    new_index = {old: new for new, old in enumerate(keep)}
    dropped_names = {model.feature_names_in_[f] for f in drop}
    strengths = model.interaction_strengths_
    if not isinstance(strengths, AbsentPart):
        strengths = {pair: s for pair, s in strengths.items() if not dropped_names & set(pair)}
    updates.update({
        "term_features_": [tuple(new_index[f] for f in fs) for fs in updates["term_features_"]],
        "feature_names_in_": [model.feature_names_in_[f] for f in keep],
        "feature_types_in_": [model.feature_types_in_[f] for f in keep],
        "bins_": [model.bins_[f] for f in keep],
        "n_features_in_": len(keep),
        "interaction_strengths_": strengths,
    })
    return _assign(model, updates)


def scale(model: Any, term: Any, factor: float) -> Any:
    """Multiply one term by ``factor`` (its spread by ``|factor|``); 0 silences the term."""
    _fitted(model)
    t = term_index(model, term)
    factor = float(factor)
    if not np.isfinite(factor):
        raise ValueError(f"scale factor must be finite, got {factor}")
    return _assign(model, {
        "term_scores_": _with_term(model, "term_scores_", t, lambda v: v * factor),
        "standard_deviations_": _with_term(model, "standard_deviations_", t,
                                           lambda v: v * abs(factor)),
        "bagged_scores_": _with_term(model, "bagged_scores_", t, lambda v: v * factor),
    })


def sweep(model: Any, threshold: float, importance_type: str = "avg_weight") -> Any:
    """Drop every term whose importance is below ``threshold``."""
    _fitted(model)
    importances = term_importances(model.term_scores_, model.bin_weights_, importance_type)
    return remove_terms(model, [t for t, v in enumerate(importances) if v < threshold])


def _replaced(model: Any, t: int, scores: np.ndarray) -> dict[str, Any]:
    """New mean table; bags move by the same amount so their mean stays the mean table."""
    delta = scores - model.term_scores_[t]
    return {"term_scores_": _with_term(model, "term_scores_", t, lambda _: scores),
            "bagged_scores_": _with_term(model, "bagged_scores_", t, lambda v: v + delta)}


def set_term_scores(model: Any, term: Any, scores: Any) -> Any:
    """Replace one term's table; it must have the same shape and be finite.

    The table is used as given (not re-centered), so predictions change exactly by the edit.
    """
    _fitted(model)
    t = term_index(model, term)
    new = np.array(scores, dtype=np.float64)
    old = model.term_scores_[t]
    if new.shape != old.shape:
        raise ValueError(f"term {model.term_names_[t]!r}: scores have shape {new.shape}, "
                         f"expected {old.shape}")
    if not np.all(np.isfinite(new)):
        raise ValueError(f"term {model.term_names_[t]!r}: scores contain NaN or infinity")
    return _assign(model, _replaced(model, t, new))


def _shifted_intercept(model: Any, shift: float) -> dict[str, Any]:
    if np.ndim(model.intercept_) == 0:
        intercept = float(model.intercept_) + shift
    else:
        intercept = np.asarray(model.intercept_, dtype=np.float64) + shift
    return {"intercept_": intercept,
            "bagged_intercept_": np.asarray(model.bagged_intercept_, dtype=np.float64) + shift}


def monotonize(model: Any, term: Any, increasing: bool | str = "auto") -> Any:
    """Make a main effect monotone over its value bins by weighted isotonic regression.

    The missing and unseen bins are not part of the order. Afterwards the whole table is shifted
    to weighted mean zero and the shift moves into the intercept, so rows in the missing and
    unseen bins keep their predictions. ``increasing='auto'`` follows the sign of the weighted
    correlation between bin position and score.
    """
    _fitted(model)
    t = term_index(model, term)
    name = model.term_names_[t]
    features = model.term_features_[t]
    scores = np.asarray(model.term_scores_[t], dtype=np.float64)
    if len(features) != 1:
        raise ValueError(f"term {name!r} is an interaction; only main effects can be monotonized")
    if model.feature_types_in_[features[0]] == NOMINAL:
        raise ValueError(f"term {name!r} is nominal: its categories have no order")
    if scores.ndim != 1:
        raise ValueError(f"term {name!r} has one score per class; monotonize needs one score "
                         "per bin (binary classification or regression)")
    if increasing not in ("auto", True, False):
        raise ValueError(f"increasing must be True, False or 'auto', got {increasing!r}")
    weights = np.asarray(model.bin_weights_[t], dtype=np.float64)
    values, w = scores[1:-1], weights[1:-1]
    if w.sum() <= 0:
        raise ValueError(f"term {name!r} has no training weight in its value bins")
    position = np.arange(len(values), dtype=np.float64)
    if increasing == "auto":
        centered = position - np.average(position, weights=w)
        increasing = bool(np.dot(w * centered, values - np.average(values, weights=w)) >= 0)
    seen = w > 0
    isotonic = IsotonicRegression(increasing=increasing, out_of_bounds="clip")
    fitted = isotonic.fit(position[seen], values[seen], sample_weight=w[seen])
    new = scores.copy()
    new[1:-1] = fitted.predict(position)
    shift = float(np.dot(weights, new) / weights.sum())
    return _assign(model, {**_replaced(model, t, new - shift), **_shifted_intercept(model, shift)})
