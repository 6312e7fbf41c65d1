"""Lazy scoring of Dask collections: every partition (or block of rows) is scored by the
fitted single-machine model in its own task, with the output's type and shape declared up
front (``meta``), so nothing runs until the result is computed."""

from __future__ import annotations

from typing import Any

import dask.array as da
import dask.dataframe as dd
import numpy as np
from dask import delayed

from .inputs import init_score_partitions, row_blocks


def _score(block: Any, model: Any, method: str, tail: tuple[int, ...],
           dtype: np.dtype) -> np.ndarray:
    """One partition's scores; an empty partition (common after filtering) scores empty."""
    if not len(block):
        return np.empty((0, *tail), dtype=dtype)
    return getattr(model, method)(block)


def _score_from(block: Any, init_score: Any, index: int, model: Any, method: str,
                tail: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """``_score`` of partition ``index``, which starts from its ``init_score`` block (or a
    model); an error names the partition, as a block of the wrong length is one there."""
    if not len(block):
        return np.empty((0, *tail), dtype=dtype)
    try:
        return getattr(model, method)(block, init_score=init_score)
    except ValueError as error:
        raise ValueError(f"partition {index}: {error}") from None


def lazy_scores(model: Any, X: Any, method: str, tail: tuple[int, ...],
                dtype: np.dtype, init_score: Any = None) -> da.Array:
    """``model.<method>`` of every row of X as a Dask Array of shape (n_rows, *tail), from
    ``init_score`` when given (partitioned like X, or a fitted model)."""
    meta = np.empty((0, *tail), dtype=dtype)
    if init_score is not None:
        blocks = row_blocks(X, "X")
        return da.concatenate([
            da.from_delayed(delayed(_score_from)(block, start, i, model, method, tail, dtype),
                            shape=(np.nan, *tail), dtype=dtype, meta=meta)
            for i, (block, start) in enumerate(
                zip(blocks, init_score_partitions(init_score, len(blocks))))])
    if isinstance(X, dd.DataFrame):
        return X.map_partitions(_score, model, method, tail, dtype, meta=meta)
    if isinstance(X, da.Array):
        if X.ndim != 2:
            raise ValueError(f"X must be a 2-D Dask Array, got {X.ndim}-D")
        X = X.rechunk({1: -1})
        if not tail:
            return X.map_blocks(_score, model, method, tail, dtype, drop_axis=1, meta=meta,
                                dtype=dtype)
        chunks = (X.chunks[0], *[(n,) for n in tail])
        return X.map_blocks(_score, model, method, tail, dtype, chunks=chunks, meta=meta,
                            dtype=dtype, new_axis=list(range(2, 1 + len(tail))) or None)
    raise TypeError(f"X must be a Dask DataFrame or Array, got {type(X).__name__}; for "
                    "in-memory data use to_local()")
