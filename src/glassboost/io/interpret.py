"""InterpretML's fitted EBMs as glassboost estimators, read from their public fitted attributes.

InterpretML's ``bins_`` holds, per feature, a list of bin levels: level ``k - 1`` bins the
feature in terms of ``k`` features, and a term of more features than levels takes the last one.
Its tables use glassboost's layout (bin 0 missing, the last bin unseen, the value bins between;
one axis per feature of the term, in the term's order, then the classes). glassboost keeps two
levels, one for main effects and one for every interaction, so a feature's levels must agree
for all the interaction orders that use it; anything else glassboost cannot hold exactly is an
error naming the attribute, never an approximation. A one-class model (link monoclassification,
every score -inf) becomes glassboost's one-class model, without terms. Nothing of InterpretML is
imported or run: the model is read by duck typing, so this also serves its JSON files
(``interpret_json``).

Category labels: numbers have the same labels in both ("1" for 1 and 1.0, "1e+16" for 1e16), but
InterpretML labels the booleans True/False "1"/"0", as the numbers, where glassboost labels them
"True"/"False". A category "1" or "0" gets a twin: one more bin labelled "True" or "False" with the
same scores (and no weight, so totals and importances stay InterpretML's), so booleans and numbers
both score as in InterpretML. A model holding the text "True" besides "1" (or "False" besides
"0") cannot be scored so and is an error.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, Callable, Mapping

import numpy as np

from ..binning import FeatureBins
from ..objectives import classification_objective, regression_objective
from ..schema import BOOLEAN_TWINS, CONTINUOUS, NOMINAL, ORDINAL
from .detail import AbsentPart, holds

__all__ = ["from_interpret", "fitted_from_attributes"]

#: InterpretML links glassboost scores, with the objective a model of that link most often has
#: (used when the model does not say its objective).
LINK_OBJECTIVES = {"logit": "log_loss", "mlogit": "log_loss", "identity": "rmse",
                   "log": "poisson_deviance", "monoclassification": "log_loss"}
#: Attributes a fitted InterpretML EBM must have for a glassboost model.
REQUIRED = ("feature_names_in_", "feature_types_in_", "bins_", "term_features_",
            "term_scores_", "intercept_", "link_")
#: Attributes converted when present (explanations, merging); absent ones stay absent.
OPTIONAL = ("standard_deviations_", "bin_weights_", "bagged_scores_", "bagged_intercept_",
            "best_iteration_", "term_names_", "link_param_", "classes_")
#: InterpretML's link of a one-class model, whose scores are all -inf.
MONOCLASSIFICATION = "monoclassification"
#: The per-term attributes, which a one-class model drops (see :func:`_without_terms`).
_PER_TERM = ("term_features_", "term_names_", "term_scores_", "standard_deviations_",
             "bin_weights_", "bagged_scores_")


def _interaction_level(name: str, levels: list, orders: set[int]) -> Any:
    """The one bin level every interaction order in ``orders`` uses (InterpretML: level
    ``min(len(levels), order) - 1``); the main level's successor when no interaction uses it."""
    if not orders:
        return levels[min(len(levels), 2) - 1]
    chosen = {min(len(levels), order) - 1 for order in orders}
    first = levels[min(chosen)]
    for level in sorted(chosen)[1:]:
        other = levels[level]
        same = (other == first) if isinstance(first, dict) else (
            not isinstance(other, dict) and np.array_equal(np.asarray(other, dtype=np.float64),
                                                           np.asarray(first, dtype=np.float64)))
        if not same:
            raise ValueError(
                f"bins_ of feature {name!r}: interactions of {sorted(orders)} features use bin "
                f"levels {sorted(chosen)}, which differ; glassboost bins every interaction of a "
                "feature alike")
    return first


def _cuts(name: str, level: Any, which: str) -> np.ndarray:
    if isinstance(level, dict):
        raise ValueError(f"bins_ of continuous feature {name!r}: the {which} level is a "
                         "category map, expected cut points")
    try:
        cuts = np.array(level, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError) as error:
        raise ValueError(f"bins_ of feature {name!r}: the {which} cut points are not numbers "
                         f"({error})") from None
    if not np.all(np.isfinite(cuts)) or np.any(np.diff(cuts) <= 0):
        raise ValueError(f"bins_ of feature {name!r}: the {which} cut points must be finite "
                         "and strictly increasing")
    return cuts


def _categories(name: str, level: Any, which: str) -> dict[str, int]:
    if not isinstance(level, Mapping):
        raise ValueError(f"bins_ of categorical feature {name!r}: the {which} level is not a "
                         "category map (category -> bin)")
    result = {}
    for label, index in level.items():
        if not isinstance(label, str) or isinstance(index, bool) or not isinstance(
                index, (int, np.integer)):
            raise ValueError(f"bins_ of feature {name!r}: the {which} level maps {label!r} to "
                             f"{index!r}; expected text categories and integer bins")
        result[label] = int(index)
    return result


def _feature_bins(name: str, kind: str, levels: Any, orders: set[int], used: bool
                  ) -> FeatureBins:
    """glassboost's bins of one feature from its InterpretML bin levels; a feature no term
    uses may have none (InterpretML's ``sweep`` empties them) and gets one bin of values."""
    if not isinstance(levels, (list, tuple)) or (used and not levels):
        raise ValueError(f"bins_ of feature {name!r} must be a non-empty list of bin levels")
    if not levels:
        return (FeatureBins(kind, cuts=np.empty(0), interaction_cuts=np.empty(0))
                if kind == CONTINUOUS else FeatureBins(kind, categories={}))
    coarse = _interaction_level(name, list(levels), orders)
    if kind == CONTINUOUS:
        return FeatureBins(kind, cuts=_cuts(name, levels[0], "main"),
                           interaction_cuts=_cuts(name, coarse, "interaction"))
    categories = _categories(name, levels[0], "main")
    if sorted(categories.values()) != list(range(1, len(categories) + 1)):
        raise ValueError(
            f"bins_ of feature {name!r}: its categories share or skip bins "
            f"({sorted(set(categories.values()))[:10]}); glassboost gives every category of a "
            "main effect its own bin 1..k")
    fine = dict(sorted(categories.items(), key=lambda item: item[1]))
    interaction = _categories(name, coarse, "interaction")
    if interaction == fine:
        return FeatureBins(kind, categories=fine)
    if interaction.keys() != fine.keys():
        raise ValueError(f"bins_ of feature {name!r}: the interaction level maps other "
                         "categories than the main level; glassboost's interaction bins group "
                         "the main level's categories")
    try:
        return FeatureBins(kind, categories=fine,
                           interaction_categories={label: interaction[label] for label in fine})
    except ValueError as error:
        raise ValueError(f"bins_ of feature {name!r}: the interaction level cannot be held "
                         f"by glassboost: {error}") from None


@dataclass
class _Twins:
    """Where a categorical feature's twin bins come from: for each new bin, InterpretML's bin,
    at the main and the interaction resolution (None: unchanged), and which new bins are twins."""

    fine: np.ndarray
    fine_twin: np.ndarray
    coarse: np.ndarray | None
    coarse_twin: np.ndarray | None

    def take(self, table: np.ndarray, axis: int, interaction: bool) -> np.ndarray:
        source = self.coarse if interaction else self.fine
        return table if source is None else np.take(table, source, axis=axis)

    def is_twin(self, interaction: bool) -> np.ndarray | None:
        return self.coarse_twin if interaction else self.fine_twin


def _with_twins(name: str, bins: FeatureBins) -> tuple[FeatureBins, _Twins | None]:
    """A categorical feature's bins with a twin "True" after its category "1" and "False" after
    "0" (see the module's docstring)."""
    if bins.kind == CONTINUOUS or not BOOLEAN_TWINS.keys() & bins.categories.keys():
        return bins, None
    labels, source, origin = [], [0], {}
    for label, index in sorted(bins.categories.items(), key=lambda item: item[1]):
        twin = BOOLEAN_TWINS.get(label)
        if twin in bins.categories:
            raise ValueError(
                f"bins_ of feature {name!r}: InterpretML's categories {label!r} and {twin!r} "
                "hold values that glassboost labels alike (InterpretML labels the booleans "
                f"True/False '1'/'0' and the texts 'True'/'False' apart, glassboost labels both "
                "'True'/'False'), so glassboost cannot score both as InterpretML does")
        labels += [label] if twin is None else [label, twin]
        source += [index] if twin is None else [index, index]
        origin.update({label: label} if twin is None else {label: label, twin: label})
    source.append(bins.n_bins - 1)
    categories = {label: i for i, label in enumerate(labels, start=1)}
    fine = np.array(source)
    fine_twin = np.array([False] + [origin[label] != label for label in labels] + [False])
    if bins.interaction_categories is None:  # interaction tables get the twin bins too
        return (FeatureBins(bins.kind, categories=categories),
                _Twins(fine, fine_twin, fine, fine_twin))
    coarse = {label: bins.interaction_categories[origin[label]] for label in labels}
    return (FeatureBins(bins.kind, categories=categories, interaction_categories=coarse),
            _Twins(fine, fine_twin, None, None))


def _term_features(value: Any, n_features: int, names: list[str]) -> list[tuple[int, ...]]:
    terms, seen = [], {}
    for t, features in enumerate(value):
        try:
            features = tuple(int(f) for f in features)
        except (TypeError, ValueError):
            raise ValueError(f"term_features_[{t}] must be a tuple of feature indices, got "
                             f"{features!r}") from None
        if not features or any(not 0 <= f < n_features for f in features):
            raise ValueError(f"term_features_[{t}] = {features}: feature indices must lie in "
                             f"[0, {n_features})")
        if len(set(features)) != len(features):
            raise ValueError(f"term_features_[{t}] = {features} uses a feature twice")
        key = tuple(sorted(features))
        if key in seen:
            raise ValueError(f"term_features_[{seen[key]}] and [{t}] use the same features "
                             f"{[names[f] for f in key]}")
        seen[key] = t
        terms.append(features)
    return terms


def _table(value: Any, shape: tuple, what: str, finite: bool = True) -> np.ndarray:
    try:
        table = np.array(value, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{what} is not a table of numbers ({error})") from None
    if table.shape != shape:
        raise ValueError(f"{what} has shape {table.shape}, but its bins need {shape}")
    if finite and not np.all(np.isfinite(table)):
        raise ValueError(f"{what} holds NaN or infinite values")
    return table


def _classes(value: Any, link: str) -> np.ndarray:
    classes = np.asarray(value)
    if classes.ndim != 1 or len(classes) < 1 or len(set(classes.tolist())) != len(classes):
        raise ValueError(f"classes_ must be distinct labels, got {value!r}")
    if (link == MONOCLASSIFICATION) != (len(classes) == 1):
        raise ValueError(f"link_ {link!r} does not fit {len(classes)} classes_: one class "
                         f"takes link_ {MONOCLASSIFICATION!r}, two or more take 'logit' or "
                         "'mlogit'")
    if link == "logit" and len(classes) != 2:
        raise ValueError(f"link_ 'logit' needs 2 classes, classes_ has {len(classes)}")
    return classes


def _target(get: Callable[[str], Any]) -> tuple[str, np.ndarray | None, int]:
    """The link, the classes (None for regression) and the number of scores per row."""
    for name in REQUIRED:
        if get(name) is None:
            raise ValueError(f"the model has no {name}: it is not a fitted InterpretML EBM")
    link = get("link_")
    if link not in LINK_OBJECTIVES:
        raise ValueError(f"link_ {link!r} cannot be scored by glassboost, which scores the "
                         f"links {sorted(LINK_OBJECTIVES)}")
    if link not in ("logit", "mlogit", MONOCLASSIFICATION):
        return link, None, 1
    classes = _classes(get("classes_"), link)
    return link, classes, len(classes) if link == "mlogit" else 1


def _objective(objective: str | None, link: str, n_scores: int) -> str:
    """glassboost's canonical name of InterpretML's objective, which InterpretML keeps as the
    user spelled it (``"tweedie_deviance"`` with its parameter left out, ``"variance_power=1.50"``);
    the link's usual objective when the model does not say."""
    if objective is None:
        return LINK_OBJECTIVES[link]
    classification = link in ("logit", "mlogit", MONOCLASSIFICATION)
    try:
        expected = (classification_objective(objective, max(n_scores, 2)) if classification
                    else regression_objective(objective))
    except ValueError as error:
        raise ValueError(f"objective {objective!r} of the model is not one glassboost "
                         f"knows: {error}") from None
    if expected.link != link and link != MONOCLASSIFICATION:  # one class: fitted as binary
        raise ValueError(f"link_ {link!r} does not match objective {objective!r}, whose link "
                         f"is {expected.link!r}")
    return expected.name


def _without_terms(get: Callable[[str], Any]) -> Callable[[str], Any]:
    """InterpretML's one-class model as glassboost's: no terms. Its intercept (and every bag's)
    is -inf, the log-odds of any other class, and so is every cell of its tables, which add
    nothing to that: every row is the class with probability 1 whatever its features. A NaN
    cell (InterpretML scores its rows with probability NaN) is an error."""
    what = f"of a one-class model (link_ {MONOCLASSIFICATION!r})"
    intercept = np.ravel(np.asarray(get("intercept_"), dtype=np.float64))
    if intercept.shape != (1,) or intercept[0] != -np.inf:
        raise ValueError(f"intercept_ {what} must be [-inf], got {intercept.tolist()}")
    bagged = get("bagged_intercept_")
    if bagged is not None and not np.all(np.asarray(bagged, dtype=np.float64) == -np.inf):
        raise ValueError(f"bagged_intercept_ {what} must be -inf for every bag")
    for t, table in enumerate(get("term_scores_")):
        if not np.all(np.asarray(table, dtype=np.float64) == -np.inf):
            raise ValueError(f"term_scores_[{t}] {what} must be -inf in every cell: glassboost "
                             "cannot score its other cells (NaN gives a probability of NaN)")
    return lambda name: [] if name in _PER_TERM else get(name)


def _features(get: Callable[[str], Any]
              ) -> tuple[list[str], list[str], list[tuple[int, ...]], list[FeatureBins]]:
    """Feature names and types, the terms' features, and every feature's bins."""
    names = [str(n) for n in get("feature_names_in_")]
    kinds = list(get("feature_types_in_"))
    bin_levels = list(get("bins_"))
    if not len(names) == len(kinds) == len(bin_levels):
        raise ValueError(f"feature_names_in_, feature_types_in_ and bins_ must have one entry "
                         f"per feature; they have {len(names)}, {len(kinds)} and "
                         f"{len(bin_levels)}")
    if len(set(names)) != len(names):
        raise ValueError("feature_names_in_ holds a name twice")
    for name, kind in zip(names, kinds):
        if kind not in (CONTINUOUS, NOMINAL, ORDINAL):
            raise ValueError(f"feature_types_in_ of feature {name!r} is {kind!r}; glassboost "
                             f"scores 'continuous', 'nominal' and 'ordinal' features")
    term_features = _term_features(get("term_features_"), len(names), names)
    orders: list[set[int]] = [set() for _ in names]
    for features in term_features:
        for f in features:
            if len(features) > 1:
                orders[f].add(len(features))
    used = {f for features in term_features for f in features}
    bins = [_feature_bins(n, k, levels, o, f in used)
            for f, (n, k, levels, o) in enumerate(zip(names, kinds, bin_levels, orders))]
    return names, kinds, term_features, bins


def _per_term(get: Callable[[str], Any], attribute: str, shapes: list[tuple], detail: str,
              bagged: bool = False, none_as_zero: bool = False) -> Any:
    """One optional table per term of the given shapes (after a leading bag axis when
    ``bagged``), or an absent part; ``none_as_zero``: a term's None table is zeros."""
    tables = get(attribute)
    if tables is None:
        return AbsentPart(attribute, detail)
    tables = list(tables)
    if len(tables) != len(shapes):
        raise ValueError(f"{attribute} has {len(tables)} tables for {len(shapes)} terms")
    if none_as_zero:
        tables = [np.zeros(shape) if v is None else v for v, shape in zip(tables, shapes)]
    return [_table(v, (np.shape(v)[:1] if bagged else ()) + shape, f"{attribute}[{t}]")
            for t, (v, shape) in enumerate(zip(tables, shapes))]


def _bags(get: Callable[[str], Any], shapes: list[tuple], classes_axis: tuple, detail: str,
          finite: bool = True) -> tuple[list[np.ndarray], np.ndarray]:
    """The per-bag tables and intercepts; zero bags when the model has none, or lacks a term's
    (InterpretML's ``monotonize`` drops the term's bags and the bagged intercepts). Not
    ``finite``: the intercepts of a one-class model, -inf."""
    tables, intercepts = get("bagged_scores_"), get("bagged_intercept_")
    if tables is None or intercepts is None or any(table is None for table in tables):
        return [np.empty((0,) + shape) for shape in shapes], np.empty((0,) + classes_axis)
    bagged = _per_term(get, "bagged_scores_", shapes, detail, bagged=True)
    intercepts = _table(intercepts, (len(intercepts),) + classes_axis, "bagged_intercept_",
                        finite)
    for t, table in enumerate(bagged):
        if len(table) != len(intercepts):
            raise ValueError(f"bagged_scores_[{t}] has {len(table)} bags, bagged_intercept_ "
                             f"{len(intercepts)}")
    return bagged, intercepts


def _best_iteration(value: Any) -> np.ndarray | None:
    """Step counts per stage (mains, interactions) and bag, as glassboost keeps them; None
    when InterpretML's have another layout."""
    if value is None:
        return None
    best = np.asarray(value, dtype=np.float64)
    if best.ndim != 2 or best.shape[0] != 2 or not np.all((best >= 0) & (best == np.round(best))):
        return None
    return best.astype(np.int64)


def _with_twin_bins(tables: Any, term_features: list[tuple[int, ...]],
                    twins: list[_Twins | None], bag_axis: int = 0, weights: bool = False) -> Any:
    """Per-term tables with the twin bins of their features (copies of their categories' bins;
    ``weights``: empty, so that totals and importances stay InterpretML's)."""
    if isinstance(tables, AbsentPart):
        return tables
    result = []
    for table, features in zip(tables, term_features):
        interaction = len(features) > 1
        for axis, f in enumerate(features):
            if twins[f] is None:
                continue
            table = twins[f].take(table, bag_axis + axis, interaction)
            is_twin = twins[f].is_twin(interaction)
            if weights and is_twin is not None:
                table[(slice(None),) * (bag_axis + axis) + (is_twin,)] = 0.0
        result.append(table)
    return result


def fitted_from_attributes(get: Callable[[str], Any], objective: str | None,
                           parameters: Mapping[str, Any], detail: str = "all") -> Any:
    """A fitted glassboost estimator from InterpretML's fitted attributes.

    ``get(name)`` returns an attribute, or None when the model has none. ``objective``:
    InterpretML's objective string, or None to take the usual one of the link. ``parameters``:
    InterpretML's estimator parameters; those glassboost also has are kept. Parts a model lacks
    (``detail`` says from what) stay absent, as in a glassboost model file of that detail.
    """
    from ..estimators import ExplainableBoostingClassifier, ExplainableBoostingRegressor

    link, classes, n_scores = _target(get)
    one_class = link == MONOCLASSIFICATION
    if one_class:
        get = _without_terms(get)
    names, kinds, term_features, bins = _features(get)
    classes_axis = (n_scores,) if n_scores > 1 else ()
    bin_shapes = [tuple(bins[f].n_bins if len(t) == 1 else bins[f].n_interaction_bins
                        for f in t) for t in term_features]
    shapes = [shape + classes_axis for shape in bin_shapes]
    scores = list(get("term_scores_"))
    if len(scores) != len(term_features):
        raise ValueError(f"term_scores_ has {len(scores)} tables for {len(term_features)} terms")
    term_names = get("term_names_")
    term_names = ([str(n) for n in term_names] if term_names is not None
                  else [" & ".join(names[f] for f in t) for t in term_features])
    term_scores = [_table(s, shape, f"term_scores_[{t}] ({term_names[t]!r})")
                   for t, (s, shape) in enumerate(zip(scores, shapes))]
    intercept = _table(np.ravel(np.asarray(get("intercept_"), dtype=np.float64)),
                       (n_scores,), "intercept_", finite=not one_class)
    bagged_scores, bagged_intercept = _bags(get, shapes, classes_axis, detail,
                                            finite=not one_class)
    # InterpretML's monotonize drops the term's standard deviations, and draws it without a
    # band: zero spread draws none either
    standard_deviations = _per_term(get, "standard_deviations_", shapes, detail,
                                    none_as_zero=True)
    bin_weights = _per_term(get, "bin_weights_", bin_shapes, detail)
    twinned = [_with_twins(n, b) for n, b in zip(names, bins)]
    bins, twins = [b for b, _ in twinned], [t for _, t in twinned]
    term_scores, standard_deviations = (_with_twin_bins(tables, term_features, twins)
                                        for tables in (term_scores, standard_deviations))
    bagged_scores = _with_twin_bins(bagged_scores, term_features, twins, bag_axis=1)
    bin_weights = _with_twin_bins(bin_weights, term_features, twins, weights=True)
    link_param = get("link_param_")

    estimator = (ExplainableBoostingClassifier() if classes is not None
                 else ExplainableBoostingRegressor())
    known = estimator.get_params(deep=False)
    estimator.set_params(**{k: v for k, v in parameters.items() if k in known})
    fitted = {
        "n_features_in_": len(names),
        "feature_names_in_": names,
        "feature_types_in_": kinds,
        "bins_": [b.levels() for b in bins],
        "term_features_": term_features,
        "term_names_": term_names,
        "term_scores_": term_scores,
        "standard_deviations_": standard_deviations,
        "bagged_scores_": bagged_scores,
        "bagged_intercept_": bagged_intercept,
        "intercept_": intercept if classes is not None else float(intercept[0]),
        "bin_weights_": bin_weights,
        "link_": link,
        "link_param_": float("nan") if link_param is None else float(link_param),
        "objective_": _objective(objective, link, n_scores),
        "best_iteration_": _best_iteration(get("best_iteration_")),
        # InterpretML keeps no strengths of candidate pairs
        "interaction_strengths_": ({} if holds(detail, "interaction_strengths_")
                                   else AbsentPart("interaction_strengths_", detail)),
        "datetime_conversions_": [],
        # InterpretML names the columns of an array feature_0000, ...: such a model matches
        # a table's columns by position, one fitted on named columns by name
        "_match_by_name": names != [f"feature_{i:04}" for i in range(len(names))],
    }
    if classes is not None:
        fitted["classes_"] = classes
    estimator.__dict__.update(fitted)
    return estimator


def from_interpret(ebm: Any) -> Any:
    """A fitted glassboost estimator with the same predictions as a fitted InterpretML
    ``ExplainableBoostingClassifier`` or ``ExplainableBoostingRegressor``.

    Reads only its public fitted attributes (``bins_``, ``term_features_``, ``term_scores_``,
    ``intercept_``, ``link_``, ``classes_``, ``standard_deviations_``, ``bin_weights_``,
    ``bagged_scores_``, ...); InterpretML is not imported. Raises ValueError naming the attribute
    for a model glassboost cannot hold exactly (for example a link it does not score).
    """
    if not hasattr(ebm, "term_scores_") or not hasattr(ebm, "bins_"):
        raise ValueError(f"expected a fitted InterpretML EBM, got {type(ebm).__name__} without "
                         "term_scores_ and bins_ (is it fitted?)")
    try:  # parameters are kept for reference only; merged InterpretML models lack some
        parameters = ebm.get_params(deep=False)
    except (AttributeError, TypeError):
        parameters = {}
    objective = parameters.get("objective")
    model = fitted_from_attributes(lambda name: getattr(ebm, name, None),
                                   objective if isinstance(objective, str) else None, parameters)
    _copy_training_summaries(ebm, model)
    return model


def _copy_training_summaries(ebm: Any, model: Any) -> None:
    """Copies of the InterpretML model's summaries of its training data (``feature_bounds_``,
    ``histogram_edges_``, ...) that it has: they do not score, but explanations name the
    training range and draw the training histogram from them, as InterpretML's do."""
    from ..estimators import TRAINING_SUMMARIES

    for name in TRAINING_SUMMARIES:
        value = getattr(ebm, name, None)
        if value is not None:
            setattr(model, name, copy.deepcopy(value))
