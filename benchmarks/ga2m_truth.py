"""How well glassboost recovers a known GA2M: shape correlations, pair rank, importance order.

    python benchmarks/ga2m_truth.py --out ga2m_truth.json
    python benchmarks/ga2m_truth.py --rows 200000 --out ga2m_truth_200k.json
    python benchmarks/ga2m_truth.py --params '{"interactions": 0}' --out no_pairs.json

Fits the default classifier on ``datasets.ga2m`` (by default 16,000 training rows of the 20,000;
``--rows`` draws a larger sample of the same generator, to show how recovery grows with data while
the labels stay Bernoulli draws, so small effects are estimated noisily at small n) and compares
every fitted term with the generator's truth on the held-out rows: the Pearson correlation of
each main effect's per-row contribution with the true shape, and of the pair term with the true
``x4 * x5``; the rank of the true pair among the detected pairs (by interaction strength and by
term importance); and whether every noise feature ranks below every signal feature.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from time import perf_counter

import numpy as np
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

import datasets


def recovery(model, X) -> dict:
    """Shape correlations, pair ranks and the importance order of a model fitted on ga2m data."""
    contributions = model.eval_terms(X)
    names = list(model.term_names_)
    shapes = {}
    for feature, shape in datasets.GA2M_MAINS.items():
        shapes[feature] = float(np.corrcoef(contributions[:, names.index(feature)],
                                            shape(X[feature].to_numpy()))[0, 1])
    a, b = datasets.GA2M_PAIR
    pair_name = f"{a} & {b}"
    if pair_name in names:
        truth = X[a].to_numpy() * X[b].to_numpy()
        shapes[pair_name] = float(np.corrcoef(contributions[:, names.index(pair_name)],
                                              truth)[0, 1])
    importances = model.term_importances()
    pairs = [n for n in names if " & " in n]
    by_importance = sorted(pairs, key=lambda n: -importances[names.index(n)])
    strengths = sorted(model.interaction_strengths_.items(), key=lambda kv: -kv[1])
    by_strength = [f"{p} & {q}" for (p, q), _ in strengths]
    main_importance = {n: float(importances[names.index(n)]) for n in names if " & " not in n}
    signal = [f for f in datasets.GA2M_MAINS]
    noise = list(datasets.GA2M_NOISE)
    return {
        "shape_correlation": shapes,
        "min_correlation": min(shapes.values()),
        "pair_rank_by_strength": by_strength.index(pair_name) + 1 if pair_name in by_strength
        else None,
        "pair_rank_by_importance": by_importance.index(pair_name) + 1 if pair_name in pairs
        else None,
        "main_importance": main_importance,
        "noise_below_signal": max(main_importance[n] for n in noise)
        < min(main_importance[s] for s in signal),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outer-bags", type=int, default=None, help="default: the estimator's")
    parser.add_argument("--rows", type=int, default=20_000,
                        help="rows drawn from the generator (80%% train, 20%% held out)")
    parser.add_argument("--params", type=json.loads, default={},
                        help="more estimator parameters, as a JSON object")
    parser.add_argument("--out", type=Path, default=Path("ga2m_truth.json"))
    args = parser.parse_args()
    from glassboost import ExplainableBoostingClassifier

    X, y, _ = datasets.ga2m(args.rows)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=0)
    params = {} if args.outer_bags is None else {"outer_bags": args.outer_bags}
    params.update(args.params)
    model = ExplainableBoostingClassifier(**params)
    start = perf_counter()
    model.fit(X_train, y_train)
    fit_s = perf_counter() - start
    auc = roc_auc_score(y_test, model.predict_proba(X_test)[:, 1])
    result = {"rows": args.rows, "fit_s": fit_s, "auc": auc, **recovery(model, X_test)}
    args.out.write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
