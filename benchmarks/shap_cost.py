"""Cost of explaining a LightGBM model through glassboost's ShapPermutation against calling shap.

    python benchmarks/shap_cost.py --rows 1000

LightGBM is fitted on the bundled credit data (rows without missing values, text columns as
integer codes). The same rows are explained twice by ``shap.PermutationExplainer`` with the same
masker (100 background rows), seed and probability function: once directly, once through
``glassboost.blackbox.ShapPermutation``. The runs alternate ``--repeats`` times; reported are the
best time of each and their ratio (glassboost / shap; the issue asks for at most 1.2), and the
largest difference of the values (the same seed gives the same numbers). Needs an idle machine.
"""

from __future__ import annotations

import argparse
from time import perf_counter

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1000, help="rows explained")
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()

    import lightgbm
    import shap
    from shap.maskers import Independent

    from glassboost.blackbox import ShapPermutation
    from glassboost.datasets import load_credit

    frame = load_credit().dropna().reset_index(drop=True)
    y = (frame.pop("Status") == "bad").to_numpy(dtype=int)
    for column in frame.select_dtypes(exclude="number").columns:
        frame[column] = frame[column].astype("category").cat.codes
    X = frame.astype(float)
    model = lightgbm.LGBMClassifier(verbose=-1, random_state=0).fit(X, y)
    background, rows = X.iloc[:100], X.iloc[100:100 + args.rows]

    def direct() -> np.ndarray:
        masker = Independent(background.to_numpy(), max_samples=len(background))
        explainer = shap.PermutationExplainer(lambda a: model.predict_proba(a)[:, 1], masker,
                                              seed=0)
        return explainer(rows.to_numpy(), silent=True).values

    def through_glassboost() -> np.ndarray:
        return ShapPermutation(model, background, seed=0).explain_local(rows).data()["scores"]

    times = {"shap": [], "glassboost": []}
    values = {}
    for _ in range(args.repeats):
        for name, run in (("shap", direct), ("glassboost", through_glassboost)):
            start = perf_counter()
            values[name] = np.asarray(run())
            times[name].append(perf_counter() - start)
    best = {name: min(t) for name, t in times.items()}
    print(f"{args.rows} rows: shap {best['shap']:.2f} s, glassboost {best['glassboost']:.2f} s, "
          f"ratio {best['glassboost'] / best['shap']:.3f}; "
          f"max |difference| {np.max(np.abs(values['shap'] - values['glassboost'])):.2e}")


if __name__ == "__main__":
    main()
