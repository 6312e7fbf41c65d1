"""inner_bags: glassboost against InterpretML on the bundled credit data, without and with inner bags.

    python benchmarks/inner_bags.py --inner-bags 0,4

Both libraries fit their default classifier with each ``inner_bags`` value on the same 75/25
stratified split (``random_state=0``) of the bundled credit data (status "bad" as the positive
class); reported: fit time and held-out AUC. glassboost's kernels for inner bags are compiled by a
tiny fit first. Timings are wall-clock and need an otherwise idle machine.
"""
from __future__ import annotations

import argparse
import time
import warnings

from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

from glassboost import ExplainableBoostingClassifier
from glassboost.datasets import load_credit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inner-bags", default="0,4", help="comma-separated inner_bags values")
    args = parser.parse_args()
    from interpret.glassbox import ExplainableBoostingClassifier as InterpretClassifier

    data = load_credit().dropna(subset=["Status"])
    X, y = data.drop(columns="Status"), (data["Status"] == "bad").astype(int)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0,
                                                        stratify=y)
    ExplainableBoostingClassifier(inner_bags=2, outer_bags=2, max_rounds=5).fit(
        X_train[:500], y_train[:500])
    for inner_bags in (int(value) for value in args.inner_bags.split(",")):
        for name, make in (("glassboost", ExplainableBoostingClassifier),
                           ("InterpretML", InterpretClassifier)):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                start = time.perf_counter()
                model = make(inner_bags=inner_bags).fit(X_train, y_train)
                seconds = time.perf_counter() - start
            auc = roc_auc_score(y_test, model.predict_proba(X_test)[:, 1])
            print(f"inner_bags={inner_bags} {name}: fit {seconds:.2f} s, AUC {auc:.4f}",
                  flush=True)


if __name__ == "__main__":
    main()
