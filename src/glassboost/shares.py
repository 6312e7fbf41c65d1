"""Boosting one table whose rows are shared out between processes (exact data-parallel).

Each process holds a *share* of the rows and runs the same ``Booster`` on it, at the same
time as the others. Wherever the booster or a kernel has summed something over its rows that
a decision reads (the starting score, histograms, counts, validation losses), it sums that
over every share (``RowShare.sum``), and every share receives the same total. So every share
draws the same bags, grows the same trees and stops at the same step: the model is the one a
single process would fit on all the rows, up to the order of floating-point sums.

Bags must draw the same rows as on one machine. A draw (``ClassPositions.draw``) picks, per
class, row *ranks* (a row's place among the table's rows of its class, in table order), and
each share keeps its rows with a drawn rank; a table held whole draws the same way, without
storing ranks.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Callable, Hashable, Protocol

import numpy as np

from .kernels.exchange import ROW_SUMMERS


@dataclass
class ClassPositions:
    """Where some rows stand in a table, by class. ``classes`` holds each row's class (one of
    ``labels``, sorted; None: one class of every row), ``totals`` the table's rows of each
    class, and ``ranks`` each row's place among the table's rows of its class; None when the
    rows are the table itself, in order (then a row's rank is its place among the rows of
    its class here, and nothing per row is stored besides the classes given)."""

    classes: np.ndarray | None
    labels: np.ndarray
    totals: np.ndarray  # int64 per class
    ranks: np.ndarray | None = None  # int64 per row

    @classmethod
    def of_table(cls, n_rows: int, strata: np.ndarray | None) -> ClassPositions:
        """The positions of every row of a table held whole (``strata``: each row's class
        label, None for one class)."""
        if strata is None:
            return cls(None, np.zeros(1), np.array([n_rows], dtype=np.int64))
        labels, totals = np.unique(strata, return_counts=True)
        return cls(strata, labels, totals.astype(np.int64))

    @classmethod
    def of_share(cls, classes: np.ndarray, before: np.ndarray,
                 totals: np.ndarray) -> ClassPositions:
        """The positions of rows of class ``classes`` (indices into ``totals``) that follow,
        in table order, ``before[c]`` rows of each class ``c`` held elsewhere."""
        classes = np.asarray(classes, dtype=np.int64)
        ranks = np.empty(len(classes), dtype=np.int64)
        for c in range(len(totals)):
            members = classes == c
            ranks[members] = before[c] + np.arange(np.count_nonzero(members))
        return cls(classes, np.arange(len(totals)), np.asarray(totals, dtype=np.int64), ranks)

    @classmethod
    def joined(cls, parts: list[ClassPositions]) -> ClassPositions:
        """The positions of the rows of ``parts`` (shares of one table) one after the other."""
        return cls(np.concatenate([p.classes for p in parts]), parts[0].labels,
                   parts[0].totals, np.concatenate([p.ranks for p in parts]))

    def draw(self, size: float, rng: np.random.Generator,
             every_class: bool) -> tuple[np.ndarray, ClassPositions]:
        """A random draw of ``size`` rows of the table (a count, or a fraction below 1)
        without replacement, in proportion from every class: the mask of these rows that are
        drawn, and the drawn rows' positions within the draw. A class keeps at least one row
        undrawn, or, with ``every_class``, gets at least one drawn."""
        n_rows = self.totals.sum() if self.classes is None else len(self.classes)
        mask = np.zeros(n_rows, dtype=bool)
        kept_totals = np.zeros(len(self.totals), dtype=np.int64)
        kept_ranks = None if self.ranks is None else np.zeros(n_rows, dtype=np.int64)
        fraction = 0.0 if not size else size / self.totals.sum() if size >= 1 else size
        for c, total in enumerate(self.totals):
            n_drawn = int(round(fraction * total))
            n_drawn = max(n_drawn, 1) if every_class else min(n_drawn, total - 1)
            if not size or n_drawn <= 0:
                continue
            chosen = np.zeros(total, dtype=bool)
            chosen[rng.choice(total, size=n_drawn, replace=False)] = True
            members = slice(None) if self.classes is None else self.classes == self.labels[c]
            if self.ranks is None:  # the class's rows here are its rows in table order
                mask[members] = chosen
            else:
                mask[members] = chosen[self.ranks[members]]
                kept_ranks[members] = (np.cumsum(chosen) - 1)[self.ranks[members]]
            kept_totals[c] = n_drawn
        return mask, ClassPositions(None if self.classes is None else self.classes[mask],
                                    self.labels, kept_totals,
                                    None if kept_ranks is None else kept_ranks[mask])


class RowShare(Protocol):
    """One process's share of the rows: the positions of its rows in the whole table, and the
    sum over every share's values under a ``key`` that every share uses for the same sum."""

    positions: ClassPositions

    def sum(self, key: Hashable, values: np.ndarray) -> np.ndarray:
        """``values`` summed over every share, in an order that is the same on every share."""


class Channel:
    """The sums of one bag (or of the fit as a whole: ``name``), keyed by their order, which
    is the same on every share. While registered (``registered``), the kernels reach it through
    its ``handle`` (``kernels.exchange``)."""

    _handles = itertools.count()

    def __init__(self, share: RowShare, name: Hashable):
        self.share, self.name = share, name
        self._count = itertools.count()

    def sum(self, values: np.ndarray) -> np.ndarray:
        return self.share.sum((self.name, next(self._count)), values)

    def sum_in_place(self, values: np.ndarray) -> None:
        values[:] = self.sum(values)

    def registered(self) -> _Registration:
        return _Registration(self.sum_in_place)


class _Registration:
    """A handle under which the kernels call a sum while the ``with`` block runs."""

    def __init__(self, summer: Callable[[np.ndarray], None]):
        self.handle = next(Channel._handles)
        self._summer = summer

    def __enter__(self) -> np.ndarray:
        ROW_SUMMERS[self.handle] = self._summer
        return np.array([self.handle], dtype=np.int64)

    def __exit__(self, *exc) -> None:
        del ROW_SUMMERS[self.handle]
