"""Validation of estimator parameters and of the term specifications (interactions, exclude)."""

from __future__ import annotations

import inspect
import math
import numbers
import os
import re
from typing import Any, Sequence

import numpy as np


def check_number(name: str, value: Any, low: float, high: float = np.inf, *,
                 integer: bool = False, low_open: bool = False, high_open: bool = False) -> None:
    """Raise ValueError naming ``name`` when ``value`` is not a number in the allowed range."""
    kinds = (numbers.Integral,) if integer else (numbers.Real,)
    ok = isinstance(value, kinds) and not isinstance(value, (bool, np.bool_))
    if ok and not integer:
        ok = np.isfinite(value) or (value == np.inf and high == np.inf and not high_open)
    if ok:
        ok = (value > low if low_open else value >= low) and (
            value < high if high_open else value <= high
        )
    if not ok:
        kind = "an integer" if integer else "a number"
        lo = "(" if low_open else "["
        hi = ")" if high_open or high == np.inf else "]"
        raise ValueError(f"{name} must be {kind} in the range {lo}{low}, {high}{hi}, got {value!r}")


def check_flag(name: str, value: Any) -> None:
    """Raise ValueError naming ``name`` when ``value`` is not True or False."""
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be True or False, got {value!r}")


def cyclic_progress_fraction(value: Any) -> float:
    """``cyclic_progress`` as the fraction of sweeps that apply their trees (True is 1, False 0)."""
    if isinstance(value, (bool, np.bool_)):
        return float(value)
    check_number("cyclic_progress", value, 0.0, 1.0)
    return float(value)


def resolve_n_threads(n_jobs: Any) -> int:
    """joblib-style ``n_jobs``: positive counts, -1 for all cores, -2 for all but one, ..."""
    if n_jobs is None:
        return 1
    if not isinstance(n_jobs, numbers.Integral) or isinstance(n_jobs, bool) or n_jobs == 0:
        raise ValueError(f"n_jobs must be a non-zero integer (or None), got {n_jobs!r}")
    cores = os.cpu_count() or 1
    return int(n_jobs) if n_jobs > 0 else max(1, cores + 1 + int(n_jobs))


def check_random_state(value: Any) -> None:
    if value is not None and (
        not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 0
    ):
        raise ValueError(f"random_state must be None or a non-negative integer, got {value!r}")


def feature_index(item: Any, names: Sequence[str], what: str) -> int:
    """Index of a feature given by position (negative counts from the end, as InterpretML
    allows; a whole float such as 2.0 is its integer) or by name."""
    if isinstance(item, float) and item.is_integer():
        item = int(item)
    if isinstance(item, (numbers.Integral,)) and not isinstance(item, bool):
        if not -len(names) <= item < len(names):
            raise ValueError(f"{what}: feature index {item} is out of range 0..{len(names) - 1}")
        return int(item) % len(names)
    if isinstance(item, str):
        if item not in names:
            derived = [n for n in names if n.startswith(f"{item}:")]
            became = (f"; the date column {item!r} became the features {derived}, name those"
                      if derived else "")
            raise ValueError(f"{what}: unknown feature {item!r}{became}")
        return names.index(item)
    raise ValueError(f"{what}: {item!r} is neither a feature name nor a feature index")


def parse_term(item: Any, names: Sequence[str], what: str) -> tuple[int, ...]:
    """A term as feature indices: a main effect or a pair sorted, a term of three or more
    features in the given order (InterpretML keeps that order for the table's axes)."""
    if isinstance(item, (str, numbers.Integral)):
        return (feature_index(item, names, what),)
    if isinstance(item, Sequence) and len(item) >= 1:
        term = tuple(feature_index(f, names, what) for f in item)
        if len(set(term)) != len(term):
            raise ValueError(f"{what}: term {item!r} repeats a feature")
        return tuple(sorted(term)) if len(term) <= 2 else term
    raise ValueError(f"{what}: {item!r} is not a feature or a list of features")


#: Most cells (the product of the features' interaction bins) of a term of three or more
#: features: its tensor and the exhaustive search of its trees grow with them. Three
#: features of the default 64 interaction bins (66 x 66 x 66 with the missing and unseen
#: bins) fit; four need max_interaction_bins <= 24.
MAX_TENSOR_CELLS = 2**19


def check_tensor_sizes(terms: Sequence[tuple[int, ...]], n_interaction_bins: Sequence[int],
                       names: Sequence[str]) -> None:
    """Raise ValueError naming a term of three or more features whose tensor would have more
    than MAX_TENSOR_CELLS cells."""
    for term in terms:
        if len(term) < 3:
            continue
        shape = [int(n_interaction_bins[f]) for f in term]
        if int(np.prod(shape)) > MAX_TENSOR_CELLS:
            raise ValueError(
                f"interactions: term {[names[f] for f in term]} would have "
                f"{' x '.join(map(str, shape))} = {int(np.prod(shape)):,} cells, more than the "
                f"limit of {MAX_TENSOR_CELLS:,}; lower max_interaction_bins or use fewer "
                "features in the term"
            )


def check_term_names(terms: Sequence[tuple[int, ...]], names: Sequence[str]) -> None:
    """Raise ValueError naming two of ``terms`` that would get one name: a term's name joins its
    features' names with ' & ', so a feature 'a & b' next to the pair of 'a' and 'b' gives two
    terms named 'a & b', which editing by name and explanations cannot tell apart (a model file
    tells terms apart by their features, and holds InterpretML's models that have such names).
    Names without '&' always join to distinct names, so only names with one are checked."""
    if not any("&" in name for name in names):
        return
    seen: dict[str, tuple[int, ...]] = {}
    for term in terms:
        name = " & ".join(names[f] for f in term)
        other = seen.setdefault(name, term)
        if other != term:
            both = [[names[f] for f in t] for t in (other, term)]
            raise ValueError(
                f"the terms of features {both[0]} and {both[1]} would both be named {name!r} "
                "(a term's name joins its features' names with ' & '): explanations and editing "
                "by term name could not tell them apart. Rename the feature(s) whose names hold "
                "'&', or leave one of the terms out with exclude."
            )


def parse_exclude(exclude: Any, names: Sequence[str]) -> set[tuple[int, ...]]:
    """The terms the user excluded, as sorted feature indices; 'mains' excludes every main
    effect."""
    if exclude is None:
        return set()
    if isinstance(exclude, str) and exclude == "mains":
        return {(i,) for i in range(len(names))}
    if isinstance(exclude, str) or not isinstance(exclude, Sequence):
        raise ValueError(f"exclude must be None, 'mains' or a list of terms, got {exclude!r}")
    return {tuple(sorted(parse_term(item, names, "exclude"))) for item in exclude}


def parse_interactions(interactions: Any, names: Sequence[str]) -> tuple[int, list | None]:
    """(number of pairs to detect, explicit terms or None) from the ``interactions`` parameter.

    A multiple ('1.5x') or a fraction below 1 of the feature count rounds up, as InterpretML's
    does. Explicit terms are pairs or terms of three or more features; a term given twice (in
    any order of its features) is kept once, at its first place."""
    n_features = len(names)
    if interactions is None:
        return 0, None
    if isinstance(interactions, str):
        # a number as float() reads it, then x or X, as InterpretML takes them
        match = re.fullmatch(r"\s*(\d+(\.\d*)?|\.\d+)\s*[xX]\s*", interactions)
        if not match:
            raise ValueError(
                f"interactions={interactions!r}: a string must be a multiple of the feature "
                "count such as '3x'"
            )
        return math.ceil(n_features * float(match.group(1))), None
    if isinstance(interactions, numbers.Real) and not isinstance(interactions, bool):
        if interactions < 0 or not np.isfinite(interactions):
            raise ValueError(f"interactions must be >= 0, got {interactions!r}")
        if 0 < interactions < 1:
            return math.ceil(n_features * interactions), None
        if float(interactions) != int(interactions):
            raise ValueError(
                f"interactions={interactions!r}: a count must be a whole number (or a fraction "
                "below 1 of the feature count)"
            )
        return int(interactions), None
    if isinstance(interactions, Sequence):
        pairs, seen = [], set()
        for item in interactions:
            term = parse_term(item, names, "interactions")
            if len(term) < 2:
                raise ValueError(f"interactions: {item!r} is not a term of two or more features")
            if tuple(sorted(term)) not in seen:
                seen.add(tuple(sorted(term)))
                pairs.append(term)
        return len(pairs), pairs
    raise ValueError(
        f"interactions must be a count, a fraction, a string like '3x' or a list of terms, "
        f"got {interactions!r}"
    )


def parse_monotone(constraints: Any, names: Sequence[str]) -> np.ndarray:
    """-1/0/+1 per feature of ``names`` from ``monotone_constraints``; a wrong length names the
    features, since a date column counts as the several features derived from it."""
    if constraints is None:
        return np.zeros(len(names), dtype=np.int64)
    values = list(constraints) if isinstance(constraints, Sequence) or isinstance(
        constraints, np.ndarray) else None
    if values is None or len(values) != len(names):
        raise ValueError(
            f"monotone_constraints must list one of -1, 0, 1 for each of the {len(names)} "
            f"features {list(names)}, got {constraints!r}"
        )
    for i, v in enumerate(values):
        if v not in (-1, 0, 1) or isinstance(v, bool):
            raise ValueError(f"monotone_constraints[{i}]={v!r} must be -1, 0 or 1")
    return np.array(values, dtype=np.int64)


def check_validation_size(value: Any) -> None:
    if value is None:
        return
    if isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= 0:
        return
    check_number("validation_size", value, 0.0, 1.0, high_open=True)


#: InterpretML's ``missing`` options, as the kernels' codes (``kernels.split``).
MISSING_OPTIONS = {"separate": 0.0, "low": 1.0, "high": 2.0, "gain": 3.0}


def missing_code(missing: Any) -> float:
    """The kernels' code of InterpretML's ``missing`` option."""
    if not isinstance(missing, str) or missing not in MISSING_OPTIONS:
        raise ValueError(f"missing must be one of {sorted(MISSING_OPTIONS)}, got {missing!r}")
    return MISSING_OPTIONS[missing]


def check_inner_bags(inner_bags: Any) -> None:
    """``inner_bags``: a count of at least 0 (0, InterpretML's default, is off)."""
    check_number("inner_bags", inner_bags, 0, integer=True)


def check_max_time(max_time: Any) -> None:
    if max_time is not None:
        check_number("max_time", max_time, 0.0, low_open=True)


def check_max_bag_rows(max_bag_rows: Any, validation_size: Any, n_rows: int | None = None) -> None:
    """``max_bag_rows``: None, or at least 2 rows; with ``n_rows`` (the fit's), a
    ``validation_size`` given as a count must leave a sampled bag training rows."""
    if max_bag_rows is None:
        return
    check_number("max_bag_rows", max_bag_rows, 2, integer=True)
    if (n_rows is not None and n_rows > max_bag_rows
            and isinstance(validation_size, numbers.Integral)
            and validation_size >= max_bag_rows):
        raise ValueError(
            f"validation_size={validation_size} rows must be below max_bag_rows="
            f"{max_bag_rows}: each bag draws that many of the {n_rows} rows and validates on "
            "validation_size of them"
        )


def bag_training_rows(validation_size: Any, n_rows: int, max_bag_rows: Any) -> tuple[int, int]:
    """(about how many rows a bag trains on, how many it draws from) of ``n_rows``, with
    ``validation_size`` a count or a fraction of a bag's rows."""
    n_bag = n_rows if max_bag_rows is None else min(n_rows, max_bag_rows)
    held = (validation_size if isinstance(validation_size, numbers.Integral)
            else int(round((validation_size or 0.0) * n_bag)))
    return n_bag - held, n_bag


def few_training_rows_message(validation_size: Any, n_rows: int, max_bag_rows: Any,
                              min_samples_leaf: int) -> str | None:
    """The warning for a ``validation_size`` that leaves a bag too few rows to split (a leaf
    needs ``min_samples_leaf`` rows on each side), else None: such a model is its intercept
    alone, which no error would otherwise say."""
    n_train, n_bag = bag_training_rows(validation_size, n_rows, max_bag_rows)
    needed = 2 * max(int(min_samples_leaf), 1)
    if n_train >= needed:
        return None
    return (f"validation_size={validation_size} leaves about {n_train} of a bag's {n_bag} rows "
            f"to train on, fewer than the {needed} that one split needs (min_samples_leaf="
            f"{min_samples_leaf} on each side): no term can learn, and the model is its "
            "intercept alone. Lower validation_size.")


#: The keyword arguments InterpretML passes each kind of callback that glassboost calls.
CALLBACK_ARGUMENTS = {"boost": ("bag", "stage", "step", "term", "metric"),
                      "interaction": ("bag", "term", "strength")}
_CALLBACK_ACTIONS = ("continue", "stop_current", "stop_all")


def _callback_action(result: Any) -> str:
    """InterpretML's callback results: None or "continue", "stop_current", "stop_all" (or a
    ``CallbackAction`` member of those values); True (InterpretML 0.7's "stop") stops the
    current stage, False continues (numpy's booleans too, as a comparison with numpy
    returns them)."""
    if isinstance(result, np.bool_):
        result = bool(result)
    if result is None or result is False:
        return "continue"
    if result is True:
        return "stop_current"
    value = getattr(result, "value", result)
    if isinstance(value, str) and value in _CALLBACK_ACTIONS:
        return value
    raise TypeError(f"callbacks: a callback returned {result!r}; expected None, True/False, or "
                    f"one of {list(_CALLBACK_ACTIONS)}")


def _callback_kind(item: Any) -> str:
    """"boost", "interaction" or "legacy" (InterpretML 0.7's four positional parameters)."""
    if not callable(item):
        raise ValueError(f"callbacks: {item!r} is not callable")
    name = getattr(item, "__qualname__", repr(item))
    try:
        parameters = inspect.signature(item).parameters
    except (TypeError, ValueError):
        raise ValueError(f"callbacks: {name} has no inspectable signature; wrap it in a "
                         "function with the parameters (*, bag, stage, step, term, metric)"
                         ) from None
    names = set(parameters)
    if "gain" in names:
        raise ValueError(f"callbacks: {name} is an examine callback (gain), which glassboost "
                         "does not call; a boost callback takes (*, bag, stage, step, term, "
                         "metric), an interaction callback (*, bag, term, strength)")
    kinds = [kind for kind, required in CALLBACK_ARGUMENTS.items() if set(required) <= names]
    if len(kinds) > 1:
        raise ValueError(f"callbacks: {name} has the parameters of both a boost callback "
                         "(metric) and an interaction callback (strength)")
    if kinds:
        required = CALLBACK_ARGUMENTS[kinds[0]]
        for p in parameters.values():
            if p.name in required and p.kind not in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY):
                raise ValueError(f"callbacks: {name}'s parameter {p.name!r} must be callable "
                                 "by keyword")
            if p.name not in required and p.default is p.empty \
                    and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                raise ValueError(f"callbacks: {name}'s extra parameter {p.name!r} needs a "
                                 "default value")
        return kinds[0]
    try:  # InterpretML 0.7's callback is called with four positional arguments
        inspect.signature(item).bind(None, None, None, None)
    except TypeError:
        raise ValueError(f"callbacks: {name} with parameters {list(parameters)} is neither a "
                         "boost callback (*, bag, stage, step, term, metric), an interaction "
                         "callback (*, bag, term, strength) nor InterpretML 0.7's "
                         "callback(bag, steps, progress, metric)") from None
    return "legacy"


def chosen_callbacks(callbacks: Any, callback: Any) -> Any:
    """``callbacks``, or ``callback`` (the name interpret-core 0.7 gives it) when only that one
    is given; both at once is an error naming them."""
    if callback is None:
        return callbacks
    if callbacks is not None:
        raise ValueError("callbacks and callback are the same parameter (InterpretML's newer "
                         "and older name); give only one")
    return callback


def parse_callbacks(callbacks: Any):
    """``callbacks`` as (boost, interaction) functions returning actions (each may be None):
    ``boost(bag, stage, step, term, metric)`` and ``interaction(bag, term, strength)``.

    InterpretML's callbacks declare their arguments as keywords (other parameters need
    defaults); InterpretML 0.7's ``callback(bag, steps, progress, metric)``, four positional
    parameters, is accepted as a boost callback (``progress`` is always True: every reported
    step made progress). Examine callbacks (``gain``) are refused: glassboost does not call them.
    At most one callback of each kind.
    """
    if callbacks is None:
        return None, None
    items = [callbacks] if callable(callbacks) else callbacks
    if isinstance(items, (str, bytes)) or not isinstance(items, (Sequence, np.ndarray)):
        raise ValueError(f"callbacks must be a callable or a sequence of callables, got "
                         f"{callbacks!r}")
    found: dict[str, Any] = {}
    for item in items:
        kind = _callback_kind(item)
        if kind == "legacy":
            kind, call = "boost", (lambda fn: lambda bag, stage, step, term, metric: fn(
                bag, step, True, metric))(item)
        elif kind == "boost":
            call = (lambda fn: lambda bag, stage, step, term, metric: fn(
                bag=bag, stage=stage, step=step, term=term, metric=metric))(item)
        else:
            call = (lambda fn: lambda bag, term, strength: fn(
                bag=bag, term=term, strength=strength))(item)
        if kind in found:
            raise ValueError(f"callbacks cannot contain more than one {kind} callback")
        found[kind] = (lambda fn: lambda *arguments: _callback_action(fn(*arguments)))(call)
    return found.get("boost"), found.get("interaction")


def clean_bags(bags: Any, n_rows: int, outer_bags: int) -> np.ndarray | None:
    """InterpretML's ``bags`` (n_samples, outer_bags) as int8: a positive ``k`` trains on the
    row ``k`` times, ``-k`` validates on it ``k`` times, 0 leaves it out of that bag."""
    values = bag_values(bags, n_rows, outer_bags)
    if values is not None:
        check_bags_train(np.any(values > 0, axis=0))
    return values


def bag_values(bags: Any, n_rows: int, outer_bags: int) -> np.ndarray | None:
    """``clean_bags`` of some of the rows: their shape and values, as int8; whether every bag
    trains on some row is for ``check_bags_train`` to say once all rows are seen."""
    if bags is None:
        return None
    try:
        values = np.asarray(bags, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(f"bags must be integers: {error}") from None
    if values.ndim != 2:
        raise ValueError(f"bags must be 2-dimensional (n_samples, outer_bags), got shape "
                         f"{values.shape}")
    if values.shape[0] != n_rows:
        raise ValueError(f"bags has {values.shape[0]} rows but X has {n_rows} samples")
    if values.shape[1] != outer_bags:
        raise ValueError(f"bags has {values.shape[1]} bags and outer_bags is {outer_bags}")
    if not np.all(np.isfinite(values)) or np.any(values != np.round(values)):
        raise ValueError("bags must hold whole numbers (training > 0, validation < 0, out 0)")
    if np.any(values > 127) or np.any(values < -128):
        raise ValueError("A value in bags is outside the valid range -128 to 127")
    return values.astype(np.int8)


def check_bags_train(training: np.ndarray) -> None:
    """Raise for the first bag without a training row (``training``: per bag, whether some
    row has a positive value in it)."""
    empty = np.flatnonzero(~np.asarray(training, dtype=bool))
    if len(empty):
        raise ValueError(f"bags[:, {empty[0]}] has no training rows (no positive value)")


def model_kind(value: Any) -> str | None:
    """"classifier" or "regressor" for a model (scikit-learn's tags; without them, a model is
    anything with ``predict``, a classifier if it has ``predict_proba``), else None."""
    from sklearn.base import is_classifier, is_regressor

    if isinstance(value, np.ndarray):
        return None
    try:
        if is_classifier(value):
            return "classifier"
        if is_regressor(value):
            return "regressor"
    except AttributeError:  # no scikit-learn tags
        pass
    if not hasattr(value, "predict"):
        return None
    return "classifier" if hasattr(value, "predict_proba") else "regressor"


def check_init_score_classes(init_score: Any, classes: Any) -> None:
    """Refuse a fitted classifier as ``init_score`` whose ``classes_`` are not ``classes``
    (those of the model it starts; None: not known): its probabilities are taken by
    position, so they would stand for other classes."""
    if classes is None or model_kind(init_score) != "classifier":
        return
    given = getattr(init_score, "classes_", None)
    if given is not None and np.asarray(given).tolist() != np.asarray(classes).tolist():
        raise ValueError(
            f"init_score: the {type(init_score).__name__}'s classes "
            f"{np.asarray(given).tolist()[:10]} are not the classes "
            f"{np.asarray(classes).tolist()[:10]} of the model it would start, so its "
            "probabilities would stand for other classes; pass its scores as an array "
            "to use them by position anyway"
        )


#: The largest score magnitude whose exponential float64 holds: log of the largest double.
EXP_SCORE_LIMIT = math.log(np.finfo(np.float64).max)  # 709.78...
#: The largest score magnitude whose square float64 holds: root of the largest double.
SQUARE_SCORE_LIMIT = math.sqrt(np.finfo(np.float64).max)  # 1.34...e154


def start_score_limit(link: str, exponentiated: bool = False) -> tuple[float, str]:
    """The largest magnitude of a starting score on ``link``'s scale, and why. The logit,
    mlogit and log links' losses, gradients and inverse links take ``exp`` of the score (so
    do Cox's, on the identity link: ``exponentiated``), which is infinite or 0 beyond
    ``EXP_SCORE_LIMIT``; the identity link's squared error squares it, which is infinite
    beyond ``SQUARE_SCORE_LIMIT``."""
    if exponentiated or link != "identity":
        return EXP_SCORE_LIMIT, ("exp of a score above it overflows float64 (it is the log of "
                                 "float64's largest number) and of one below its negative falls "
                                 "under float64's normal range, so the loss, its gradient and "
                                 "the prediction would be infinite or lose their precision")
    return SQUARE_SCORE_LIMIT, ("the square of a score beyond it overflows float64 (it is the "
                                "root of float64's largest number), so a squared error of it "
                                "would be infinite")


def _check_start_score_limit(values: np.ndarray, link: str, exponentiated: bool,
                             source: str | None) -> None:
    """Raise for the first starting score beyond ``start_score_limit``, naming its row (and
    class), its value and the limit; ``source``: the model that predicted the scores."""
    limit, reason = start_score_limit(link, exponentiated)
    beyond = np.abs(values) > limit
    if not beyond.any():
        return
    place = np.unravel_index(int(np.argmax(beyond)), values.shape)
    value = float(values[place])
    if source is None:
        subject = f"init_score[{', '.join(str(int(i)) for i in place)}] = {value:.8g}"
    else:
        subject = (f"init_score: the {source}'s predictions through the {link!r} link give "
                   f"{value:.8g} at row {int(place[0])}")
        reason += "; clip its predictions, or pass the link of clipped ones as an array"
    scale = (f"the {link!r} link of an objective that exponentiates it"
             if exponentiated and link == "identity" else f"the {link!r} link")
    raise ValueError(f"{subject}, beyond {limit:.8g} in magnitude, the limit of a starting "
                     f"score on {scale}: {reason}")


def clean_init_score(init_score: Any, X: Any, n_rows: int, link: str, n_scores: int,
                     classes: Any = None, exponentiated: bool = False) -> np.ndarray | None:
    """``init_score`` as every row's starting scores (n_rows, n_scores): given per row, or a
    fitted model's predictions through the link (a classifier's ``predict_proba``, a
    regressor's ``predict``), as InterpretML takes them. A fitted classifier's ``classes_``
    must be ``classes`` (those of the model it starts, when given): its probabilities are
    taken by position. Scores must be finite and within ``start_score_limit(link,
    exponentiated)`` (``exponentiated``: the objective takes ``exp`` of an identity link's
    score)."""
    if init_score is None:
        return None
    kind = model_kind(init_score)
    if kind is not None:
        classifier = kind == "classifier"
        check_init_score_classes(init_score, classes)
        predictions = np.asarray(init_score.predict_proba(X) if classifier
                                 else init_score.predict(X), dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):  # reported below
            if classifier and link == "logit" and predictions.ndim == 2 \
                    and predictions.shape[1] == 2:
                values = np.log(predictions[:, 1]) - np.log(predictions[:, 0])
            elif classifier and link == "mlogit":
                values = np.log(predictions)
            elif not classifier and link in ("identity", "log"):
                values = np.log(predictions) if link == "log" else predictions
            else:
                raise ValueError(f"init_score: a {type(init_score).__name__}'s predictions "
                                 f"cannot start a model of link {link!r}")
    else:
        try:
            values = np.asarray(init_score, dtype=np.float64)
        except (TypeError, ValueError, OverflowError) as error:  # overflow: beyond float64
            raise ValueError(f"init_score must be numbers or a fitted model: {error}") from None
    expected = (n_rows,) if n_scores == 1 else (n_rows, n_scores)
    if values.shape not in (expected, (n_rows, n_scores)):
        raise ValueError(f"init_score has shape {values.shape}, expected {expected} (one score "
                         f"per row{'' if n_scores == 1 else ' and class'})")
    bad = np.flatnonzero(~np.all(np.isfinite(values.reshape(n_rows, -1)), axis=1))
    if len(bad) and kind is not None:
        need = {"logit": "probabilities strictly between 0 and 1",
                "mlogit": "probabilities above 0",
                "log": "positive predictions"}.get(link, "finite predictions")
        raise ValueError(f"init_score: the {type(init_score).__name__}'s predictions have no "
                         f"finite {link!r} link at rows {bad[:5].tolist()}; a fitted model as "
                         f"init_score needs {need} (or pass the link of its clipped predictions "
                         "as an array)")
    if len(bad):
        raise ValueError(f"init_score is NaN or infinite at rows {bad[:5].tolist()}")
    _check_start_score_limit(values, link, exponentiated,
                             None if kind is None else type(init_score).__name__)
    return values.reshape(n_rows, n_scores).copy()
