"""Editing fitted models: drop, scale, replace, monotonize or smooth terms, drop features, sweep
away what the output does not use, reorder a classifier's classes (InterpretML's meanings; smooth
is glassboost's own).

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

import numbers
import warnings
from dataclasses import replace
from typing import Any, Callable, Iterable

import numpy as np
from sklearn.isotonic import IsotonicRegression, check_increasing
from sklearn.utils.validation import check_is_fitted

from .datetimes import as_conversions
from .io.detail import AbsentPart
from .model import term_importances
from .parameters import check_number
from .schema import NOMINAL, twin_bins
from .shape_smoothing import bin_positions, local_linear

_PER_TERM = ("term_features_", "term_names_", "term_scores_", "standard_deviations_",
             "bagged_scores_", "bin_weights_")
# per-feature summaries of the training data; models loaded from files do not have them
_PER_FEATURE_LISTS = ("histogram_edges_", "histogram_weights_")
_PER_FEATURE_ARRAYS = ("unique_val_counts_", "feature_bounds_")


def _fitted(model: Any) -> None:
    check_is_fitted(model, "term_scores_")


def _position(item: Any, names: list, what: str) -> int:
    """The index of one item given by position (negative counts from the end) or by name; a name
    that several items have is an error, not the first of them."""
    n = len(names)
    if isinstance(item, (float, np.floating)) and float(item).is_integer():
        item = int(item)
    if isinstance(item, (int, np.integer)) and not isinstance(item, (bool, np.bool_)):
        if -n <= item < n:
            return int(item) % n
        raise ValueError(f"{what} index {item} is out of range: the model has {n} {what}s")
    if isinstance(item, str) and item in names:
        found = [i for i, name in enumerate(names) if name == item]
        if len(found) > 1:  # a model converted from InterpretML may have such names
            raise ValueError(f"{what} name {item!r} is ambiguous: the {what}s at indices {found} "
                             f"have it; give the {what} by index")
        return found[0]
    raise ValueError(f"unknown {what} {item!r}; {what}s are {names}")


def _positions(items: Any, names: list, what: str) -> set[int]:
    """Indices from names, positions, or a boolean mask over all items (True: selected)."""
    if isinstance(items, (str, int, np.integer)):
        items = [items]
    elif isinstance(items, Iterable) and not isinstance(items, dict):
        items = list(items)
    else:
        raise ValueError(f"{what}s must be a {what} (index or name), a list of them, or a "
                         f"boolean mask over the {what}s, got {items!r}")
    flags = [isinstance(v, (bool, np.bool_)) for v in items]
    if any(flags):
        if not all(flags) or len(items) != len(names):
            raise ValueError(f"a boolean mask of {what}s must hold one boolean for each of the "
                             f"{len(names)} {what}s, got {len(items)} items")
        return {i for i, v in enumerate(items) if v}
    return {_position(v, names, what) for v in items}


def term_index(model: Any, term: Any) -> int:
    """The index of a term given by index or name; ValueError naming it when unknown."""
    return _position(term, list(model.term_names_), "term")


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
    """Drop terms given by index, name, or a boolean mask over all terms (True: drop). Terms
    have weighted mean zero, so nothing else moves."""
    _fitted(model)
    drop = _positions(terms, list(model.term_names_), "term")
    keep = [t for t in range(len(model.term_names_)) if t not in drop]
    return _assign(model, _kept_terms(model, keep))


def remove_features(model: Any, features: Iterable[Any]) -> Any:
    """Drop features (by index, name, or a boolean mask over all features, True: drop) and
    every term that uses them.

    The features leave ``feature_names_in_``, ``bins_`` and the other per-feature attributes, so
    arrays passed to ``predict`` afterwards have the remaining columns only. Features derived from
    a date column leave its conversion; the column is still read while any of them is left.
    At least one feature must stay: a model file holds one or more.
    """
    _fitted(model)
    drop = _positions(features, list(model.feature_names_in_), "feature")
    if len(drop) == model.n_features_in_:
        raise ValueError(f"cannot remove all {model.n_features_in_} features: a model keeps at "
                         "least one (a model file must hold one); to silence every term, "
                         "remove the terms instead")
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
        "datetime_conversions_": _kept_conversions(model, dropped_names),
    })
    for attribute in _PER_FEATURE_LISTS:
        if hasattr(model, attribute):
            updates[attribute] = [getattr(model, attribute)[f] for f in keep]
    for attribute in _PER_FEATURE_ARRAYS:
        if hasattr(model, attribute):
            updates[attribute] = np.asarray(getattr(model, attribute))[keep]
    return _assign(model, updates)


def _kept_conversions(model: Any, dropped_names: set[str]) -> list[dict]:
    """The date conversions without the derived features ``dropped_names``; a conversion none of
    whose features is left goes, so scoring no longer needs its date column."""
    kept = []
    for record in as_conversions(getattr(model, "datetime_conversions_", None)):
        parts = tuple(p for p, name in zip(record.parts, record.names) if name not in dropped_names)
        if parts:
            kept.append(replace(record, parts=parts).to_dict())
    return kept


def scale(model: Any, term: Any, factor: float) -> Any:
    """Multiply one term by ``factor`` (its spread by ``|factor|``); 0 silences the term."""
    _fitted(model)
    t = term_index(model, term)
    if isinstance(factor, (bool, np.bool_)) or not isinstance(factor, numbers.Real) \
            or not np.isfinite(factor):
        raise ValueError(f"scale factor must be a finite number, got {factor!r}")
    factor = float(factor)
    return _assign(model, {
        "term_scores_": _with_term(model, "term_scores_", t, lambda v: v * factor),
        "standard_deviations_": _with_term(model, "standard_deviations_", t,
                                           lambda v: v * abs(factor)),
        "bagged_scores_": _with_term(model, "bagged_scores_", t, lambda v: v * factor),
    })


def remove_weak_terms(model: Any, threshold: float, importance_type: str = "avg_weight") -> Any:
    """Drop every term whose importance is below ``threshold``."""
    _fitted(model)
    check_number("threshold", threshold, -np.inf)
    importances = term_importances(model.term_scores_, model.bin_weights_, importance_type)
    return remove_terms(model, [t for t, v in enumerate(importances) if v < threshold])


def _check_flag(name: str, value: Any) -> None:
    if value is not True and value is not False:
        raise ValueError(f"{name} must be True or False, got {value!r}")


def _swept_levels(levels: list, highest_order: int) -> list:
    """A feature's ``bins_`` entry without the levels no term reads: a feature in no pair
    needs only its main-effect level, and a trailing level equal to the one before it is
    redundant (scoring reads the last level for pairs). A feature in no term keeps its first
    level, so the model still scores the same columns."""
    kept = list(levels[:max(1, min(highest_order, len(levels)))])
    while len(kept) > 1 and _same_level(kept[-1], kept[-2]):
        kept.pop()
    return kept


def _same_level(a: Any, b: Any) -> bool:
    if isinstance(a, dict) or isinstance(b, dict):
        return isinstance(a, dict) and isinstance(b, dict) and a == b
    return np.array_equal(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64))


def sweep(model: Any, terms: bool = True, bins: bool = True, features: bool = False) -> Any:
    """Purge what does not affect the output, as InterpretML's ``sweep`` does: terms whose
    table is zero everywhere (``terms``), bin levels no term reads (``bins``: the pair level of
    features in no pair), and features that no term uses (``features``). When no term uses any
    feature (a one-class model, or every term removed), the first feature stays, since a model
    file must hold one; InterpretML would leave none."""
    _fitted(model)
    for name, value in (("terms", terms), ("bins", bins), ("features", features)):
        _check_flag(name, value)
    if terms:
        remove_terms(model, [t for t, v in enumerate(model.term_scores_)
                             if np.count_nonzero(v) == 0])
    if bins:
        highest = [0] * len(model.bins_)
        for fs in model.term_features_:
            for f in fs:
                highest[f] = max(highest[f], len(fs))
        _assign(model, {"bins_": [_swept_levels(levels, order)
                                  for levels, order in zip(model.bins_, highest)]})
    if features:
        used = {f for fs in model.term_features_ for f in fs}
        unused = [f for f in range(model.n_features_in_) if f not in used]
        if not used:
            unused = unused[1:]
        if unused:
            remove_features(model, unused)
    return model


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


def _shifted_intercept(model: Any, shift: float | np.ndarray) -> dict[str, Any]:
    if np.ndim(model.intercept_) == 0:
        intercept = float(model.intercept_) + shift
    else:
        intercept = np.asarray(model.intercept_, dtype=np.float64) + shift
    return {"intercept_": intercept,
            "bagged_intercept_": np.asarray(model.bagged_intercept_, dtype=np.float64) + shift}


def _ordered_main(model: Any, term: Any, edited: str) -> tuple[int, int, np.ndarray]:
    """The index, feature and scores of a main effect whose value bins have an order (continuous
    or ordinal); ``edited`` ("monotonized", "smoothed") names the edit in errors."""
    _fitted(model)
    t = term_index(model, term)
    name = model.term_names_[t]
    features = model.term_features_[t]
    if len(features) != 1:
        raise ValueError(f"term {name!r} is an interaction; only main effects can be {edited}")
    if model.feature_types_in_[features[0]] == NOMINAL:
        raise ValueError(f"term {name!r} is nominal: its categories have no order")
    return t, features[0], np.asarray(model.term_scores_[t], dtype=np.float64)


def _check_passthrough(passthrough: Any) -> None:
    if not (isinstance(passthrough, (int, float, np.number)) and 0.0 <= passthrough <= 1.0):
        raise ValueError(f"passthrough must be a number in [0, 1], got {passthrough!r}")


def _value_bin_weights(model: Any, t: int) -> np.ndarray:
    """The term's bin weights; ValueError when its value bins hold none."""
    weights = np.asarray(model.bin_weights_[t], dtype=np.float64)
    if weights[1:-1].sum() <= 0:
        raise ValueError(f"term {model.term_names_[t]!r} has no training weight in its value bins")
    return weights


def _with_value_bins(model: Any, t: int, feature: int, scores: np.ndarray, weights: np.ndarray,
                     fitted: np.ndarray, passthrough: float) -> Any:
    """Put ``fitted`` in the value bins of term ``t``'s ``scores`` (missing and unseen keep
    theirs) and pass ``passthrough`` of the change of their weighted mean into ``intercept_``."""
    values, w = scores[1:-1], weights[1:-1]
    for twin, origin in twin_bins(model.bins_[feature][0]).items():
        if w[twin - 1] == 0:  # a boolean twin of a converted model scores as its category
            fitted[twin - 1] = fitted[origin - 1]
    change = (np.average(values, weights=w, axis=0) - np.average(fitted, weights=w, axis=0))
    new = scores.copy()
    new[1:-1] = fitted + change * (1 - passthrough)
    updates = {}
    if passthrough > 0:
        shift = np.dot(weights, new) / weights.sum()
        shift = float(shift) if new.ndim == 1 else shift
        new -= shift
        updates = _shifted_intercept(model, shift)
    return _assign(model, {**_replaced(model, t, new), **updates})


def monotonize(model: Any, term: Any, increasing: bool | str | None = "auto",
               passthrough: float = 0.0) -> Any:
    """Make a main effect monotone over its value bins by weighted isotonic regression.

    InterpretML's meaning: the missing and unseen bins are not part of the order and keep their
    scores. With ``passthrough=0`` the value bins are shifted back to their weighted mean before
    the fit, so the model's mean response on the training data and ``intercept_`` do not
    change; with ``passthrough=1`` the whole change of the mean passes through: the table is
    re-centered and its mean moves into ``intercept_`` (fractions in between pass that part).
    ``increasing='auto'`` (or None) follows the sign of the Spearman correlation between bin
    position and score, as scikit-learn's IsotonicRegression decides it. Per-bag tables move
    with the mean table, so ``standard_deviations_`` keep their meaning.
    """
    t, feature, scores = _ordered_main(model, term, "monotonized")
    if scores.ndim != 1:
        raise ValueError(f"term {model.term_names_[t]!r} has one score per class; monotonize "
                         "needs one score per bin (binary classification or regression)")
    if increasing is None:
        increasing = "auto"
    if increasing not in ("auto", True, False):
        raise ValueError(f"increasing must be True, False or 'auto', got {increasing!r}")
    _check_passthrough(passthrough)
    weights = _value_bin_weights(model, t)
    values, w = scores[1:-1], weights[1:-1]
    position = np.arange(len(values), dtype=np.float64)
    if increasing == "auto":
        with warnings.catch_warnings():  # its note on a wide confidence interval
            warnings.simplefilter("ignore")
            increasing = bool(check_increasing(position, values))
    seen = w > 0
    isotonic = IsotonicRegression(increasing=increasing, out_of_bounds="clip")
    fitted = isotonic.fit(position[seen], values[seen], sample_weight=w[seen])
    return _with_value_bins(model, t, feature, scores, weights, fitted.predict(position),
                            passthrough)


def smooth(model: Any, term: Any, bandwidth: float, passthrough: float = 0.0) -> Any:
    """Smooth a main effect over its value bins by a weighted local-linear kernel fit.

    Each value bin's new score is the intercept of a straight line fitted, by least squares
    weighted with the bins' training weights, to the scores around it, under a Gaussian kernel
    whose width ``bandwidth`` is a fraction of the training rows: bins sit at their rows'
    quantile, so the kernel spans the same share of data where bins are dense or sparse. A table
    that is a straight line over those quantiles stays as it is, ends included. It removes the
    wiggles that a few hundred noisy labels put in a boosted shape, and blurs real steps as
    narrow as ``bandwidth``: it is a prior the user brings. (A fit with
    ``shape_smoothing="aic"`` has already smoothed each continuous main effect as far as its
    training data's criterion asks; this smooths further, or smooths a term the fit left.)
    (``benchmarks/ga2m_smoothness.py`` measures what it does.) Multiclass tables are smoothed per
    class. The missing and unseen bins, ``passthrough`` and the per-bag tables are as in
    :func:`monotonize`; monotonize after smoothing to have both.
    """
    t, feature, scores = _ordered_main(model, term, "smoothed")
    check_number("bandwidth", bandwidth, 0.0, np.inf, low_open=True, high_open=True)
    _check_passthrough(passthrough)
    weights = _value_bin_weights(model, t)
    w = weights[1:-1]
    position = bin_positions(w)
    values = scores[1:-1].reshape(len(w), -1)
    fitted = local_linear(position, w, values, float(bandwidth)).reshape(scores[1:-1].shape)
    return _with_value_bins(model, t, feature, scores, weights, fitted, passthrough)


def _as_python(value: Any) -> Any:
    """A numpy scalar as its Python value, which compares exactly (int64 2**53+1 != 2.0**53)."""
    return value.item() if isinstance(value, np.generic) else value


def _same_label(label: Any, cls: Any) -> bool:
    """Whether a given label is the class: equal values of one kind (text, boolean or number)."""
    label, cls = _as_python(label), _as_python(cls)
    kinds = [(isinstance(v, str), isinstance(v, bool)) for v in (label, cls)]
    return kinds[0] == kinds[1] and bool(label == cls)


def _class_order(classes: Any, old: list) -> list[int]:
    """The position among the model's classes ``old`` of each label in ``classes``, compared as
    values without casting them to the classes' dtype (a cast truncates 'abcdef' to 'abc' and
    1.9 to 1); ValueError naming the labels that are not classes, or a class missing or twice."""
    if isinstance(classes, (str, bytes)) or np.ndim(classes) != 1:
        raise ValueError(f"classes must be a list of the model's classes {old}, got {classes!r}")
    labels = [_as_python(label) for label in classes]
    positions = [next((i for i, c in enumerate(old) if _same_label(label, c)), None)
                 for label in labels]
    unknown = [label for label, i in zip(labels, positions) if i is None]
    if unknown:
        raise ValueError(f"classes {unknown} are not classes of the model; its classes are {old}")
    if len(positions) != len(old) or len(set(positions)) != len(old):
        raise ValueError(f"classes must list each of the model's {len(old)} classes {old} once, "
                         f"got {labels}")
    return positions


def reorder_classes(model: Any, classes: Any) -> Any:
    """Put a classifier's classes in the order ``classes`` (each class once), as InterpretML's
    ``reorder_classes``. Binary models score the log-odds of ``classes_[1]``, so swapping the
    two classes negates every score; multiclass models reorder the last axis of every table."""
    _fitted(model)
    if not hasattr(model, "classes_"):
        raise ValueError("reorder_classes needs a classifier")
    old = np.asarray(model.classes_).tolist()
    order = np.array(_class_order(classes, old), dtype=np.intp)
    updates: dict[str, Any] = {"classes_": np.asarray(model.classes_)[order]}
    if len(old) == 2:
        if order[0] == 1:
            for attribute in ("term_scores_", "bagged_scores_"):
                values = getattr(model, attribute)
                updates[attribute] = values if isinstance(values, AbsentPart) else [
                    -v for v in values]
            updates["intercept_"] = -np.asarray(model.intercept_, dtype=np.float64)
            if not isinstance(model.bagged_intercept_, AbsentPart):
                updates["bagged_intercept_"] = -np.asarray(model.bagged_intercept_)
    elif len(old) > 2:
        for attribute in ("term_scores_", "bagged_scores_", "standard_deviations_"):
            values = getattr(model, attribute)
            updates[attribute] = values if isinstance(values, AbsentPart) else [
                v[..., order] for v in values]
        updates["intercept_"] = np.asarray(model.intercept_)[order]
        if not isinstance(model.bagged_intercept_, AbsentPart):
            updates["bagged_intercept_"] = np.asarray(model.bagged_intercept_)[:, order]
    return _assign(model, updates)
