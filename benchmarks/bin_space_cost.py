"""Cost of a squared-error main-effect step in bin space against a pass over the rows.

    python benchmarks/bin_space_cost.py --out bin_space_cost.json

For each data shape (rows, features, bins per feature) one bag boosts the main effects of a
synthetic regression for a fixed number of rounds (early stopping off, one thread), once with
bin space forced on and once forced off, alternating, best of ``--repeats``. The boosting
kernel alone is timed. The two runs fit the same model up to the order of floating-point sums;
the table gives the time per step of each, their ratio, and what ``booster.bin_space_pays``
chooses for the shape. The break-even between the two is what the rule must follow.
"""
import argparse
import json
import time

import numpy as np

import glassboost.booster as booster
import glassboost.compile_ahead as compile_ahead
from glassboost import ExplainableBoostingRegressor

SHAPES = [  # rows, features, bins per feature: the sums of every shape fit in BIN_SPACE_BYTES
    (2_000, 4, 256), (4_000, 8, 256), (8_000, 8, 256), (8_000, 3, 1024), (16_000, 3, 1024),
    (6_500, 3, 1024), (8_500, 8, 512), (10_000, 8, 512),
    (16_000, 14, 256), (16_000, 8, 512), (32_000, 8, 512), (64_000, 8, 512), (64_000, 16, 256),
]


def data(rows: int, features: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.uniform(size=(rows, features))
    y = np.sin(6 * X).sum(axis=1) + rng.normal(scale=1.0, size=rows)
    return X, y


def time_mains(X, y, bins: int, rounds: int, forced: bool) -> tuple[float, int, int, int, bool]:
    """(seconds in the boosting kernel, steps run, bins of the terms, rows of the bag, the
    rule's choice) of one bag's main stage."""
    rule, seen = booster.bin_space_pays, []

    def choose(code, n1, n2, n_rows, weights):
        seen.append((int(n1.sum()), n_rows, rule(code, n1, n2, n_rows, weights)))
        # the rule's other conditions (objective, the sums' size) hold for every shape here
        return forced and rule(code, n1, n2, 10**12, weights)
    booster.bin_space_pays = choose
    kernel, spent = booster.boost_kernel, []

    def timed(*args):
        start = time.perf_counter()
        result = kernel(*args)
        spent.append((time.perf_counter() - start, int(result[1])))
        return result
    booster.boost_kernel = timed
    try:
        ExplainableBoostingRegressor(interactions=0, outer_bags=1, n_jobs=1, max_bins=bins,
                                     max_rounds=rounds, early_stopping_rounds=0,
                                     smoothing_rounds=0).fit(X, y)
    finally:
        booster.bin_space_pays, booster.boost_kernel = rule, kernel
    return spent[0] + seen[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--shapes", help="rows:features:bins,... (default: every shape above)")
    parser.add_argument("--out")
    args = parser.parse_args()
    shapes = ([tuple(int(v) for v in s.split(":")) for s in args.shapes.split(",")]
              if args.shapes else SHAPES)
    compile_ahead.start = compile_ahead.prepare = lambda *a, **k: None  # no second process
    results = []
    for rows, features, bins in shapes:
        X, y = data(rows, features)
        for forced in (True, False):  # compile both variants before timing
            time_mains(X[:500], y[:500], bins, 2, forced)
        best = {True: np.inf, False: np.inf}
        for _ in range(args.repeats):
            for forced in (True, False):
                seconds, steps, total, bag_rows, chosen = time_mains(X, y, bins, args.rounds,
                                                                     forced)
                best[forced] = min(best[forced], seconds / steps)
        record = {"rows": rows, "features": features, "max_bins": bins, "bag_rows": bag_rows,
                  "total_bins": total, "bin_space_us": round(best[True] * 1e6, 2),
                  "rows_us": round(best[False] * 1e6, 2),
                  "rows_over_bins": round(best[False] / best[True], 2),
                  "rows_per_bin": round(bag_rows / total, 2), "rule": chosen}
        results.append(record)
        print(json.dumps(record), flush=True)
        if args.out:
            with open(args.out, "w") as f:
                json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
