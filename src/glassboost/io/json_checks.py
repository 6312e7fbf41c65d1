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
from itertools import chain, compress, repeat
from operator import is_, ne, not_
from typing import Any, Iterator, NoReturn

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


def keyset(keys: tuple) -> frozenset:
    """The keys as a frozenset, made once per tuple."""
    found = _KEYSETS.get(keys)
    if found is None:
        found = _KEYSETS[keys] = frozenset(keys)
    return found


def closed_object(value: Any, path: str, required: tuple | frozenset,
                  optional: tuple | frozenset = ()) -> dict:
    """A JSON object with exactly the ``required`` fields and some of the ``optional`` ones."""
    if type(value) is not dict:
        fail(path, f"must be an object, found {kind(value)}")
    if value.keys() == keyset(required):  # the common case, at C speed
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


def texts(values: list, path: str) -> None:
    """Many strings at once; ``path`` formatted with the index of the first bad one names it
    (built only then)."""
    if set(map(type, values)) - {str}:
        i = next(i for i, v in enumerate(values) if type(v) is not str)
        fail(path.format(i), f"must be a string, found {kind(values[i])}")
    try:
        check_texts(values, "")
    except ModelFileError:
        for i, value in enumerate(values):
            check_texts([value], path.format(i))


def unique(values: list, path: str) -> None:
    """No value twice; ``path`` formatted with the index of the first repeat names it."""
    if len(set(values)) != len(values):
        duplicate = first_duplicate(values)
        fail(path.format(duplicate), f"{show(values[duplicate])} is not unique")


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

    ``add`` walks one table's nesting against its expected shape, ``add_batch`` the nestings of
    many tables of one depth level by level at once (given ``blocks``, both set the tables
    written as binary blocks aside, and all of them are decoded in one batch before the numbers
    are checked); ``arrays`` then type-checks and converts
    the numbers of every table added in one pass, checks that they are finite (and
    non-negative, and at most ``limit`` in magnitude, when asked), and returns one array per
    table in the order of their ``index``. Failures name the path of the first table at fault
    in that order: ``path`` formatted with the table's ``index`` (built only then, as most
    files have no failure to name).
    """

    def __init__(self, path: str, integer: bool = False, non_negative: bool = False,
                 limit: float | None = None, blocks: Any = None):
        self.path, self.integer, self.non_negative, self.limit = path, integer, non_negative, limit
        self.blocks = blocks  # a .binary_tables.BlockDecoder where tables may be binary blocks
        self.leaves: list[list[list] | np.ndarray] = []  # per batch (``add`` makes a batch of
        # one table), the innermost arrays, whose entries are the numbers; or a decoded block
        self.sizes: list[np.ndarray] = []  # per batch, the number of leaves of each table
        self.shapes: list[tuple[int, ...]] = []
        self.indices: list[int] = []
        self._blocks: list[tuple[dict, tuple[int, ...], int]] = []  # (block, shape, index) of
        # the tables written as binary blocks, decoded together when the numbers are checked
        self._flat: tuple[np.ndarray, np.ndarray] | None = None

    def add(self, value: Any, shape: tuple[int, ...], index: int = 0) -> None:
        if type(value) is dict and self.blocks is not None:  # a binary block, decoded later
            self._blocks.append((value, shape, index))
            return
        try:
            leaves = _leaves(value, shape)
        except _ShapeError as error:
            fail(self.path.format(index), str(error))
        self.leaves.append([leaves])
        self.sizes.append(np.array([len(leaves)], dtype=np.int64))
        self.shapes.append(shape)
        self.indices.append(index)

    def add_batch(self, values: list, shapes: np.ndarray, indices: Any) -> bool:
        """Add tables ``values`` of shapes ``shapes`` (one row per table, all of one depth) at
        once, walking all their nestings level by level at C speed. False, adding nothing, if
        any nesting differs from its shape: ``add`` on each table then names the first.
        Tables written as binary blocks are set aside and decoded together later."""
        if self.blocks is not None and dict in set(map(type, values)):
            is_block = list(map(is_, map(type, values), repeat(dict)))
            indices = np.asarray(indices)
            written = np.flatnonzero(~np.array(is_block, dtype=bool))
            if not self.add_batch(list(compress(values, map(not_, is_block))),
                                  shapes[written], indices[written]):
                return False
            blocks = np.flatnonzero(is_block)
            self._blocks.extend(zip(compress(values, is_block), map(tuple, shapes[
                blocks].tolist()), indices[blocks].tolist()))
            return True
        level, counts = values, np.ones(len(values), dtype=np.int64)
        for depth in range(shapes.shape[1]):
            if depth:
                level = list(chain.from_iterable(level))
            if set(map(type, level)) - {list}:
                return False
            expected = np.repeat(shapes[:, depth], counts)
            if not np.array_equal(np.fromiter(map(len, level), np.int64, len(level)),
                                  expected):
                return False
            counts = counts * shapes[:, depth]
        self.leaves.append(level)
        self.sizes.append(counts)
        if len(shapes) and np.all(shapes == shapes[0]):  # the same shape throughout
            self.shapes.extend(repeat(tuple(shapes[0].tolist()), len(shapes)))
        else:
            self.shapes.extend(map(tuple, shapes.tolist()))
        self.indices.extend(np.asarray(indices).tolist())
        return True

    def fail_at(self, position: int, ends: np.ndarray, message: str) -> NoReturn:
        """Fail naming the table that holds entry ``position`` of the flat numbers."""
        table = bisect.bisect_right(ends.tolist(), position)
        fail(self.path.format(self.indices[table]), message)

    def flat(self) -> tuple[np.ndarray, np.ndarray]:
        """All numbers in one array, table after table in the order of their index, and where
        each table ends in it (checked once)."""
        if self._flat is None:
            self._decode_blocks()
            self._flat = self._checked()
        return self._flat

    def _decode_blocks(self) -> None:
        """Decode every table written as a binary block, as one batch of tables."""
        if not self._blocks:
            return
        values, shapes, indices = map(list, zip(*self._blocks))
        self._blocks = []
        decoded = self.blocks.decode_many(values, shapes,
                                          lambda k: self.path.format(indices[k]))
        self.leaves.append(decoded)
        self.sizes.append(np.fromiter(map(math.prod, shapes), np.int64, len(shapes)))
        self.shapes.extend(shapes)
        self.indices.extend(indices)

    def _numbers(self) -> Iterator:
        """Every number of every table written as arrays, in the order added."""
        return chain.from_iterable(chain.from_iterable(
            batch for batch in self.leaves if type(batch) is list))

    def _tables(self) -> list[tuple[int, list, tuple[int, ...]]]:
        """(index, leaves, shape) of every table in index order: for naming a failure."""
        tables, shapes = [], iter(self.shapes)
        for batch, sizes in zip(self.leaves, self.sizes):
            leaves = batch.tolist() if type(batch) is not list else list(
                chain.from_iterable(batch))
            start = 0
            for size in sizes.tolist():
                tables.append((leaves[start:start + size], next(shapes)))
                start += size
        return sorted(((index, leaves, shape) for index, (leaves, shape)
                       in zip(self.indices, tables)), key=lambda table: table[0])

    def _checked(self) -> tuple[np.ndarray, np.ndarray]:
        allowed = {int} if self.integer else {int, float}
        if set(map(type, self._numbers())) - allowed:
            for index, leaves, shape in self._tables():
                wrong = set(map(type, leaves)) - allowed
                if wrong:
                    found = "an array (too deep)" if list in wrong else _TYPE_NAMES.get(
                        wrong.pop(), "a value")
                    fail(self.path.format(index), f"must hold "
                         f"{'integers' if self.integer else 'numbers'} only (shape {shape}); "
                         f"found {found}")
        dtype = np.int64 if self.integer else np.float64
        try:
            if all(type(batch) is list for batch in self.leaves):  # all written as arrays
                values = np.array(list(self._numbers()), dtype=dtype)
            else:  # binary blocks are decoded already: each batch on its own
                values = np.concatenate([np.zeros(0, dtype)] + [
                    batch if type(batch) is not list else np.array(
                        list(chain.from_iterable(batch)), dtype=dtype)
                    for batch in self.leaves])
        except OverflowError:
            for index, leaves, _ in self._tables():
                try:
                    np.array(leaves, dtype=dtype)
                except OverflowError:
                    fail(self.path.format(index), f"holds an integer too large for "
                                                  f"{'64 bits' if self.integer else 'a float'}")
            raise
        values, ends = self._in_index_order(values)
        if values.size:
            self._check(values, ends)
        return values, ends

    def _in_index_order(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The numbers with the tables reordered by index (batches may interleave), and the
        tables' ends; the shapes and indices are reordered to match."""
        sizes = (np.concatenate(self.sizes) if self.sizes else np.zeros(0, dtype=np.int64))
        indices = np.array(self.indices, dtype=np.int64)
        if np.all(indices[1:] > indices[:-1]):
            return values, np.cumsum(sizes)
        order = np.argsort(indices, kind="stable")
        starts = np.cumsum(sizes) - sizes
        ends = np.cumsum(sizes[order])
        gather = np.repeat(starts[order] - (ends - sizes[order]), sizes[order]) + np.arange(
            len(values))
        self.shapes = [self.shapes[i] for i in order.tolist()]
        self.indices = indices[order].tolist()
        return values[gather], ends

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
        """One array per table, in the order of their index."""
        return split(self.flat()[0], self.shapes)


def split(values: np.ndarray, shapes: list[tuple[int, ...]]) -> list[np.ndarray]:
    """Views of ``values``, table after table, of these shapes: each run of tables of one
    shape is cut at C speed (a file may hold a hundred thousand tiny tables)."""
    tables: list[np.ndarray] = []
    changes = [0, *compress(range(1, len(shapes)), map(ne, shapes[1:], shapes[:-1])),
               len(shapes)]
    start = 0
    for first, end in zip(changes[:-1], changes[1:]):
        if end > first:
            size = math.prod(shapes[first])
            count = end - first
            tables.extend(values[start:start + count * size].reshape((count,) + shapes[first]))
            start += count * size
    return tables


def numbers(value: Any, shape: tuple[int, ...], path: str, **checks: Any) -> np.ndarray:
    """One numeric table of exactly ``shape`` (see :class:`Tables` for ``checks``)."""
    tables = Tables(path.replace("{", "{{").replace("}", "}}"), **checks)
    tables.add(value, shape)
    return tables.arrays()[0]
