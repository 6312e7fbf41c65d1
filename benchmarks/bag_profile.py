"""Where one bag's fit time goes: milliseconds per step along each stage, on one thread.

    python benchmarks/bag_profile.py gss_marital
    python benchmarks/bag_profile.py gss_marital '{"interaction_smoothing_rounds": 25}' --fits 3

Fits the default estimator with ``outer_bags=1, n_jobs=1`` on ``run.py``'s 80/20 split (after a
small warm-up fit, so compiling is not counted) and times every step through ``callbacks``: each
stage's reports are cut into eight stretches, with the time per step and the validation metric at
the end of each. A cyclic round reports once (a step per term) and a greedy step once, so the
smoothing rounds fill the first stretch or stretches. ``--fits`` repeats the whole fit to show
the run-to-run spread; the stretches are those of the last fit.
"""

from __future__ import annotations

import argparse
import time

import datasets
from sklearn.model_selection import train_test_split

from measure import add_dataset_arguments, estimator_class

STRETCHES = 8


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_dataset_arguments(parser)
    parser.add_argument("--fits", type=int, default=1)
    args = parser.parse_args()
    X, y, task = datasets.load(args.dataset)
    X_train, _, y_train, _ = train_test_split(X, y, test_size=0.2, random_state=0)
    estimator = estimator_class(task)
    steps: list[tuple[float, int, int, float]] = []

    def record(bag, stage, step, term, metric):
        steps.append((time.perf_counter(), stage, step, metric))

    params = dict(outer_bags=1, n_jobs=1, callbacks=record, **args.params)
    estimator(**params).fit(X_train.iloc[:500], y_train[:500])  # compiles, not timed
    for _ in range(args.fits):
        steps.clear()
        model = estimator(**params)
        start = time.perf_counter()
        model.fit(X_train, y_train)
        print(f"fit {time.perf_counter() - start:.2f} s, best steps "
              f"{model.best_iteration_.ravel().tolist()}")
    for stage in sorted({s for _, s, _, _ in steps}):
        events = [e for e in steps if e[1] == stage]
        size = max(1, len(events) // STRETCHES)
        for i in range(0, len(events) - 1, size):
            j = min(len(events) - 1, i + size)
            seconds, done = events[j][0] - events[i][0], events[j][2] - events[i][2]
            print(f"stage {stage} steps {events[i][2]:>7}-{events[j][2]:>7}: "
                  f"{1e3 * seconds / max(done, 1):.3f} ms per step, metric {events[j][3]:.6f}")


if __name__ == "__main__":
    main()
