"""Fuzzing the model loader with structured mutations of real model files.

Small real models (binary with nominal, ordinal and missing values and pairs, multiclass,
squared error, Poisson, and one fitted on a numpy array) are written at every detail level, then
mutated by a seeded generator: fields dropped, duplicated or retyped, shapes changed, links and
objectives swapped, huge, NaN and infinite values, terms of the wrong order, long arrays, deep
nesting, unusual names, consistent edits that still make a valid model, damage to the binary
tables of compact files (base64, deflate, shape, dtype, decompression bombs), and damage to the
text itself (truncation, bytes, gzip). Every case must end in exactly one of two outcomes:

- a :class:`ModelFileError` whose ``field`` is a JSON path that exists in the document (or, for
  text that is not a JSON document at all, None with a message about the file);
- a model whose predictions on probe data are finite and whose SQLite query
  (``to_sql(dialect="sqlite")`` run in the stdlib ``sqlite3``) agrees with
  ``decision_function`` up to rounding: 1e-9 of the sum of the magnitudes it adds.

CI runs ``CI_CASES`` cases; ``python benchmarks/fuzz_models.py --cases 5000`` runs the long one
with the same generator and reports outcome counts and timings.
"""

from __future__ import annotations

import base64
import copy
import gzip
import json
import math
import random
import re
import sqlite3
import time
import zlib
from collections import Counter
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import pandas as pd
import pytest

from glassboost import ExplainableBoostingClassifier, ExplainableBoostingRegressor, load
from glassboost.io import ModelFileError
from glassboost.io.detail import DETAILS

CI_CASES = 500
FIT = dict(outer_bags=2, max_bins=12, max_interaction_bins=5, max_rounds=40,
           early_stopping_rounds=10, n_jobs=1)


# ---- base models -----------------------------------------------------------------------------
def fit_base_models() -> dict[str, Any]:
    """Small fitted models covering every task, link, class type and feature type."""
    rng = np.random.default_rng(7)
    n = 240
    X = pd.DataFrame({
        "num": rng.normal(size=n),
        "color": rng.choice(["red", "green", "blue", "it's"], n),
        "size": pd.Categorical(rng.choice(["S", "M", "L"], n), categories=["S", "M", "L"],
                               ordered=True),
        "größe €": rng.integers(0, 5, n).astype(float),
    })
    X.loc[::9, "num"] = np.nan
    X.loc[::13, "color"] = None
    signal = X["num"].fillna(0) + (X["color"] == "red") + X["größe €"] / 4
    pairs = dict(FIT, interactions=[(0, 1), (0, 2)])
    return {
        "binary": ExplainableBoostingClassifier(**pairs).fit(X, (signal > 0.6).to_numpy()),
        "multiclass": ExplainableBoostingClassifier(**dict(FIT, interactions=[(0, 3)])).fit(
            X, np.select([signal < 0.2, signal < 1.0], ["low", "mid"], "high")),
        "regression": ExplainableBoostingRegressor(**pairs).fit(X, signal * 3.0),
        "poisson": ExplainableBoostingRegressor(objective="poisson_deviance", **pairs).fit(
            X, np.round(np.exp(signal.to_numpy() / 2))),
        "numpy": ExplainableBoostingClassifier(**dict(FIT, interactions=1)).fit(
            X[["num", "größe €"]].to_numpy(), (signal > 0.6).astype(int).to_numpy() * 2 + 1),
    }


def base_texts(models: dict[str, Any]) -> dict[tuple[str, str], str]:
    """Every base model at every detail level, as JSON text without whitespace, and as a
    compact file (tables as binary blocks; detail "<level> compact")."""
    texts = {(name, detail): model.to_json(detail=detail, indent=None)
             for name, model in models.items() for detail in DETAILS}
    texts.update({(name, f"{detail} compact"): model.to_json(detail=detail, compact=True)
                  for name, model in models.items() for detail in DETAILS})
    return texts


# ---- mutations -------------------------------------------------------------------------------
JSON_VALUES = [None, True, False, 0, -1, 1, 2, 1.5, -0.0, "", "x", "1", [], {}, [1, 2], [[]],
               {"a": 1}, {"float": "nan"}, {"float": "inf"}, {"float": "-inf"}, 10 ** 30,
               2 ** 63, 2 ** 53 + 1]
NUMBERS = [0, 0.0, 1, -1, 1.0, 2 ** 53 + 1, 2 ** 63, 10 ** 30, -(10 ** 30), 5e-324, 1e-300,
           1e50, 1e99, 1e100, 1.0000001e100, 1e101, 1e300, 1.7e308, -1.7e308, 400.0, 700.0,
           710.0, -710.0, 3, 1e9]
NAMES = ["", " ", "名前", "é", "e\u0301", "\u202eevil", "emoji 😀", "\x00", "a\x00b", "\ud800",
         'a"b', "a'b", "--", "/*", "*/", "\n", "\t=1+1", "=HYPERLINK(\"x\")", "score",
         "probability", "prediction", "d", "q", "_row", "NULL", "CASE", "num", "color",
         "x" * 5000, "SELECT 1; DROP TABLE data", "\\", "%s", "{}", "num & color"]
DETAIL_CHOICES = list(DETAILS) + ["full", "", None, 1]


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path into a JSON tree (the root excluded)."""
    out = []
    items = node.items() if isinstance(node, dict) else (
        enumerate(node) if isinstance(node, list) else ())
    for key, value in items:
        out.append(prefix + (key,))
        out.extend(_paths(value, prefix + (key,)))
    return out


def _get(document: Any, path: tuple) -> Any:
    for key in path:
        document = document[key]
    return document


def _set(document: Any, path: tuple, value: Any) -> None:
    _get(document, path[:-1])[path[-1]] = value


def _random_path(document: dict, rng: random.Random, kind: type | None = None) -> tuple | None:
    """A path into one randomly chosen top-level field (so small fields get hit as often as the
    big tables), optionally only to values of type ``kind``."""
    region = rng.choice(sorted(document))
    paths = [(region,)] + [(region,) + p for p in _paths(document[region])]
    if kind is not None:
        paths = [p for p in paths if type(_get(document, p)) is kind]
    return rng.choice(paths) if paths else None


def _tables(document: dict) -> list[tuple]:
    """Paths of every numeric table: scores, standard deviations, weights, bags, intercepts."""
    paths = [("intercept",)] + ([("bagged_intercept",)] if "bagged_intercept" in document else [])
    for t, term in enumerate(document.get("terms", [])):
        if isinstance(term, dict):
            paths += [("terms", t, key) for key in ("scores", "standard_deviations",
                                                      "bin_weights", "bagged_scores")
                      if key in term]
    return paths


def _cells(node: Any, prefix: tuple) -> list[tuple]:
    if isinstance(node, list):
        return [p for i, v in enumerate(node) for p in _cells(v, prefix + (i,))]
    return [prefix]


def _random_cell(document: dict, rng: random.Random) -> tuple:
    table = rng.choice(_tables(document))
    cells = _cells(_get(document, table), table)
    return rng.choice(cells) if cells else table


def _terms(document: dict) -> list[dict]:
    return [t for t in document["terms"] if isinstance(t, dict)]


def m_drop(document, rng):
    path = _random_path(document, rng)
    del _get(document, path[:-1])[path[-1]]
    return f"drop {path}"


def m_duplicate(document, rng):
    path = _random_path(document, rng, list)
    if path is None or not _get(document, path):
        return m_drop(document, rng)
    values = _get(document, path)
    values.insert(rng.randrange(len(values) + 1), copy.deepcopy(rng.choice(values)))
    return f"duplicate an element of {path}"


def m_retype(document, rng):
    path = _random_path(document, rng)
    value = copy.deepcopy(rng.choice(JSON_VALUES))
    _set(document, path, value)
    return f"set {path} to {value!r:.40}"


def m_number(document, rng):
    path = _random_path(document, rng, rng.choice([int, float]))
    path = path or _random_cell(document, rng)
    value = rng.choice(NUMBERS)
    _set(document, path, value)
    return f"set number {path} to {value!r}"


def m_shape(document, rng):
    path = _random_path(document, rng, list) or _tables(document)[0]
    values = _get(document, path)
    op = rng.choice(["pop", "append", "wrap", "unwrap", "transpose", "empty"])
    if op == "pop" and values:
        values.pop(rng.randrange(len(values)))
    elif op == "append":
        values.append(copy.deepcopy(values[-1]) if values else 0.0)
    elif op == "wrap":
        _set(document, path, [values])
    elif op == "unwrap" and values:
        _set(document, path, values[0])
    elif op == "transpose" and values and all(isinstance(v, list) for v in values):
        try:
            _set(document, path, np.array(values, dtype=object).swapaxes(0, 1).tolist())
        except ValueError:
            pass
    elif op == "empty":
        _set(document, path, [])
    return f"{op} {path}"


def m_link(document, rng):
    field, values = rng.choice([
        ("link", ["logit", "mlogit", "identity", "log", "probit", "", None]),
        ("task", ["classification", "regression", "ranking", None]),
        ("objective", ["rmse", "poisson_deviance", "log_loss", "squared_error", "poisson",
                       "tweedie", "", 1]),
    ])
    value = rng.choice(values)
    if field == "objective":
        document["training"]["objective"] = value
    else:
        document[field] = value
    return f"{field} = {value!r}"


def m_huge(document, rng):
    op = rng.choice(["cell", "term", "many", "log"])
    if op == "cell":
        path = _random_cell(document, rng)
        value = rng.choice([1e99, 1e100, 1e101, 1e200, 1e300, 1.7e308, -1.7e308, 5e99])
        _set(document, path, value)
        return f"huge {path} = {value}"
    terms = _terms(document)
    if not terms:
        return "huge: no terms"
    factor = rng.choice([1e50, 1e95, 1e99, 1e200, 1e300, -1e100, 1e3])
    chosen = rng.sample(terms, k=len(terms) if op == "many" else 1)
    for term in chosen:
        if op == "log":
            term["scores"] = (np.asarray(term["scores"], dtype=float) * 0 + rng.choice(
                [100.0, 200.0, 350.0, 701.0])).tolist()
        else:
            with np.errstate(over="ignore"):  # an overflow to inf is one more damage
                term["scores"] = (np.asarray(term["scores"], dtype=float) * factor).tolist()
    return f"huge {op} x{factor}"


def m_nonfinite_tag(document, rng):
    path = _random_cell(document, rng)
    value = {"float": rng.choice(["nan", "inf", "-inf"])}
    _set(document, path, value)
    return f"tagged {value} at {path}"


def m_term_order(document, rng):
    terms = _terms(document)
    features = document["features"] if isinstance(document["features"], list) else []
    if not terms or not features:
        return "term order: nothing to do"
    term = rng.choice(terms)
    op = rng.choice(["third", "third_shaped", "none", "repeat", "reverse", "swap",
                     "duplicate"])
    feats = term.get("features")
    if not isinstance(feats, list):
        return "term order: features not a list"
    if op == "third_shaped" and len(features) >= 3:
        chosen = rng.sample(range(len(features)), 3)
        shape = tuple(_pair_bins(features[f]) for f in chosen)
        n_classes = _n_classes(document)
        shape = shape + ((n_classes,) if n_classes > 2 else ())
        value = np.full(shape, 0.25).tolist()
        term.update(features=chosen, scores=value)
        for key in ("standard_deviations", "bin_weights"):
            if key in term:
                term[key] = np.zeros(shape[:3]).tolist() if key == "bin_weights" else value
        if "bagged_scores" in term:
            term["bagged_scores"] = [value] * len(term["bagged_scores"])
    elif op == "third":
        term["features"] = feats + [rng.randrange(len(features) + 1)]
    elif op == "none":
        term["features"] = []
    elif op == "repeat" and feats:
        term["features"] = [feats[0], feats[0]]
    elif op == "reverse":
        term["features"] = feats[::-1]
    elif op == "swap" and len(terms) > 1:
        other = rng.choice(terms)
        term["features"], other["features"] = other["features"], term["features"]
    elif op == "duplicate":
        document["terms"].append(copy.deepcopy(term))
    return f"term order {op}"


def _pair_bins(feature: Any) -> int:
    if not isinstance(feature, dict):
        return 3
    if isinstance(feature.get("interaction_cuts"), list):
        return len(feature["interaction_cuts"]) + 3
    categories = feature.get("interaction_categories") or feature.get("categories") or {}
    return (max(categories.values()) if "interaction_categories" in feature else len(
        categories)) + 2


def _n_classes(document: dict) -> int:
    classes = document.get("classes")
    return len(classes["values"]) if isinstance(classes, dict) and isinstance(
        classes.get("values"), list) else 1


def m_long(document, rng):
    path = _random_path(document, rng, list) or ("terms",)
    values = _get(document, path)
    filler = copy.deepcopy(values[-1]) if values else 0.0
    n = min(rng.choice([1000, 10_000, 100_000]), 2_000_000 // len(json.dumps(filler)))
    if rng.random() < 0.5 and isinstance(filler, (int, float)) and not isinstance(filler, bool):
        values.extend(float(filler) + 1 + i for i in range(n))  # increasing, like cuts
    else:
        values.extend([filler] * n)
    return f"long {path} +{n}"


def m_deep(document, rng):
    path = _random_path(document, rng)
    depth = rng.choice([10, 40, 200, 500])  # deeper text: the raw "deep_text" damage
    value = _get(document, path)
    for _ in range(depth):
        value = [value] if rng.random() < 0.5 else {"a": value}
    _set(document, path, value)
    return f"deep {path} x{depth}"


def m_names(document, rng):
    name = rng.choice(NAMES)
    op = rng.choice(["feature", "feature_consistent", "term", "category", "class", "parameter",
                     "version"])
    features = document["features"] if isinstance(document["features"], list) else []
    if op.startswith("feature") and features and isinstance(features[0], dict):
        i = rng.randrange(len(features))
        old = features[i].get("name")
        features[i]["name"] = name
        if op == "feature_consistent":  # rename everywhere, as a valid model would be
            for entry in document["training"].get("interaction_strengths") or []:
                if isinstance(entry, dict) and isinstance(entry.get("features"), list):
                    entry["features"] = [name if n == old else n for n in entry["features"]]
    elif op == "term" and _terms(document):
        rng.choice(_terms(document))["name"] = name
    elif op == "category":
        nominal = [f for f in features if isinstance(f, dict) and isinstance(
            f.get("categories"), dict) and f["categories"]]
        if nominal:
            feature = rng.choice(nominal)
            label = rng.choice(sorted(feature["categories"]))
            feature["categories"][name] = feature["categories"].pop(label)
            coarse = feature.get("interaction_categories")
            if isinstance(coarse, dict) and label in coarse:
                coarse[name] = coarse.pop(label)
    elif op == "class" and isinstance(document.get("classes"), dict):
        values = document["classes"].get("values")
        if isinstance(values, list) and values:
            values[rng.randrange(len(values))] = name
            if all(isinstance(v, str) for v in values):
                document["classes"]["type"] = "str"
    elif op == "parameter":
        document["training"]["parameters"][name] = name
    elif op == "version":
        document["glassboost_version"] = name
    return f"name {op} = {name[:20]!r}"


def m_categories(document, rng):
    features = [f for f in document["features"] if isinstance(f, dict)
                and isinstance(f.get("categories"), dict) and f["categories"]]
    if not features:
        return "categories: none"
    categories = rng.choice(features)["categories"]
    labels = sorted(categories)
    op = rng.choice(["swap", "zero", "beyond", "same", "text", "add", "delete"])
    label = rng.choice(labels)
    if op == "swap" and len(labels) > 1:  # consistent: still a valid model
        other = rng.choice(labels)
        categories[label], categories[other] = categories[other], categories[label]
    elif op == "zero":
        categories[label] = 0
    elif op == "beyond":
        categories[label] = len(labels) + 1
    elif op == "same":
        categories[label] = categories[rng.choice(labels)]
    elif op == "text":
        categories[label] = str(categories[label])
    elif op == "add":
        categories["new label"] = len(labels) + 1
    elif op == "delete":
        index = categories.pop(label)
        for key, value in list(categories.items()):
            if isinstance(value, int) and value > index:
                categories[key] = value - 1
    return f"categories {op} {label!r}"


def m_cuts(document, rng):
    features = [f for f in document["features"] if isinstance(f, dict)
                and isinstance(f.get("cuts"), list) and len(f["cuts"]) > 1]
    if not features:
        return "cuts: none"
    feature = rng.choice(features)
    cuts = feature["cuts"]
    op = rng.choice(["shuffle", "repeat", "tagged", "off_grid", "nudge", "shift_all"])
    i = rng.randrange(len(cuts) - 1)
    if op == "shuffle":
        rng.shuffle(cuts)
    elif op == "repeat":
        cuts[i + 1] = cuts[i]
    elif op == "tagged":
        cuts[i] = {"float": "nan"}
    elif op == "off_grid" and isinstance(feature.get("interaction_cuts"), list):
        feature["interaction_cuts"].append(cuts[-1] + 0.123)
    elif op == "nudge" and all(isinstance(c, (int, float)) for c in cuts[i:i + 2]):
        old = cuts[i]
        cuts[i] = cuts[i] + (cuts[i + 1] - cuts[i]) / 3  # still increasing
        coarse = feature.get("interaction_cuts")
        if isinstance(coarse, list) and old in coarse:
            coarse[coarse.index(old)] = cuts[i]
    elif op == "shift_all":  # consistent: moves every bin edge
        shift = rng.choice([1.0, -1e6, 1e250])
        feature["cuts"] = [c + shift for c in cuts]
        if isinstance(feature.get("interaction_cuts"), list):
            feature["interaction_cuts"] = [c + shift for c in feature["interaction_cuts"]]
    return f"cuts {op}"


def m_classes(document, rng):
    classes = document.get("classes")
    if not isinstance(classes, dict) or not isinstance(classes.get("values"), list):
        document["classes"] = rng.choice([None, {"type": "str", "values": ["a", "b"]}])
        return f"classes = {document['classes']}"
    values = classes["values"]
    op = rng.choice(["duplicate", "type", "add", "remove", "empty", "reverse", "bool_int"])
    if op == "duplicate" and values:
        values.append(values[0])
    elif op == "type":
        classes["type"] = rng.choice(["str", "int", "float", "bool", "bytes"])
    elif op == "add":
        values.append(rng.choice(["extra", 99, 2.5, True]))
    elif op == "remove" and values:
        values.pop()
    elif op == "empty":
        classes["values"] = []
    elif op == "reverse":  # consistent: relabels the classes
        values.reverse()
    elif op == "bool_int":
        classes["values"] = [int(v) if isinstance(v, bool) else v for v in values]
    return f"classes {op}"


def m_bags(document, rng):
    op = rng.choice(["drop_intercept", "one_term", "more_bags", "add_to_minimal"])
    if op == "drop_intercept":
        document.pop("bagged_intercept", None)
    elif op == "one_term" and _terms(document) and "bagged_scores" in _terms(document)[0]:
        bags = _terms(document)[0]["bagged_scores"]
        if bags:
            bags.pop()
    elif op == "more_bags" and isinstance(document.get("bagged_intercept"), list):
        document["bagged_intercept"].append(copy.deepcopy(document["bagged_intercept"][0])
                                            if document["bagged_intercept"] else 0.0)
    elif op == "add_to_minimal":
        document["bagged_intercept"] = []
    return f"bags {op}"


def m_detail(document, rng):
    op = rng.choice(["detail", "drop_detail", "version"])
    if op == "detail":
        document["detail"] = rng.choice(DETAIL_CHOICES)
    elif op == "drop_detail":
        document.pop("detail", None)
    else:
        document["format_version"] = rng.choice([1, 2, 3, 4, 5, "2", 2.0, True, None])
    return f"{op}"


def m_unknown_field(document, rng):
    path = _random_path(document, rng, dict) or ()
    node = _get(document, path) if path else document
    key = rng.choice(["surprise", "__proto__", "histogram_weights", "min", "max"])
    node[key] = rng.choice(JSON_VALUES)
    return f"unknown field {path + (key,)}"


def m_dates(document, rng):
    features = document["features"] if isinstance(document["features"], list) else []
    name = features[0].get("name") if features and isinstance(features[0], dict) else "x"
    document["datetime_conversions"] = [rng.choice([
        {"column": "when", "parts": ["year"], "format": None},
        {"column": str(name), "parts": ["year"], "format": None},
        {"column": "when", "parts": ["century"], "format": "%Y"},
        {"column": "when", "parts": [], "format": None},
        {"column": "when", "parts": ["year"]},
        "when",
    ])]
    return "date conversion"


def m_valid_edit(document, rng):
    """Edits that keep the model valid, so the loaded-model checks get exercised."""
    terms = _terms(document)
    op = rng.choice(["scale", "cell", "intercept", "rename", "remove_term", "zero"])
    if op == "scale" and terms:
        term = rng.choice(terms)
        factor = rng.choice([0.5, -2.0, 1e3, 0.0])
        term["scores"] = (np.asarray(term["scores"], dtype=float) * factor).tolist()
    elif op == "cell":
        path = _random_cell(document, rng)
        if path[-1] != "bin_weights" and "bin_weights" not in path:
            _set(document, path, rng.uniform(-5, 5))
    elif op == "intercept":
        document["intercept"] = [v + rng.uniform(-3, 3) for v in document["intercept"]]
    elif op == "rename" and terms:
        rng.choice(terms)["name"] = f"renamed {rng.randrange(1000)}"
    elif op == "remove_term" and terms:
        document["terms"].remove(rng.choice(terms))
    elif op == "zero" and terms:
        for term in terms:
            term["scores"] = (np.asarray(term["scores"], dtype=float) * 0).tolist()
    return f"valid edit {op}"


def block_values(block: dict) -> np.ndarray:
    """The values of a binary block, decoded here independently of the loader: base64, zlib,
    then the bytes of each value gathered back from their shuffled places."""
    raw = zlib.decompress(base64.b64decode(block["data"]))
    return np.frombuffer(raw, np.uint8).reshape(8, -1).T.copy().view("<f8").reshape(
        block["shape"])


def block_data(values: Any, raw: bytes | None = None) -> str:
    """The ``data`` of a block of ``values`` (or of these raw bytes, shuffled as they are)."""
    if raw is None:
        raw = np.ascontiguousarray(values, "<f8").reshape(-1).view(np.uint8).reshape(
            -1, 8).T.tobytes()
    return base64.b64encode(zlib.compress(raw)).decode("ascii")


def m_block(document, rng):
    """Damage to the binary blocks of a compact file, and valid re-encodings of them."""
    blocks = [path for path in _tables(document) if isinstance(_get(document, path), dict)]
    if not blocks:  # a file of arrays: one term table becomes a block (valid from version 4)
        path = rng.choice([p for p in _tables(document) if p[0] == "terms"] or [None])
        if path is None:
            return "block: no term tables"
        values = np.asarray(_get(document, path), dtype=np.float64)
        _set(document, path, {"dtype": "<f8", "shape": list(values.shape),
                              "codec": "shuffle-deflate-base64", "data": block_data(values)})
        if rng.random() < 0.8 and document.get("format_version") == 2:
            document["format_version"] = 4
        return f"block made at {path}, version {document.get('format_version')!r}"
    path = rng.choice(blocks)
    block = _get(document, path)
    op = rng.choice(["base64_char", "cut_data", "flip_byte", "trailing", "short", "long",
                     "shape", "dtype", "codec", "nonfinite", "negative", "huge", "bomb",
                     "not_text", "plain_bytes", "scale", "as_lists", "zero"])
    try:
        values = block_values(block)
    except (ValueError, TypeError, KeyError, zlib.error):  # damaged by an earlier mutation
        values = np.zeros(0)
    data = block.get("data") if isinstance(block.get("data"), str) else ""
    if op == "base64_char":
        i = rng.randrange(len(data) + 1)
        block["data"] = data[:i] + rng.choice(["!", "é", " ", "=", "\n", "\x00"]) + data[i:]
    elif op == "cut_data":
        block["data"] = data[:rng.randrange(len(data) + 1) // 4 * 4]
    elif op == "flip_byte":
        packed = bytearray(base64.b64decode(data)) or bytearray(b"x")
        i = rng.randrange(len(packed))
        packed[i] ^= rng.choice([1, 0x80, 0xFF])
        block["data"] = base64.b64encode(bytes(packed)).decode("ascii")
    elif op == "trailing":
        block["data"] = base64.b64encode(base64.b64decode(data) + b"\x00\x01").decode("ascii")
    elif op == "short" and values.size:
        block["data"] = block_data(values.reshape(-1)[:-1])
    elif op == "long":
        block["data"] = block_data(np.append(values.reshape(-1), 0.5))
    elif op == "shape":
        block["shape"] = rng.choice([[], [1], [2, 2], list(values.shape)[::-1] + [1],
                                     [10 ** 9, 10 ** 9], [-1], ["3"], [3.0], None])
    elif op == "dtype":
        block["dtype"] = rng.choice(["<f4", ">f8", "float64", "<i8", None])
    elif op == "codec":
        block["codec"] = rng.choice(["deflate-base64", "base64", "", None, 1])
    elif op in ("nonfinite", "negative", "huge") and values.size:
        changed = values.reshape(-1).copy()
        changed[rng.randrange(changed.size)] = {"nonfinite": rng.choice(
            [np.nan, np.inf, -np.inf]), "negative": -0.5, "huge": 1e101}[op]
        block["data"] = block_data(changed)
    elif op == "bomb":  # 40 MB of zeros in 40 KB: never expanded beyond the shape's bytes
        block["data"] = block_data(None, raw=bytes(40_000_000))
    elif op == "not_text":
        block["data"] = rng.choice([None, 1, [], {}])
    elif op == "plain_bytes":  # not shuffled: a different, still finite table, or damage
        block["data"] = base64.b64encode(zlib.compress(
            np.ascontiguousarray(values, "<f8").tobytes())).decode("ascii")
    elif op == "scale":  # consistent: still a valid model
        block["data"] = block_data(values * rng.choice([0.5, -2.0, 0.0]))
    elif op == "as_lists":  # consistent: a table may be written as arrays in a compact file
        _set(document, path, values.tolist())
    elif op == "zero":  # consistent
        block["data"] = block_data(np.zeros_like(values))
    return f"block {op} at {path}"


TREE_MUTATIONS: list[tuple[Callable, float]] = [
    (m_drop, 3), (m_duplicate, 2), (m_retype, 3), (m_number, 3), (m_shape, 3), (m_link, 2),
    (m_huge, 3), (m_nonfinite_tag, 1), (m_term_order, 3), (m_long, 1), (m_deep, 1),
    (m_names, 3), (m_categories, 2), (m_cuts, 2), (m_classes, 2), (m_bags, 1), (m_detail, 1),
    (m_unknown_field, 1), (m_dates, 1), (m_valid_edit, 6), (m_block, 6),
]


def _duplicate_key(text: str, rng: random.Random) -> str:
    keys = re.findall(r'"([a-z_]+)":', text)
    key = rng.choice(keys)
    position = text.index(f'"{key}":')
    return text[:position] + f'"{key}":0,' + text[position:]


def _raw(text: str, rng: random.Random) -> tuple[str | bytes, str]:
    """Damage to the text itself."""
    op = rng.choice(["truncate", "flip", "bytes", "gzip", "gzip_damaged", "bom", "utf16",
                     "constant", "duplicate_key", "deep_text", "1e999"])
    if op == "truncate":
        return text[:rng.randrange(len(text))], op
    if op == "flip":
        i = rng.randrange(len(text))
        return text[:i] + chr(rng.choice([0, 34, 44, 48, 91, 93, 123, 125, 0xD800 + 1, 0x10FFFF,
                                          rng.randrange(32, 0x3000)])) + text[i + 1:], op
    if op == "bytes":
        return bytes(rng.randrange(256) for _ in range(rng.randrange(1, 300))), op
    if op == "gzip":
        return gzip.compress(text.encode("utf-8", "surrogatepass")), op
    if op == "gzip_damaged":
        data = bytearray(gzip.compress(text.encode("utf-8", "surrogatepass")))
        i = rng.randrange(10, len(data))
        data[i] ^= 0xFF
        return bytes(data[:rng.randrange(i, len(data) + 1)]), op
    if op == "bom":
        return b"\xef\xbb\xbf" + text.encode("utf-8", "surrogatepass"), op
    if op == "utf16":
        return text.encode("utf-16", "surrogatepass"), op
    if op == "constant":
        return re.sub(r"(?<=[\[,:])-?\d+\.\d+(e[-+]?\d+)?", rng.choice(
            ["NaN", "Infinity", "-Infinity"]), text, count=1), op
    if op == "duplicate_key":
        return _duplicate_key(text, rng), op
    if op == "deep_text":
        depth = rng.choice([100, 2000, 100_000])
        return "{" + '"a":[' * depth + "1" + "]" * depth + "}", op
    return re.sub(r"(?<=[\[,:])-?\d+\.\d+(e[-+]?\d+)?", "1e999", text, count=1), op


@dataclass
class Case:
    seed: int
    base: tuple[str, str]  # (model, detail level)
    families: list[str]  # the mutations applied, e.g. "huge" or "raw truncate"
    steps: list[str]  # what each did
    data: str | bytes


def make_case(seed: int, texts: dict[tuple[str, str], str]) -> Case:
    """One mutated model file, a function of the seed alone."""
    rng = random.Random(seed)
    base = rng.choice(sorted(texts))
    text = texts[base]
    if rng.random() < 0.12:
        data, step = _raw(text, rng)
        return Case(seed, base, [f"raw {step}"], [f"raw {step}"], data)
    document = json.loads(text)
    families, steps = [], []
    operators, weights = zip(*TREE_MUTATIONS)
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        operator = rng.choices(operators, weights)[0]
        families.append(operator.__name__[2:])
        try:
            steps.append(operator(document, rng))
        except (KeyError, IndexError, TypeError, AttributeError, ValueError) as error:
            steps.append(f"{operator.__name__} skipped ({type(error).__name__})")
    return Case(seed, base, families, steps, json.dumps(document))


# ---- the oracle ------------------------------------------------------------------------------
_TOKEN = re.compile(r'\.([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*"?)\]')


def field_exists(document: Any, field: str) -> bool:
    """Whether a field path names a node of the document (or a missing child of one)."""
    head = re.match(r"[A-Za-z_][A-Za-z0-9_]*", field)
    if field == "format":  # a document that is not an object has no format
        return True
    if head is None:
        return False
    keys: list = [head.group(0)]
    rest = field[head.end():]
    while rest:
        token = _TOKEN.match(rest)
        if token is None:
            return False
        name, index, quoted = token.groups()
        if index is not None:
            keys.append(int(index))
        elif name is not None:
            keys.append(name)
        else:
            keys.append(quoted)
        rest = rest[token.end():]
    node = document
    for depth, key in enumerate(keys):
        last = depth == len(keys) - 1
        if isinstance(key, str) and key.startswith('"'):
            if not isinstance(node, dict):
                return False
            key = _quoted_key(key, node)
            if key is None:
                return last
        if isinstance(node, dict) and isinstance(key, str) and key in node:
            node = node[key]
        elif isinstance(node, list) and isinstance(key, int) and key < len(node):
            node = node[key]
        else:
            return last and isinstance(node, dict)
    return True


def _quoted_key(quoted: str, node: dict) -> str | None:
    if quoted.endswith('..."'):  # a long key, cut in the message
        try:
            prefix = json.loads(quoted[:-4] + '"')
        except ValueError:  # cut inside an escape sequence
            prefix = json.loads(quoted[:quoted.rfind("\\")] + '"')
        return next((k for k in node if k.startswith(prefix)), None)
    try:
        return json.loads(quoted)
    except ValueError:
        return None


def strict_document(data: str | bytes) -> Any:
    """The document if ``data`` is strict UTF-8 JSON without duplicate keys, else None."""
    def unique(pairs):
        if len({k for k, _ in pairs}) != len(pairs):
            raise ValueError("duplicate key")
        return dict(pairs)

    def reject(token):
        raise ValueError(token)

    try:
        if isinstance(data, bytes) and data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        return json.loads(text, object_pairs_hook=unique, parse_constant=reject)
    except (ValueError, RecursionError, EOFError, OSError, zlib.error):
        return None


def probe_frame(model: Any, rng: random.Random, n_rows: int = 40) -> pd.DataFrame:
    """Rows that reach every kind of bin: cut points and their neighbours, extremes, missing,
    text in numeric columns, every category, unseen categories."""
    columns = {}
    for name, kind, levels in zip(model.feature_names_in_, model.feature_types_in_,
                                  model.bins_):
        if kind == "continuous":
            cuts = [float(c) for c in levels[0]]
            pool: list = [np.nan, 0.0, -1e300, 1e300, "text"] + cuts + [
                float(np.nextafter(c, -np.inf)) for c in cuts]
            pool += [(a + b) / 2 for a, b in zip(cuts, cuts[1:]) if math.isfinite((a + b) / 2)]
        else:
            pool = [None, "never seen"] + list(levels[0])
        columns[name] = [rng.choice(pool) for _ in range(n_rows)]
    return pd.DataFrame(columns, dtype=object)


def _sql_rows(model: Any, frame: pd.DataFrame) -> np.ndarray:
    """The SQLite query's output, ordered like ``frame``: (row id, features..., outputs...)."""
    names = [f"c{i}" for i in range(frame.shape[1])]
    query = model.to_sql(dialect="sqlite", table="data",
                         columns=dict(zip(frame.columns, names)))
    connection = sqlite3.connect(":memory:")
    connection.create_function("EXP", 1, math.exp, deterministic=True)
    connection.execute(f"CREATE TABLE data (_row, {', '.join(names)})")
    rows = [(i, *[None if v is None or (isinstance(v, float) and math.isnan(v)) else v
                  for v in row]) for i, row in enumerate(frame.itertuples(index=False))]
    connection.executemany(f"INSERT INTO data VALUES ({', '.join('?' * (len(names) + 1))})",
                           rows)
    result = connection.execute(f"SELECT * FROM ({query}) AS z ORDER BY 1").fetchall()
    connection.close()
    return result


def check_loaded_model(model: Any, seed: int) -> None:
    """A loaded model predicts finite numbers, and its SQL agrees with decision_function."""
    frame = probe_frame(model, random.Random(seed))
    scores = np.asarray(model.decision_function(frame), dtype=np.float64)
    assert np.all(np.isfinite(scores)), "decision_function is not finite"
    contributions = np.asarray(model.eval_terms(frame), dtype=np.float64)
    intercept = np.asarray(model.intercept_, dtype=np.float64)
    n_scores = intercept.size
    scores = scores.reshape(len(frame), n_scores)
    contributions = contributions.reshape(len(frame), -1, n_scores)
    magnitude = np.abs(intercept).reshape(1, n_scores) + np.abs(contributions).sum(axis=1)
    tolerance = 1e-9 * magnitude + 1e-300
    assert np.all(np.abs(contributions.sum(axis=1) + intercept.reshape(1, n_scores) - scores)
                  <= tolerance), "eval_terms do not add up to decision_function"
    predictions = model.predict(frame)
    if hasattr(model, "predict_proba"):
        probabilities = model.predict_proba(frame)
        assert np.all(np.isfinite(probabilities)) and np.allclose(probabilities.sum(axis=1), 1)
        assert set(predictions) <= set(model.classes_)
    else:
        assert np.all(np.isfinite(predictions)), "predict is not finite"
    rows = _sql_rows(model, frame)
    width = 1 + frame.shape[1]
    sql_scores = np.array([row[width:width + n_scores] for row in rows], dtype=np.float64)
    assert np.all(np.abs(sql_scores - scores) <= tolerance), "SQL disagrees with the model"
    extras = np.array([row[width + n_scores:] for row in rows], dtype=np.float64)
    slack = tolerance.max(axis=1, keepdims=True) + 1e-12
    if model.link_ == "logit":
        assert np.all(np.abs(extras[:, 0] - probabilities[:, 1]) <= 0.25 * slack[:, 0])
    elif model.link_ == "mlogit":
        assert np.all(np.abs(extras - probabilities) <= slack)
    elif model.link_ == "log":
        assert np.all(np.abs(extras[:, 0] - predictions) <= predictions * 2 * slack[:, 0])
    again = load(model.to_json(detail="minimal"))
    np.testing.assert_array_equal(np.asarray(again.decision_function(frame)).reshape(
        scores.shape), scores)


@dataclass
class Outcome:
    kind: str  # "rejected" or "loaded"
    seconds: float  # wall time of load
    cpu_seconds: float  # this thread's processor time of load
    field: str | None = None
    message: str = ""


def run_case(case: Case) -> Outcome:
    """Load a case and check it ends in one of the two allowed outcomes (AssertionError if
    not; any other exception propagates)."""
    start, cpu = time.perf_counter(), time.thread_time()
    try:
        model = load(case.data)
    except ModelFileError as error:
        seconds, cpu = time.perf_counter() - start, time.thread_time() - cpu
        message = str(error)
        document = strict_document(case.data)
        if error.field is None:  # only for a file that is not a JSON document, or too big
            assert document is None or re.match(r"the model file is [\d,]+ bytes or more, "
                                                r"above the limit", message), message
        else:
            assert message.startswith(error.field + ": "), message
            assert document is not None and field_exists(document, error.field), (
                f"not a field of the document: {message[:300]}")
        return Outcome("rejected", seconds, cpu, error.field, message)
    seconds, cpu = time.perf_counter() - start, time.thread_time() - cpu
    check_loaded_model(model, case.seed)
    return Outcome("loaded", seconds, cpu)


def describe(case: Case) -> str:
    return f"seed {case.seed}, base {case.base}, steps {case.steps}"


# ---- the CI run ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def texts() -> dict[tuple[str, str], str]:
    return base_texts(fit_base_models())


def test_base_models_load_cleanly(texts):
    for (name, detail), text in texts.items():
        outcome = run_case(Case(0, (name, detail), [], [], text))
        assert outcome.kind == "loaded", (name, detail)


def test_fuzzed_files_are_rejected_naming_the_field_or_load_consistent_models(texts):
    outcomes: Counter = Counter()
    for seed in range(CI_CASES):
        case = make_case(seed, texts)
        try:
            outcome = run_case(case)
        except Exception as error:
            raise AssertionError(f"{describe(case)}: {type(error).__name__}: {error}"[:2000]
                                 ) from error
        outcomes[outcome.kind] += 1
        if case.families == ["block"]:  # binary tables of compact files, damaged or re-encoded
            outcomes[f"block {outcome.kind}"] += 1
            assert outcome.kind == "loaded" or outcome.field.startswith("terms["), (
                describe(case), outcome.message)
        assert outcome.cpu_seconds < 1.0, describe(case)  # files here are at most ~3 MB
    # both outcomes are exercised, and the meaning checks are reached, not only the syntax
    assert outcomes["loaded"] >= CI_CASES // 10 and outcomes["rejected"] >= CI_CASES // 2
    assert outcomes["block loaded"] >= 3 and outcomes["block rejected"] >= 10, outcomes
