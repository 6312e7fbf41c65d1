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
values then go through the same checks as a table written as text.
"""

from __future__ import annotations

import base64
import binascii
import math
import zlib
from typing import Any

import numpy as np

from .json_checks import array, child, closed_object, fail, kind, show

DTYPE = "<f8"
CODEC = "shuffle-deflate-base64"
FIELDS = ("dtype", "shape", "codec", "data")
_FIELD_SET = frozenset(FIELDS)
_ITEM_BYTES = 8


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
            packed = base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError) as error:
            fail(child(path, "data"), f"is not valid base64: {error}")
        raw = _inflate(packed, n_values * _ITEM_BYTES, path)
        values = np.empty(n_values, dtype=DTYPE)
        values.view(np.uint8).reshape(n_values, _ITEM_BYTES)[:] = np.frombuffer(
            raw, dtype=np.uint8).reshape(_ITEM_BYTES, n_values).T
        return values.astype(np.float64, copy=False)


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
