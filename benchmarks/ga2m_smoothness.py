"""How much smoothness the synthetic GA2M's shape bar asks for, and whether held-out data sees it.

    python benchmarks/ga2m_smoothness.py --out ga2m_smoothness.json

On ``ga2m_truth``'s split (16,000 training rows), two families of estimators, each swept over its
smoothness, scored with ``ga2m_truth.recovery``'s shape correlations and the held-out AUC:

- a logistic spline GAM (scikit-learn's ``SplineTransformer`` per feature, cubic, ``n_knots``
  from 4 to 20) that is *given* the true interaction's form as one extra column ``x4 * x5``;
- the default glassboost model with each continuous main effect smoothed afterwards by
  ``model.smooth(term, bandwidth)`` (a local-linear Gaussian kernel over the bins' row quantiles,
  bandwidth as a fraction of the rows), an edit the user chooses, not part of the fit.

If a shape only reaches the bar at smoothness levels the held-out AUC does not prefer, the
training data cannot choose that smoothness: it is a prior, not something more boosting finds.
For the smoothed models it also prints how far each edit moves each shape against the bags'
spread (``standard_deviations_``), the measure a rule "smooth only what the bags call noise"
would stop on.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import SplineTransformer

import datasets
from ga2m_truth import recovery
from glassboost.schema import CONTINUOUS


def spline_gam(X_train, y_train, X_test, y_test, n_knots: int) -> dict:
    """A spline GAM given ``x4 * x5``: main-effect correlations with the truth and held-out AUC."""
    splines = {f: SplineTransformer(n_knots=n_knots, include_bias=False).fit(X_train[[f]])
               for f in X_train.columns}

    def design(X):
        a, b = datasets.GA2M_PAIR
        pair = (X[a] * X[b]).to_numpy()[:, None]
        return np.hstack([splines[f].transform(X[[f]]) for f in X.columns] + [pair])

    model = LogisticRegression(C=1e4, max_iter=5000).fit(design(X_train), y_train)
    test = design(X_test)
    width = splines[X_train.columns[0]].n_features_out_
    columns = list(X_train.columns)
    shapes = {}
    for feature, shape in datasets.GA2M_MAINS.items():
        i = columns.index(feature)
        part = slice(i * width, (i + 1) * width)
        fitted = test[:, part] @ model.coef_[0][part]
        shapes[feature] = float(np.corrcoef(fitted, shape(X_test[feature].to_numpy()))[0, 1])
    auc = roc_auc_score(y_test, model.predict_proba(test)[:, 1])
    return {"n_knots": n_knots, "auc": auc, "shape_correlation": shapes}


def smoothed(model, bandwidth: float):
    """A copy of ``model`` with every continuous main effect smoothed (``model.smooth``)."""
    model = model.copy()
    for features, name in zip(model.term_features_, model.term_names_):
        if len(features) == 1 and model.feature_types_in_[features[0]] == CONTINUOUS:
            model.smooth(name, bandwidth)
    return model


def change_over_bag_spread(model, edited) -> dict[str, float]:
    """Per continuous main effect: the weighted mean square of the edit's change to its value bins
    (its mean removed) over that of the bags' standard deviations. A rule that smooths only what
    the bags call noise would stop where this reaches 1."""
    ratios = {}
    for t, name in enumerate(model.term_names_):
        if name not in datasets.GA2M_MAINS:
            continue
        w = model.bin_weights_[t][1:-1]
        change = edited.term_scores_[t][1:-1] - model.term_scores_[t][1:-1]
        change = change - np.average(change, weights=w)
        spread = np.average(model.standard_deviations_[t][1:-1] ** 2, weights=w)
        ratios[name] = float(np.average(change**2, weights=w) / spread)
    return ratios


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("ga2m_smoothness.json"))
    args = parser.parse_args()
    from glassboost import ExplainableBoostingClassifier

    X, y, _ = datasets.ga2m()
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=0)
    splines = [spline_gam(X_train, y_train, X_test, y_test, k) for k in (4, 6, 8, 12, 20)]
    model = ExplainableBoostingClassifier().fit(X_train, y_train)
    edits = []
    for bandwidth in (0.0, 0.01, 0.02, 0.03, 0.05, 0.1):
        edited = smoothed(model, bandwidth) if bandwidth else model
        auc = roc_auc_score(y_test, edited.predict_proba(X_test)[:, 1])
        shapes = recovery(edited, X_test)["shape_correlation"]
        edits.append({"bandwidth": bandwidth, "auc": auc, "shape_correlation": shapes,
                      "change_over_bag_spread": change_over_bag_spread(model, edited)})
    result = {"spline_gam": splines, "glassboost_smoothed": edits}
    args.out.write_text(json.dumps(result, indent=2))
    for row in splines + edits:
        level = row.get("n_knots", row.get("bandwidth"))
        shapes = " ".join(f"{k}={v:.4f}" for k, v in row["shape_correlation"].items())
        print(f"{level!s:>6}  AUC {row['auc']:.5f}  {shapes}")
    for row in edits[1:]:
        ratios = " ".join(f"{k}={v:.2f}" for k, v in row["change_over_bag_spread"].items())
        print(f"{row['bandwidth']!s:>6}  change / bag spread: {ratios}")


if __name__ == "__main__":
    main()
