"""Dask inputs as aligned row partitions, and the client to run on."""

from __future__ import annotations

from typing import Any

import dask
import dask.array as da
import dask.dataframe as dd
import numpy as np
from dask import delayed

from ..parameters import model_kind


def default_client(client: Any = None):
    """``client``, else the current ``distributed`` client (as ``lightgbm.dask`` does)."""
    from distributed import Client
    from distributed import default_client as current

    if isinstance(client, Client):
        return client
    if client is not None:
        raise TypeError(f"client must be a distributed.Client, got {type(client).__name__} "
                        f"{client!r}; connect to an address with distributed.Client(address)")

    try:
        return current()
    except ValueError:
        raise ValueError("no Dask client: pass client=, or create a distributed.Client first"
                         ) from None


def is_dask_collection(value: Any) -> bool:
    return isinstance(value, (dd.DataFrame, dd.Series, da.Array))


def row_blocks(value: Any, what: str) -> list:
    """The row blocks of a Dask DataFrame, Series or Array, as Delayed objects."""
    if isinstance(value, (dd.DataFrame, dd.Series)):
        return list(value.to_delayed())
    if isinstance(value, da.Array):
        if value.ndim == 2:
            value = value.rechunk({1: -1})  # whole rows in every block
        elif value.ndim != 1:
            raise ValueError(f"{what} must be 1-D or 2-D, got a {value.ndim}-D Dask Array")
        return list(value.to_delayed().reshape(-1))
    raise TypeError(f"{what} must be a Dask DataFrame, Series or Array, got "
                    f"{type(value).__name__}; for in-memory data use the single-machine "
                    "estimator")


def count_rows(X: Any, scheduler: Any = None) -> int:
    """The rows of a Dask DataFrame or Array, counted on the workers where they are not known
    (only each partition's length moves; Dask reads it off the files' metadata where it can)."""
    if isinstance(X, da.Array) and not np.isnan(X.shape[0]):
        return int(X.shape[0])
    if isinstance(X, (dd.DataFrame, dd.Series)):
        (n_rows,) = dask.compute(X.shape[0], scheduler=scheduler)
        return int(n_rows)
    (lengths,) = dask.compute([delayed(len)(block) for block in row_blocks(X, "X")],
                              scheduler=scheduler)
    return int(sum(lengths))


def is_column_vector(value: Any) -> bool:
    """Whether a Dask collection is a 2-D table of one column (a DataFrame of one column, an
    Array of shape (n, 1)), which the single-machine fit takes as its column with scikit-learn's
    ``DataConversionWarning``; read off the collection's metadata, not its rows."""
    if isinstance(value, dd.DataFrame):
        return len(value.columns) == 1
    return isinstance(value, da.Array) and value.ndim == 2 and value.shape[1] == 1


def row_partitions(X: Any, y: Any, sample_weight: Any = None) -> list[tuple]:
    """(X, y, sample_weight) blocks per row partition; y and sample_weight must be
    partitioned as X is (the same number of partitions; each partition's row count is
    checked where it is read)."""
    x_blocks = row_blocks(X, "X")
    if y is None:
        raise ValueError("the Dask estimators require y to be passed, but the target y is None")
    y_blocks = row_blocks(y, "y")
    if len(y_blocks) != len(x_blocks):
        raise ValueError(f"y has {len(y_blocks)} partitions but X has {len(x_blocks)}; "
                         "partition y like X (for example a column of the same DataFrame)")
    w_blocks = [None] * len(x_blocks)
    if sample_weight is not None:
        _check_one_weight_per_row(sample_weight)
        w_blocks = row_blocks(sample_weight, "sample_weight")
        if len(w_blocks) != len(x_blocks):
            raise ValueError(f"sample_weight has {len(w_blocks)} partitions but X has "
                             f"{len(x_blocks)}; partition sample_weight like X")
    return list(zip(x_blocks, y_blocks, w_blocks))


def _check_one_weight_per_row(sample_weight: Any) -> None:
    """Refuse a table as ``sample_weight``, as the single-machine fit does (one of one column
    would be read row by row, one of several as its columns' values one after the other)."""
    if isinstance(sample_weight, dd.DataFrame):
        found = f"a Dask DataFrame of {len(sample_weight.columns)} column(s)"
    elif isinstance(sample_weight, da.Array) and sample_weight.ndim != 1:
        found = f"a {sample_weight.ndim}-D Dask Array of shape {sample_weight.shape}"
    else:
        return
    raise ValueError(f"sample_weight must hold one weight per row (a Dask Series or 1-D "
                     f"Array), got {found}; pass its column")


def _aligned_blocks(value: Any, what: str, n_partitions: int) -> list:
    """The row blocks of ``value``, which must be partitioned as X is."""
    blocks = row_blocks(value, what)
    if len(blocks) != n_partitions:
        raise ValueError(f"{what} has {len(blocks)} partitions but X has {n_partitions}; "
                         f"partition {what} like X")
    return blocks


def init_score_partitions(init_score: Any, n_partitions: int) -> list:
    """``fit``'s ``init_score`` per row partition: blocks of a Dask collection partitioned as
    X is (one score per row, or per row and class), or a fitted model that each partition asks
    for its rows' scores (as the single-machine fit does with the whole X); None when absent."""
    if is_dask_collection(init_score):
        return _aligned_blocks(init_score, "init_score", n_partitions)
    if init_score is None or model_kind(init_score) is not None:
        return [init_score] * n_partitions
    raise TypeError(f"init_score must be a Dask Series, DataFrame or Array partitioned like X, "
                    f"or a fitted model, got {type(init_score).__name__}")


def bags_partitions(bags: Any, n_partitions: int) -> list:
    """``fit``'s ``bags`` (InterpretML's bag matrix, one column per outer bag) per row
    partition: blocks of a 2-D Dask Array or a Dask DataFrame partitioned as X is; None when
    absent."""
    if bags is None:
        return [None] * n_partitions
    if not is_dask_collection(bags):
        raise TypeError(f"bags must be a 2-D Dask Array or a Dask DataFrame partitioned like "
                        f"X, got {type(bags).__name__}")
    return _aligned_blocks(bags, "bags", n_partitions)
