"""Versioned JSON model files: write a fitted EBM at a detail level, and load one back safely.

The layout is documented field by field in ``docs/model-format.md`` (its structure also in
``model.schema.json`` next to this file). Loading never executes anything from the file: it
reads at most ``max_bytes`` (gzip is detected by its magic bytes and decompressed within the
same limit), parses strict JSON, and checks every field's form and meaning
(:mod:`.model_check`), so a damaged or tampered file ends in :class:`ModelFileError` instead of a
model that scores wrongly.
"""

from __future__ import annotations

import gc
import gzip
import io
import json
import math
import os
import zlib
from contextlib import contextmanager
from typing import Any, Iterator

import numpy as np

from .binary_tables import encode_table
from .detail import PART_DETAIL, AbsentPart, detail_rank, holds
from .model_check import (BINARY_FORMAT_VERSION, DEFAULT_MAX_BYTES, FORMAT, FORMAT_VERSION,
                          PRIVACY_FORMAT_VERSION, ModelFileError, check_document)

__all__ = ["DEFAULT_MAX_BYTES", "ModelFileError", "model_document", "read_document", "to_json"]

_GZIP_MAGIC = b"\x1f\x8b"
_NONFINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


# ---- writing ---------------------------------------------------------------------------------
def _float(value: float) -> Any:
    """JSON has no NaN or infinity: write them as tagged objects."""
    value = float(value)
    if math.isfinite(value):
        return value
    return {"float": "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")}


def _json_safe(value: Any) -> Any:
    """A parameter value as JSON; values JSON cannot hold (objects, generators, dicts with
    keys that are not text) become None."""
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
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {k: _json_safe(v) for k, v in value.items()}  # privacy_bounds by name
    return None


def _classes(model: Any) -> dict | None:
    if not hasattr(model, "classes_"):
        return None
    values = [v.item() if isinstance(v, np.generic) else v for v in model.classes_]
    for name, kind in (("str", str), ("int", int), ("float", float), ("bool", bool)):
        if all(type(v) is kind for v in values):
            return {"type": name, "values": values}
    raise ValueError(f"classes_ must all be str, int, float or bool, got {values[:5]}")


def _feature(name: str, kind: str, levels: list) -> dict:
    if kind == "continuous":
        return {"name": name, "type": kind, "cuts": np.asarray(levels[0], float).tolist(),
                "interaction_cuts": np.asarray(levels[-1], float).tolist()}
    feature = {"name": name, "type": kind,
               "categories": {str(k): int(v) for k, v in levels[0].items()}}
    if len(levels) > 1:  # categories coarsened for pairs
        feature["interaction_categories"] = {str(k): int(v) for k, v in levels[1].items()}
    return feature


def _table(values: Any) -> list:
    return np.asarray(values, dtype=np.float64).tolist()


def _intercepts(values: Any) -> list:
    """An intercept or the per-bag intercepts, non-finite values as tagged objects (a one-class
    model's are -inf)."""
    values = np.asarray(values, dtype=np.float64)
    if np.all(np.isfinite(values)):
        return values.tolist()
    return [_intercepts(v) if values.ndim > 1 else _float(v) for v in values]


def _term(model: Any, t: int, detail: str, compact: bool) -> dict:
    table = encode_table if compact else _table
    term = {
        "name": model.term_names_[t],
        "features": [int(f) for f in model.term_features_[t]],
        "scores": table(model.term_scores_[t]),
    }
    if holds(detail, "standard_deviations_"):
        term["standard_deviations"] = table(model.standard_deviations_[t])
        term["bin_weights"] = table(model.bin_weights_[t])
    if holds(detail, "bagged_scores_"):
        term["bagged_scores"] = table(model.bagged_scores_[t])
    return term


def _training(model: Any, detail: str) -> dict:
    training: dict[str, Any] = {
        "objective": model.objective_,
        # a custom objective's functions stay out of the file: its name stands for it
        "parameters": {k: _json_safe(model.objective_ if k == "objective"
                                     and not isinstance(v, str) else v)
                       for k, v in model.get_params(deep=False).items()},
    }
    if holds(detail, "interaction_strengths_"):
        weights = model.bin_weights_
        training["n_samples"] = float(np.sum(weights[0])) if len(weights) else None
        training["interaction_strengths"] = [
            {"features": [str(a), str(b)], "strength": _float(s)}
            for (a, b), s in model.interaction_strengths_.items()
        ]
    if holds(detail, "best_iteration_"):
        training["best_iteration"] = (None if model.best_iteration_ is None
                                      else np.asarray(model.best_iteration_).tolist())
    return training


def _check_parts(model: Any, detail: str) -> None:
    """A model loaded from a lower detail level cannot be written at a higher one."""
    for attribute in PART_DETAIL:
        value = getattr(model, attribute, None)
        if holds(detail, attribute) and isinstance(value, AbsentPart):
            raise ValueError(
                f"cannot write detail={detail!r}: the model has no {attribute} (it was loaded "
                f"from a model file written with detail={value.detail!r}); write it with "
                f"detail={value.detail!r}")


def model_document(model: Any, detail: str = "all", compact: bool = False) -> dict:
    """The JSON document (a dict of plain Python values) of a fitted model at ``detail``;
    ``compact`` writes the term tables as binary blocks (format version 4)."""
    from .. import __version__

    detail_rank(detail)
    _check_parts(model, detail)
    document = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "detail": detail,
        "glassboost_version": __version__,
        "task": "classification" if hasattr(model, "classes_") else "regression",
        "link": model.link_,
        "link_param": _float(model.link_param_),
        "classes": _classes(model),
        "match_by_name": bool(getattr(model, "_match_by_name", False)),
        "features": [_feature(str(n), k, levels) for n, k, levels
                     in zip(model.feature_names_in_, model.feature_types_in_, model.bins_)],
        "intercept": _intercepts(np.ravel(model.intercept_)),
        "terms": [_term(model, t, detail, compact) for t in range(len(model.term_features_))],
        "training": _training(model, detail),
    }
    conversions = getattr(model, "datetime_conversions_", None)
    if conversions:
        document["datetime_conversions"] = [
            {"column": c["column"], "parts": list(c["parts"]), "format": c["format"],
             **{key: c[key] for key in ("utc", "tz") if key in c}}
            for c in conversions]
    if holds(detail, "bagged_intercept_"):
        document["bagged_intercept"] = _intercepts(model.bagged_intercept_)
        if getattr(model, "bag_shares_", None) is not None:  # a merged model's
            document["bag_shares"] = _table(model.bag_shares_)
    privacy = getattr(model, "privacy_budget_", None)
    if privacy is not None:  # a differentially private model's account, at every level
        document["format_version"] = PRIVACY_FORMAT_VERSION
        document["privacy"] = {k: _json_safe(v) for k, v in privacy.items()}
    if compact:
        document["format_version"] = BINARY_FORMAT_VERSION
    return document


def to_json(model: Any, file: Any = None, detail: str = "all", indent: int | str | None = 2,
            compact: bool = False) -> str | None:
    """Serialize a fitted model, as InterpretML's ``to_json`` does.

    ``file``: a path or path-like (written gzip-compressed when it ends in ``.gz``), a file
    object with ``write`` (text or binary), or None to return the text. ``detail``: "minimal"
    (what prediction needs), "interpretable" (+ standard deviations, bin weights, interaction
    strengths), "mergeable" (+ best iterations), "all" (+ per-bag tables, most of a file's size).
    ``indent``: as for ``json.dumps``; None writes the most compact text.
    ``compact``: write every term table as a binary block (base64 of deflated float64, exact;
    see :mod:`.binary_tables`) and no whitespace, whatever ``indent`` says: about 40% of the
    text's size, and faster to load. Such files have format version 4 (older readers of
    versions 1-3 refuse them by their version).

    The document is checked like a loaded file before anything is written, so a model that
    :func:`load` would reject (for example with non-finite scores) raises ValueError here and no
    file is touched.
    """
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(model, "term_scores_")
    if compact:
        indent = None
    text = json.dumps(model_document(model, detail, compact), indent=indent,
                      separators=(",", ":") if indent is None else None)
    try:  # a NaN the text holds as a bare token is in a field the check rejects, with its path
        with collector_paused():
            check_document(_parse(text, allow_nan=True), max_bytes=None)
    except ModelFileError as error:
        raise ValueError(f"this model cannot be written as a valid model file: {error}") from None
    if file is None:
        return text
    if isinstance(file, (str, os.PathLike)):
        data = text.encode("utf-8")
        if os.fspath(file).lower().endswith(".gz"):
            data = gzip.compress(data, mtime=0)
        with open(file, "wb") as handle:
            handle.write(data)
        return None
    if not hasattr(file, "write"):
        raise TypeError(f"file must be a path, a file object or None, got {type(file).__name__}")
    try:
        file.write(text)
    except TypeError:  # a binary file object
        file.write(text.encode("utf-8"))
    return None


# ---- reading ---------------------------------------------------------------------------------
def _too_big(size: int, max_bytes: int, what: str = "is") -> ModelFileError:
    return ModelFileError(f"the model file {what} {size:,} bytes or more, above the limit of "
                          f"{max_bytes:,} bytes; pass load(..., max_bytes=...) to read it")


def _read_limited(source: Any, max_bytes: int) -> bytes | str:
    """The content of a path, JSON text, bytes or file object, at most ``max_bytes`` + 1 long,
    never reading more than that; file sizes are checked before reading."""
    if hasattr(source, "read"):
        return source.read(max_bytes + 1)
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source)
    if isinstance(source, str) and source.lstrip().startswith("{"):
        return source
    if isinstance(source, (str, os.PathLike)):
        size = os.stat(source).st_size
        if size > max_bytes:
            raise _too_big(size, max_bytes)
        with open(source, "rb") as handle:
            return handle.read(max_bytes + 1)
    raise TypeError(f"expected a path, JSON text, bytes or a file object, got "
                    f"{type(source).__name__}")


def _gunzip(data: bytes, max_bytes: int) -> bytes:
    """Decompress at most ``max_bytes`` + 1 bytes: a small file cannot expand without bound."""
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as archive:
            text = archive.read(max_bytes + 1)
    except (OSError, EOFError, zlib.error) as error:
        raise ModelFileError(f"the model file is damaged gzip data: {error}") from None
    if len(text) > max_bytes:
        raise _too_big(len(text), max_bytes, "decompresses to")
    return text


def _text(content: bytes | str, max_bytes: int) -> str:
    if isinstance(content, str):
        if len(content) > max_bytes or (not content.isascii()
                                        and len(content.encode("utf-8", "surrogatepass"))
                                        > max_bytes):
            raise _too_big(len(content), max_bytes)
        return content
    if len(content) > max_bytes:
        raise _too_big(len(content), max_bytes)
    if content[:2] == _GZIP_MAGIC:
        content = _gunzip(content, max_bytes)
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ModelFileError(f"the model file is not UTF-8 text: {error}") from None


def _json_object(pairs: list[tuple[str, Any]]) -> Any:
    """An object of the file: duplicate keys are an error, and ``{"float": "nan"}`` (or
    ``"inf"``, ``"-inf"``), how the format writes non-finite floats, becomes that float."""
    document = dict(pairs)
    if len(document) == len(pairs) and "float" not in document:  # the common case, quickly
        return document
    if len(pairs) == 1 and type(pairs[0][1]) is str and pairs[0][1] in _NONFINITE:
        return _NONFINITE[pairs[0][1]]
    if len(document) != len(pairs):
        seen: set[str] = set()
        duplicate = next(k for k, _ in pairs if k in seen or seen.add(k))
        raise ModelFileError(f"the key {json.dumps(duplicate)[:60]} appears twice in one JSON "
                             f"object")
    return document


def _reject_constant(token: str) -> None:
    raise ModelFileError(f"{token} is not valid JSON; non-finite floats are written as "
                         f"{{\"float\": \"nan\"}} objects")


def _parse(text: str, allow_nan: bool = False) -> Any:
    try:
        return json.loads(text, object_pairs_hook=_json_object,
                          parse_constant=float if allow_nan else _reject_constant)
    except json.JSONDecodeError as error:
        raise ModelFileError(f"the model file is not valid JSON: {error}") from None
    except RecursionError:
        raise ModelFileError("the model file is not a model: its JSON is nested too deeply"
                             ) from None
    except ValueError as error:  # e.g. an integer with more digits than Python converts
        if isinstance(error, ModelFileError):
            raise
        raise ModelFileError(f"the model file is not valid JSON: {error}") from None


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector: parsing creates a container per JSON array and
    object, none of which can form a cycle, and the collector would scan them over and over
    (it tripled the parse time of files with many small arrays)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def read_document(source: Any, max_bytes: int = DEFAULT_MAX_BYTES) -> Any:
    """The parsed JSON of a model file: a path, JSON text, bytes or a file object, plain or
    gzip-compressed, read up to ``max_bytes`` (counted after decompression).

    Call it inside :func:`collector_paused` when the document is then checked and built.
    """
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes <= 0:
        raise ValueError(f"max_bytes must be a positive integer, got {max_bytes!r}")
    try:
        text = _text(_read_limited(source, max_bytes), max_bytes)
    except (OSError, UnicodeError) as error:
        raise ModelFileError(f"cannot read the model file: {error}") from error
    return _parse(text)
