"""A fitted EBM as a plain value that scores rows: no scikit-learn, no fitting, no figures.

:class:`FittedModel` holds what scoring reads (the features and their bins, the terms and their
tables, the intercept, link and classes) and scores with the same code as the estimators
(:func:`glassboost.model.term_sums` and :func:`~glassboost.model.term_contributions`), so its
predictions are the estimators' to the bit. ``glassboost predict`` uses it: importing it costs
numpy, pandas and the scoring kernels, and nothing else. Its attribute names are InterpretML's,
as on the estimators, so code that reads a fitted model's attributes reads this too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .binning import FeatureBins, feature_bins_from_levels, warn_only_unseen
from .model import term_contributions, term_sums
from .objectives import inverse_link
from .schema import Column, align_for_predict

__all__ = ["FittedModel"]


def _frozen(table: Any) -> np.ndarray:
    """A read-only float64 copy of a table."""
    values = np.array(table, dtype=np.float64)
    values.flags.writeable = False
    return values


@dataclass(frozen=True, eq=False, repr=False)
class FittedModel:
    """The scoring part of a fitted EBM: ``decision_function``, ``predict``, ``predict_proba``
    (classifiers) and ``eval_terms``, as the estimators compute them (``init_score`` aside).

    ``intercept_`` is an array of one score per class for classifiers and a float for
    regressors, and ``classes_`` is None for regressors, as on the estimators. Tables are
    read-only copies: the value never changes once built.
    """

    feature_names_in_: list[str]
    feature_types_in_: list[str]
    bins_: list[list]
    term_features_: list[tuple[int, ...]]
    term_names_: list[str]
    term_scores_: list[np.ndarray]
    intercept_: np.ndarray | float
    link_: str
    link_param_: float
    objective_: str
    classes_: np.ndarray | None = None
    match_by_name: bool = True
    datetime_conversions_: list[dict] = field(default_factory=list)
    _feature_bins: list[FeatureBins] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        scores = [_frozen(table) for table in self.term_scores_]
        intercept = np.ravel(np.asarray(self.intercept_, dtype=np.float64))
        setattr_ = object.__setattr__
        setattr_(self, "term_scores_", scores)
        setattr_(self, "intercept_", _frozen(intercept) if self.classes_ is not None
                 else float(intercept[0]))
        setattr_(self, "_feature_bins", [feature_bins_from_levels(kind, levels) for kind, levels
                                         in zip(self.feature_types_in_, self.bins_)])

    @classmethod
    def from_attributes(cls, model: Any) -> "FittedModel":
        """The scoring part of a fitted estimator (or any object with its attributes)."""
        return cls(
            feature_names_in_=[str(name) for name in model.feature_names_in_],
            feature_types_in_=list(model.feature_types_in_),
            bins_=list(model.bins_),
            term_features_=[tuple(int(f) for f in features)
                            for features in model.term_features_],
            term_names_=list(model.term_names_),
            term_scores_=list(model.term_scores_),
            intercept_=model.intercept_,
            link_=model.link_,
            link_param_=float(model.link_param_),
            objective_=model.objective_,
            classes_=getattr(model, "classes_", None),
            match_by_name=bool(getattr(model, "_match_by_name", True)),
            datetime_conversions_=list(getattr(model, "datetime_conversions_", None) or []),
        )

    def __repr__(self) -> str:
        task = (f"classifier of {len(self.classes_)} classes" if self.is_classifier
                else "regressor")
        return (f"FittedModel({task}, {self.n_features_in_} features, "
                f"{len(self.term_features_)} terms, objective {self.objective_!r})")

    # ---- what other modules read of a fitted model -----------------------------------------
    @property
    def _match_by_name(self) -> bool:
        """The estimators' name for ``match_by_name`` (read by coverage and exports)."""
        return self.match_by_name

    @property
    def n_features_in_(self) -> int:
        return len(self.feature_names_in_)

    @property
    def is_classifier(self) -> bool:
        return self.classes_ is not None

    # ---- scoring ---------------------------------------------------------------------------
    def _columns(self, X: Any) -> list[Column]:
        name = ("ExplainableBoostingClassifier" if self.is_classifier
                else "ExplainableBoostingRegressor")
        columns = align_for_predict(X, self.feature_names_in_, self.feature_types_in_,
                                    self.match_by_name, name, self.datetime_conversions_)
        warn_only_unseen(columns, self._feature_bins, self.term_features_,
                         self.feature_names_in_)
        return columns

    def _n_scores(self) -> int:
        return int(np.size(self.intercept_))

    def eval_terms(self, X: Any) -> np.ndarray:
        """Per-row contribution of every term: (n_rows, n_terms[, n_classes])."""
        return term_contributions(self._columns(X), self._feature_bins, self.term_features_,
                                  self.term_scores_, self._n_scores())

    def decision_function(self, X: Any) -> np.ndarray:
        """The score before the inverse link: (n_rows,), or (n_rows, n_classes) multiclass."""
        sums = term_sums(self._columns(X), self._feature_bins, self.term_features_,
                         self.term_scores_, self._n_scores())
        intercept = np.asarray(self.intercept_, dtype=np.float64)
        return sums + (intercept.reshape(-1)[0] if intercept.size == 1 else intercept)

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, (n_rows, n_classes), classifiers only."""
        if not self.is_classifier:
            raise ValueError("a regression model has no class probabilities; use predict")
        scores = self.decision_function(X)
        if self.link_ == "monoclassification":
            return np.ones((len(scores), 1))
        return inverse_link(self.link_, scores)

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class (classifiers) or the prediction on the target's scale."""
        if self.is_classifier:
            return self.classes_[np.argmax(self.predict_proba(X), axis=1)]
        return inverse_link(self.link_, self.decision_function(X))

    # ---- explanations ----------------------------------------------------------------------
    def explain_global(self, name: str | None = None) -> None:
        """Not available: a global explanation draws each term's band and density from
        ``standard_deviations_`` and ``bin_weights_``, which a FittedModel does not keep."""
        raise TypeError(
            "FittedModel.explain_global is not available: a FittedModel keeps only what "
            "scoring reads, and a global explanation also needs every term's spread over the "
            "outer bags and training weight per bin (standard_deviations_, bin_weights_). "
            "Load the model with glassboost.load(...) for an estimator that explains it."
        )

    def explain_local(self, X: Any, y: Any = None, name: str | None = None) -> None:
        """Not available: a local explanation is built on the estimators' interface
        (``predict`` with ``init_score``, no ``classes_`` on a regressor)."""
        raise TypeError(
            "FittedModel.explain_local is not available: local explanations are built on the "
            "estimators' interface (predict and predict_proba with init_score, no classes_ "
            "on a regressor), which a FittedModel does not have. eval_terms gives every row's "
            "per-term contributions; load the model with glassboost.load(...) for an "
            "estimator that explains it."
        )
