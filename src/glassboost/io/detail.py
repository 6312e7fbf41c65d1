"""Detail levels of model files: which fitted parts a file holds, and stand-ins for absent parts.

The levels follow InterpretML's ``to_json(detail=...)``, each holding everything of the one
before it:

- ``minimal``: what prediction needs (bins, term tables, intercept, link, classes, objective and
  the estimator's parameters);
- ``interpretable``: + what explanations need (standard deviations for the bands, bin weights for
  densities and importances, interaction strengths, the training weight);
- ``mergeable``: + what ``merge_ebms`` pools besides them (the best iteration of every bag);
- ``all``: + the per-bag tables and intercepts.

A model loaded from a file of a lower level gets an :class:`AbsentPart` for each attribute the
file lacks: any use of it raises :class:`AbsentPartError` naming the attribute and the level,
instead of a default that would look like real data (zero spread, equal weights). Per-bag tables
are the exception: they load as arrays of zero bags, which every edit and merge handles.
"""

from __future__ import annotations

from typing import Any, NoReturn

DETAILS = ("minimal", "interpretable", "mergeable", "all")

#: Fitted attribute -> the lowest detail level whose files hold it.
PART_DETAIL = {
    "standard_deviations_": "interpretable",
    "bin_weights_": "interpretable",
    "interaction_strengths_": "interpretable",
    "best_iteration_": "mergeable",
    "bagged_scores_": "all",
    "bagged_intercept_": "all",
    "bag_shares_": "all",
}


def detail_rank(detail: Any) -> int:
    """Position of ``detail`` in :data:`DETAILS`; ValueError naming the argument otherwise."""
    if not isinstance(detail, str) or detail not in DETAILS:
        raise ValueError(f"detail={detail!r} is not one of {DETAILS}")
    return DETAILS.index(detail)


def holds(detail: str, attribute: str) -> bool:
    """Whether a file written with ``detail`` holds the fitted ``attribute``."""
    return detail_rank(detail) >= DETAILS.index(PART_DETAIL[attribute])


class AbsentPartError(ValueError):
    """A fitted attribute was used that the model file it came from did not contain."""


class AbsentPart:
    """Stands in for a fitted attribute missing from a model file; every use raises.

    It raises on indexing, iteration, ``len``, truth tests, conversion to an array and attribute
    access, so no code can mistake it for data.
    """

    def __init__(self, attribute: str, detail: str):
        self.attribute, self.detail = attribute, detail

    def _fail(self, *_: Any, **__: Any) -> NoReturn:
        raise AbsentPartError(
            f"{self.attribute} is not in this model: it was loaded from a model file written "
            f"with detail={self.detail!r}, which leaves it out (files written with "
            f"detail={PART_DETAIL[self.attribute]!r} or more keep it)")

    __getitem__ = __iter__ = __len__ = __bool__ = __contains__ = __array__ = _fail

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        self._fail()

    def __repr__(self) -> str:
        return f"<{self.attribute} absent: loaded from a {self.detail!r} model file>"

    def __reduce__(self) -> tuple:
        return AbsentPart, (self.attribute, self.detail)


def absent_parts(model: Any) -> list[str]:
    """The fitted attributes of ``model`` that its model file did not contain."""
    return [name for name in PART_DETAIL if isinstance(getattr(model, name, None), AbsentPart)]
