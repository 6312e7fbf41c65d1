"""Versioned JSON model files: write a fitted EBM, and load one back without executing anything.

The layout is documented field by field in ``docs/model-format.md`` and its structure in
``model.schema.json`` next to this file. Loading validates the structure against that schema, then
checks every shape and number against the bins, so a damaged or tampered file ends in
:class:`ModelFileError` instead of a model that scores wrongly.
"""

from __future__ import annotations

import json
import math
import os
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np

FORMAT = "glassboost.ebm"
FORMAT_VERSION = 1
_CLASS_TYPES = {"str": str, "int": int, "float": float, "bool": bool}
_NONFINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


class ModelFileError(ValueError):
    """A model file that cannot be read: not JSON, wrong format or version, or inconsistent."""


# ---- writing ---------------------------------------------------------------------------------
def _float(value: float) -> Any:
    """JSON has no NaN or infinity: write them as tagged objects."""
    value = float(value)
    if math.isfinite(value):
        return value
    return {"float": "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")}


def _json_safe(value: Any) -> Any:
    """A parameter value as JSON; values JSON cannot hold (objects, generators) become None."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool) or isinstance(value, int):
        return value
    if isinstance(value, float):
        return _float(value)
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_json_safe(v) for v in value]
    return None


def _classes(model: Any) -> dict | None:
    if not hasattr(model, "classes_"):
        return None
    values = [v.item() if isinstance(v, np.generic) else v for v in model.classes_]
    for name, kind in _CLASS_TYPES.items():
        if all(type(v) is kind for v in values):
            return {"type": name, "values": values}
    raise ValueError(f"classes_ must all be str, int, float or bool, got {values[:5]}")


def _feature(name: str, kind: str, levels: list) -> dict:
    if kind == "continuous":
        return {"name": name, "type": kind, "cuts": np.asarray(levels[0], float).tolist(),
                "interaction_cuts": np.asarray(levels[-1], float).tolist()}
    return {"name": name, "type": kind,
            "categories": {str(k): int(v) for k, v in levels[0].items()}}


def _term(model: Any, t: int, include_bagged: bool) -> dict:
    term = {
        "name": model.term_names_[t],
        "features": [int(f) for f in model.term_features_[t]],
        "scores": np.asarray(model.term_scores_[t], float).tolist(),
        "standard_deviations": np.asarray(model.standard_deviations_[t], float).tolist(),
        "bin_weights": np.asarray(model.bin_weights_[t], float).tolist(),
    }
    if include_bagged:
        term["bagged_scores"] = np.asarray(model.bagged_scores_[t], float).tolist()
    return term


def model_document(model: Any, include_bagged: bool = True) -> dict:
    """The JSON document (a dict of plain Python values) describing a fitted model."""
    from .. import __version__

    is_classifier = hasattr(model, "classes_")
    weights = model.bin_weights_
    document = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "glassboost_version": __version__,
        "task": "classification" if is_classifier else "regression",
        "link": model.link_,
        "link_param": _float(model.link_param_),
        "classes": _classes(model),
        "match_by_name": bool(getattr(model, "_match_by_name", False)),
        "features": [_feature(str(n), k, levels) for n, k, levels
                     in zip(model.feature_names_in_, model.feature_types_in_, model.bins_)],
        "intercept": [float(v) for v in np.ravel(model.intercept_)],
        "terms": [_term(model, t, include_bagged) for t in range(len(model.term_features_))],
        "training": {
            "n_samples": float(np.sum(weights[0])) if len(weights) else None,
            "objective": model.objective_,
            "parameters": {k: _json_safe(v) for k, v in model.get_params(deep=False).items()},
            "best_iteration": (None if model.best_iteration_ is None
                               else np.asarray(model.best_iteration_).tolist()),
            "interaction_strengths": [
                {"features": [str(a), str(b)], "strength": _float(s)}
                for (a, b), s in model.interaction_strengths_.items()
            ],
        },
    }
    if include_bagged:
        document["bagged_intercept"] = np.asarray(model.bagged_intercept_, float).tolist()
    return document


def to_json(model: Any, path: Any = None, include_bagged: bool = True) -> str | None:
    """Serialize a fitted model; write it to ``path`` (and return None) or return the text.

    ``include_bagged=False`` leaves out the per-bag tables, which make up most of the file.
    """
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(model, "term_scores_")
    text = json.dumps(model_document(model, include_bagged), allow_nan=False,
                      separators=(",", ":"))
    if path is None:
        return text
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    return None


# ---- reading ---------------------------------------------------------------------------------
def _read_text(source: Any) -> str:
    if hasattr(source, "read"):
        source = source.read()
    if isinstance(source, (bytes, bytearray)):
        return bytes(source).decode("utf-8")
    if isinstance(source, str) and source.lstrip().startswith("{"):
        return source
    if isinstance(source, (str, os.PathLike)):
        with open(source, encoding="utf-8") as handle:
            return handle.read()
    raise TypeError(f"expected a path, JSON text or a file object, got {type(source).__name__}")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict:
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        raise ModelFileError(f"duplicate key in a JSON object: {sorted(keys)[:10]}")
    return dict(pairs)


def _reject_constant(token: str) -> None:
    raise ModelFileError(f"{token} is not valid JSON; non-finite floats are written as objects")


@lru_cache(maxsize=1)
def _validator():
    import jsonschema

    schema = json.loads(resources.files(__package__).joinpath("model.schema.json").read_text())
    return jsonschema.Draft202012Validator(schema)


def _check_header(document: Any) -> None:
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ModelFileError(f"not a glassboost model file: 'format' must be {FORMAT!r}")
    version = document.get("format_version")
    if version != FORMAT_VERSION or type(version) is not int:
        raise ModelFileError(
            f"model format version {version!r} is not supported; this glassboost "
            f"reads version {FORMAT_VERSION}"
        )


def _check_schema(document: dict) -> None:
    import jsonschema

    error = jsonschema.exceptions.best_match(_validator().iter_errors(document))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "(top level)"
        raise ModelFileError(f"model file does not match the schema at {where}: "
                             f"{error.message[:300]}")


def _parse(text: str) -> dict:
    try:
        document = json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_reject_constant)
    except json.JSONDecodeError as error:
        raise ModelFileError(f"model file is not valid JSON: {error}") from None
    _check_header(document)
    _check_schema(document)
    return document


# ---- checking and building -------------------------------------------------------------------
def _fail(message: str) -> None:
    raise ModelFileError(message)


def _decode_float(value: Any) -> float:
    if isinstance(value, dict):
        return _NONFINITE[value["float"]]
    if type(value) not in (int, float):
        _fail(f"expected a number, got {value!r:.60}")
    return float(value)


def _decode_value(value: Any) -> Any:
    """A parameter value as written by ``_json_safe``."""
    if isinstance(value, dict):
        return _decode_float(value) if set(value) == {"float"} else {
            k: _decode_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode_value(v) for v in value]
    return value


def _array(value: Any, shape: tuple[int, ...] | None, what: str, kind: type = float,
           finite: bool = True, non_negative: bool = False) -> np.ndarray:
    """A rectangular nested list of plain JSON numbers as an array, with its shape checked."""
    nested = np.array(value, dtype=object)
    if not all(type(v) is kind or (kind is float and type(v) is int) for v in nested.flat):
        _fail(f"{what} must be a rectangular array of {kind.__name__} values")
    array = nested.astype(np.float64 if kind is float else np.int64)
    if shape is not None and array.shape != shape:
        _fail(f"{what} has shape {array.shape}, expected {shape} from the bins")
    if finite and not np.all(np.isfinite(array)):
        _fail(f"{what} contains a non-finite value")
    if non_negative and np.any(array < 0):
        _fail(f"{what} contains a negative value")
    return array


def _cuts(value: Any, what: str) -> np.ndarray:
    cuts = _array(value, None, what)
    if cuts.ndim != 1 or np.any(np.diff(cuts) <= 0):
        _fail(f"{what} must be strictly increasing finite numbers")
    return cuts


def _categories(mapping: dict, what: str) -> dict[str, int]:
    indices = list(mapping.values())
    if any(type(i) is not int for i in indices) or sorted(indices) != list(
            range(1, len(indices) + 1)):
        _fail(f"{what}: category indices must be the integers 1..{len(indices)}, each once")
    return dict(sorted(mapping.items(), key=lambda item: item[1]))


def _features(entries: list) -> tuple[list[str], list[str], list[list], list[int], list[int]]:
    names, kinds, bins, n_bins, n_pair_bins = [], [], [], [], []
    for i, entry in enumerate(entries):
        name, kind = entry["name"], entry["type"]
        what = f"feature {i} ({name!r})"
        if kind == "continuous":
            cuts = _cuts(entry["cuts"], f"{what} cuts")
            coarse = _cuts(entry["interaction_cuts"], f"{what} interaction_cuts")
            if not np.all(np.isin(coarse, cuts)):
                _fail(f"{what}: interaction_cuts must be a subset of cuts")
            bins.append([cuts, coarse])
            n_bins.append(len(cuts) + 3)
            n_pair_bins.append(len(coarse) + 3)
        else:
            categories = _categories(entry["categories"], what)
            bins.append([categories])
            n_bins.append(len(categories) + 2)
            n_pair_bins.append(len(categories) + 2)
        names.append(name)
        kinds.append(kind)
    if len(set(names)) != len(names):
        _fail("feature names must be unique")
    return names, kinds, bins, n_bins, n_pair_bins


def _target(document: dict) -> tuple[np.ndarray | None, int]:
    """Classes (or None for regression) and the number of scores per row."""
    task, link, classes = document["task"], document["link"], document["classes"]
    if task == "regression":
        if classes is not None or link not in ("identity", "log"):
            _fail(f"a regression model has no classes and link 'identity' or 'log', got {link!r}")
        return None, 1
    if classes is None:
        _fail("a classification model needs its classes")
    kind, values = _CLASS_TYPES[classes["type"]], classes["values"]
    if any(type(v) is not kind for v in values) or len(set(values)) != len(values):
        _fail(f"classes must be distinct values of type {classes['type']}")
    if kind is float and not all(math.isfinite(v) for v in values):
        _fail("classes must be finite")
    expected = "logit" if len(values) == 2 else "mlogit"
    if link != expected:
        _fail(f"a classifier with {len(values)} classes needs link {expected!r}, got {link!r}")
    dtype = {str: object, int: np.int64, float: np.float64, bool: bool}[kind]
    return np.array(values, dtype=dtype), (1 if len(values) == 2 else len(values))


def _terms(entries: list, names: list[str], n_bins: list[int], n_pair_bins: list[int],
           n_scores: int) -> dict[str, list]:
    out: dict[str, list] = {k: [] for k in ("features", "names", "scores", "stds", "weights",
                                            "bagged")}
    for t, entry in enumerate(entries):
        features = entry["features"]
        what = f"term {t} ({entry['name']!r})"
        if any(type(f) is not int or not 0 <= f < len(names) for f in features) or len(
                set(features)) != len(features):
            _fail(f"{what}: features must be distinct indices below {len(names)}")
        sizes = n_bins if len(features) == 1 else n_pair_bins
        shape = tuple(sizes[f] for f in features)
        scores_shape = shape + ((n_scores,) if n_scores > 1 else ())
        out["features"].append(tuple(features))
        out["names"].append(entry["name"])
        out["scores"].append(_array(entry["scores"], scores_shape, f"{what} scores"))
        out["stds"].append(_array(entry["standard_deviations"], scores_shape,
                                  f"{what} standard_deviations", non_negative=True))
        out["weights"].append(_array(entry["bin_weights"], shape, f"{what} bin_weights",
                                     non_negative=True))
        if "bagged_scores" in entry:
            bagged = _array(entry["bagged_scores"], None, f"{what} bagged_scores")
            if bagged.shape[1:] != scores_shape:
                _fail(f"{what} bagged_scores has shape {bagged.shape}, expected "
                      f"(n_bags,) + {scores_shape}")
            out["bagged"].append(bagged)
    if len(set(out["features"])) != len(out["features"]):
        _fail("two terms use the same features")
    if len(set(out["names"])) != len(out["names"]):
        _fail("term names must be unique")
    return out


def _bags(document: dict, terms: dict, n_scores: int) -> tuple[list, np.ndarray]:
    """Per-bag tables and intercepts; both present or both absent, with one bag count."""
    intercept_shape = (n_scores,) if n_scores > 1 else ()
    if "bagged_intercept" not in document:
        if terms["bagged"]:
            _fail("bagged_scores are present but bagged_intercept is missing")
        return ([np.empty((0,) + s.shape) for s in terms["scores"]],
                np.empty((0,) + intercept_shape))
    intercept = _array(document["bagged_intercept"], None, "bagged_intercept")
    n_bags = intercept.shape[0] if intercept.ndim else -1
    if intercept.shape != (n_bags,) + intercept_shape:
        _fail(f"bagged_intercept has shape {intercept.shape}, expected (n_bags,) "
              f"+ {intercept_shape}")
    if len(terms["bagged"]) != len(terms["scores"]) or any(
            b.shape[0] != n_bags for b in terms["bagged"]):
        _fail(f"every term needs bagged_scores for the same {n_bags} bags as bagged_intercept")
    return terms["bagged"], intercept


def _training(training: dict, names: list[str], estimator: Any) -> dict[str, Any]:
    known = estimator.get_params(deep=False)
    params = {k: _decode_value(v) for k, v in training["parameters"].items() if k in known}
    best = training["best_iteration"]
    strengths = {}
    for entry in training["interaction_strengths"]:
        a, b = entry["features"]
        if a not in names or b not in names:
            _fail(f"interaction_strengths names unknown features {a!r}, {b!r}")
        strengths[(a, b)] = _decode_float(entry["strength"])
    return {
        "params": params,
        "best_iteration_": None if best is None else _array(best, None, "best_iteration", int,
                                                              non_negative=True),
        "interaction_strengths_": strengths,
    }


def build_model(document: dict) -> Any:
    """A fitted estimator from a schema-valid document, after checking every shape."""
    from ..estimators import ExplainableBoostingClassifier, ExplainableBoostingRegressor

    names, kinds, bins, n_bins, n_pair_bins = _features(document["features"])
    classes, n_scores = _target(document)
    intercept = _array(document["intercept"], (n_scores,), "intercept")
    terms = _terms(document["terms"], names, n_bins, n_pair_bins, n_scores)
    bagged_scores, bagged_intercept = _bags(document, terms, n_scores)
    estimator = (ExplainableBoostingRegressor() if classes is None
                 else ExplainableBoostingClassifier())
    training = _training(document["training"], names, estimator)
    estimator.set_params(**training.pop("params"))
    fitted = {
        "n_features_in_": len(names),
        "feature_names_in_": names,
        "feature_types_in_": kinds,
        "bins_": bins,
        "term_features_": terms["features"],
        "term_names_": terms["names"],
        "term_scores_": terms["scores"],
        "standard_deviations_": terms["stds"],
        "bagged_scores_": bagged_scores,
        "bagged_intercept_": bagged_intercept,
        "intercept_": float(intercept[0]) if classes is None else intercept,
        "bin_weights_": terms["weights"],
        "link_": document["link"],
        "link_param_": _decode_float(document["link_param"]),
        "objective_": document["training"]["objective"],
        "_match_by_name": document["match_by_name"],
        **training,
    }
    if classes is not None:
        fitted["classes_"] = classes
    estimator.__dict__.update(fitted)
    return estimator


def load(source: Any) -> Any:
    """A fitted estimator from a model file (a path, its JSON text, bytes or a file object).

    Never executes code from the file. Raises :class:`ModelFileError` for any file that is not a
    complete, consistent glassboost model of a supported format version.
    """
    try:
        return build_model(_parse(_read_text(source)))
    except ModelFileError:
        raise
    except (OSError, UnicodeError) as error:
        raise ModelFileError(f"cannot read the model file: {error}") from error
    except (ValueError, TypeError, KeyError, IndexError, OverflowError,
            RecursionError) as error:
        raise ModelFileError(f"invalid model file: {type(error).__name__}: {error}") from error


