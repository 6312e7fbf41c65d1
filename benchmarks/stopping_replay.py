"""Replay early stopping's rise rule on recorded validation losses, without refitting.

    python benchmarks/stopping_replay.py --record traces.json
    python benchmarks/stopping_replay.py --replay traces.json --rise 0.02,0.05,0.1
    python benchmarks/stopping_replay.py --replay traces.json --rise 0.05 --smoothing-rounds 0,10,20

``--record`` fits every dataset of ``run.py``'s default run (its split, defaults but
``early_stopping_rise=0``, so every stage runs out its window) and keeps each bag's validation
loss after every counted step (the ``callbacks`` reports). ``--replay`` walks each stage's losses
as the kernel's ``stopping.count_steps`` does and reports, per dataset, the share of steps a rise margin
of ``rise / sqrt(validation rows)`` would have saved (stop once the loss has stayed above the
margin for ``RISE_ROUNDS`` rounds after a best found past the smoothing rounds, or for
``--smoothing-rounds`` rounds inside the smoothing rounds, by default the kernel's
``SMOOTHING_RISE_ROUNDS``; 0 leaves the smoothing rounds to the window), and the stages whose
best it would have changed, with the worst relative loss so kept. A default is safe when no
stage's best changes: the fit then keeps the same tables and stops sooner. Traces recorded
with ``early_stopping_in_smoothing=True`` (the default) hold the smoothing rounds' losses the
replay needs.
"""

from __future__ import annotations

import argparse
import json
import threading
import time

from sklearn.model_selection import train_test_split

import datasets
from glassboost import ExplainableBoostingClassifier, ExplainableBoostingRegressor
from glassboost.booster import noise_floor, noise_share
from glassboost.kernels.stopping import RISE_ROUNDS, SMOOTHING_RISE_ROUNDS


def record(names: list[str]) -> dict:
    """Every bag's (stage, steps, validation loss) reports of a default fit per dataset."""
    traces = {}
    for name in names:
        X, y, task = datasets.load(name)
        X_train, _, y_train, _ = train_test_split(X, y, test_size=0.2, random_state=0)
        reports, lock = [], threading.Lock()

        def report(bag, stage, step, term, metric):  # the names say the kind of callback
            with lock:
                reports.append((int(bag), int(stage), int(step), float(metric)))
            return False

        regression = task == datasets.REGRESSION
        model = (ExplainableBoostingRegressor if regression else ExplainableBoostingClassifier)(
            early_stopping_rise=0.0, callbacks=report)
        start = time.perf_counter()
        model.fit(X_train, y_train)
        n_terms = [sum(len(f) == 1 for f in model.term_features_),
                   sum(len(f) >= 2 for f in model.term_features_)]
        traces[name] = {
            "reports": reports, "n_terms": n_terms,
            "smoothing_rounds": [model.smoothing_rounds, model.interaction_smoothing_rounds],
            "validation_rows": model.validation_size * len(X_train),
            "noise": model.early_stopping_noise, "tolerance": model.early_stopping_tolerance,
        }
        print(f"{name}: {time.perf_counter() - start:.1f} s, {len(reports)} reports", flush=True)
    return traces


def replay_stage(losses: list[tuple[int, float]], tolerance: float, floor: float,
                 margin: float, smoothing_steps: int, rise_steps: int,
                 smoothing_rise_steps: int) -> tuple[float, int | None, float]:
    """The best loss of the whole stage, and the step the rise rule stops at (None: never) with
    the best loss it keeps then: ``stopping.count_steps``' bookkeeping on the reported losses."""
    best_loss, best_step = losses[0][1], losses[0][0]
    previous, risen, stop, kept = 0, 0, None, best_loss
    for steps, loss in losses:
        if loss < best_loss - max(tolerance * abs(best_loss), floor):
            best_loss, best_step, risen = loss, steps, 0
        else:
            risen = risen + steps - previous if loss > best_loss + margin * abs(best_loss) else 0
        previous = steps
        if steps <= smoothing_steps:
            rises = smoothing_rise_steps > 0 and risen >= smoothing_rise_steps
        else:
            rises = best_step > smoothing_steps and risen >= rise_steps
        if stop is None and margin > 0 and rises:
            stop, kept = steps, best_loss
    return best_loss, stop, kept if stop is not None else best_loss


def replay(traces: dict, rise: float, smoothing_rounds: int) -> None:
    print(f"rise {rise}, {smoothing_rounds} rounds inside the smoothing rounds: steps saved, "
          "stages whose best changes (of all), worst loss kept")
    for name, trace in traces.items():
        tolerance = max(trace["tolerance"], noise_share(trace["validation_rows"], trace["noise"]))
        margin = noise_share(trace["validation_rows"], rise)
        stages: dict[tuple[int, int], list] = {}
        for bag, stage, steps, loss in trace["reports"]:
            stages.setdefault((bag, stage), []).append((steps, loss))
        run = saved = 0
        changed = []
        for (bag, stage), losses in stages.items():
            losses.sort()
            # the constant model's loss is not reported: a bag's first main-stage report (one
            # round in) stands in for it in the absolute noise floor
            reference = min(stages[bag, 0])[1]
            floor = noise_floor(reference, trace["validation_rows"], trace["noise"])[1]
            n_terms = trace["n_terms"][stage]
            best_loss, stop, kept = replay_stage(
                losses, tolerance, floor, margin, trace["smoothing_rounds"][stage] * n_terms,
                RISE_ROUNDS * n_terms, smoothing_rounds * n_terms)
            run += losses[-1][0]
            if stop is not None:
                saved += losses[-1][0] - stop
                if kept != best_loss:
                    changed.append((kept - best_loss) / abs(best_loss))
        worst = f"{max(changed):.2e}" if changed else "-"
        print(f"  {name:16s} {saved / max(run, 1):6.1%}  {len(changed):3d} of {len(stages):3d}  "
              f"{worst}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--record", help="fit the datasets and write their traces here")
    parser.add_argument("--replay", help="replay these traces")
    parser.add_argument("--datasets", default=",".join(datasets.COMPARED))
    parser.add_argument("--rise", default="0.02,0.05,0.1")
    parser.add_argument("--smoothing-rounds", default=str(SMOOTHING_RISE_ROUNDS),
                        help="rounds above the margin that stop a stage inside its smoothing "
                             "rounds (0: only the window does)")
    args = parser.parse_args()
    if args.record:
        with open(args.record, "w") as out:
            json.dump(record(args.datasets.split(",")), out)
    if args.replay:
        with open(args.replay) as traces:
            loaded = json.load(traces)
        for rise in (float(r) for r in args.rise.split(",")):
            for rounds in (int(r) for r in args.smoothing_rounds.split(",")):
                replay(loaded, rise, rounds)


if __name__ == "__main__":
    main()
