"""Model file sizes per detail level, and how long glassboost.load takes to load or reject files.

    python benchmarks/model_files.py [--skip-credit] [--out model_files.json]

1. Sizes: the default classifier fitted on the bundled credit data (Status == "bad"), written at
   every detail level with indent=2 (the default) and indent=None, plain and gzip-compressed.
2. Times of ``load`` (wall and processor time, best of 3) for real model files of about 1 MB and
   10 MB (fitted on synthetic data with enough features and bins), for the same files damaged at
   their end (so the whole file is read before the rejection), and for hostile files of about
   1 MB and 10 MB: many tiny features, many tiny pair terms, one array of millions of entries,
   a feature of 700k categories, 200k interaction strengths, a long parameter, deep nesting,
   many tiny main terms, many features of 40 categories, many classes, many tiny objects in the
   parameters, many date conversions, a name of millions of non-ASCII characters.
Wall times need an otherwise idle machine; processor times (``time.process_time``) are the better
guide on a shared one.
"""

from __future__ import annotations

import argparse
import gzip
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd

from glassboost import ExplainableBoostingClassifier, load
from glassboost.datasets import load_credit
from glassboost.io import ModelFileError
from glassboost.io.detail import DETAILS


def credit_sizes() -> list[dict]:
    frame = load_credit()
    y = (frame.pop("Status") == "bad").to_numpy()
    model = ExplainableBoostingClassifier().fit(frame, y)
    rows = []
    for detail in DETAILS:
        for indent in (2, None):
            data = model.to_json(detail=detail, indent=indent).encode()
            rows.append({"detail": detail, "indent": indent, "bytes": len(data),
                         "gzip_bytes": len(gzip.compress(data, mtime=0))})
    return rows


def real_model_text(n_features: int, max_bins: int, n_pairs: int) -> str:
    """A fitted model's file (detail 'all', 14 bags, compact): its size grows with the bins."""
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(6000, n_features)),
                     columns=[f"x{i}" for i in range(n_features)])
    y = (X.iloc[:, 0] + X.iloc[:, 1] * X.iloc[:, 2] + rng.normal(size=len(X)) > 0).to_numpy()
    model = ExplainableBoostingClassifier(max_bins=max_bins, interactions=n_pairs,
                                          max_interaction_bins=32, max_rounds=30,
                                          early_stopping_rounds=5).fit(X, y)
    return model.to_json(indent=None)


def damaged(text: str, how: str) -> str:
    document = json.loads(text)
    if how == "last cell is text":
        document["terms"][-1]["bagged_scores"][-1][-1] = "0.1"
    elif how == "three-feature term at the end":
        document["terms"].append(dict(document["terms"][0], name="a & b & c",
                                      features=[0, 1, 2]))
    elif how == "last feature's cuts not increasing":
        cuts = document["features"][-1]["cuts"]
        cuts[-1] = cuts[0]
    return json.dumps(document)


def _tiny_features(n: int) -> list[dict]:
    return [{"name": f"f{i}", "type": "continuous", "cuts": [], "interaction_cuts": []}
            for i in range(n)]


def _minimal(document: dict, features: list[dict]) -> None:
    """Make ``document`` a minimal-detail file with these features."""
    document.update(detail="minimal", features=features)
    document.pop("bagged_intercept")
    document["training"] = {k: document["training"][k] for k in ("objective", "parameters")}


def hostile(base: dict, kind: str, megabytes: float) -> str:
    """A file of about ``megabytes`` that is costly to check in the way ``kind`` says."""
    document = json.loads(json.dumps(base))
    scale = megabytes / 10
    if kind == "many tiny features":
        document["features"] += _tiny_features(int(140_000 * scale))
    elif kind == "many tiny pair terms":
        n = int(480 * scale ** 0.5)
        _minimal(document, _tiny_features(n))
        document["terms"] = [{"name": f"t{i},{j}", "features": [i, j],
                              "scores": [[0.0] * 3] * 3}
                             for i in range(n) for j in range(i + 1, n)]
    elif kind == "one array of millions of entries":
        document["features"][0]["cuts"] = [0.5] * int(2_000_000 * scale)
    elif kind == "a feature of 700k categories":
        categorical = next(f for f in document["features"] if "categories" in f)
        categorical["categories"] = {f"c{i}": i + 1 for i in range(int(700_000 * scale))}
    elif kind == "200k interaction strengths":
        n = int(630 * scale ** 0.5)
        document["features"] += _tiny_features(n)
        document["training"]["interaction_strengths"] = [
            {"features": [f"f{i}", f"f{j}"], "strength": 1.0}
            for i in range(n) for j in range(i + 1, n)]
    elif kind == "a parameter of millions of entries":
        document["training"]["parameters"]["x"] = [0] * int(5_000_000 * scale)
    elif kind == "many tiny main terms":
        n = int(95_000 * scale)
        _minimal(document, _tiny_features(n))
        document["terms"] = [{"name": f"t{i}", "features": [i], "scores": [0.0] * 3}
                             for i in range(n)]
    elif kind == "many features of 40 categories":
        document["features"] += [
            {"name": f"n{i}", "type": "nominal",
             "categories": {f"c{j}": j + 1 for j in range(40)}} for i in range(int(27_000 * scale))]
    elif kind == "many classes":
        n = int(300_000 * scale)
        _minimal(document, _tiny_features(1))
        document.update(link="mlogit", intercept=[0.0] * n,
                        classes={"type": "str", "values": [f"c{i}" for i in range(n)]})
        document["terms"] = [{"name": "f0", "features": [0], "scores": [[0.0] * n] * 3}]
    elif kind == "many tiny objects":
        document["training"]["parameters"]["x"] = [{"a": 0}] * int(1_250_000 * scale)
    elif kind == "many date conversions":
        n = int(85_000 * scale)
        document["features"] += [dict(feature, name=f"d{i}:year")
                                 for i, feature in enumerate(_tiny_features(n))]
        document["datetime_conversions"] = [{"column": f"d{i}", "parts": ["year"],
                                             "format": None} for i in range(n)]
    elif kind == "a name of millions of non-ASCII characters":
        document["features"][0]["name"] = "\u00e9\u4e2d" * int(800_000 * scale)
    elif kind == "deep nesting":
        return '{"a":' + "[" * int(1_000_000 * scale) + "]" * int(1_000_000 * scale) + "}"
    return json.dumps(document)


EXTRA_KINDS = ("many tiny main terms", "many features of 40 categories", "many classes",
               "many tiny objects", "many date conversions",
               "a name of millions of non-ASCII characters")


def timed_load(text: str, repeats: int = 3) -> dict:
    best_wall = best_cpu = float("inf")
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            load(text)
            outcome = "loaded"
        except ModelFileError as error:
            outcome = str(error)[:90]
        best_wall = min(best_wall, time.perf_counter() - wall)
        best_cpu = min(best_cpu, time.process_time() - cpu)
    return {"bytes": len(text.encode()), "wall_s": best_wall, "cpu_s": best_cpu,
            "outcome": outcome}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--skip-credit", action="store_true")
    parser.add_argument("--out")
    args = parser.parse_args()
    results: dict = {}
    if not args.skip_credit:
        results["credit_sizes"] = credit_sizes()
        print("credit model file sizes (bytes): detail, indent, plain, gzip")
        for row in results["credit_sizes"]:
            print(f"  {row['detail']:13s} {str(row['indent']):4s} {row['bytes']:>11,} "
                  f"{row['gzip_bytes']:>10,}")
    files = {"real ~1 MB": real_model_text(12, 256, 0),
             "real ~10 MB": real_model_text(40, 512, 4)}
    for name in list(files):
        for how in ("last cell is text", "three-feature term at the end",
                    "last feature's cuts not increasing"):
            files[f"{name}, {how}"] = damaged(files[name], how)
    base = json.loads(real_model_text(3, 8, 0))
    base["features"].append({"name": "c", "type": "nominal", "categories": {"a": 1}})
    for megabytes in (1, 10):
        for kind in ("many tiny features", "many tiny pair terms",
                     "one array of millions of entries", "a feature of 700k categories",
                     "200k interaction strengths", "a parameter of millions of entries",
                     "deep nesting", *EXTRA_KINDS):
            files[f"hostile {megabytes} MB: {kind}"] = hostile(base, kind, megabytes)
    results["load_times"] = {}
    print("\nload: bytes, wall s, processor s (best of 3), outcome")
    for name, text in files.items():
        row = results["load_times"][name] = timed_load(text)
        print(f"  {name:60s} {row['bytes']:>11,} {row['wall_s']:6.3f} {row['cpu_s']:6.3f} "
              f"{row['outcome'][:60]}")
    if args.out:
        Path(args.out).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
