"""Checking a parsed model file, form and meaning, in time linear in its size.

Every field that scoring, SQL export, figures, editing or merging read is checked: the structure
(closed objects, JSON types), every table's shape against its term's features and their bins
(interactions of any order on the interaction bins), the link against the objective, the
classes, bin weights against the training weight, and the numbers (finite, and bounded so that no
score can overflow). Tables are checked in batches (:class:`.json_checks.Tables`), so files of
many small arrays cost no more per byte than files of a few big ones; the binary tables of
compact files (format version 4, :mod:`.binary_tables`) are decoded first, within the file's
size limit, and checked with them. Every failure is a :class:`ModelFileError` whose ``field``
is the JSON path of the offending field.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from itertools import chain, compress, islice, repeat
from operator import eq, itemgetter, ne
from typing import Any

import numpy as np

from ..datetimes import PARTS, TIMESTAMP, is_zone_name
from ..objectives import (CUSTOM_LINKS, CUSTOM_PREFIX, classification_objective,
                          regression_objective)
from .binary_tables import BlockDecoder
from .detail import DETAILS, detail_rank
from .json_checks import (ModelFileError, Tables, array, boolean, check_texts, closed_object,
                          fail, float_value, keyset, kind, numbers, show, split, text, texts,
                          unique)

__all__ = ["DEFAULT_MAX_BYTES", "FORMAT", "FORMAT_VERSION", "CheckedModel", "ModelFileError",
           "check_document"]

FORMAT = "glassboost.ebm"
FORMAT_VERSION = 2  # written; version 1 (see docs/model-format.md) is still read
#: Written for models with a privacy record, which older readers must refuse, not drop.
PRIVACY_FORMAT_VERSION = 3
#: Written for files whose tables are binary blocks (:mod:`.binary_tables`), private or not.
BINARY_FORMAT_VERSION = 4
READ_VERSIONS = (1, 2, 3, 4)
#: Largest model file ``load`` reads unless told otherwise (after gzip decompression); the
#: binary tables of a file may expand to at most as many bytes again.
DEFAULT_MAX_BYTES = 100_000_000
#: Largest |value| of any table entry, and of the intercept plus every term's largest |value|:
#: scores, their squares and sums over many rows stay finite, and SQL sums stay exact to rounding.
MAX_SCORE = 1e100
#: With the log link, the largest score a row can reach: exp(700) ~ 1e304 stays finite.
MAX_LOG_LINK_SCORE = 700.0
#: The link of a one-class model: its score is -inf on every row, the probability of its class 1.
MONOCLASSIFICATION = "monoclassification"
#: The parts a date column can become: derived features ``column:part``.
DATE_PARTS = PARTS + (TIMESTAMP,)

_CLASS_TYPES = {"str": str, "int": int, "float": float, "bool": bool}
_CLASS_DTYPES = {"str": object, "int": np.int64, "float": np.float64, "bool": bool}
_NUL = re.compile(r"(?<!\\)(?:\\\\)*\\u0000")  # an escaped NUL in JSON text
_STRENGTH_FIELDS = frozenset(("features", "strength"))
_CONVERSION_FIELDS = frozenset(("column", "parts", "format"))
_CONTINUOUS_FIELDS = ("name", "type", "cuts", "interaction_cuts")
_CATEGORICAL_FIELDS = ("name", "type", "categories")
_PRIVACY_FIELDS = ("epsilon", "delta", "composition", "bin_budget_frac", "binning_epsilon",
                   "binning_delta", "boosting_epsilon", "boosting_delta", "n_binning_queries",
                   "n_boosting_queries", "bin_sensitivity", "boost_sensitivity",
                   "noise_scale_binning", "noise_scale_boosting")


@dataclass
class CheckedModel:
    """Every part of a model file, checked, as plain Python and numpy values.

    Parts a file's detail level does not hold are None (per-bag tables: zero bags).
    """

    detail: str
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
    privacy: dict[str, Any] | None = None
    bag_shares: np.ndarray | None = None


@dataclass
class _Layout:
    """Which fields a file of a given format version and detail level has."""

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
        if self.version == 3:  # version 3 is the file of a private model
            required.append("privacy")
        optional = ("datetime_conversions",) if self.version >= 2 else ()
        if self.version >= 2 and self.has("all"):
            optional += ("bag_shares",)
        if self.version >= BINARY_FORMAT_VERSION:  # the file of any model
            optional += ("privacy",)
        return tuple(required), optional

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
    if type(detail) is not str or detail not in DETAILS:
        fail("detail", f"must be one of {DETAILS}, found {show(detail)}")
    return _Layout(version, detail)


# ---- target ----------------------------------------------------------------------------------
def _target(document: dict, objective: str) -> tuple[np.ndarray | None, int]:
    """Classes (None for regression) and scores per row; the link must fit task and objective."""
    task, link = document["task"], document["link"]
    if task not in ("classification", "regression"):
        fail("task", f"must be 'classification' or 'regression', found {show(task)}")
    classes = None
    try:
        if task == "regression":
            if document["classes"] is not None:
                fail("classes", "must be null for a regression model")
            if type(objective) is str and objective.startswith(CUSTOM_PREFIX):
                return _custom_target(objective, link)
            expected = regression_objective(objective)
        else:
            classes = _classes(document["classes"])
            # a one-class model is fitted as binary, and scores as InterpretML's
            # monoclassification model
            expected = classification_objective(objective, max(2, len(classes)))
    except ModelFileError:
        raise
    except ValueError as error:
        fail("training.objective", str(error))
    if expected.name != objective:
        fail("training.objective", f"must be the canonical name {expected.name!r}, "
                                   f"found {show(objective)}")
    expected_link = MONOCLASSIFICATION if classes is not None and len(classes) == 1 else (
        expected.link)
    if link != expected_link:
        what = (f"a classifier with {len(classes)} class{'es' if len(classes) > 1 else ''}"
                if classes is not None else f"objective {show(objective)}")
        fail("link", f"{what} needs link {expected_link!r}, found {show(link)}")
    return classes, expected.n_scores


def _custom_target(objective: str, link: Any) -> tuple[None, int]:
    """A custom objective's model: any name after the prefix, and one of its links."""
    if not objective[len(CUSTOM_PREFIX):].strip():
        fail("training.objective", f"a custom objective needs a name after {CUSTOM_PREFIX!r}")
    if link not in CUSTOM_LINKS:
        fail("link", f"a custom objective's link must be one of {CUSTOM_LINKS}, found "
                     f"{show(link)}")
    return None, 1


def _classes(value: Any) -> np.ndarray:
    entry = closed_object(value, "classes", ("type", "values"))
    name = entry["type"]
    if type(name) is not str or name not in _CLASS_TYPES:
        fail("classes.type", f"must be one of {tuple(_CLASS_TYPES)}, found {show(name)}")
    values = array(entry["values"], "classes.values")
    if set(map(type, values)) - {_CLASS_TYPES[name]}:
        fail("classes.values", f"must all be of type {name}")
    if not values or len(set(values)) != len(values):
        fail("classes.values", "must be at least 2 distinct values, or one value for a "
                               "one-class model (link 'monoclassification')")
    if name == "str":
        check_texts(values, "classes.values")
    if name == "float" and not all(math.isfinite(v) for v in values):
        fail("classes.values", "must be finite")
    try:
        return np.array(values, dtype=_CLASS_DTYPES[name])
    except OverflowError:
        fail("classes.values", "integers must fit in 64 bits")


# ---- features --------------------------------------------------------------------------------
@dataclass
class _Features:
    names: list[str]
    kinds: list[str]
    bins: list[list]  # each feature's ``bins_`` entry
    n_bins: np.ndarray
    n_pair_bins: np.ndarray


def _categories(value: Any, path: str) -> dict[str, int]:
    """Labels mapped to bins 1..k, each bin once, in bin order."""
    if type(value) is not dict:
        fail(path, f"must be an object mapping labels to bins, found {kind(value)}")
    indices = list(value.values())
    if set(map(type, indices)) - {int}:
        fail(path, "must map every label to an integer bin")
    check_texts(list(value), path)
    expected = list(range(1, len(indices) + 1))
    if indices == expected:  # as written: in bin order
        return value
    if sorted(indices) != expected:
        fail(path, f"bins must be the integers 1..{len(indices)}, each once")
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


def _check_cuts(tables: Tables) -> list[np.ndarray]:
    """Every cut list finite and strictly increasing, checked in one pass over all of them."""
    values, ends = tables.flat()
    if len(values) > 1:
        rising = np.diff(values) > 0
        boundaries = ends[:-1] - 1
        rising[boundaries[(boundaries >= 0) & (boundaries < len(rising))]] = True
        if not rising.all():
            tables.fail_at(int(np.argmin(rising)), ends, "must be strictly increasing")
    return split(values, tables.shapes)


def _continuous_at_c_speed(entries: list, fine_cuts: Tables, coarse_cuts: Tables
                           ) -> list[int] | None:
    """The indices of the continuous features, their cut lists added to the tables, if every
    feature is an object of a known type and every continuous one has exactly its fields and
    cut arrays (checked without a Python loop per feature); None otherwise."""
    if set(map(type, entries)) - {dict}:
        return None
    kinds = list(map(dict.get, entries, repeat("type")))
    if set(map(type, kinds)) - {str} or set(kinds) - {"continuous", "nominal", "ordinal"}:
        return None
    continuous = list(compress(range(len(kinds)), map(eq, kinds, repeat("continuous"))))
    chosen = entries if len(continuous) == len(entries) else list(map(entries.__getitem__,
                                                                      continuous))
    if not all(map(eq, map(dict.keys, chosen), repeat(keyset(_CONTINUOUS_FIELDS)))):
        return None
    for key, tables in (("cuts", fine_cuts), ("interaction_cuts", coarse_cuts)):
        cuts = list(map(itemgetter(key), chosen))
        if set(map(type, cuts)) - {list}:
            return None
        lengths = np.fromiter(map(len, cuts), np.int64, len(cuts))
        if not tables.add_batch(cuts, lengths[:, None], continuous):
            return None
    return continuous


def _continuous_entry(entry: dict, i: int, fine_cuts: Tables, coarse_cuts: Tables) -> None:
    closed_object(entry, f"features[{i}]", _CONTINUOUS_FIELDS)
    for key, tables in (("cuts", fine_cuts), ("interaction_cuts", coarse_cuts)):
        cuts = entry[key]
        tables.add(cuts, (len(cuts) if type(cuts) is list else 0,), i)


def _categorical_entry(entry: Any, i: int, kind_: Any) -> list[dict[str, int]]:
    """A nominal or ordinal feature's category maps (fine, and coarse for pairs if any)."""
    path = f"features[{i}]"
    closed_object(entry, path, _CATEGORICAL_FIELDS, ("interaction_categories",))
    categories = _categories(entry["categories"], f"{path}.categories")
    levels = [categories]
    if "interaction_categories" in entry:
        levels.append(_coarse_categories(entry["interaction_categories"], categories,
                                         kind_, f"{path}.interaction_categories"))
    return levels


def _features(value: Any) -> _Features:
    entries = array(value, "features")
    if not entries:
        fail("features", "must hold at least one feature")
    categorical = {}
    fine_cuts, coarse_cuts = Tables("features[{}].cuts"), Tables("features[{}].interaction_cuts")
    continuous = _continuous_at_c_speed(entries, fine_cuts, coarse_cuts)
    if continuous is None:  # finds the first bad feature and names it
        fine_cuts = Tables("features[{}].cuts")
        coarse_cuts = Tables("features[{}].interaction_cuts")
        others = range(len(entries))
    else:  # the continuous features are checked
        others = list(compress(range(len(entries)), map(
            ne, map(dict.get, entries, repeat("type")), repeat("continuous"))))
    for i in others:
        entry = entries[i]
        if type(entry) is not dict:
            fail(f"features[{i}]", f"must be an object, found {kind(entry)}")
        kind_ = entry.get("type")
        if kind_ == "continuous":
            if continuous is None:
                _continuous_entry(entry, i, fine_cuts, coarse_cuts)
        elif kind_ in ("nominal", "ordinal"):
            categorical[i] = _categorical_entry(entry, i, kind_)
        else:
            fail(f"features[{i}].type", f"must be 'continuous', 'nominal' or 'ordinal', "
                                        f"found {show(kind_)}")
    kinds = list(map(dict.get, entries, repeat("type")))
    names = list(map(itemgetter("name"), entries))
    texts(names, "features[{}].name")
    unique(names, "features[{}].name")
    fine, coarse = _check_cuts(fine_cuts), _check_cuts(coarse_cuts)
    n_bins = np.zeros(len(entries), dtype=np.int64)
    n_pair_bins = np.zeros(len(entries), dtype=np.int64)
    continuous_at = fine_cuts.indices
    n_bins[continuous_at] = np.fromiter(map(len, fine), np.int64, len(fine)) + 3
    n_pair_bins[continuous_at] = np.fromiter(map(len, coarse), np.int64, len(coarse)) + 3
    bins: list[list] = list(map(list, zip(fine, coarse)))
    if categorical:
        at = np.empty(len(entries), dtype=np.int64)  # where each feature's bins are in ``bins``
        at[continuous_at] = np.arange(len(continuous_at))
        at[list(categorical)] = np.arange(len(categorical)) + len(continuous_at)
        for i, levels in categorical.items():
            bins.append(levels)
            n_bins[i] = len(levels[0]) + 2
            n_pair_bins[i] = (max(levels[-1].values(), default=0) + 2 if len(levels) > 1
                              else len(levels[0]) + 2)
        bins = list(map(bins.__getitem__, at.tolist()))
    return _Features(names, kinds, bins, n_bins, n_pair_bins)


# ---- terms -----------------------------------------------------------------------------------
@dataclass
class _Terms:
    features: list[tuple[int, ...]]
    names: list[str]
    scores: list[np.ndarray]
    standard_deviations: list[np.ndarray]
    bin_weights: list[np.ndarray]
    bagged_scores: list[np.ndarray]
    weight_tables: Tables


def _term_features(value: Any, t: int, name: str, n_features: int) -> tuple[int, ...]:
    if type(value) is list and len(value) == 2:  # the common cases first, quickly
        a, b = value
        if type(a) is int and type(b) is int and 0 <= a < n_features and 0 <= b < n_features \
                and a != b:
            return a, b
    elif type(value) is list and len(value) == 1:
        if type(value[0]) is int and 0 <= value[0] < n_features:
            return (value[0],)
    path = f"terms[{t}].features"
    features = array(value, path)
    if not features:
        fail(path, f"term {show(name)} needs at least one feature")
    if any(type(f) is not int or not 0 <= f < n_features for f in features):
        fail(path, f"must be feature indices (integers) below {n_features}")
    if len(set(features)) != len(features):
        fail(path, f"term {show(name)} uses a feature twice")
    return tuple(features)


class _TermTables:
    """The four kinds of tables of terms, checked in batches; ``blocks`` decodes the tables
    written as binary blocks (None: the format version has none)."""

    def __init__(self, blocks: BlockDecoder | None) -> None:
        self.scores = Tables("terms[{}].scores", limit=MAX_SCORE, blocks=blocks)
        self.spreads = Tables("terms[{}].standard_deviations", non_negative=True,
                              limit=MAX_SCORE, blocks=blocks)
        self.weights = Tables("terms[{}].bin_weights", non_negative=True, blocks=blocks)
        self.bags = Tables("terms[{}].bagged_scores", limit=MAX_SCORE, blocks=blocks)


def _repeats(rows: np.ndarray) -> bool:
    """Whether two rows (sorted feature indices of terms of one order) are equal."""
    if len(rows) < 2:
        return False
    if rows.shape[1] <= 2:  # one integer key per row, sorted
        keys = np.sort(rows[:, 0] * (int(rows.max(initial=0)) + 1) + rows[:, -1])
    else:
        keys = rows[np.lexsort(rows.T[::-1])]
    return bool(np.any(np.all((keys[1:] == keys[:-1]).reshape(len(keys) - 1, -1), axis=1)))


def _terms_at_c_speed(entries: list, required: tuple, features: _Features, classes_axis: tuple,
                      n_bags: int, tables: _TermTables, distinct: bool = True
                      ) -> list[tuple[int, ...]] | None:
    """Every term's features, its tables added to ``tables``, if every term is valid in form
    (fields, features, no two on the same features unless not ``distinct``, every table's
    shape), checked without a Python loop per term (the terms of each order at once); None
    otherwise."""
    n_features = len(features.names)
    if set(map(type, entries)) - {dict} or not all(
            map(eq, map(dict.keys, entries), repeat(keyset(required)))):
        return None
    term_features = list(map(itemgetter("features"), entries))
    if set(map(type, term_features)) - {list}:
        return None
    lengths = np.fromiter(map(len, term_features), np.int64, len(term_features))
    if len(lengths) and lengths.min() < 1:
        return None
    flat = list(chain.from_iterable(term_features))
    if set(map(type, flat)) - {int}:
        return None
    try:
        indices = np.array(flat, dtype=np.int64)
    except OverflowError:
        return None
    if len(indices) and not (indices.min() >= 0 and indices.max() < n_features):
        return None
    starts = np.cumsum(lengths) - lengths
    for order in np.unique(lengths).tolist():  # main effects, pairs, triples, ...
        at = np.flatnonzero(lengths == order)
        rows = indices[starts[at][:, None] + np.arange(order)]
        ranked = np.sort(rows, axis=1)
        if np.any(ranked[:, 1:] == ranked[:, :-1]) or (distinct and _repeats(ranked)):
            return None  # a feature twice in a term, or two terms on the same features
        chosen = entries if len(at) == len(entries) else list(map(entries.__getitem__,
                                                                  at.tolist()))
        bins = (features.n_bins if order == 1 else features.n_pair_bins)[rows]
        shape = np.column_stack([bins] + [np.full(len(at), n) for n in classes_axis])
        for key, kind_tables, shapes in (
                ("scores", tables.scores, shape),
                ("standard_deviations", tables.spreads, shape),
                ("bin_weights", tables.weights, bins),
                ("bagged_scores", tables.bags,
                 np.column_stack([np.full(len(at), n_bags), shape]))):
            if key in required and not kind_tables.add_batch(
                    list(map(itemgetter(key), chosen)), shapes, at):
                return None
    return list(map(tuple, term_features))


def _terms_one_by_one(entries: list, required: tuple, features: _Features,
                      classes_axis: tuple, n_bags: int, tables: _TermTables,
                      positions: list[int] | None = None) -> list[tuple[int, ...]]:
    """Every term's features (of the terms at ``positions``, all by default), its tables added
    to ``tables``; names the first term at fault."""
    interpretable, bagged = "bin_weights" in required, "bagged_scores" in required
    term_features, seen, n_features = [], {}, len(features.names)
    n_bins, n_pair_bins = features.n_bins.tolist(), features.n_pair_bins.tolist()
    for t in range(len(entries)) if positions is None else positions:
        entry = entries[t]
        closed_object(entry, f"terms[{t}]", required)
        features_ = _term_features(entry["features"], t, entry["name"], n_features)
        if len(features_) == 1:
            key = features_
            bins = (n_bins[key[0]],)
        else:  # interactions of any order, on the interaction bins
            key = tuple(sorted(features_))
            bins = tuple(n_pair_bins[f] for f in features_)
        if key in seen:
            fail(f"terms[{t}].features", f"terms {seen[key]} and {t} use the same features")
        seen[key] = t
        shape = bins + classes_axis
        term_features.append(features_)
        tables.scores.add(entry["scores"], shape, t)
        if interpretable:
            tables.spreads.add(entry["standard_deviations"], shape, t)
            tables.weights.add(entry["bin_weights"], bins, t)
        if bagged:
            tables.bags.add(entry["bagged_scores"], (n_bags,) + shape, t)
    return term_features


def _first_repeat(keys: list) -> tuple[int, int] | None:
    """The positions of the first key equal to an earlier one, and of that earlier one."""
    first = dict(zip(reversed(keys), range(len(keys) - 1, -1, -1)))  # each key's first place
    seen_at = list(map(first.__getitem__, keys))
    repeats = list(map(ne, seen_at, range(len(keys))))
    if True not in repeats:
        return None
    later = repeats.index(True)
    return seen_at[later], later


def _first_failing(n: int, passes: Any) -> int | None:
    """The first of ``n`` entries for which ``passes(start, stop)`` (whether the entries in
    that window pass checks made on each entry alone) fails, or None; found by halving the
    window that may hold it, which costs about one check of all the entries (the last entry
    is checked alone when every window before it passes)."""
    start, stop = 0, n
    while stop - start > 1:
        middle = (start + stop) // 2
        if passes(start, middle):
            start = middle
        else:
            stop = middle
    return start if stop > start and not passes(start, stop) else None


def _fail_at_first_bad_term(entries: list, required: tuple, features: _Features,
                            classes_axis: tuple, n_bags: int, blocks: BlockDecoder | None
                            ) -> None:
    """Name the first term at fault without checking every term before it one by one (a file
    may hold a hundred thousand terms and a fault in the last): the first term that fails a
    check of its own is found in batches, then the first term before it (or it) on the same
    features as an earlier one; the one-by-one check of that term (and the earlier one) fails.
    """
    def passes(start: int, stop: int) -> bool:
        return _terms_at_c_speed(entries[start:stop], required, features, classes_axis,
                                 n_bags, _TermTables(blocks), distinct=False) is not None

    bad = _first_failing(len(entries), passes)
    valid = entries if bad is None else entries[:bad]
    keys = list(map(tuple, map(sorted, map(itemgetter("features"), valid))))
    if bad is not None:  # the bad term may also repeat an earlier term's features
        features_ = entries[bad].get("features") if type(entries[bad]) is dict else None
        if type(features_) is list and not set(map(type, features_)) - {int}:
            keys.append(tuple(sorted(features_)))
    repeat_ = _first_repeat(keys)
    positions = list(repeat_) if repeat_ else [] if bad is None else [bad]
    _terms_one_by_one(entries, required, features, classes_axis, n_bags, _TermTables(blocks),
                      positions)


def _terms(value: Any, layout: _Layout, features: _Features, intercept: np.ndarray, link: str,
           classes: np.ndarray | None, n_bags: int, blocks: BlockDecoder | None) -> _Terms:
    entries = array(value, "terms")
    required = layout.term()
    interpretable, bagged = layout.has("interpretable"), layout.has("all")
    classes_axis = (len(intercept),) if len(intercept) > 1 else ()
    tables = _TermTables(blocks)
    term_features = _terms_at_c_speed(entries, required, features, classes_axis, n_bags, tables)
    if term_features is None:  # finds the first bad term and names it
        _fail_at_first_bad_term(entries, required, features, classes_axis, n_bags, blocks)
        tables = _TermTables(blocks)
        term_features = _terms_one_by_one(entries, required, features, classes_axis, n_bags,
                                          tables)
    names = list(map(itemgetter("name"), entries))
    texts(names, "terms[{}].name")  # labels: terms are told apart by their features
    _check_bounds(intercept, tables.scores, link, classes)
    scores = tables.scores.arrays()
    return _Terms(term_features, names, scores, tables.spreads.arrays(),
                  tables.weights.arrays(),
                  tables.bags.arrays() if bagged else split(
                      np.empty(0), [(0,) + shape for shape in tables.scores.shapes]),
                  tables.weights)


def _check_bounds(intercept: np.ndarray, scores: Tables, link: str,
                  classes: np.ndarray | None) -> None:
    """No score can overflow: per class, |intercept| plus every term's largest |value| is at
    most MAX_SCORE, and with the log link the largest reachable score is at most 700 (a
    one-class model's -inf, without terms, is checked by :func:`_one_class_intercepts`)."""
    if link == MONOCLASSIFICATION:
        return
    n_scores = len(intercept)
    values, ends = scores.flat()
    # tables are never empty, but a model may have none (every term removed)
    starts = np.concatenate(([0], ends))[:-1].astype(np.int64)
    per_class = values.reshape(-1, n_scores)
    largest = (np.maximum.reduceat(np.abs(per_class), starts // n_scores, axis=0)
               if len(starts) else np.zeros((0, n_scores)))
    # every class's reach summed at once; the classes near or above the limit are summed
    # again one by one, as the message shows that sum
    near = np.abs(intercept) + largest.sum(axis=0) > MAX_SCORE * (1 - 1e-6)
    for k in np.flatnonzero(near).tolist():
        reach = abs(intercept[k]) + float(np.sum(largest[:, k]))
        if not reach <= MAX_SCORE:
            worst = int(np.argmax(largest[:, k])) if len(largest) else -1
            where = f"terms[{worst}].scores" if worst >= 0 and largest[worst, k] > abs(
                intercept[k]) else "intercept"
            label = "" if n_scores == 1 else f" for class {show(classes[k:k + 1].tolist()[0])}"
            fail(where, f"scores could reach {reach:.3g}{label} (|intercept| plus every "
                        f"term's largest |value|), above the limit {MAX_SCORE:.0e}")
    if link == "log":
        tops = np.maximum.reduceat(values, starts).tolist() if len(starts) else []
        reach = intercept[0] + sum(tops)
        if reach > MAX_LOG_LINK_SCORE:
            fail(f"terms[{int(np.argmax(tops))}].scores" if tops else "intercept",
                 f"with the log link, scores could reach {reach:.4g} (the intercept plus every "
                 f"term's largest value), above {MAX_LOG_LINK_SCORE:g}: predictions exp(score) "
                 f"could overflow")


def _check_weights(weights: Tables, n_samples: Any) -> None:
    """Every term's bin weights add up to the training weight ``n_samples``."""
    values, ends = weights.flat()
    if n_samples is None:
        if len(ends):
            fail("training.n_samples", "must be a number for a model with terms")
        return
    if type(n_samples) not in (int, float) or not 0 <= n_samples < math.inf:
        fail("training.n_samples", f"must be a finite non-negative number or null, found "
                                   f"{show(n_samples)}")
    if not len(ends):
        return
    # all totals at once; the tables not clearly within half the tolerance are summed again
    # one by one, as the check and its message use that sum
    totals = np.add.reduceat(values, np.concatenate(([0], ends[:-1])))
    tolerance = np.maximum(1e-6 * np.maximum(totals, float(n_samples)), 1e-9)
    starts = np.concatenate(([0], ends[:-1])).tolist()
    for t in np.flatnonzero(~(np.abs(totals - n_samples) <= tolerance / 2)).tolist():
        total = float(values[starts[t]:ends[t]].sum())
        if not math.isclose(total, n_samples, rel_tol=1e-6, abs_tol=1e-9):
            fail(f"terms[{t}].bin_weights", f"add up to {total:.10g}, but training.n_samples "
                                            f"is {n_samples:.10g}; every term's bin weights "
                                            f"add up to the training weight")


# ---- training metadata -----------------------------------------------------------------------
def _parameters(value: Any) -> dict[str, Any]:
    """The estimator's parameters: any JSON, with text valid for display (checked on its
    serialization, in C, however long or deep)."""
    if type(value) is not dict:
        fail("training.parameters", f"must be an object, found {kind(value)}")
    try:
        # a parsed document has no cycles: the encoder need not track every container
        dumped = json.dumps(value, ensure_ascii=False, check_circular=False)
    except RecursionError:
        fail("training.parameters", "is nested too deeply")
    if "\\u0000" in dumped and _NUL.search(dumped):
        fail("training.parameters", "must not contain NUL characters")
    check_texts([dumped], "training.parameters")
    return value


def _conversions_at_c_speed(entries: list, types: dict[str, str]) -> list[dict] | None:
    """The records if every entry is valid, checked without a Python loop per check (a model
    may convert many date columns); None otherwise."""
    if set(map(type, entries)) - {dict} or not all(
            map(eq, map(dict.keys, entries), repeat(_CONVERSION_FIELDS))):
        return None
    columns = list(map(itemgetter("column"), entries))
    parts = list(map(itemgetter("parts"), entries))
    formats = list(map(itemgetter("format"), entries))
    given = [f for f in formats if f is not None]
    if set(map(type, columns)) - {str} or set(map(type, given)) - {str} or set(
            map(type, parts)) - {list}:
        return None
    flat_parts = list(chain.from_iterable(parts))
    if set(map(type, flat_parts)) - {str} or not set(flat_parts) <= set(DATE_PARTS):
        return None
    counts = list(map(len, parts))
    if (counts and min(counts) == 0) or list(map(len, map(set, parts))) != counts:
        return None
    if len(set(columns)) != len(columns) or not set(columns).isdisjoint(types):
        return None
    try:
        check_texts(columns + given, "")
    except ModelFileError:
        return None
    derived = list(map(":".join, zip(chain.from_iterable(map(repeat, columns, counts)),
                                     flat_parts)))
    if len(set(derived)) != len(derived) or set(map(types.get, derived)) - {"continuous"}:
        return None
    names = iter(derived)
    return [{"column": column, "parts": list(parts_), "format": fmt,
             "names": list(islice(names, count))}
            for column, parts_, fmt, count in zip(columns, parts, formats, counts)]


def _datetime_conversions(value: Any, features: _Features) -> list[dict]:
    """How date columns become features at scoring: each record's derived features
    ``column:part`` are continuous features of the model, and no feature comes from two."""
    records, columns, derived = [], set(), set()
    entries = array(value, "datetime_conversions")
    types = dict(zip(features.names, features.kinds)) if entries else {}
    fast = _conversions_at_c_speed(entries, types)
    if fast is not None:
        return fast
    for i, entry in enumerate(entries):  # finds the first bad entry and names it
        path = f"datetime_conversions[{i}]"
        closed_object(entry, path, ("column", "parts", "format"), ("utc", "tz"))
        column = text(entry["column"], f"{path}.column")
        if column in types or column in columns:
            fail(f"{path}.column", f"{show(column)} is already a feature or converted")
        columns.add(column)
        parts = array(entry["parts"], f"{path}.parts")
        if not parts or any(p not in DATE_PARTS for p in parts) or len(set(parts)) != len(
                parts):
            fail(f"{path}.parts", f"must be distinct names among {DATE_PARTS}")
        fmt = entry["format"]
        if fmt is not None:
            text(fmt, f"{path}.format")
        if "utc" in entry:
            boolean(entry["utc"], f"{path}.utc")
            if fmt is None or "%z" not in fmt:
                fail(f"{path}.utc", "is only for a format with %z")
        tz = entry.get("tz")
        if tz is not None and not is_zone_name(text(tz, f"{path}.tz")):
            fail(f"{path}.tz", f"{show(tz)} is not a time zone name (such as 'Europe/Paris', "
                               "'UTC' or 'UTC+05:00')")
        names = [f"{column}:{part}" for part in parts]
        for name in names:
            if types.get(name) != "continuous" or name in derived:
                fail(f"{path}.parts", f"the derived feature {show(name)} must be a continuous "
                                      f"feature of the model, derived once")
            derived.add(name)
        records.append({"column": column, "parts": list(parts), "format": fmt, "names": names,
                        **{key: entry[key] for key in ("utc", "tz") if key in entry}})
    return records


def _best_iteration(value: Any) -> np.ndarray | None:
    """Best step per stage (main effects, pairs) and bag: (2, n_bags) non-negative integers."""
    if value is None:
        return None
    path = "training.best_iteration"
    rows = array(value, path)
    columns = len(rows[0]) if rows and type(rows[0]) is list else 0
    return numbers(value, (2, columns), path, integer=True, non_negative=True)


def _strengths_at_c_speed(entries: list, names: list[str], distinct: bool = True
                          ) -> dict[tuple[str, str], float] | None:
    """The strengths if every entry is valid (and no pair appears twice, unless not
    ``distinct``), checked without a Python loop per entry (a model keeps the strength of
    every candidate pair: 44,850 for 300 features); None otherwise."""
    if set(map(type, entries)) - {dict} or not all(
            map(eq, map(dict.keys, entries), repeat(_STRENGTH_FIELDS))):
        return None
    pairs = list(map(itemgetter("features"), entries))
    values = list(map(itemgetter("strength"), entries))
    if set(map(type, pairs)) - {list} or set(map(len, pairs)) - {2} or set(
            map(type, values)) - {int, float}:
        return None
    pair_names = list(chain.from_iterable(pairs))
    if set(map(type, pair_names)) - {str}:
        return None
    position = dict(zip(names, range(len(names))))
    try:
        features = np.array(list(map(position.__getitem__, pair_names)), dtype=np.int64)
    except KeyError:  # not a feature of the model
        return None
    first, second = features[0::2], features[1::2]
    keys = np.sort(np.minimum(first, second) * len(names) + np.maximum(first, second))
    if np.any(first == second) or (distinct and np.any(keys[1:] == keys[:-1])):
        return None
    try:
        return dict(zip(map(tuple, pairs), map(float, values)))
    except OverflowError:
        return None


def _interaction_strengths(value: Any, names: list[str]) -> dict[tuple[str, str], float]:
    known = set(names)
    entries = array(value, "training.interaction_strengths")
    fast = _strengths_at_c_speed(entries, names)
    if fast is not None:
        return fast
    # the first entry at fault: the first that fails a check of its own (found in batches),
    # or an earlier one repeating a pair; checked alone (with the pair it repeats), it fails
    bad = _first_failing(len(entries), lambda start, stop: _strengths_at_c_speed(
        entries[start:stop], names, distinct=False) is not None)
    valid = entries if bad is None else entries[:bad]
    keys = list(map(tuple, map(sorted, map(itemgetter("features"), valid))))
    if bad is not None:  # the bad entry may also repeat an earlier pair
        pair = entries[bad].get("features") if type(entries[bad]) is dict else None
        if type(pair) is list and not set(map(type, pair)) - {str}:
            keys.append(tuple(sorted(pair)))
    repeat_ = _first_repeat(keys)
    positions = list(repeat_) if repeat_ else [] if bad is None else [bad]
    for indices in (positions, range(len(entries))):  # all of them only if those pass
        strengths: dict[tuple[str, str], float] = {}
        for i in indices:
            entry = entries[i]
            path = f"training.interaction_strengths[{i}]"
            closed_object(entry, path, ("features", "strength"))
            pair = array(entry["features"], f"{path}.features")
            if len(pair) != 2 or any(type(n) is not str or n not in known for n in pair) or (
                    pair[0] == pair[1]):
                fail(f"{path}.features", "must name two different features of the model")
            if (pair[0], pair[1]) in strengths or (pair[1], pair[0]) in strengths:
                fail(f"{path}.features", f"the pair {show(pair[0])} & {show(pair[1])} "
                                         f"appears twice")
            strengths[(pair[0], pair[1])] = float_value(entry["strength"],
                                                        f"{path}.strength")
    return strengths


def _positive(record: dict, name: str, high: float = math.inf) -> float:
    value = record[name]
    if type(value) not in (int, float) or not 0 < value < high:
        fail(f"privacy.{name}", f"must be a number above 0 and below {high:g}, found "
                                f"{show(value)}")
    return float(value)


def _privacy(value: Any, parameters: dict) -> dict[str, Any]:
    """The privacy record of a differentially private model: the budget, its split between
    binning and boosting, the query counts and sensitivities, and the noise scales; consistent
    with itself and with the privacy parameters in ``training.parameters``."""
    record = dict(closed_object(value, "privacy", _PRIVACY_FIELDS))
    if record["composition"] not in ("gdp", "classic"):
        fail("privacy.composition", f"must be 'gdp' or 'classic', found "
                                    f"{show(record['composition'])}")
    for name in ("epsilon", "binning_epsilon", "boosting_epsilon", "bin_sensitivity",
                 "boost_sensitivity", "noise_scale_binning", "noise_scale_boosting"):
        record[name] = _positive(record, name)
    for name in ("delta", "binning_delta", "boosting_delta", "bin_budget_frac"):
        record[name] = _positive(record, name, 1.0)
    for name in ("n_binning_queries", "n_boosting_queries"):
        if type(record[name]) is not int or record[name] < 1:
            fail(f"privacy.{name}", f"must be a positive integer, found {show(record[name])}")
    for part in ("epsilon", "delta"):
        spent = record[f"binning_{part}"] + record[f"boosting_{part}"]
        if not math.isclose(spent, record[part], rel_tol=1e-9):
            fail(f"privacy.{part}", f"is {record[part]!r}, but binning and boosting spent "
                                    f"{spent!r}; the two parts add up to the budget")
    for name in ("epsilon", "delta", "composition", "bin_budget_frac"):
        if name in parameters and parameters[name] != record[name]:
            fail(f"privacy.{name}", f"is {record[name]!r}, but training.parameters.{name} is "
                                    f"{show(parameters[name])}")
    return record


def _privacy_record(document: dict, layout: _Layout, parameters: Any) -> dict[str, Any] | None:
    """The privacy record, if any. From version 4 on, where it is optional, a model whose
    parameters are a private model's must have it: it is refused, never dropped."""
    if "privacy" in document:
        return _privacy(document["privacy"], parameters)
    if layout.version >= BINARY_FORMAT_VERSION and type(parameters) is dict and {
            "epsilon", "delta", "composition"} <= parameters.keys():
        fail("privacy", "is missing: training.parameters are those of a differentially "
                        "private model, whose file keeps its privacy record")
    return None


# ---- intercepts -------------------------------------------------------------------------------
def _intercepts(document: dict, layout: _Layout, n_scores: int) -> tuple[np.ndarray, np.ndarray]:
    """The intercept, one finite score per class (one for binary and regression), and the
    per-bag intercepts (files of detail ``all``; zero bags otherwise)."""
    intercept = numbers(document["intercept"], (n_scores,), "intercept", limit=MAX_SCORE)
    bagged_intercept = np.empty((0,) + ((n_scores,) if n_scores > 1 else ()))
    if layout.has("all"):
        n_bags = len(array(document["bagged_intercept"], "bagged_intercept"))
        if n_bags:
            bagged_intercept = numbers(document["bagged_intercept"],
                                       (n_bags,) + bagged_intercept.shape[1:],
                                       "bagged_intercept", limit=MAX_SCORE)
    return intercept, bagged_intercept


def _bag_shares(value: Any, n_bags: int) -> np.ndarray:
    """A merged model's share of each bag in its tables: one per bag, non-negative, summing
    to 1."""
    shares = numbers(value, (n_bags,), "bag_shares", non_negative=True)
    if not math.isclose(float(shares.sum()), 1.0, rel_tol=0, abs_tol=1e-9):
        fail("bag_shares", f"must sum to 1 (each bag's share of the model's tables), found "
                           f"{float(shares.sum())!r}")
    return shares


def _minus_inf(values: list) -> bool:
    return all(type(v) is float and v == -math.inf for v in values)


def _one_class_intercepts(document: dict, layout: _Layout) -> tuple[np.ndarray, np.ndarray]:
    """A one-class model's intercept and per-bag intercepts: -inf, the log-odds of any other
    class, as InterpretML's monoclassification models have them; and it has no terms, which
    could not change its one prediction."""
    if array(document["terms"], "terms"):
        fail("terms", "must be empty for a one-class model (link 'monoclassification'): its "
                      "score is -inf whatever the features")
    intercept = array(document["intercept"], "intercept")
    if len(intercept) != 1 or not _minus_inf(intercept):
        fail("intercept", 'must be [{"float": "-inf"}] for a one-class model (link '
                          "'monoclassification'): the log-odds of any other class")
    bags = array(document["bagged_intercept"], "bagged_intercept") if layout.has("all") else []
    if not _minus_inf(bags):
        fail("bagged_intercept", "must be -inf for every bag of a one-class model (link "
                                 "'monoclassification')")
    return np.array([-math.inf]), np.full(len(bags), -math.inf)


# ---- the whole document ----------------------------------------------------------------------
def check_document(document: Any, max_bytes: int | None = DEFAULT_MAX_BYTES) -> CheckedModel:
    """Every part of a parsed model file, checked; ModelFileError naming the field otherwise.

    Binary tables may expand to at most ``max_bytes`` in all (None: no limit).
    """
    layout = _layout(document)
    closed_object(document, "", *layout.top())
    text(document["glassboost_version"], "glassboost_version")
    training = closed_object(document["training"], "training", layout.training())
    objective = text(training["objective"], "training.objective")
    classes, n_scores = _target(document, objective)
    link_param = float_value(document["link_param"], "link_param")
    match_by_name = boolean(document["match_by_name"], "match_by_name")
    features = _features(document["features"])
    if document["link"] == MONOCLASSIFICATION:
        intercept, bagged_intercept = _one_class_intercepts(document, layout)
    else:
        intercept, bagged_intercept = _intercepts(document, layout, n_scores)
    n_bags = len(bagged_intercept)
    blocks = BlockDecoder(max_bytes) if layout.version >= BINARY_FORMAT_VERSION else None
    terms = _terms(document["terms"], layout, features, intercept, document["link"], classes,
                   n_bags, blocks)
    interpretable = layout.has("interpretable")
    if interpretable:
        _check_weights(terms.weight_tables, training["n_samples"])
    return CheckedModel(
        detail=layout.detail,
        link=document["link"],
        link_param=link_param,
        classes=classes,
        objective=objective,
        match_by_name=match_by_name,
        feature_names=features.names,
        feature_types=features.kinds,
        bins=features.bins,
        intercept=intercept,
        term_features=terms.features,
        term_names=terms.names,
        term_scores=terms.scores,
        standard_deviations=terms.standard_deviations if interpretable else None,
        bin_weights=terms.bin_weights if interpretable else None,
        bagged_scores=terms.bagged_scores,
        bagged_intercept=bagged_intercept,
        parameters=_parameters(training["parameters"]),
        datetime_conversions=_datetime_conversions(document.get("datetime_conversions", []),
                                                   features),
        best_iteration=(_best_iteration(training["best_iteration"])
                        if layout.has("mergeable") else None),
        interaction_strengths=(_interaction_strengths(training["interaction_strengths"],
                                                      features.names)
                               if interpretable else None),
        privacy=_privacy_record(document, layout, training["parameters"]),
        bag_shares=(_bag_shares(document["bag_shares"], n_bags) if "bag_shares" in document
                    else None),
    )
