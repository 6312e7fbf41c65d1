"""Binary tables: a numeric table of a model file as one exact, compact JSON object.

A table of float64 values as text costs about 19 characters a value; as a binary block it costs
about 7 to 11, and it loads back bit for bit. A block is

    {"dtype": "<f8", "shape": [66, 66], "codec": "shuffle-deflate-base64", "data": "..."}

where ``data`` is the standard base64 of the zlib (deflate) stream of the table's little-endian
float64 values, row-major, with their bytes shuffled: the first byte of every value, then the
second byte of every value, and so on (the bytes that hold signs and exponents repeat, and
deflate finds them when they are side by side).

Decoding never trusts the block: the shape must be the one the term's bins give, the bytes it
decompresses to are counted against the file's ``max_bytes`` before any decompression (a small
block cannot expand without bound), the stream must hold exactly the shape's bytes, and the
values then go through the same checks as a table written as text. The blocks of a file are
decoded in batches (:meth:`BlockDecoder.decode_many`), so that a file of many tiny blocks costs
about as much per byte as a file of a few big ones.
"""

from __future__ import annotations

import base64
import binascii
import math
import zlib
from functools import partial
from itertools import accumulate, chain, repeat
from operator import eq, is_, itemgetter, le, mul
from typing import Any, Callable

import numpy as np

from .json_checks import array, child, closed_object, fail, kind, show

DTYPE = "<f8"
CODEC = "shuffle-deflate-base64"
FIELDS = ("dtype", "shape", "codec", "data")
_FIELD_SET = frozenset(FIELDS)
_ITEM_BYTES = 8
#: Standard base64, strictly: only the alphabet, padding only at the end (as
#: ``base64.b64decode(..., validate=True)``), callable from ``map`` at C speed.
_unbase64 = partial(binascii.a2b_base64, strict_mode=True)


def encode_table(values: Any) -> dict:
    """A table (any shape) as a binary block."""
    table = np.asarray(values, dtype=np.float64)
    flat = np.ascontiguousarray(table, dtype=DTYPE).reshape(-1)
    shuffled = flat.view(np.uint8).reshape(-1, _ITEM_BYTES).T.tobytes()
    return {"dtype": DTYPE, "shape": list(table.shape), "codec": CODEC,
            "data": base64.b64encode(zlib.compress(shuffled, 9)).decode("ascii")}


def is_block(value: Any) -> bool:
    """Whether a parsed table value is written as a block (an object) rather than arrays."""
    return type(value) is dict


class BlockDecoder:
    """Decodes the blocks of one file, counting the bytes they expand to against one limit.

    ``max_bytes`` is the file's limit (None: no limit, when checking a file about to be
    written).
    """

    def __init__(self, max_bytes: int | None):
        self.remaining = math.inf if max_bytes is None else max_bytes
        self.max_bytes = max_bytes

    def decode(self, value: Any, shape: tuple[int, ...], path: str) -> np.ndarray:
        """The flat float64 values of the block at ``path``, whose table must have ``shape``.

        Paths of the block's fields are built only to name a failure (a file may hold a
        hundred thousand small blocks).
        """
        if type(value) is not dict or value.keys() != _FIELD_SET:
            closed_object(value, path, FIELDS)
        if value["dtype"] != DTYPE:
            fail(child(path, "dtype"), f"must be {DTYPE!r} (little-endian float64), found "
                                       f"{show(value['dtype'])}")
        if value["codec"] != CODEC:
            fail(child(path, "codec"), f"must be {CODEC!r}, found {show(value['codec'])}")
        declared = value["shape"]
        if type(declared) is not list or declared != list(shape) or set(
                map(type, declared)) - {int}:
            array(declared, child(path, "shape"))
            found = (f"[{', '.join(map(show, declared))}]" if len(declared) <= 8
                     else f"{len(declared)} entries")
            fail(child(path, "shape"), f"must be {list(shape)} (the term's bins), found {found}")
        n_values = math.prod(shape)
        self.remaining -= n_values * _ITEM_BYTES
        if self.remaining < 0:
            fail(path, f"the file's binary tables decompress to more than {self.max_bytes:,} "
                       f"bytes, its limit; pass load(..., max_bytes=...) to read it")
        data = value["data"]
        if type(data) is not str:
            fail(child(path, "data"), f"must be a base64 string, found {kind(data)}")
        try:
            packed = _unbase64(data)
        except (binascii.Error, ValueError) as error:
            fail(child(path, "data"), f"is not valid base64: {error}")
        raw = _inflate(packed, n_values * _ITEM_BYTES, path)
        values = np.empty(n_values, dtype=DTYPE)
        values.view(np.uint8).reshape(n_values, _ITEM_BYTES)[:] = np.frombuffer(
            raw, dtype=np.uint8).reshape(_ITEM_BYTES, n_values).T
        return values.astype(np.float64, copy=False)

    def decode_many(self, values: list, shapes: list[tuple[int, ...]],
                    path_of: Callable[[int], str]) -> np.ndarray:
        """The flat float64 values of many blocks, one after the other; ``shapes`` are their
        tables' shapes, ``path_of(k)`` names block ``k``.

        Each check of :meth:`decode` is made on all blocks at once, at C speed where it can be,
        and the blocks are unshuffled together (a file may hold a hundred thousand tiny
        blocks). A block at fault costs no more: each check runs on the blocks before the
        first one an earlier check failed, and the first block at fault is then decoded alone,
        which names it.
        """
        raws, sizes = _valid_run(values, shapes, self.remaining)
        if len(raws) == len(values):
            self.remaining -= sum(sizes) * _ITEM_BYTES
            return _unshuffled(raws, np.array(sizes, dtype=np.int64))
        before, k = self.remaining, len(raws)
        self.remaining -= sum(sizes) * _ITEM_BYTES
        self.decode(values[k], shapes[k], path_of(k))  # fails, naming block k
        self.remaining = before  # (not reached unless the two checks differ: decode each)
        tables = [self.decode(value, shape, path_of(k))
                  for k, (value, shape) in enumerate(zip(values, shapes))]
        return np.concatenate([np.empty(0)] + tables)


def _first_false(flags: Any, n: int) -> int:
    """Index of the first false flag among ``n``, or ``n``."""
    try:
        return list(flags).index(False)
    except ValueError:
        return n


def _valid_run(values: list, shapes: list[tuple[int, ...]], budget: float
               ) -> tuple[list[bytes], list[int]]:
    """The inflated (still shuffled) bytes and value counts of the blocks before the first
    that fails a check of :meth:`BlockDecoder.decode` (all of them if none does; a block is
    decompressed only if all blocks before it, and it, fit in ``budget`` bytes).

    The checks run in the order of ``decode``, each on the blocks before the first that an
    earlier check failed, so the first block not returned fails the first check ``decode``
    makes that it fails."""
    n = _first_false(map(is_, map(type, values), repeat(dict)), len(values))
    n = _first_false(map(eq, map(dict.keys, values[:n]), repeat(_FIELD_SET)), n)
    values = values[:n]
    n = _first_false(map(eq, map(itemgetter("dtype"), values), repeat(DTYPE)), n)
    n = _first_false(map(eq, map(itemgetter("codec"), values[:n]), repeat(CODEC)), n)
    declared = list(map(itemgetter("shape"), values[:n]))
    n = _first_false(map(is_, map(type, declared), repeat(list)), n)
    n = _first_false(map(eq, declared[:n], map(list, shapes[:n])), n)
    dims = list(chain.from_iterable(declared[:n]))  # as expected, but maybe true or 3.0
    if set(map(type, dims)) - {int}:
        wrong = _first_false(map(is_, map(type, dims), repeat(int)), len(dims))
        ends = np.cumsum(np.fromiter(map(len, shapes[:n]), np.int64, n))
        n = int(np.searchsorted(ends, wrong, side="right"))
    sizes = list(map(math.prod, shapes[:n]))
    n = _first_false(map(le, accumulate(map(mul, sizes, repeat(_ITEM_BYTES))),
                         repeat(budget)), n)
    data = list(map(itemgetter("data"), values[:n]))
    n = _first_false(map(is_, map(type, data), repeat(str)), n)
    packed: list[bytes] = []
    try:
        packed.extend(map(_unbase64, data[:n]))  # stops at the first that is not base64
    except (binascii.Error, ValueError):
        pass
    raws = []
    decompressobj = zlib.decompressobj
    try:
        for stream_bytes, size in zip(packed, sizes):
            stream = decompressobj()
            raw = stream.decompress(stream_bytes, size * _ITEM_BYTES + 1)
            if len(raw) != size * _ITEM_BYTES or not stream.eof or stream.unused_data:
                break
            raws.append(raw)
    except zlib.error:
        pass
    return raws, sizes[:len(raws)]


def _unshuffled(raws: list[bytes], sizes: np.ndarray) -> np.ndarray:
    """The values of blocks whose shuffled bytes are ``raws`` (``sizes`` values each), block
    after block: the blocks of one size are unshuffled together, in one numpy assignment."""
    if not len(sizes):
        return np.empty(0)
    order = np.argsort(sizes, kind="stable")
    by_size = sizes[order]
    raw = np.frombuffer(b"".join(map(raws.__getitem__, order.tolist())), dtype=np.uint8)
    values = np.empty(int(sizes.sum()), dtype=DTYPE)
    out = values.view(np.uint8)
    changes = np.flatnonzero(np.diff(by_size)) + 1
    value_starts = np.concatenate(([0], np.cumsum(by_size)))
    for first, end in zip([0, *changes.tolist()], [*changes.tolist(), len(by_size)]):
        size, count = int(by_size[first]), end - first
        start, stop = int(value_starts[first]) * _ITEM_BYTES, int(value_starts[end]) * _ITEM_BYTES
        out[start:stop].reshape(count, size, _ITEM_BYTES)[:] = raw[start:stop].reshape(
            count, _ITEM_BYTES, size).transpose(0, 2, 1)
    if np.all(order[1:] > order[:-1]):  # the blocks were in size order already
        return values.astype(np.float64, copy=False)
    # back to the blocks' own order: block k's values are at its place in size order
    place = np.empty_like(order)
    place[order] = np.arange(len(order))
    starts = value_starts[:-1][place]
    gather = np.repeat(starts - (np.cumsum(sizes) - sizes), sizes) + np.arange(len(values))
    return values[gather].astype(np.float64, copy=False)


def _inflate(packed: bytes, n_bytes: int, block: str) -> bytes:
    """Exactly ``n_bytes`` from the zlib stream of the block at path ``block``, never
    decompressing more than one byte past them."""
    stream = zlib.decompressobj()
    try:
        raw = stream.decompress(packed, n_bytes + 1)
    except zlib.error as error:
        fail(child(block, "data"), f"is damaged deflate data: {error}")
    if len(raw) == n_bytes and stream.eof and not stream.unused_data:
        return raw
    if len(raw) > n_bytes:
        fail(child(block, "data"), f"decompresses to more than the {n_bytes:,} bytes its "
                                   f"shape holds")
    if not stream.eof or stream.unused_data:
        what = "ends before its deflate stream does" if not stream.eof else (
            "has bytes after its deflate stream")
        fail(child(block, "data"), f"is damaged: it {what}")
    fail(child(block, "data"), f"decompresses to {len(raw):,} bytes, but its shape holds "
                               f"{n_bytes:,}")
