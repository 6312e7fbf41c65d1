"""Checking a parsed model file, form and meaning, in time linear in its size.

Every field that scoring, SQL export, figures, editing or merging read is checked here: the
structure (closed objects, JSON types), every table's shape against its term's features and their
bins, the link against the objective, the classes, and the numbers (finite, and bounded so that no
score can overflow). Arrays are checked level by level with C-speed builtins (``map``,
``chain``) and numpy, never item by item in Python, so a 10 MB file is checked in a fraction of a
second. Every failure is a :class:`ModelFileError` whose ``field`` is the JSON path of the
offending field, e.g. ``terms[3].scores``.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from itertools import chain
from typing import Any, NoReturn

import numpy as np

from ..datetimes import PARTS, TIMESTAMP
from ..objectives import classification_objective, regression_objective
from .detail import DETAILS, detail_rank

FORMAT = "glassboost.ebm"
FORMAT_VERSION = 2  # written; version 1 (see docs/model-format.md) is still read
READ_VERSIONS = (1, 2)
#: Largest |value| of any table entry, and of the intercept plus every term's largest |value|:
#: scores, their squares and sums over many rows stay finite, and SQL sums stay exact to rounding.
MAX_SCORE = 1e100
#: With the log link, the largest score a row can reach: exp(700) ~ 1e304 stays finite.
MAX_LOG_LINK_SCORE = 700.0
#: Deepest nesting of a training parameter's value.
MAX_PARAMETER_DEPTH = 32
#: The parts a date column can become: derived features ``column:part``.
DATE_PARTS = PARTS + (TIMESTAMP,)

_CLASS_TYPES = {"str": str, "int": int, "float": float, "bool": bool}
_CLASS_DTYPES = {"str": object, "int": np.int64, "float": np.float64, "bool": bool}
_NONFINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}
_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class ModelFileError(ValueError):
    """A model file that cannot be read: unreadable, not JSON, wrong format or version, or a
    field that is malformed or inconsistent. ``field`` is its JSON path (None for the file as a
    whole), and the message starts with it."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field


def fail(field: str | None, message: str) -> NoReturn:
    raise ModelFileError(message, field)


# ---- paths and JSON types --------------------------------------------------------------------
def child(path: str, key: str | int) -> str:
    """The JSON path of ``key`` inside ``path``: ``terms[3]``, ``terms[3].scores``,
    ``features[1].categories["it's"]``."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    if _PLAIN_KEY.fullmatch(key):
        return f"{path}.{key}" if path else key
    quoted = json.dumps(key)
    return f"{path}[{quoted if len(quoted) <= 60 else quoted[:56] + '...' + quoted[-1]}]"


_TYPE_NAMES = {dict: "an object", list: "an array", str: "a string", bool: "a boolean",
               int: "a number", float: "a number", type(None): "null"}


def kind(value: Any) -> str:
    """The JSON type name of a parsed value."""
    return _TYPE_NAMES.get(type(value), "a value")


def show(value: Any) -> str:
    """A short description of a parsed value for messages: its repr if it is a scalar (cut to
    40 characters), else its JSON type (reprs of big or deep arrays cost time and memory)."""
    if type(value) in (str, int, float, bool, type(None)):
        text = repr(value) if type(value) is not int or abs(value) < 10 ** 40 else "a huge integer"
        return text if len(text) <= 40 else text[:37] + "..."
    return kind(value)


def _first_duplicate(values: list) -> int | None:
    """Index of the first value that appeared before, or None."""
    seen = set()
    for i, value in enumerate(values):
        if value in seen:
            return i
        seen.add(value)
    return None


def _object(value: Any, path: str, required: tuple, optional: tuple = ()) -> dict:
    """A JSON object with exactly the ``required`` fields and some of the ``optional`` ones."""
    if type(value) is not dict:
        fail(path or "(top level)", f"must be an object, found {kind(value)}")
    for key in required:
        if key not in value:
            fail(child(path, key), "is missing")
    for key in value:
        if key not in required and key not in optional:
            fail(child(path, key), "is not a field here (fields are checked against the "
                                   "format version and detail level; see docs/model-format.md)")
    return value


def _list(value: Any, path: str) -> list:
    if type(value) is not list:
        fail(path, f"must be an array, found {kind(value)}")
    return value


def _bool(value: Any, path: str) -> bool:
    if type(value) is not bool:
        fail(path, f"must be true or false, found {kind(value)}")
    return value


def check_texts(texts: list, path: str) -> None:
    """Strings that go into SQL, CSV and HTML: valid Unicode (no lone surrogates), no NUL."""
    joined = "".join(texts)
    if "\x00" in joined:
        fail(path, "must not contain NUL characters")
    if not joined.isascii():
        try:
            joined.encode("utf-8")
        except UnicodeEncodeError:
            fail(path, "must be valid Unicode text (it holds a lone surrogate code point)")


def _text(value: Any, path: str) -> str:
    if type(value) is not str:
        fail(path, f"must be a string, found {kind(value)}")
    check_texts([value], path)
    return value


def _float(value: Any, path: str) -> float:
    """A number, or a non-finite float written as ``{"float": "nan" | "inf" | "-inf"}``."""
    if type(value) is dict and len(value) == 1 and value.get("float") in _NONFINITE:
        return _NONFINITE[value["float"]]
    if type(value) not in (int, float):
        fail(path, f"must be a number or {{\"float\": \"nan\"|\"inf\"|\"-inf\"}}, found "
                   f"{kind(value)}")
    try:
        return float(value)
    except OverflowError:
        fail(path, "is an integer too large for a float")


def numbers(value: Any, shape: tuple[int, ...], path: str, integer: bool = False,
            non_negative: bool = False, limit: float | None = MAX_SCORE) -> np.ndarray:
    """Nested JSON arrays of exactly ``shape`` holding finite numbers, as a numpy array.

    Checked one nesting level at a time with C-speed builtins, so the cost is linear in the
    number of entries and a few tens of nanoseconds per entry.
    """
    level = [value]
    for depth, size in enumerate(shape):
        if set(map(type, level)) - {list}:
            fail(path, f"must be nested arrays of shape {shape}, found {kind(value)}"
                 if depth == 0 else f"must be nested arrays of shape {shape}; found a "
                                    f"non-array at depth {depth}")
        if set(map(len, level)) - {size}:
            if depth == 0:
                fail(path, f"has {len(value)} entries, expected {size} (shape {shape})")
            found = next(len(x) for x in level if len(x) != size)
            fail(path, f"must have shape {shape}, but an array at depth {depth} has {found} "
                       f"entries instead of {size}")
        level = list(chain.from_iterable(level))
    allowed = {int} if integer else {int, float}
    wrong = set(map(type, level)) - allowed
    if wrong:
        found = "an array (too deep)" if list in wrong else _TYPE_NAMES.get(wrong.pop(),
                                                                            "a value")
        fail(path, f"must hold {'integers' if integer else 'numbers'} only (shape {shape}); "
                   f"found {found}")
    try:
        array = np.array(level, dtype=np.int64 if integer else np.float64).reshape(shape)
    except OverflowError:
        fail(path, f"holds an integer too large for {'64 bits' if integer else 'a float'}")
    if not integer and not np.isfinite(array).all():
        fail(path, "holds a non-finite number")
    if non_negative and array.size and array.min() < 0:
        fail(path, "holds a negative number")
    if limit is not None and array.size and np.abs(array).max() > limit:
        fail(path, f"holds a number of magnitude {np.abs(array).max():.3g}, above the limit "
                   f"{limit:.0e}")
    return array


def _length(value: Any, path: str) -> int:
    return len(_list(value, path))


# ---- the checked model -----------------------------------------------------------------------
@dataclass
class CheckedModel:
    """Every part of a model file, checked, as plain Python and numpy values.

    Parts a file's detail level does not hold are None (per-bag tables: zero bags).
    """

    detail: str
    task: str
    link: str
    link_param: float
    classes: np.ndarray | None
    objective: str
    match_by_name: bool
    feature_names: list[str]
    feature_types: list[str]
    bins: list[list]
    intercept: np.ndarray
    term_features: list[tuple[int, ...]]
    term_names: list[str]
    term_scores: list[np.ndarray]
    standard_deviations: list[np.ndarray] | None
    bin_weights: list[np.ndarray] | None
    bagged_scores: list[np.ndarray]
    bagged_intercept: np.ndarray
    parameters: dict[str, Any]
    datetime_conversions: list[dict]
    best_iteration: np.ndarray | None
    interaction_strengths: dict[tuple[str, str], float] | None

    @property
    def n_scores(self) -> int:
        return len(self.intercept)


@dataclass
class _Layout:
    """Which fields a file of a given version and detail level has."""

    version: int
    detail: str

    def has(self, detail: str) -> bool:
        return detail_rank(self.detail) >= detail_rank(detail)

    def top(self) -> tuple[tuple, tuple]:
        required = ["format", "format_version", "glassboost_version", "task", "link",
                    "link_param", "classes", "match_by_name", "features", "intercept", "terms",
                    "training"]
        if self.version >= 2:
            required.append("detail")
        if self.has("all"):
            required.append("bagged_intercept")
        return tuple(required), (("datetime_conversions",) if self.version >= 2 else ())

    def term(self) -> tuple:
        required = ["name", "features", "scores"]
        if self.has("interpretable"):
            required += ["standard_deviations", "bin_weights"]
        if self.has("all"):
            required.append("bagged_scores")
        return tuple(required)

    def training(self) -> tuple:
        required = ["objective", "parameters"]
        if self.has("interpretable"):
            required += ["n_samples", "interaction_strengths"]
        if self.has("mergeable"):
            required.append("best_iteration")
        return tuple(required)


def _layout(document: Any) -> _Layout:
    if type(document) is not dict or document.get("format") != FORMAT:
        fail("format", f"must be {FORMAT!r}: this is not a glassboost model file")
    version = document.get("format_version")
    if type(version) is not int or version not in READ_VERSIONS:
        fail("format_version", f"version {show(version)} is not supported; this glassboost "
                               f"reads versions {', '.join(map(str, READ_VERSIONS))}")
    if version == 1:  # always held every part; per-bag tables were optional
        return _Layout(1, "all" if "bagged_intercept" in document else "mergeable")
    detail = document.get("detail")
    if detail not in DETAILS:
        fail("detail", f"must be one of {DETAILS}, found {show(detail)}")
    return _Layout(version, detail)


# ---- parts -----------------------------------------------------------------------------------
def _target(document: dict, objective: str) -> tuple[np.ndarray | None, int]:
    """Classes (None for regression) and scores per row; the link must fit task and objective."""
    task, link = document["task"], document["link"]
    if task not in ("classification", "regression"):
        fail("task", f"must be 'classification' or 'regression', found {show(task)}")
    classes = None
    if task == "regression":
        if document["classes"] is not None:
            fail("classes", "must be null for a regression model")
        try:
            expected = regression_objective(objective)
        except ValueError as error:
            fail("training.objective", str(error))
    else:
        classes = _classes(document["classes"])
        try:
            expected = classification_objective(objective, len(classes))
        except ValueError as error:
            fail("training.objective", str(error))
    if expected.name != objective:
        fail("training.objective", f"must be the canonical name {expected.name!r}, "
                                   f"found {show(objective)}")
    if link != expected.link:
        what = f"a classifier with {len(classes)} classes" if classes is not None else (
            f"objective {show(objective)}")
        fail("link", f"{what} needs link {expected.link!r}, found {show(link)}")
    return classes, expected.n_scores


def _classes(value: Any) -> np.ndarray:
    entry = _object(value, "classes", ("type", "values"))
    name = entry["type"]
    if name not in _CLASS_TYPES:
        fail("classes.type", f"must be one of {tuple(_CLASS_TYPES)}, found {show(name)}")
    values = _list(entry["values"], "classes.values")
    if any(type(v) is not _CLASS_TYPES[name] for v in values):
        fail("classes.values", f"must all be of type {name}")
    if len(values) < 2 or len(set(values)) != len(values):
        fail("classes.values", "must be at least 2 distinct values")
    if name == "str":
        check_texts(values, "classes.values")
    if name == "float" and not all(math.isfinite(v) for v in values):
        fail("classes.values", "must be finite")
    try:
        return np.array(values, dtype=_CLASS_DTYPES[name])
    except OverflowError:
        fail("classes.values", "integers must fit in 64 bits")


def _feature(entry: Any, path: str) -> tuple[str, str, list, int, int]:
    """(name, type, bins_ entry, fine bins, interaction bins) of one feature."""
    if type(entry) is not dict:
        fail(path, f"must be an object, found {kind(entry)}")
    kind_ = entry.get("type")
    if kind_ == "continuous":
        _object(entry, path, ("name", "type", "cuts", "interaction_cuts"))
        cuts = _cuts(entry["cuts"], child(path, "cuts"))
        coarse = _cuts(entry["interaction_cuts"], child(path, "interaction_cuts"))
        if not np.isin(coarse, cuts).all():
            fail(child(path, "interaction_cuts"), "must be a subset of cuts")
        return (_text(entry["name"], child(path, "name")), kind_, [cuts, coarse],
                len(cuts) + 3, len(coarse) + 3)
    if kind_ not in ("nominal", "ordinal"):
        fail(child(path, "type"), f"must be 'continuous', 'nominal' or 'ordinal', found "
                                  f"{show(kind_)}")
    _object(entry, path, ("name", "type", "categories"), ("interaction_categories",))
    categories = _categories(entry["categories"], child(path, "categories"))
    name = _text(entry["name"], child(path, "name"))
    if "interaction_categories" not in entry:
        return name, kind_, [categories], len(categories) + 2, len(categories) + 2
    coarse = _coarse_categories(entry["interaction_categories"], categories, kind_,
                                child(path, "interaction_categories"))
    return (name, kind_, [categories, coarse], len(categories) + 2,
            max(coarse.values(), default=0) + 2)


def _cuts(value: Any, path: str) -> np.ndarray:
    cuts = numbers(value, (_length(value, path),), path, limit=None)
    if len(cuts) > 1 and not (np.diff(cuts) > 0).all():
        fail(path, "must be strictly increasing")
    return cuts


def _categories(value: Any, path: str) -> dict[str, int]:
    """Labels mapped to bins 1..k, each bin once, in bin order."""
    if type(value) is not dict:
        fail(path, f"must be an object mapping labels to bins, found {kind(value)}")
    indices = list(value.values())
    if set(map(type, indices)) - {int}:
        fail(path, "must map every label to an integer bin")
    if sorted(indices) != list(range(1, len(indices) + 1)):
        fail(path, f"bins must be the integers 1..{len(indices)}, each once")
    check_texts(list(value), path)
    return dict(sorted(value.items(), key=lambda item: item[1]))


def _coarse_categories(value: Any, categories: dict[str, int], kind_: str, path: str
                       ) -> dict[str, int]:
    """Every category's bin for pairs, 1..m with each bin used (runs of neighbouring levels for
    an ordinal feature), so that each coarse bin is a union of fine bins."""
    if type(value) is not dict or value.keys() != categories.keys():
        fail(path, "must map exactly the feature's categories to bins")
    coarse = [value[label] for label in categories]  # in fine-bin order
    if set(map(type, coarse)) - {int} or set(coarse) != set(range(1, max(coarse, default=0) + 1)):
        fail(path, "bins must be the integers 1..m, each used")
    if kind_ == "ordinal" and any(b < a for a, b in zip(coarse, coarse[1:])):
        fail(path, "must merge runs of neighbouring levels of an ordinal feature")
    return {label: value[label] for label in categories}


def _features(value: Any) -> tuple[list, list, list, list[int], list[int]]:
    entries = _list(value, "features")
    if not entries:
        fail("features", "must hold at least one feature")
    parts = [_feature(entry, f"features[{i}]") for i, entry in enumerate(entries)]
    names = [p[0] for p in parts]
    duplicate = _first_duplicate(names)
    if duplicate is not None:
        fail(f"features[{duplicate}].name", f"{show(names[duplicate])} is not unique")
    return (names, [p[1] for p in parts], [p[2] for p in parts], [p[3] for p in parts],
            [p[4] for p in parts])


def _term_features(value: Any, path: str, name: str, n_features: int) -> tuple[int, ...]:
    features = _list(value, path)
    if not features:
        fail(path, f"term {show(name)} needs at least one feature")
    if len(features) > 2:
        fail(path, f"term {show(name)} has {len(features)} features; this glassboost scores "
                   f"main effects and pairs only")
    if any(type(f) is not int or not 0 <= f < n_features for f in features):
        fail(path, f"must be feature indices (integers) below {n_features}")
    if len(set(features)) != len(features):
        fail(path, f"term {show(name)} uses a feature twice")
    return tuple(features)


def _terms(value: Any, layout: _Layout, names: list[str], n_bins: list[int],
           n_pair_bins: list[int], n_scores: int, n_bags: int) -> dict[str, list]:
    entries = _list(value, "terms")
    out: dict[str, list] = {k: [] for k in ("features", "names", "scores", "stds", "weights",
                                            "bagged")}
    seen: dict[tuple, int] = {}
    required = layout.term()
    for t, entry in enumerate(entries):
        path = f"terms[{t}]"
        _object(entry, path, required)
        name = _text(entry["name"], child(path, "name"))
        features = _term_features(entry["features"], child(path, "features"), name, len(names))
        key = tuple(sorted(features))
        if key in seen:
            fail(child(path, "features"), f"terms {seen[key]} and {t} use the same features")
        seen[key] = t
        bins = tuple((n_bins if len(features) == 1 else n_pair_bins)[f] for f in features)
        shape = bins + ((n_scores,) if n_scores > 1 else ())
        out["features"].append(features)
        out["names"].append(name)
        out["scores"].append(numbers(entry["scores"], shape, child(path, "scores")))
        if layout.has("interpretable"):
            out["stds"].append(numbers(entry["standard_deviations"], shape,
                                       child(path, "standard_deviations"), non_negative=True))
            out["weights"].append(numbers(entry["bin_weights"], bins, child(path, "bin_weights"),
                                          non_negative=True, limit=None))
        if layout.has("all"):
            out["bagged"].append(numbers(entry["bagged_scores"], (n_bags,) + shape,
                                         child(path, "bagged_scores")))
        else:
            out["bagged"].append(np.empty((0,) + shape))
    duplicate = _first_duplicate(out["names"])
    if duplicate is not None:
        fail(f"terms[{duplicate}].name", f"{show(out['names'][duplicate])} is not unique")
    return out


def _check_bounds(intercept: np.ndarray, scores: list[np.ndarray], link: str,
                  classes: np.ndarray | None) -> None:
    """No score can overflow: per class, |intercept| plus every term's largest |value| is at
    most MAX_SCORE, and with the log link the largest reachable score is at most 700."""
    n_scores = len(intercept)
    largest = np.array([np.abs(s).reshape(-1, n_scores).max(axis=0) for s in scores]
                       ).reshape(-1, n_scores)
    for k in range(n_scores):
        reach = abs(intercept[k]) + float(np.sum(largest[:, k]))
        if not reach <= MAX_SCORE:
            worst = int(np.argmax(largest[:, k])) if len(largest) else -1
            where = f"terms[{worst}].scores" if worst >= 0 and largest[worst, k] > abs(
                intercept[k]) else "intercept"
            label = "" if n_scores == 1 else f" for class {classes[k]!r:.40}"
            fail(where, f"scores could reach {reach:.3g}{label} (|intercept| plus every "
                        f"term's largest |value|), above the limit {MAX_SCORE:.0e}")
    if link == "log":
        top = intercept[0] + sum(float(s.max()) for s in scores)
        if top > MAX_LOG_LINK_SCORE:
            worst = int(np.argmax([s.max() for s in scores])) if scores else -1
            fail(f"terms[{worst}].scores" if worst >= 0 else "intercept",
                 f"with the log link, scores could reach {top:.4g} (the intercept plus every "
                 f"term's largest value), above {MAX_LOG_LINK_SCORE:g}: predictions exp(score) "
                 f"could overflow")


def _check_weights(weights: list[np.ndarray], n_samples: Any) -> None:
    """Every term's bin weights add up to the training weight ``n_samples``."""
    if n_samples is None:
        if weights:
            fail("training.n_samples", "must be a number for a model with terms")
        return
    if type(n_samples) not in (int, float) or not 0 <= n_samples < math.inf:
        fail("training.n_samples", f"must be a finite non-negative number or null, found "
                                   f"{show(n_samples)}")
    for t, table in enumerate(weights):
        total = float(table.sum())
        if not math.isclose(total, n_samples, rel_tol=1e-6, abs_tol=1e-9):
            fail(f"terms[{t}].bin_weights", f"add up to {total:.10g}, but training.n_samples "
                                            f"is {n_samples:.10g}; every term's bin weights "
                                            f"add up to the training weight")


def _decode_value(value: Any, path: str, depth: int = 0) -> Any:
    """A training parameter's value as written (tagged non-finite floats decoded)."""
    if depth > MAX_PARAMETER_DEPTH:
        fail(path, f"is nested deeper than {MAX_PARAMETER_DEPTH} levels")
    if type(value) is dict:
        if len(value) == 1 and value.get("float") in _NONFINITE:
            return _NONFINITE[value["float"]]
        return {k: _decode_value(v, child(path, k), depth + 1) for k, v in value.items()}
    if type(value) is list:
        return [_decode_value(v, child(path, i), depth + 1) for i, v in enumerate(value)]
    if type(value) is str:
        check_texts([value], path)
    return value


def _parameters(value: Any) -> dict[str, Any]:
    if type(value) is not dict:
        fail("training.parameters", f"must be an object, found {kind(value)}")
    check_texts(list(value), "training.parameters")
    return {k: _decode_value(v, child("training.parameters", k)) for k, v in value.items()}


def _datetime_conversions(value: Any, names: list[str], kinds: list[str]) -> list[dict]:
    """How date columns become features at scoring: each record's derived features
    ``column:part`` are continuous features of the model, and no feature comes from two."""
    records, derived = [], set()
    features = dict(zip(names, kinds))
    for i, entry in enumerate(_list(value, "datetime_conversions")):
        path = f"datetime_conversions[{i}]"
        _object(entry, path, ("column", "parts", "format"))
        column = _text(entry["column"], child(path, "column"))
        if column in features or any(r["column"] == column for r in records):
            fail(child(path, "column"), f"{show(column)} is already a feature or converted")
        parts = _list(entry["parts"], child(path, "parts"))
        if not parts or any(p not in DATE_PARTS for p in parts) or len(set(parts)) != len(
                parts):
            fail(child(path, "parts"), f"must be distinct names among {DATE_PARTS}")
        fmt = entry["format"]
        if fmt is not None:
            _text(fmt, child(path, "format"))
        record_names = [f"{column}:{part}" for part in parts]
        for name in record_names:
            if features.get(name) != "continuous" or name in derived:
                fail(child(path, "parts"), f"the derived feature {show(name)} must be a "
                                           f"continuous feature of the model, derived once")
            derived.add(name)
        records.append({"column": column, "parts": list(parts), "format": fmt,
                        "names": record_names})
    return records


def _best_iteration(value: Any) -> np.ndarray | None:
    if value is None:
        return None
    path = "training.best_iteration"
    rows = _list(value, path)
    columns = len(rows[0]) if rows and type(rows[0]) is list else 0
    return numbers(value, (2, columns), path, integer=True, non_negative=True, limit=None)


def _interaction_strengths(value: Any, names: list[str]) -> dict[tuple[str, str], float]:
    strengths: dict[tuple[str, str], float] = {}
    known = set(names)
    for i, entry in enumerate(_list(value, "training.interaction_strengths")):
        path = f"training.interaction_strengths[{i}]"
        _object(entry, path, ("features", "strength"))
        pair = _list(entry["features"], child(path, "features"))
        if len(pair) != 2 or any(type(n) is not str or n not in known for n in pair) or (
                pair[0] == pair[1]):
            fail(child(path, "features"), "must name two different features of the model")
        if (pair[0], pair[1]) in strengths or (pair[1], pair[0]) in strengths:
            fail(child(path, "features"), f"the pair {show(pair[0])} & {show(pair[1])} "
                                          f"appears twice")
        strengths[(pair[0], pair[1])] = _float(entry["strength"], child(path, "strength"))
    return strengths


# ---- the whole document ----------------------------------------------------------------------
def check_document(document: Any) -> CheckedModel:
    """Every part of a parsed model file, checked; ModelFileError naming the field otherwise."""
    layout = _layout(document)
    _object(document, "", *layout.top())
    _text(document["glassboost_version"], "glassboost_version")
    training = _object(document["training"], "training", layout.training())
    objective = _text(training["objective"], "training.objective")
    classes, n_scores = _target(document, objective)
    link_param = _float(document["link_param"], "link_param")
    match_by_name = _bool(document["match_by_name"], "match_by_name")
    names, kinds, bins, n_bins, n_pair_bins = _features(document["features"])
    intercept = numbers(document["intercept"], (n_scores,), "intercept")
    n_bags = 0
    bagged_intercept = np.empty((0,) + ((n_scores,) if n_scores > 1 else ()))
    if layout.has("all"):
        n_bags = _length(document["bagged_intercept"], "bagged_intercept")
        bagged_intercept = numbers(document["bagged_intercept"],
                                   (n_bags,) + bagged_intercept.shape[1:], "bagged_intercept")
    terms = _terms(document["terms"], layout, names, n_bins, n_pair_bins, n_scores, n_bags)
    _check_bounds(intercept, terms["scores"], document["link"], classes)
    interpretable = layout.has("interpretable")
    if interpretable:
        _check_weights(terms["weights"], training["n_samples"])
    return CheckedModel(
        detail=layout.detail,
        task=document["task"],
        link=document["link"],
        link_param=link_param,
        classes=classes,
        objective=objective,
        match_by_name=match_by_name,
        feature_names=names,
        feature_types=kinds,
        bins=bins,
        intercept=intercept,
        term_features=terms["features"],
        term_names=terms["names"],
        term_scores=terms["scores"],
        standard_deviations=terms["stds"] if interpretable else None,
        bin_weights=terms["weights"] if interpretable else None,
        bagged_scores=terms["bagged"],
        bagged_intercept=bagged_intercept,
        parameters=_parameters(training["parameters"]),
        datetime_conversions=_datetime_conversions(document.get("datetime_conversions", []),
                                                   names, kinds),
        best_iteration=(_best_iteration(training["best_iteration"])
                        if layout.has("mergeable") else None),
        interaction_strengths=(_interaction_strengths(training["interaction_strengths"], names)
                               if interpretable else None),
    )
