"""Dask's ``sizeof`` for the values the fit keeps on the workers.

Dask decides what to spill to disk, and when a worker is near its ``memory_limit``, from the
sizes it assigns to stored results. It does not look inside a dataclass (``sys.getsizeof`` gives
about 56 bytes for one holding gigabytes of codes), so without these a worker would count the
partitions' summaries and codes and the shards' rows as nothing, spill none of them, and be
restarted for memory it never saw. Importing ``glassboost.dask`` registers them on the client
and on every worker that unpickles one of these values.
"""

from __future__ import annotations

from dataclasses import fields

from dask.sizeof import sizeof

from ..booster import BaggedTerms, BinnedData, MainStage
from .partition import BinnedPartition, PartitionSummary
from .shards import ShardResult, ShardRows
from .sketch import ContinuousSummary


def _fields_size(value) -> int:
    """The bytes of a dataclass: its fields' sizes (arrays, lists, dicts, nested ones)."""
    return sizeof(object()) + sum(sizeof(getattr(value, f.name)) for f in fields(value))


for _type in (ContinuousSummary, PartitionSummary, BinnedPartition, BinnedData, ShardRows,
              MainStage, BaggedTerms, ShardResult):
    sizeof.register(_type)(_fields_size)
