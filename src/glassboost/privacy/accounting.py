"""The privacy accountant: how much Gaussian noise each released sum needs.

A DP-EBM releases two groups of noisy sums: one histogram per feature for binning, and the leaf
sums of every boosting step. The budget ``(epsilon, delta)`` is split as InterpretML and the
DP-EBM paper split it: binning gets ``(bin_budget_frac * epsilon, delta / 2)``, boosting the
rest, and the two compose by adding epsilons and deltas. Within a group the queries compose
under ``composition``:

- ``"gdp"`` (Gaussian differential privacy, Dong, Roth and Su): ``k`` Gaussian queries of
  sensitivity ``s`` and noise ``sigma`` are ``mu = sqrt(k) * s / sigma``-GDP, which is exactly
  ``(epsilon, delta(epsilon))``-DP with ``delta(epsilon) = Phi(-epsilon/mu + mu/2) -
  e^epsilon Phi(-epsilon/mu - mu/2)``. The noise is set by solving that equation for ``mu``;
  the conversion is dp-accounting's exact privacy loss of the Gaussian mechanism.
- ``"classic"``: the paper's bound ``sigma^2 = 8 k s^2 log(e + epsilon/delta) / epsilon^2``.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import asdict, dataclass

from scipy.optimize import brentq

COMPOSITIONS = ("gdp", "classic")


def check_privacy_parameters(epsilon, delta, composition, bin_budget_frac) -> None:
    """Raise a ValueError that names the argument when a privacy parameter is unusable."""
    for name, value in (("epsilon", epsilon), ("delta", delta),
                        ("bin_budget_frac", bin_budget_frac)):
        if (isinstance(value, bool) or not isinstance(value, numbers.Real)
                or not math.isfinite(value)):
            raise ValueError(f"{name} must be a finite number, got {value!r}")
    if epsilon <= 0:
        raise ValueError(f"epsilon must be > 0 (the privacy budget), got {epsilon!r}")
    if not 0 < delta < 1:
        raise ValueError(f"delta must be in the open interval (0, 1), got {delta!r}")
    if not 0 < bin_budget_frac < 1:
        raise ValueError("bin_budget_frac must be in the open interval (0, 1) (the share of "
                         f"epsilon spent on binning), got {bin_budget_frac!r}")
    if composition not in COMPOSITIONS:
        raise ValueError(f"composition must be one of {list(COMPOSITIONS)}, got {composition!r}")


def gdp_delta(epsilon: float, mu: float) -> float:
    """The exact ``delta`` at ``epsilon`` of a ``mu``-GDP mechanism (a Gaussian query of
    sensitivity 1 and noise 1/mu), from dp-accounting's Gaussian privacy loss."""
    from dp_accounting.pld.privacy_loss_mechanism import GaussianPrivacyLoss

    return GaussianPrivacyLoss(standard_deviation=1.0 / mu,
                               sensitivity=1.0).get_delta_for_epsilon(epsilon)


def gdp_mu(epsilon: float, delta: float) -> float:
    """The largest ``mu`` whose ``mu``-GDP guarantee implies ``(epsilon, delta)``-DP."""
    low, high = 1e-8, 1.0
    while gdp_delta(epsilon, high) < delta:  # delta(mu) rises with mu, to 1
        low, high = high, 2.0 * high
    return brentq(lambda mu: gdp_delta(epsilon, mu) - delta, low, high,
                  xtol=1e-300, rtol=1e-14, maxiter=500)


def noise_multiplier(n_queries: int, epsilon: float, delta: float, composition: str) -> float:
    """Standard deviation of the Gaussian noise per query of sensitivity 1 such that
    ``n_queries`` queries together are ``(epsilon, delta)``-DP under ``composition``."""
    if n_queries < 1:
        raise ValueError(f"n_queries must be >= 1, got {n_queries}")
    if composition == "gdp":
        return math.sqrt(n_queries) / gdp_mu(epsilon, delta)
    if composition == "classic":
        return math.sqrt(8.0 * n_queries * math.log(math.e + epsilon / delta)) / epsilon
    raise ValueError(f"composition must be one of {list(COMPOSITIONS)}, got {composition!r}")


@dataclass(frozen=True)
class PrivacyBudget:
    """What a DP-EBM spends: the budget, its split, and the noise of every released sum.

    ``noise_scale_binning`` is the noise of each feature's histogram cell (sensitivity
    ``bin_sensitivity``), ``noise_scale_boosting`` the noise of each boosting leaf's
    learning-rate-scaled gradient sum (sensitivity ``boost_sensitivity``).
    """

    epsilon: float
    delta: float
    composition: str
    bin_budget_frac: float
    binning_epsilon: float
    binning_delta: float
    boosting_epsilon: float
    boosting_delta: float
    n_binning_queries: int
    n_boosting_queries: int
    bin_sensitivity: float
    boost_sensitivity: float
    noise_scale_binning: float
    noise_scale_boosting: float

    def to_dict(self) -> dict:
        return asdict(self)

    def summary(self) -> str:
        """A readable account of what was spent and how."""
        return (
            f"({self.epsilon:g}, {self.delta:g})-differentially private ({self.composition} "
            f"composition): binning spent ({self.binning_epsilon:g}, {self.binning_delta:g}) on "
            f"{self.n_binning_queries} histogram(s), Gaussian noise "
            f"{self.noise_scale_binning:.4g} per count; boosting spent "
            f"({self.boosting_epsilon:g}, {self.boosting_delta:g}) on "
            f"{self.n_boosting_queries} step(s), Gaussian noise {self.noise_scale_boosting:.4g} "
            "per leaf sum (learning rate times the clipped gradient sum)"
        )


def plan_budget(epsilon: float, delta: float, composition: str, bin_budget_frac: float,
                n_binning_queries: int, n_boosting_queries: int, bin_sensitivity: float,
                boost_sensitivity: float) -> PrivacyBudget:
    """Split ``(epsilon, delta)`` between binning and boosting and set both noise scales."""
    check_privacy_parameters(epsilon, delta, composition, bin_budget_frac)
    bin_epsilon, bin_delta = epsilon * bin_budget_frac, delta / 2.0
    boost_epsilon, boost_delta = epsilon - bin_epsilon, delta - bin_delta
    return PrivacyBudget(
        epsilon=float(epsilon), delta=float(delta), composition=composition,
        bin_budget_frac=float(bin_budget_frac),
        binning_epsilon=bin_epsilon, binning_delta=bin_delta,
        boosting_epsilon=boost_epsilon, boosting_delta=boost_delta,
        n_binning_queries=int(n_binning_queries), n_boosting_queries=int(n_boosting_queries),
        bin_sensitivity=float(bin_sensitivity), boost_sensitivity=float(boost_sensitivity),
        noise_scale_binning=bin_sensitivity * noise_multiplier(
            n_binning_queries, bin_epsilon, bin_delta, composition),
        noise_scale_boosting=boost_sensitivity * noise_multiplier(
            n_boosting_queries, boost_epsilon, boost_delta, composition),
    )
