"""The accountant's noise against the closed-form Gaussian-DP and classic results."""

import math

import numpy as np
import pytest
from scipy.optimize import brentq
from scipy.stats import norm

from glassboost.privacy.accounting import (check_privacy_parameters, gdp_delta, gdp_mu,
                                           noise_multiplier, plan_budget)


def closed_form_delta(epsilon, mu):
    """Dong, Roth and Su's exact (epsilon, delta) of mu-GDP, written out independently."""
    return norm.cdf(-epsilon / mu + mu / 2) - math.exp(epsilon) * norm.cdf(-epsilon / mu - mu / 2)


GRID = [(eps, delta, rounds, terms, composition)
        for eps in (0.1, 0.5, 1.0, 4.0, 8.0)
        for delta in (1e-7, 1e-5, 1e-3)
        for rounds, terms in ((1, 1), (300, 7), (50, 30))
        for composition in ("gdp", "classic")]


@pytest.mark.parametrize("eps, delta, rounds, terms, composition", GRID)
def test_noise_matches_closed_form(eps, delta, rounds, terms, composition):
    n_features, learning_rate, target_range = 9, 0.01, 3.5
    budget = plan_budget(eps, delta, composition, 0.1, n_features, rounds * terms,
                         bin_sensitivity=1.0, boost_sensitivity=learning_rate * target_range)
    parts = [(budget.noise_scale_binning, 1.0, n_features, 0.1 * eps, delta / 2),
             (budget.noise_scale_boosting, learning_rate * target_range, rounds * terms,
              0.9 * eps, delta / 2)]
    for sigma, sensitivity, n_queries, part_eps, part_delta in parts:
        if composition == "gdp":
            # n Gaussian queries of sensitivity s and noise sigma: mu = sqrt(sum (s/sigma)^2)
            mu = math.sqrt(n_queries * (sensitivity / sigma) ** 2)
            assert closed_form_delta(part_eps, mu) == pytest.approx(part_delta, rel=1e-6)
            # and the noise is the least that meets the budget: the closed-form mu solved apart
            exact_mu = brentq(lambda m: closed_form_delta(part_eps, m) - part_delta, 1e-6, 1e3,
                              xtol=1e-15, rtol=1e-15)
            assert mu == pytest.approx(exact_mu, rel=1e-6)
        else:
            expected = math.sqrt(8 * n_queries * sensitivity ** 2
                                 * math.log(math.e + part_eps / part_delta)) / part_eps
            assert sigma == pytest.approx(expected, rel=1e-12)
    assert budget.binning_epsilon + budget.boosting_epsilon == pytest.approx(eps, rel=1e-12)
    assert budget.binning_delta + budget.boosting_delta == pytest.approx(delta, rel=1e-12)


@pytest.mark.parametrize("eps, delta", [(0.5, 1e-5), (1.0, 1e-6), (4.0, 1e-3)])
def test_gdp_matches_interpret(eps, delta):
    privacy = pytest.importorskip("interpret.utils._privacy")
    for n in (1, 300, 30_000):
        assert noise_multiplier(n, eps, delta, "gdp") == pytest.approx(
            privacy.calc_gdp_noise_multi(n, eps, delta), rel=1e-6)
        assert noise_multiplier(n, eps, delta, "classic") == pytest.approx(
            privacy.calc_classic_noise_multi(n, eps, delta, 1.0), rel=1e-12)


def test_gdp_conversion_round_trip_and_order():
    for mu in (0.05, 0.5, 2.0, 6.0):
        assert gdp_delta(1.0, mu) == pytest.approx(closed_form_delta(1.0, mu), rel=1e-9)
    assert gdp_mu(1.0, 1e-5) < gdp_mu(2.0, 1e-5) < gdp_mu(2.0, 1e-3)
    # more queries or less budget never means less noise
    sigmas = [noise_multiplier(n, 1.0, 1e-5, "gdp") for n in (1, 10, 100)]
    assert np.all(np.diff(sigmas) > 0)
    assert sigmas[2] == pytest.approx(sigmas[0] * 10, rel=1e-12)


def test_summary_is_readable():
    budget = plan_budget(1.0, 1e-5, "gdp", 0.1, 4, 1200, 1.0, 0.01)
    text = budget.summary()
    assert "(1, 1e-05)-differentially private (gdp composition)" in text
    assert "4 histogram(s)" in text and "1200 step(s)" in text
    assert budget.to_dict()["noise_scale_boosting"] == budget.noise_scale_boosting


@pytest.mark.parametrize("kwargs, message", [
    (dict(epsilon=0.0), "epsilon must be > 0"),
    (dict(epsilon=-1.0), "epsilon must be > 0"),
    (dict(epsilon=float("inf")), "epsilon must be a finite number"),
    (dict(epsilon="1"), "epsilon must be a finite number"),
    (dict(delta=0.0), r"delta must be in the open interval \(0, 1\)"),
    (dict(delta=1.0), r"delta must be in the open interval \(0, 1\)"),
    (dict(delta=-1e-5), r"delta must be in the open interval \(0, 1\)"),
    (dict(bin_budget_frac=1.0), "bin_budget_frac must be in the open interval"),
    (dict(bin_budget_frac=0.0), "bin_budget_frac must be in the open interval"),
    (dict(composition="rdp"), "composition must be one of"),
])
def test_bad_privacy_parameters(kwargs, message):
    params = dict(epsilon=1.0, delta=1e-5, composition="gdp", bin_budget_frac=0.1) | kwargs
    with pytest.raises(ValueError, match=message):
        check_privacy_parameters(**params)
