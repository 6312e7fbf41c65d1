"""Merge EBMs trained on different data (for example different shards) into one model.

The merged model's score is the training-size weighted average of the models' scores, exactly,
for every input: every continuous feature is re-binned onto the union of all models' cut points
(each bin of the union lies inside exactly one bin of every model, so tables map without
approximation), categorical features get the union of the categories (a category a model never
saw takes that model's unseen score; for pairs, categories share a coarse bin when they share
one in every model), and terms are the union of all models' terms (a model
without a term contributes zero for it). Then every term is re-centered on the merged bin weights,
the means moving into the intercept. Date columns are converted as every model converts them,
which must be one way (the same parts, string format and UTC setting).

Bin weights add up. A model's bin that the union splits into several bins gives each of them an
equal share of its weight (the model does not know how its rows spread inside its own bin); for a
term some models lack, those models' rows are taken to spread like the rows of the models that
have it, so every term's weights still total the combined training weight.
Per-bag tables and intercepts are the concatenation of all models' bags; when a model has none (it
was loaded from a file written without them), the merged model has none either, since the other
models' bags alone would not average to the merged tables. A model's bags share its share of
the training weight equally (or as its own ``bag_shares_`` say, for a merged model), and the
merged model keeps these shares of its bags as ``bag_shares_``, so that the bags' weighted mean
is the merged model's score (``predict_with_uncertainty``). The standard deviation is that of the
pooled bags with these weights: ``sqrt(sum_m a_m (sd_m^2 + (T_m - T)^2))`` with ``a_m`` the
model's share and ``T`` the merged mean.
"""

from __future__ import annotations

import warnings
from typing import Any, Sequence

import numpy as np
from sklearn.base import clone
from sklearn.utils.validation import check_is_fitted

from .datetimes import UNRECORDED, DateConversion, as_conversions
from .editing import _same_label
from .schema import CONTINUOUS, ORDINAL


def _check_compatible(models: list) -> None:
    if not models:
        raise ValueError("merge_ebms needs at least one model")
    first = models[0]
    for i, model in enumerate(models):
        check_is_fitted(model, "term_scores_")
        problems = []
        if type(model) is not type(first):
            problems.append(f"{type(model).__name__} vs {type(first).__name__}")
        if list(model.feature_names_in_) != list(first.feature_names_in_):
            problems.append("different feature names")
        if list(model.feature_types_in_) != list(first.feature_types_in_):
            problems.append("different feature types")
        else:
            problems += _ordinal_problems(model, first)
        if model.link_ != first.link_ or model.objective_ != first.objective_:
            problems.append(f"link/objective {model.link_}/{model.objective_} vs "
                            f"{first.link_}/{first.objective_}")
        if (hasattr(first, "classes_") and hasattr(model, "classes_")
                and not _same_classes(model.classes_, first.classes_)):
            problems.append(f"classes {np.asarray(model.classes_).tolist()} vs "
                            f"{np.asarray(first.classes_).tolist()}")
        if model.link_ == "monoclassification":
            problems.append("a one-class model (link 'monoclassification') scores -inf on every "
                            "row, whatever its data, so there is nothing to average: any of "
                            "the models is their merge")
        elif not model.term_features_:
            problems.append("no terms, so no training weight to weigh it by")
        problems += _conversion_problems(_conversions(model), _conversions(first))
        if getattr(model, "privacy_budget_", None) != getattr(first, "privacy_budget_", None):
            problems.append("different privacy accounts (privacy_budget_); the merged model "
                            "keeps one, which holds for all only when they are the same")
        if problems:
            raise ValueError(f"cannot merge model {i} with model 0: {'; '.join(problems)}")


def _ordinal_problems(model: Any, first: Any) -> list[str]:
    """Ordinal features whose levels differ from the first model's: their order is part of the
    model (monotonize follows it), and a union of two orders is neither."""
    return [f"ordinal feature {name!r} has levels {list(model.bins_[f][0])} vs "
            f"{list(first.bins_[f][0])}"
            for f, (name, kind) in enumerate(zip(first.feature_names_in_, first.feature_types_in_))
            if kind == ORDINAL and list(model.bins_[f][0]) != list(first.bins_[f][0])]


def _same_classes(own: Any, first: Any) -> bool:
    """The same classes in the same order, of the same kind: [False, True] are not [0, 1],
    though numpy finds them equal, since the merged model answers with the first one's labels."""
    own, first = np.asarray(own).tolist(), np.asarray(first).tolist()
    return len(own) == len(first) and all(_same_label(a, b) for a, b in zip(own, first))


def _conversions(model: Any) -> dict[str, DateConversion]:
    """The model's date conversions by column."""
    return {c.column: c for c in as_conversions(getattr(model, "datetime_conversions_", None))}


def _conversion_problems(own: dict[str, DateConversion],
                         first: dict[str, DateConversion]) -> list[str]:
    """How a model's date conversions differ from the first model's. The merged model converts
    each date column one way, so every model must derive the same parts, read strings in the
    same format, take their parts in UTC or not alike and in the same time zone (one written
    before zones were recorded cannot tell its own)."""
    problems = []
    for column in dict.fromkeys([*first, *own]):
        if column not in own or column not in first:
            problems.append(f"date column {column!r} converted to features by only one of them")
            continue
        differ = [f"{field} {getattr(own[column], field)!r} vs {getattr(first[column], field)!r}"
                  for field in ("parts", "format", "utc")
                  if getattr(own[column], field) != getattr(first[column], field)]
        if own[column].tz != first[column].tz:
            differ.append(f"time zone {_zone(own[column])} vs {_zone(first[column])}")
        if differ:
            problems.append(f"date column {column!r} converted differently: {', '.join(differ)}")
    return problems


def _zone(conversion: DateConversion) -> str:
    """The time zone a conversion takes parts in, in words."""
    if conversion.tz is UNRECORDED:
        return "not recorded (a model from before zones were)"
    return "none (naive dates)" if conversion.tz is None else repr(conversion.tz)


def _merged_levels(kind: str, levels: list[list]) -> list:
    """One feature's merged ``bins_`` entry from every model's entry."""
    if kind == CONTINUOUS:
        return [np.unique(np.concatenate([lv[0] for lv in levels])),
                np.unique(np.concatenate([lv[-1] for lv in levels]))]
    categories: dict[str, int] = {}
    for lv in levels:
        for label in lv[0]:
            categories.setdefault(label, len(categories) + 1)
    if all(len(lv) == 1 for lv in levels):
        return [categories]
    # Coarse bins for pairs: categories share one when they share a pair bin in every model.
    groups: dict[tuple[int, ...], int] = {}
    coarse = {label: groups.setdefault(tuple(_pair_bin(lv, label) for lv in levels),
                                       len(groups) + 1) for label in categories}
    return [categories] if len(groups) == len(categories) else [categories, coarse]


def _pair_bin(levels: list, label: str) -> int:
    """The bin of a category in a model's pair tables (its unseen bin if the model lacks it)."""
    own = levels[-1]
    return own.get(label, max(own.values(), default=0) + 1)


def _bin_map(kind: str, merged: list, own: list, interaction: bool) -> np.ndarray:
    """For every merged bin, the bin of one model's feature that contains it."""
    if kind == CONTINUOUS:
        union, cuts = (merged[-1], own[-1]) if interaction else (merged[0], own[0])
        inner = np.searchsorted(cuts, union, side="right") + 1
        return np.concatenate(([0, 1], inner, [len(cuts) + 2])).astype(np.int64)
    if interaction:  # one category stands for each merged pair bin
        members: dict[int, str] = {}
        for label, pair_bin in merged[-1].items():
            members.setdefault(pair_bin, label)
        inner = [_pair_bin(own, members[b]) for b in range(1, len(members) + 1)]
        return np.array([0] + inner + [_n_bins(kind, own, True) - 1], dtype=np.int64)
    unseen = len(own[0]) + 1
    inner = [own[0].get(label, unseen) for label in merged[0]]
    return np.array([0] + inner + [unseen], dtype=np.int64)


def _n_bins(kind: str, levels: list, interaction: bool) -> int:
    if kind == CONTINUOUS:
        return len(levels[-1] if interaction else levels[0]) + 3
    if interaction:
        return max(levels[-1].values(), default=0) + 2
    return len(levels[0]) + 2


def _weight_share(index: np.ndarray) -> np.ndarray:
    """1 / (number of merged bins that map to the same model bin), per merged bin."""
    return 1.0 / np.bincount(index)[index]


class _Term:
    """One term of the merged model, accumulated model by model."""

    def __init__(self, name: str, features: tuple[int, ...], shape: tuple[int, ...]):
        self.name, self.features, self.shape = name, features, shape
        self.parts: list[tuple[float, np.ndarray, np.ndarray]] = []  # (share, table, sd)
        self.bagged: list[np.ndarray] = []
        self.weights = np.zeros(shape[:len(features)])
        self.covered = 0.0  # share of the training data whose models have this term

    def add(self, share: float, table: np.ndarray, sd: np.ndarray, bagged: np.ndarray) -> None:
        self.parts.append((share, table, sd))
        self.bagged.append(bagged)

    def add_absent(self, share: float, n_bags: int) -> None:
        zeros = np.zeros(self.shape)
        self.add(share, zeros, zeros, np.zeros((n_bags,) + self.shape))

    def add_model(self, model: Any, t: int, share: float, maps: list[np.ndarray]) -> None:
        """Add term ``t`` of ``model``, transposed to this term's feature order, re-binned."""
        own = model.term_features_[t]
        axes = [own.index(f) for f in self.features]
        axes += list(range(len(own), len(self.shape)))
        index = np.ix_(*maps)
        shares = np.ones(())
        for bin_map in maps:
            shares = np.multiply.outer(shares, _weight_share(bin_map))
        self.add(share,
                 np.transpose(model.term_scores_[t], axes)[index],
                 np.transpose(model.standard_deviations_[t], axes)[index],
                 np.transpose(model.bagged_scores_[t], [0] + [a + 1 for a in axes])[
                     (slice(None),) + index])
        self.weights = self.weights + np.transpose(model.bin_weights_[t],
                                                   axes[:len(own)])[index] * shares
        self.covered += share

    def finish(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Weighted mean table, pooled standard deviation, concatenated bags, bin weights.

        Models without the term are taken to spread their rows like the models that have it.
        """
        mean = sum(share * table for share, table, _ in self.parts)
        variance = sum(share * (sd ** 2 + (table - mean) ** 2) for share, table, sd in self.parts)
        return mean, np.sqrt(variance), np.concatenate(self.bagged), self.weights / self.covered


def _term_of(model: Any, key: tuple[int, ...]) -> int | None:
    for t, features in enumerate(model.term_features_):
        if tuple(sorted(features)) == key:
            return t
    return None


def _merged_terms(models: list, kinds: list[str], bins: list, n_classes: tuple) -> dict:
    """The union of all models' terms (pairs match whatever their feature order)."""
    terms: dict[tuple[int, ...], _Term] = {}
    for model in models:
        for name, features in zip(model.term_names_, model.term_features_):
            key = tuple(sorted(features))
            if key not in terms:
                interaction = len(features) > 1
                shape = tuple(_n_bins(kinds[f], bins[f], interaction) for f in features)
                terms[key] = _Term(name, tuple(features), shape + n_classes)
    return terms


def _pooled(items: list, shares: np.ndarray) -> dict:
    """Weighted average of the models' interaction strengths (absent counts as zero)."""
    pooled: dict = {}
    for strengths, share in zip(items, shares):
        for pair, value in strengths.items():
            pooled[pair] = pooled.get(pair, 0.0) + share * value
    return pooled


def _best_iterations(models: list) -> np.ndarray | None:
    arrays = [m.best_iteration_ for m in models]
    if any(a is None for a in arrays) or len({np.shape(a)[:-1] for a in arrays}) != 1:
        return None
    return np.concatenate([np.asarray(a) for a in arrays], axis=-1)


def merge_ebms(models: Sequence[Any]) -> Any:
    """One model whose score is the training-size weighted average of the models' scores.

    All models must be of the same class with the same features, feature types (ordinal ones with
    the same levels in the same order), link, objective, classes and date conversions, and
    differentially private ones the same privacy account (kept: the merged model is that private
    when the models' rows are disjoint); they may differ in cut points, nominal categories and
    terms.
    """
    models = list(models)
    _check_compatible(models)
    first = models[0]
    kinds = list(first.feature_types_in_)
    bins = [_merged_levels(k, [m.bins_[f] for m in models]) for f, k in enumerate(kinds)]
    sizes = np.array([float(np.sum(m.bin_weights_[0])) for m in models])
    shares = sizes / sizes.sum()
    n_classes = np.shape(first.term_scores_[0])[len(first.term_features_[0]):]
    terms = _merged_terms(models, kinds, bins, n_classes)

    intercept = sum(share * np.ravel(m.intercept_).astype(np.float64)
                    for m, share in zip(models, shares))
    bagged_intercept = np.concatenate([np.asarray(m.bagged_intercept_, dtype=np.float64)
                                       for m in models])
    bagless = any(len(m.bagged_intercept_) == 0 for m in models)
    if bagless:
        bagged_intercept = bagged_intercept[:0]
    for model, share in zip(models, shares):
        for key, term in terms.items():
            t = _term_of(model, key)
            if t is None:
                term.add_absent(share, len(model.bagged_intercept_))
                continue
            interaction = len(key) > 1
            term.add_model(model, t, share, [
                _bin_map(kinds[f], bins[f], model.bins_[f], interaction) for f in term.features
            ])

    merged = clone(first)
    fitted: dict[str, Any] = {name: [] for name in (
        "term_features_", "term_names_", "term_scores_", "standard_deviations_",
        "bagged_scores_", "bin_weights_")}
    for term in terms.values():
        mean, sd, bagged, weights = term.finish()
        if bagless:
            bagged = bagged[:0]
        total = weights.sum()
        center = (np.tensordot(weights, mean, axes=weights.ndim) / total if total > 0
                  else np.zeros(n_classes))
        intercept = intercept + center
        bagged_intercept = bagged_intercept + center
        for name, value in (("term_features_", term.features), ("term_names_", term.name),
                            ("term_scores_", mean - center), ("standard_deviations_", sd),
                            ("bagged_scores_", bagged - center),
                            ("bin_weights_", weights)):
            fitted[name].append(value)
    fitted.update({
        "n_features_in_": first.n_features_in_,
        "feature_names_in_": list(first.feature_names_in_),
        "feature_types_in_": kinds,
        "bins_": bins,
        "intercept_": intercept if hasattr(first, "classes_") else float(intercept[0]),
        "bagged_intercept_": bagged_intercept,
        "link_": first.link_,
        "link_param_": first.link_param_,
        "objective_": first.objective_,
        "best_iteration_": _best_iterations(models),
        "interaction_strengths_": _pooled([m.interaction_strengths_ for m in models], shares),
        "_match_by_name": all(getattr(m, "_match_by_name", False) for m in models),
        "datetime_conversions_": [c.to_dict() for c in _conversions(first).values()],
    })
    if hasattr(first, "classes_"):
        fitted["classes_"] = np.asarray(first.classes_).copy()
    if getattr(first, "privacy_budget_", None) is not None:  # disjoint rows: parallel composition
        fitted.update(privacy_budget_=dict(first.privacy_budget_),
                      noise_scale_binning_=first.noise_scale_binning_,
                      noise_scale_boosting_=first.noise_scale_boosting_)
    if not bagless:
        fitted["bag_shares_"] = np.concatenate([share * _own_bag_shares(m)
                                                for m, share in zip(models, shares)])
    fitted.update(_training_summaries(models, sizes, bagless))
    merged.__dict__.update(fitted)
    return merged


def _own_bag_shares(model: Any) -> np.ndarray:
    """Each bag's share of the model's tables: its ``bag_shares_`` (a merged model), else equal
    shares, as a fit averages its bags."""
    own = getattr(model, "bag_shares_", None)
    n_bags = len(model.bagged_intercept_)
    return np.full(n_bags, 1.0 / n_bags) if own is None else np.asarray(own, dtype=np.float64)


def _training_summaries(models: list, sizes: np.ndarray, bagless: bool) -> dict:
    """What InterpretML's merge keeps of the training summaries: the widest feature bounds, the
    target range, and every bag's training weight (a model without ``bag_weights_`` gives each
    of its bags its whole training weight). Histograms and distinct-value counts of the
    models' data cannot be combined and are left out, as InterpretML leaves them."""
    summaries: dict[str, Any] = {}
    bounds = [np.asarray(m.feature_bounds_, dtype=np.float64) for m in models
              if hasattr(m, "feature_bounds_")]
    if bounds and not all(np.isnan(b).all() for b in bounds):
        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns (categoricals)
            summaries["feature_bounds_"] = np.column_stack(
                [np.nanmin([b[:, 0] for b in bounds], axis=0),
                 np.nanmax([b[:, 1] for b in bounds], axis=0)])
    for name, pick in (("min_target_", min), ("max_target_", max)):
        values = [getattr(m, name) for m in models if hasattr(m, name)]
        if values:
            summaries[name] = pick(values)
    if not bagless:
        summaries["bag_weights_"] = np.concatenate([
            np.asarray(getattr(m, "bag_weights_", np.full(len(m.bagged_intercept_), size)),
                       dtype=np.float64) for m, size in zip(models, sizes)])
    return summaries
