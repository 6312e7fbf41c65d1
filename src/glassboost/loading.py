"""Loading a model file into a fitted estimator, or into the scoring-only fitted model.

It sits above the estimators: :mod:`.io.model_json` reads and checks files without knowing the
estimator classes, and this module builds the estimator (a private one when the file records a
privacy account) from what it checked. :func:`load_fitted_model` builds the plain
:class:`~glassboost.fitted_model.FittedModel` instead, without importing the estimators (nor
scikit-learn), for scoring alone.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from .fitted_model import FittedModel
from .io.detail import AbsentPart, holds
from .io.interpret_json import is_interpret_document, load_interpret_document
from .io.model_check import DEFAULT_MAX_BYTES, CheckedModel, check_document
from .io.model_json import collector_paused, read_document


def load(source: Any, max_bytes: int = DEFAULT_MAX_BYTES) -> Any:
    """A fitted estimator from a model file: a path, JSON text, bytes or a file object, plain
    or gzip-compressed, with its tables as arrays or binary blocks (``compact=True``). Files
    written by InterpretML's ``to_json`` are read too (detected by their layout; see
    :mod:`.io.interpret_json`).

    Reads at most ``max_bytes`` (default 100 MB, counted after decompression, binary tables
    included) and rejects larger files before parsing them. Never executes code from the file.
    Raises
    :class:`~glassboost.io.ModelFileError` (a ValueError) naming the field for any file that is
    not a complete, consistent glassboost model of a supported format version.
    """
    with collector_paused():
        document = read_document(source, max_bytes)
        if is_interpret_document(document):  # written by InterpretML's to_json
            return load_interpret_document(document)
        return build_model(check_document(document, max_bytes))


def load_fitted_model(source: Any, max_bytes: int = DEFAULT_MAX_BYTES) -> FittedModel:
    """The scoring part of a model file, as :func:`load` reads and checks it, as a
    :class:`~glassboost.fitted_model.FittedModel`: it predicts exactly as the estimator
    :func:`load` returns, without importing scikit-learn, Plotly or matplotlib (an InterpretML
    file is read through its estimator)."""
    with collector_paused():
        document = read_document(source, max_bytes)
        if is_interpret_document(document):
            return FittedModel.from_attributes(load_interpret_document(document))
        checked = check_document(document, max_bytes)
    return FittedModel.from_attributes(SimpleNamespace(**fitted_attributes(checked)))


def build_model(checked: CheckedModel) -> Any:
    """A fitted estimator from a checked model file."""
    from .estimators import ExplainableBoostingClassifier, ExplainableBoostingRegressor

    classifier = checked.classes is not None
    estimator = ExplainableBoostingClassifier() if classifier else ExplainableBoostingRegressor()
    if (checked.privacy is not None
            or {"epsilon", "delta", "composition"} <= checked.parameters.keys()):
        # a differentially private model: its class keeps the privacy parameters
        from .privacy import DPExplainableBoostingClassifier, DPExplainableBoostingRegressor

        estimator = (DPExplainableBoostingClassifier() if classifier
                     else DPExplainableBoostingRegressor())
    known = estimator.get_params(deep=False)
    estimator.set_params(**{k: v for k, v in checked.parameters.items() if k in known})

    estimator.__dict__.update(fitted_attributes(checked))
    return estimator


def fitted_attributes(checked: CheckedModel) -> dict:
    """The fitted attributes a checked model file gives (the parts its detail level left out
    are ``AbsentPart`` placeholders that say so when read)."""
    classifier = checked.classes is not None

    def part(attribute: str, value: Any) -> Any:
        return value if holds(checked.detail, attribute) else AbsentPart(attribute,
                                                                          checked.detail)

    fitted = {
        "n_features_in_": len(checked.feature_names),
        "feature_names_in_": checked.feature_names,
        "feature_types_in_": checked.feature_types,
        "bins_": checked.bins,
        "term_features_": checked.term_features,
        "term_names_": checked.term_names,
        "term_scores_": checked.term_scores,
        "standard_deviations_": part("standard_deviations_", checked.standard_deviations),
        "bagged_scores_": checked.bagged_scores,
        "bagged_intercept_": checked.bagged_intercept,
        "intercept_": checked.intercept if classifier else float(checked.intercept[0]),
        "bin_weights_": part("bin_weights_", checked.bin_weights),
        "link_": checked.link,
        "link_param_": checked.link_param,
        "objective_": checked.objective,
        "best_iteration_": checked.best_iteration,
        "interaction_strengths_": part("interaction_strengths_",
                                       checked.interaction_strengths),
        "datetime_conversions_": checked.datetime_conversions,
        "_match_by_name": checked.match_by_name,
    }
    if classifier:
        fitted["classes_"] = checked.classes
    if checked.bag_shares is not None:
        fitted["bag_shares_"] = checked.bag_shares
    if checked.privacy is not None:
        fitted["privacy_budget_"] = dict(checked.privacy)
        fitted["noise_scale_binning_"] = checked.privacy["noise_scale_binning"]
        fitted["noise_scale_boosting_"] = checked.privacy["noise_scale_boosting"]
    return fitted
