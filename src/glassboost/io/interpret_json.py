"""Reading the JSON files InterpretML's ``ebm.to_json`` writes, as glassboost estimators.

Layout (InterpretML 0.7, format "1.0"): ``{"version": "1.0", "ebm": {...}}`` where ``ebm`` holds
``outputs`` (one: task, link, link_param, classes), ``intercept``, optionally
``bagged_intercept``, ``bag_weights``, ``best_iteration`` and ``implementation_params``,
``features`` (name, type, and per bin level either ``cuts`` or ``categories``: a list of bins,
each a category or a list of categories sharing it) and ``terms`` (``term_features`` by name,
``scores`` and, by detail level, ``standard_deviations``, ``bin_weights``, ``bagged_scores``).
Non-finite numbers are the strings "nan", "+inf" and "-inf". The detail level is not written;
it is read from the parts present. Every field is checked, and a bad one raises
``ModelFileError`` naming its path; the model itself is checked as ``from_interpret`` checks one.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .interpret import fitted_from_attributes
from .json_checks import ModelFileError, array, check_texts, fail, kind, show, text
from .model_check import MAX_SCORE

__all__ = ["is_interpret_document", "load_interpret_document"]

_NONFINITE = {"nan": math.nan, "+inf": math.inf, "-inf": -math.inf}


def is_interpret_document(document: Any) -> bool:
    """Whether a parsed JSON document has InterpretML's layout rather than glassboost's."""
    return type(document) is dict and "ebm" in document and "format" not in document


def _numbers(value: Any, path: str, limit: float | None = MAX_SCORE) -> np.ndarray:
    """A nested list of numbers (with InterpretML's strings for non-finite ones) as an array
    whose finite values are at most ``limit`` in size; the caller checks its shape."""
    def convert(item: Any, at: str) -> Any:
        if type(item) is list:
            return [convert(v, at) for v in item]
        if type(item) in (int, float):
            return item
        if type(item) is str and item in _NONFINITE:
            return _NONFINITE[item]
        fail(at, f"must hold numbers, found {show(item) if type(item) is str else kind(item)}")

    try:
        values = np.array(convert(value, path), dtype=np.float64)
    except (ValueError, OverflowError) as error:  # ragged nesting, or an integer too large
        fail(path, f"must be a regular array of numbers ({error})")
    except RecursionError:
        fail(path, "is nested too deeply")
    finite = values[np.isfinite(values)]
    if limit is not None and finite.size and np.abs(finite).max() > limit:
        fail(path, f"holds a value above the limit {limit:.0e}")
    return values


def _categories(value: Any, path: str) -> dict[str, int]:
    """One level of categories: bin i + 1 holds entry i (a category, or categories sharing it)."""
    mapping: dict[str, int] = {}
    for i, entry in enumerate(array(value, path), start=1):
        for label in entry if type(entry) is list else [entry]:
            text(label, f"{path}[{i - 1}]")
            if label in mapping:
                fail(f"{path}[{i - 1}]", f"the category {show(label)} appears twice")
            mapping[label] = i
    return mapping


def _feature(entry: Any, i: int) -> tuple[str, str, list]:
    path = f"ebm.features[{i}]"
    if type(entry) is not dict:
        fail(path, f"must be an object, found {kind(entry)}")
    name = text(entry.get("name"), f"{path}.name")
    feature_type = text(entry.get("type"), f"{path}.type")
    if feature_type == "continuous":
        levels = array(entry.get("cuts"), f"{path}.cuts")
        bins = [_numbers(level, f"{path}.cuts[{k}]", limit=None)
                for k, level in enumerate(levels)]
        for k, cuts in enumerate(bins):
            if cuts.ndim != 1:
                fail(f"{path}.cuts[{k}]", "must be a flat array of cut points")
    elif feature_type in ("nominal", "ordinal"):
        levels = array(entry.get("categories"), f"{path}.categories")
        bins = [_categories(level, f"{path}.categories[{k}]") for k, level in enumerate(levels)]
    else:
        fail(f"{path}.type", f"must be 'continuous', 'nominal' or 'ordinal', found "
                             f"{show(feature_type)}")
    return name, feature_type, bins  # no levels: checked against the terms that use it


def _output(ebm: dict) -> dict:
    outputs = array(ebm.get("outputs"), "ebm.outputs")
    if len(outputs) != 1 or type(outputs[0]) is not dict:
        fail("ebm.outputs", "must hold exactly one output object (multi-output models are not "
                            "supported)")
    output = outputs[0]
    text(output.get("link"), "ebm.outputs[0].link")
    if output.get("task") == "classification":
        classes = array(output.get("classes"), "ebm.outputs[0].classes")
        if set(map(type, classes)) - {str, int, float, bool} or len(set(map(type, classes))) > 1:
            fail("ebm.outputs[0].classes", "must be labels of one type (text or numbers)")
        check_texts([c for c in classes if type(c) is str], "ebm.outputs[0].classes")
    return output


#: Parts a term may lack at any detail level: InterpretML's ``monotonize`` drops the term's
#: standard deviations and per-bag scores (read as None)
_DROPPABLE = ("standard_deviations", "bagged_scores")


def _detail(terms: list) -> str:
    """The detail level the file was written at, read from the parts its terms hold (any term's:
    a monotonized term lacks ``_DROPPABLE``)."""
    held = set().union(*(term for term in terms if type(term) is dict))
    if "bagged_scores" in held:
        return "all"
    return "interpretable" if "bin_weights" in held else "minimal"


def load_interpret_document(document: dict) -> Any:
    """A fitted glassboost estimator from a parsed InterpretML JSON document."""
    version = document.get("version")
    if version != "1.0":
        fail("version", f"InterpretML model files of version '1.0' are read, found "
                        f"{show(version)}")
    ebm = document["ebm"]
    if type(ebm) is not dict:
        fail("ebm", f"must be an object, found {kind(ebm)}")
    output = _output(ebm)
    features = [_feature(entry, i) for i, entry in enumerate(array(ebm.get("features"),
                                                                    "ebm.features"))]
    names = [name for name, _, _ in features]
    position = {name: i for i, name in enumerate(names)}
    if len(position) != len(names):
        fail("ebm.features", "two features have the same name")
    terms = array(ebm.get("terms"), "ebm.terms")
    detail = _detail(terms)
    parts = {"scores": [], "standard_deviations": [], "bin_weights": [], "bagged_scores": []}
    wanted = {"minimal": ("scores",), "interpretable": ("scores", "standard_deviations",
                                                        "bin_weights")}.get(detail, tuple(parts))
    term_features = []
    for t, term in enumerate(terms):
        path = f"ebm.terms[{t}]"
        if type(term) is not dict:
            fail(path, f"must be an object, found {kind(term)}")
        used = array(term.get("term_features"), f"{path}.term_features")
        if any(type(n) is not str or n not in position for n in used):
            fail(f"{path}.term_features", "must name features of the model")
        term_features.append(tuple(position[n] for n in used))
        for key in wanted:
            if key not in term and key not in _DROPPABLE:
                fail(f"{path}.{key}", f"is missing (other terms have it: detail {detail!r})")
            parts[key].append(_numbers(term[key], f"{path}.{key}") if key in term else None)
    params = ebm.get("implementation_params")
    objective = params.get("objective") if type(params) is dict else None
    values = {
        "feature_names_in_": names,
        "feature_types_in_": [feature_type for _, feature_type, _ in features],
        "bins_": [bins for _, _, bins in features],
        "term_features_": term_features,
        "term_scores_": parts["scores"],
        "intercept_": _numbers(ebm.get("intercept"), "ebm.intercept"),
        "link_": output["link"],
        "link_param_": _numbers(output.get("link_param", "nan"), "ebm.outputs[0].link_param"),
        "classes_": (np.array(output["classes"]) if output.get("task") == "classification"
                     else None),
        "standard_deviations_": parts["standard_deviations"] if detail != "minimal" else None,
        "bin_weights_": parts["bin_weights"] if detail != "minimal" else None,
        "bagged_scores_": parts["bagged_scores"] if detail == "all" else None,
        "bagged_intercept_": (_numbers(ebm["bagged_intercept"], "ebm.bagged_intercept")
                              if detail == "all" and "bagged_intercept" in ebm else None),
        "best_iteration_": (_numbers(ebm["best_iteration"], "ebm.best_iteration")
                            if "best_iteration" in ebm else None),
    }
    try:
        return fitted_from_attributes(values.get, objective if type(objective) is str else None,
                                      params if type(params) is dict else {}, detail)
    except ModelFileError:
        raise
    except (ValueError, TypeError) as error:
        raise ModelFileError(f"this InterpretML model cannot be read: {error}", "ebm") from None
