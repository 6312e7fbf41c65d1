"""scikit-learn's estimator checks for both estimators."""

import pytest
from sklearn.utils.estimator_checks import (check_sample_weight_equivalence_on_dense_data,
                                            parametrize_with_checks)

from glassboost import ExplainableBoostingClassifier, ExplainableBoostingRegressor

SMALL = dict(outer_bags=2, max_rounds=200, max_interaction_bins=16, interactions=2, n_jobs=1)

SAMPLE_WEIGHT_REASON = (
    "integer weights are not equivalent to repeated rows: each bag holds out a random split of "
    "rows for early stopping (copies of one row can land on both sides) and min_samples_leaf "
    "counts rows, not weight"
)


def _expected_failed_checks(estimator) -> dict[str, str]:
    failures = {"check_sample_weight_equivalence_on_dense_data": SAMPLE_WEIGHT_REASON}
    if isinstance(estimator, ExplainableBoostingRegressor):
        failures["check_regressors_no_decision_function"] = (
            "like InterpretML's regressor, it has decision_function: the additive score before "
            "the inverse link (log for Poisson)"
        )
    return failures


@parametrize_with_checks(
    [ExplainableBoostingClassifier(**SMALL), ExplainableBoostingRegressor(**SMALL)],
    expected_failed_checks=_expected_failed_checks,
)
def test_sklearn_compatible(estimator, check, monkeypatch) -> None:
    """Every scikit-learn estimator check passes (or is an explained expected failure)."""
    monkeypatch.setenv("SCIPY_ARRAY_API", "1")  # so the array API check runs, not skips
    check(estimator)


@pytest.mark.parametrize("estimator_class",
                         [ExplainableBoostingClassifier, ExplainableBoostingRegressor])
def test_weights_equal_repeated_rows_without_row_based_settings(estimator_class) -> None:
    """The expected failure above is only the validation split and row-counted leaves."""
    estimator = estimator_class(validation_size=0, min_samples_leaf=1, **SMALL)
    check_sample_weight_equivalence_on_dense_data(estimator_class.__name__, estimator)
