"""Long run of the model-file fuzz suite: the seeded cases of tests/test_model_fuzz.py, many more.

    python benchmarks/fuzz_models.py --cases 5000 [--first-seed 0] [--out fuzz.json]

Each case mutates a real model file (see the test module for the mutations) and must end in a
``ModelFileError`` naming a field of the document, or in a model whose predictions are finite and
whose SQLite query agrees with ``decision_function``. Prints the outcome counts, per mutation
family, and the slowest rejections and loads (wall and processor time of ``load``, file size);
every case that ends otherwise is printed with its seed, and the script exits with status 1.
CI runs seeds 0-499 (``CI_CASES``). Timings are wall-clock: on a shared machine, read the
processor times.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
import test_model_fuzz as fuzz  # noqa: E402  (the generator and the oracle)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=5000)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--out", help="write the summary as JSON to this file")
    args = parser.parse_args()

    start = time.perf_counter()
    texts = fuzz.base_texts(fuzz.fit_base_models())
    outcomes: Counter = Counter()
    families: dict[str, Counter] = defaultdict(Counter)
    timed: list[dict] = []
    failures: list[str] = []
    for seed in range(args.first_seed, args.first_seed + args.cases):
        case = fuzz.make_case(seed, texts)
        try:
            outcome = fuzz.run_case(case)
            kind = outcome.kind
            timed.append({"seed": seed, "kind": kind, "seconds": outcome.seconds,
                          "cpu_seconds": outcome.cpu_seconds, "bytes": len(case.data),
                          "steps": case.steps, "field": outcome.field})
        except Exception as error:  # anything else is a finding: record it, keep going
            kind = "FAILED"
            failures.append(f"{fuzz.describe(case)}: {type(error).__name__}: {error}"[:1000])
        outcomes[kind] += 1
        for family in set(case.families):
            families[family][kind] += 1
    elapsed = time.perf_counter() - start

    def slowest(kind: str, n: int = 5) -> list[dict]:
        return sorted((t for t in timed if t["kind"] == kind), key=lambda t: -t["cpu_seconds"])[:n]

    print(f"{args.cases} cases (seeds {args.first_seed}-{args.first_seed + args.cases - 1}) in "
          f"{elapsed:.0f} s: " + ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())))
    print("\nper mutation family (a case may use several):")
    for family, counts in sorted(families.items()):
        print(f"  {family:16s} " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    for kind in ("rejected", "loaded"):
        print(f"\nslowest {kind} (processor s, wall s, bytes, steps):")
        for t in slowest(kind):
            print(f"  {t['cpu_seconds']:.3f} {t['seconds']:.3f} {t['bytes']:>9,} seed {t['seed']}"
                  f" {t['steps']}"[:160])
    for failure in failures:
        print("FAILED", failure)
    if args.out:
        Path(args.out).write_text(json.dumps({
            "cases": args.cases, "first_seed": args.first_seed, "seconds": elapsed,
            "outcomes": outcomes, "families": families, "failures": failures,
            "slowest_rejected": slowest("rejected"), "slowest_loaded": slowest("loaded"),
        }, indent=2))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
