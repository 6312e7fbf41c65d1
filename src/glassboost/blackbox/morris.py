"""Morris sensitivity (elementary effects) of any model, computed by ``SALib``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..parameters import check_number, check_random_state
from .display import FeatureKeyed
from .prediction import ModelFunction, Table

IMPORTANCE_TITLE = "Morris mu* (mean |elementary effect| over the data's range)"


class MorrisSensitivity:
    """Elementary effects of each feature on the model's output: SALib's Morris sampling of
    ``N`` trajectories over the box spanned by the data's minimum and maximum of every
    feature, then ``SALib.analyze.morris``. An effect is the change of the output when one
    feature moves by a step of the grid, divided by the step as a share of the feature's
    range, so a linear model's mu* is |coefficient| x the feature's range. Numeric features
    only; every trajectory costs (features + 1) predictions.
    """

    def __init__(self, model: Any, data: Any, feature_names: list[str] | None = None,
                 response: str = "auto", N: int = 100, num_levels: int = 4,
                 random_state: int | None = 0) -> None:
        from SALib.analyze import morris as analyze
        from SALib.sample import morris as sample

        check_number("N", N, 1, integer=True)
        check_number("num_levels", num_levels, 2, integer=True)
        check_random_state(random_state)
        self.function = ModelFunction(model, response)
        self.table = Table(data, feature_names)
        values = self.table.numeric()
        low, high = np.nanmin(values, axis=0), np.nanmax(values, axis=0)
        constant = [n for n, lo, hi in zip(self.table.feature_names, low, high) if not hi > lo]
        if constant:
            raise ValueError(f"these columns take one value in the data, so they have no range "
                             f"to move in: {constant}")
        problem = {"num_vars": len(low), "names": self.table.feature_names,
                   "bounds": np.column_stack([low, high]).tolist()}
        X = sample.sample(problem, N, num_levels=num_levels, seed=random_state)
        output = self.function(self.table.rows_like_data(X))
        result = analyze.analyze(problem, X, output, num_levels=num_levels, seed=random_state,
                                 print_to_console=False)
        self.mu_, self.mu_star_ = np.asarray(result["mu"]), np.asarray(result["mu_star"])
        self.sigma_ = np.asarray(result["sigma"])
        self.mu_star_conf_ = np.asarray(result["mu_star_conf"])

    def explain_global(self, name: str | None = None) -> MorrisExplanation:
        """mu*, mu, sigma and mu*'s confidence interval of every feature."""
        return MorrisExplanation(
            name or f"Morris sensitivity of {type(self.function.model).__name__}",
            self.table.feature_names, self.mu_, self.mu_star_, self.sigma_, self.mu_star_conf_)


class MorrisExplanation(FeatureKeyed):
    """Per feature: mu* (importance), mu (mean signed effect), sigma (spread of the effects:
    interactions or non-linearity) and the bootstrap half-width of mu*'s 95% interval."""

    def __init__(self, name: str, feature_names: list[str], mu: np.ndarray,
                 mu_star: np.ndarray, sigma: np.ndarray, mu_star_conf: np.ndarray) -> None:
        self.name = name
        self.feature_names = feature_names
        self.mu, self.mu_star, self.sigma, self.mu_star_conf = mu, mu_star, sigma, mu_star_conf

    def data(self, key: int | str | None = None) -> dict:
        """InterpretML's layout: key None gives names and mu* as ``scores``; a feature (index
        or name) gives its mu, mu*, sigma and mu*'s confidence half-width."""
        if key is None:
            return {"type": "global", "names": self.feature_names, "scores": self.mu_star,
                    "mu": self.mu, "sigma": self.sigma, "mu_star_conf": self.mu_star_conf}
        j = self._index(key)
        return {"type": "morris", "name": self.feature_names[j], "mu": float(self.mu[j]),
                "mu_star": float(self.mu_star[j]), "sigma": float(self.sigma[j]),
                "mu_star_conf": float(self.mu_star_conf[j])}

    def visualize(self, key: int | str | None = None):
        """mu* of every feature for None, else the feature's three statistics."""
        if key is None:
            from ..explain.figures import importance_figure

            return importance_figure(self.feature_names, self.mu_star, IMPORTANCE_TITLE,
                                     "Feature importance (Morris)")
        from .figures import morris_figure

        d = self.data(key)
        return morris_figure(d["name"], d["mu"], d["mu_star"], d["sigma"], d["mu_star_conf"])

    def plot(self, key: None = None, path: str | Path | None = None) -> Any:
        """Static matplotlib bars of every feature's mu*, saved to ``path`` when given."""
        from ..explain import static

        if key is not None:
            raise KeyError("the static plot shows every feature's mu*; use key None")
        return static.save(static.importance_plot(self.feature_names, self.mu_star,
                                                  IMPORTANCE_TITLE), path)
