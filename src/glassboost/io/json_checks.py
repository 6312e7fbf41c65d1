"""Checks of parsed JSON values that name the offending field, and fast checks of numeric tables.

Every failure is a :class:`ModelFileError` whose ``field`` is the JSON path of the value, e.g.
``terms[3].scores``. Numeric tables are checked in two steps so that the cost stays linear in the
file size with a small constant, whether a file holds a few big tables or many tiny ones: each
table's nesting is walked level by level with C-speed builtins (``map``, ``chain``), and then the
numbers of all tables of one kind are converted and checked in a single numpy pass.
"""

from __future__ import annotations

import bisect
import json
import math
import re
from itertools import chain
from typing import Any, NoReturn

import numpy as np

_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_KEYSETS: dict[tuple, frozenset] = {}
_TYPE_NAMES = {dict: "an object", list: "an array", str: "a string", bool: "a boolean",
               int: "a number", float: "a number", type(None): "null"}


class ModelFileError(ValueError):
    """A model file that cannot be read: unreadable, not JSON, wrong format or version, or a
    field that is malformed or inconsistent. ``field`` is its JSON path (None for the file as a
    whole), and the message starts with it."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field


def fail(field: str | None, message: str) -> NoReturn:
    raise ModelFileError(message, field)


def child(path: str, key: str | int) -> str:
    """The JSON path of ``key`` inside ``path``: ``terms[3]``, ``terms[3].scores``,
    ``features[1].categories["it's"]`` (keys over 60 characters are cut, with ``...``)."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    if _PLAIN_KEY.fullmatch(key):
        return f"{path}.{key}" if path else key
    quoted = json.dumps(key)
    return f"{path}[{quoted if len(quoted) <= 60 else quoted[:56] + '...' + quoted[-1]}]"


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


def first_duplicate(values: list) -> int | None:
    """Index of the first value that appeared before, or None."""
    seen: set = set()
    for i, value in enumerate(values):
        if value in seen:
            return i
        seen.add(value)
    return None


def _keyset(keys: tuple) -> frozenset:
    found = _KEYSETS.get(keys)
    if found is None:
        found = _KEYSETS[keys] = frozenset(keys)
    return found


def closed_object(value: Any, path: str, required: tuple | frozenset,
                  optional: tuple | frozenset = ()) -> dict:
    """A JSON object with exactly the ``required`` fields and some of the ``optional`` ones."""
    if type(value) is not dict:
        fail(path, f"must be an object, found {kind(value)}")
    if value.keys() == _keyset(required):  # the common case, at C speed
        return value
    for key in required:
        if key not in value:
            fail(child(path, key), "is missing")
    for key in value:
        if key not in required and key not in optional:
            fail(child(path, key), "is not a field here (fields are checked against the "
                                   "format version and detail level; see docs/model-format.md)")
    return value


def array(value: Any, path: str) -> list:
    if type(value) is not list:
        fail(path, f"must be an array, found {kind(value)}")
    return value


def boolean(value: Any, path: str) -> bool:
    if type(value) is not bool:
        fail(path, f"must be true or false, found {kind(value)}")
    return value


def check_texts(texts: list[str], path: str) -> None:
    """Strings that go into SQL, CSV and HTML: valid Unicode (no lone surrogates), no NUL."""
    joined = "".join(texts)
    if "\x00" in joined:
        fail(path, "must not contain NUL characters")
    if not joined.isascii():
        try:
            joined.encode("utf-8")
        except UnicodeEncodeError:
            fail(path, "must be valid Unicode text (it holds a lone surrogate code point)")


def text(value: Any, path: str) -> str:
    if type(value) is not str:
        fail(path, f"must be a string, found {kind(value)}")
    check_texts([value], path)
    return value


def texts(values: list, paths: list[str]) -> None:
    """Many strings at once (the path of the first bad one is named)."""
    if set(map(type, values)) - {str}:
        i = next(i for i, v in enumerate(values) if type(v) is not str)
        fail(paths[i], f"must be a string, found {kind(values[i])}")
    try:
        check_texts(values, "")
    except ModelFileError:
        for value, path in zip(values, paths):
            check_texts([value], path)


def float_value(value: Any, path: str) -> float:
    """A number; non-finite floats are allowed here (written as ``{"float": "nan"}`` objects,
    which parsing turns into floats)."""
    if type(value) not in (int, float):
        fail(path, f"must be a number, found {kind(value)}")
    try:
        return float(value)
    except OverflowError:
        fail(path, "is an integer too large for a float")


class _ShapeError(Exception):
    """A table's nesting differs from its expected shape (the message lacks the path)."""


def _leaves(value: Any, shape: tuple[int, ...]) -> list:
    """The numbers of nested arrays of exactly ``shape``, flat (not yet type-checked)."""
    if type(value) is not list:
        raise _ShapeError(f"must be an array of shape {shape}, found {kind(value)}")
    if len(value) != shape[0]:
        raise _ShapeError(f"has {len(value)} entries, expected {shape[0]} (shape {shape})")
    level = value
    for depth, size in enumerate(shape[1:], start=1):
        if set(map(type, level)) - {list}:
            raise _ShapeError(f"must be nested arrays of shape {shape}; found a non-array at "
                              f"depth {depth}")
        if set(map(len, level)) - {size}:
            found = next(len(x) for x in level if len(x) != size)
            raise _ShapeError(f"must have shape {shape}, but an array at depth {depth} has "
                              f"{found} entries instead of {size}")
        level = list(chain.from_iterable(level))
    return level


class Tables:
    """Numeric tables of one kind, checked together.

    ``add`` walks a table's nesting against its expected shape; ``arrays`` then type-checks and
    converts the numbers of every table added in one pass, checks that they are finite (and
    non-negative, and at most ``limit`` in magnitude, when asked), and returns one array per
    table. Failures name the path of the first table at fault: ``path`` formatted with the
    table's ``index`` (built only then, as most files have no failure to name).
    """

    def __init__(self, path: str, integer: bool = False, non_negative: bool = False,
                 limit: float | None = None):
        self.path, self.integer, self.non_negative, self.limit = path, integer, non_negative, limit
        self.leaves: list[list] = []
        self.shapes: list[tuple[int, ...]] = []
        self.indices: list[int] = []
        self._flat: tuple[np.ndarray, np.ndarray] | None = None

    def add(self, value: Any, shape: tuple[int, ...], index: int = 0) -> None:
        try:
            self.leaves.append(_leaves(value, shape))
        except _ShapeError as error:
            fail(self.path.format(index), str(error))
        self.shapes.append(shape)
        self.indices.append(index)

    def fail_at(self, position: int, ends: np.ndarray, message: str) -> NoReturn:
        """Fail naming the table that holds entry ``position`` of the flat numbers."""
        table = bisect.bisect_right(ends.tolist(), position)
        fail(self.path.format(self.indices[table]), message)

    def flat(self) -> tuple[np.ndarray, np.ndarray]:
        """All numbers in one array, and where each table ends in it (checked once)."""
        if self._flat is None:
            self._flat = self._checked()
        return self._flat

    def _checked(self) -> tuple[np.ndarray, np.ndarray]:
        allowed = {int} if self.integer else {int, float}
        if set(map(type, chain.from_iterable(self.leaves))) - allowed:
            for leaves, index, shape in zip(self.leaves, self.indices, self.shapes):
                wrong = set(map(type, leaves)) - allowed
                if wrong:
                    found = "an array (too deep)" if list in wrong else _TYPE_NAMES.get(
                        wrong.pop(), "a value")
                    fail(self.path.format(index), f"must hold "
                         f"{'integers' if self.integer else 'numbers'} only (shape {shape}); "
                         f"found {found}")
        dtype = np.int64 if self.integer else np.float64
        try:
            values = np.array(list(chain.from_iterable(self.leaves)), dtype=dtype)
        except OverflowError:
            for leaves, index in zip(self.leaves, self.indices):
                try:
                    np.array(leaves, dtype=dtype)
                except OverflowError:
                    fail(self.path.format(index), f"holds an integer too large for "
                                                  f"{'64 bits' if self.integer else 'a float'}")
            raise
        ends = np.cumsum([len(leaves) for leaves in self.leaves], dtype=np.int64)
        if values.size:
            self._check(values, ends)
        return values, ends

    def _check(self, values: np.ndarray, ends: np.ndarray) -> None:
        low, high = values.min(), values.max()
        if not self.integer and not (math.isfinite(low) and math.isfinite(high)):
            self.fail_at(int(np.argmin(np.isfinite(values))), ends, "holds a non-finite number")
        if self.non_negative and low < 0:
            self.fail_at(int(np.argmax(values < 0)), ends, "holds a negative number")
        if self.limit is not None and max(high, -low) > self.limit:
            position = int(np.argmax(np.abs(values) > self.limit))
            self.fail_at(position, ends, f"holds a number of magnitude "
                                          f"{abs(values[position]):.3g}, above the limit "
                                          f"{self.limit:.0e}")

    def arrays(self) -> list[np.ndarray]:
        values, ends = self.flat()
        starts = np.concatenate(([0], ends[:-1])).tolist()
        return [values[a:b].reshape(shape) for a, b, shape
                in zip(starts, ends.tolist(), self.shapes)]


def numbers(value: Any, shape: tuple[int, ...], path: str, **checks: Any) -> np.ndarray:
    """One numeric table of exactly ``shape`` (see :class:`Tables` for ``checks``)."""
    tables = Tables(path.replace("{", "{{").replace("}", "}}"), **checks)
    tables.add(value, shape)
    return tables.arrays()[0]
