"""Dask estimators: the single-machine parameters plus ``client``, ``n_shards`` and
``summary_size``, ``boosting``; ``fit`` trains on Dask collections where they live (``fit``), scoring
methods return lazy Dask Arrays for Dask collections (``predict``) and score in-memory data at
once; ``score`` is summed per partition on the workers (``score``), ``explain_local`` explains
up to ``max_rows`` computed rows, ``estimate_mem`` sizes the single-machine fit on the workers
(``memory``); ``to_local`` returns the plain estimator."""

from __future__ import annotations

import inspect
from typing import Any

import dask
import numpy as np
from sklearn.base import clone, is_classifier

from ..estimators import (FITTED_ATTRIBUTES, TRAINING_SUMMARIES, ExplainableBoostingClassifier,
                          ExplainableBoostingRegressor, _store_parameters)
from ..parameters import check_number
from .fit import fit_distributed
from .inputs import count_rows, default_client, is_dask_collection
from .memory import estimate_fit_bytes
from .predict import lazy_scores
from .score import distributed_score
from .sketch import DEFAULT_SUMMARY_SIZE

#: The most rows ``explain_local`` explains of a Dask collection by default: an explanation
#: holds every row's contributions, values and figure on the client.
EXPLAIN_LOCAL_MAX_ROWS = 10_000

#: Parameters the Dask estimators add to the single-machine ones.
DASK_PARAMETERS = {"client": None, "n_shards": None, "summary_size": DEFAULT_SUMMARY_SIZE,
                   "boosting": "shards"}
#: Single-machine defaults the Dask estimators change: exact boosting cannot draw a smoothing
#: round's row sample alike on every share, so every row smooths (as InterpretML does); and
#: shape smoothing refits on every training row in one process, which the workers' rows are not.
DASK_DEFAULTS = {"smoothing_max_rows": None, "shape_smoothing": None}


def _signature(local: type) -> inspect.Signature:
    parameters = [p.replace(default=DASK_DEFAULTS[p.name]) if p.name in DASK_DEFAULTS else p
                  for p in inspect.signature(local.__init__).parameters.values()]
    parameters += [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default)
                   for name, default in DASK_PARAMETERS.items()]
    return inspect.Signature(parameters)


class _DaskEBM:
    """Fitting on Dask collections and lazy scoring; mixed into a single-machine class."""

    _local: type

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        signature = _signature(cls._local)

        def __init__(self, **params):
            bound = signature.bind(self, **params)
            bound.apply_defaults()
            _store_parameters(self, bound.arguments)

        __init__.__signature__ = signature  # what scikit-learn's get_params reads
        cls.__init__ = __init__

    def __getstate__(self) -> dict:
        """Pickled, copied and cloned without the client (it cannot be pickled), as
        ``lightgbm.dask`` does: the copy fits on the current client."""
        state = dict(super().__getstate__())
        state["client"] = None
        return state

    def __sklearn_clone__(self):
        """scikit-learn's clone, sharing the client (a connection, not state) instead of
        copying it."""
        params = {name: clone(value, safe=False)
                  for name, value in self.get_params(deep=False).items() if name != "client"}
        return type(self)(client=self.client, **params)

    def _local_estimator(self):
        names = inspect.signature(self._local.__init__).parameters
        return self._local(**{name: getattr(self, name) for name in names if name != "self"})

    def fit(self, X: Any, y: Any, sample_weight: Any = None, bags: Any = None,
            init_score: Any = None):
        """Fit on Dask collections partitioned by rows (X: DataFrame or 2-D Array; y,
        sample_weight and init_score: Series, DataFrame or Array with the same partitions;
        init_score may also be a fitted model, as in the single-machine fit; bags, InterpretML's
        bag matrix, a 2-D Array or DataFrame with the same partitions, which keeps every row in
        one shard). The rows stay on the workers; see ``glassboost.dask.fit`` and
        docs/dask.md. This estimator as ``init_score`` boosts on from its fit before the call."""
        if init_score is self:  # kept as a plain model, before its attributes are cleared
            init_score = self.to_local()
        for attribute in (*FITTED_ATTRIBUTES, *TRAINING_SUMMARIES, "n_shards_"):
            self.__dict__.pop(attribute, None)
        fitted = fit_distributed(self._local_estimator(), default_client(self.client), X, y,
                                 sample_weight, self.n_shards, self.summary_size, init_score,
                                 bags, self.boosting)
        self.__dict__.update(fitted)
        return self

    def to_local(self):
        """The plain single-machine estimator with this one's parameters and fitted model."""
        local = self._local_estimator()
        fitted = set(FITTED_ATTRIBUTES + TRAINING_SUMMARIES)
        local.__dict__.update({k: v for k, v in self.__dict__.items() if k in fitted})
        return local

    def to_json(self, file: Any = None, detail: str = "all",
                indent: int | str | None = 2) -> str | None:
        """The plain estimator's model file (``to_local().to_json``): the same JSON a local
        fit of this model writes, without the Dask parameters."""
        return self.to_local().to_json(file, detail, indent)

    def to_jsonable(self, detail: str = "all") -> dict:
        return self.to_local().to_jsonable(detail)

    def _lazy(self, X: Any, method: str, tail: tuple[int, ...], dtype,
              init_score: Any = None) -> Any:
        """Lazy scores of a Dask collection; in-memory data (what explanations and reports
        pass) is scored at once by the plain estimator, with ``init_score`` if given."""
        if not is_dask_collection(X):
            local = getattr(self.to_local(), method)
            return local(X) if init_score is None else local(X, init_score=init_score)
        return lazy_scores(self.to_local(), X, method, tail, np.dtype(dtype), init_score)

    def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        """scikit-learn's ``score``: accuracy (classifier) or R^2 (regressor), with
        ``sample_weight``. Of Dask collections partitioned alike it is summed per partition on
        the workers (``glassboost.dask.score``), which send back a few numbers each rather than
        their predictions: collecting the predictions and labels would put two values per row
        on the client, which the rows of a Dask collection may not fit. It equals the
        single-machine ``score`` of the computed rows up to the order of floating-point sums.
        In-memory data is scored at once."""
        if not is_dask_collection(X):
            return super().score(X, y, sample_weight)
        return distributed_score(self.to_local(), X, y, sample_weight, is_classifier(self),
                                 self.client)

    def explain_local(self, X: Any, y: Any = None, name: str | None = None,
                      init_score: Any = None, *, max_rows: int = EXPLAIN_LOCAL_MAX_ROWS):
        """The single-machine local explanation of the rows of X. A local explanation is per
        row and lives on the client (contributions, values and figures of every row), so a
        Dask collection is explained only when it holds at most ``max_rows`` rows (counted on
        the workers first): select the rows to explain (``X.head(k)``, ``X.loc[...]``,
        ``X.sample(frac=...)``) or raise ``max_rows`` knowingly. Those rows (and ``y`` and
        ``init_score`` when they are Dask collections) are then computed and explained as the
        plain estimator explains them."""
        if is_dask_collection(X):
            check_number("max_rows", max_rows, 1, integer=True)
            n_rows = count_rows(X, self.client)
            if n_rows > max_rows:
                raise ValueError(
                    f"explain_local explains each row it is given on the client, and X holds "
                    f"{n_rows} rows, more than max_rows={max_rows}; select the rows to explain "
                    f"first (X.head(k), X.loc[...], X.sample(frac=...)), or raise max_rows")
            X, y, init_score = dask.compute(X, y, init_score, scheduler=self.client)
        return super().explain_local(X, y, name, init_score)

    def estimate_mem(self, X: Any, y: Any = None, data_multiplier: float = 0.0) -> int:
        """The single-machine ``estimate_mem``: bytes a fit of these rows on one machine
        would allocate at its peak (plus ``data_multiplier`` times the bytes of X and y). Of
        Dask collections it is computed on the workers, from what the fit's first phase
        computes (types, value summaries merged on the workers, the bins made from them,
        row counts), without moving rows to the client; within 1% of the single-machine
        estimate of the computed rows when the summaries are exact (``glassboost.dask.memory``).
        This reads every partition once, as the fit's first phase does."""
        if not is_dask_collection(X):
            return super().estimate_mem(X, y, data_multiplier)
        return estimate_fit_bytes(self._local_estimator(), default_client(self.client), X, y,
                                  self.summary_size, data_multiplier)

    def _n_scores(self) -> int:
        return int(np.size(self.intercept_))

    def _score_tail(self) -> tuple[int, ...]:
        return () if self._n_scores() == 1 else (self._n_scores(),)

    def decision_function(self, X: Any, init_score: Any = None):
        """Lazy scores before the link: (n,) or, multiclass, (n, n_classes)."""
        return self._lazy(X, "decision_function", self._score_tail(), np.float64,
                          init_score)

    def predict_with_uncertainty(self, X: Any, init_score: Any = None):
        """Lazy mean score over the outer bags and its standard deviation across them:
        (n, 2) or, multiclass, (n, 2, n_classes); the rows stay on the workers."""
        return self._lazy(X, "predict_with_uncertainty", (2, *self._score_tail()), np.float64,
                          init_score)

    def eval_terms(self, X: Any):
        """Lazy per-term contributions: (n, n_terms[, n_classes])."""
        return self._lazy(X, "eval_terms", (len(self.term_features_), *self._score_tail()),
                          np.float64)


class DaskExplainableBoostingClassifier(_DaskEBM, ExplainableBoostingClassifier):
    """``ExplainableBoostingClassifier`` trained on a Dask cluster (docs/dask.md)."""

    _local = ExplainableBoostingClassifier

    def predict_proba(self, X: Any, init_score: Any = None):
        """Lazy class probabilities, (n, n_classes)."""
        return self._lazy(X, "predict_proba", (len(self.classes_),), np.float64,
                          init_score)

    def predict(self, X: Any, init_score: Any = None):
        """Lazy predicted labels, (n,)."""
        return self._lazy(X, "predict", (), self.classes_.dtype, init_score)


class DaskExplainableBoostingRegressor(_DaskEBM, ExplainableBoostingRegressor):
    """``ExplainableBoostingRegressor`` trained on a Dask cluster (docs/dask.md)."""

    _local = ExplainableBoostingRegressor

    def predict(self, X: Any, init_score: Any = None):
        """Lazy predictions, (n,)."""
        return self._lazy(X, "predict", (), np.float64, init_score)
