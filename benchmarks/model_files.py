"""Model file sizes per detail level, and how long glassboost.load takes to load or reject files.

    python benchmarks/model_files.py [--skip-credit] [--skip-real] [--only TEXT] [--out FILE]

1. Sizes and load times: the default classifier fitted on the bundled credit data
   (Status == "bad"), written at every detail level with indent=2 (the default) and
   indent=None, plain and gzip-compressed, and as a compact file (``compact=True``, format
   version 4: binary tables), whose load time is measured.
2. Times of ``load`` (wall and processor time, best of 3, and processor time per 10 MB) for
   real model files of about 1 MB and 10 MB (fitted on synthetic data with enough features and
   bins), text and compact, for the same files damaged at their end (so the whole file is read
   before the rejection), and for hostile files of about 1 MB and 10 MB, text and compact:
   many tiny features, many tiny pair terms, one array of millions of entries, a feature of
   700k categories, 200k interaction strengths, a long parameter, deep nesting, many tiny main
   terms, many features of 40 categories, many classes, many tiny objects in the parameters,
   many date conversions, a name of millions of non-ASCII characters; and, for compact files
   only, many tiny binary blocks (alone, with a three-feature term, with one table written as
   arrays, with the last block damaged or its term repeated), tiny pair terms of four blocks
   each, and deflate bombs (a block whose data expands to 1 GB, whether its shape says so or
   not; a block of 100 MB of zeros within the limit).
``--only TEXT`` measures only the files whose name contains TEXT.
Wall times need an otherwise idle machine; processor times (``time.process_time``) are the better
guide on a shared one.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import json
import time
import zlib
from pathlib import Path

import numpy as np
import pandas as pd

from glassboost import ExplainableBoostingClassifier, load
from glassboost.datasets import load_credit
from glassboost.io import ModelFileError
from glassboost.io.binary_tables import CODEC, DTYPE, encode_table
from glassboost.io.detail import DETAILS

TABLES = ("scores", "standard_deviations", "bin_weights", "bagged_scores")


def credit_sizes() -> list[dict]:
    frame = load_credit()
    y = (frame.pop("Status") == "bad").to_numpy()
    model = ExplainableBoostingClassifier().fit(frame, y)
    rows = []
    for detail in DETAILS:
        for indent in (2, None, "compact"):
            text = (model.to_json(detail=detail, compact=True) if indent == "compact"
                    else model.to_json(detail=detail, indent=indent))
            data = text.encode()
            row = {"detail": detail, "indent": indent, "bytes": len(data),
                   "gzip_bytes": len(gzip.compress(data, mtime=0))}
            if indent != 2:
                row["load"] = timed_load(text)
            rows.append(row)
    return rows


def compact(document: dict) -> dict:
    """The document as a compact file: every term table a binary block, format version 4."""
    document = dict(document, format_version=4, terms=[
        {key: encode_table(value) if key in TABLES and type(value) is list else value
         for key, value in term.items()} for term in document["terms"]])
    return document


def real_model_text(n_features: int, max_bins: int, n_pairs: int, compact: bool = False
                    ) -> str:
    """A fitted model's file (detail 'all', 14 bags, compact): its size grows with the bins."""
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(6000, n_features)),
                     columns=[f"x{i}" for i in range(n_features)])
    y = (X.iloc[:, 0] + X.iloc[:, 1] * X.iloc[:, 2] + rng.normal(size=len(X)) > 0).to_numpy()
    model = ExplainableBoostingClassifier(max_bins=max_bins, interactions=n_pairs,
                                          max_interaction_bins=32, max_rounds=30,
                                          early_stopping_rounds=5).fit(X, y)
    return model.to_json(indent=None, compact=compact)


def damaged(text: str, how: str) -> str:
    document = json.loads(text)
    if how == "last cell is text":
        document["terms"][-1]["bagged_scores"][-1][-1] = "0.1"
    elif how == "last block's data cut short":
        block = document["terms"][-1]["bagged_scores"]
        block["data"] = block["data"][:-8]
    elif how == "last block's shape wrong":
        block = document["terms"][-1]["bagged_scores"]
        block["shape"][-1] += 1
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


def _block(values: np.ndarray, raw: bytes | None = None, shape: list | None = None) -> dict:
    if raw is None:
        return encode_table(values)
    return {"dtype": DTYPE, "shape": shape, "codec": CODEC,
            "data": base64.b64encode(raw).decode("ascii")}


def _zeros_stream(n_bytes: int) -> bytes:
    """The deflate stream of ``n_bytes`` zero bytes, made in pieces."""
    stream, chunk, parts = zlib.compressobj(9), bytes(1 << 24), []
    for _ in range(n_bytes >> 24):
        parts.append(stream.compress(chunk))
    parts.append(stream.compress(bytes(n_bytes & ((1 << 24) - 1))))
    parts.append(stream.flush())
    return b"".join(parts)


def _minimal_terms(document: dict) -> None:
    """Make ``document`` a minimal-detail file with the same features and terms."""
    _minimal(document, document["features"])
    document["terms"] = [{key: term[key] for key in ("name", "features", "scores")}
                         for term in document["terms"]]


def hostile_compact(base: dict, kind: str, megabytes: float) -> str:
    """A compact file (format version 4) of about ``megabytes`` that is costly to check in the
    way ``kind`` says."""
    document = json.loads(json.dumps(base))
    scale = megabytes / 10
    tiny = _block(np.zeros(3))
    if kind.startswith("many tiny blocks"):
        n = int(72_000 * scale)
        _minimal(document, _tiny_features(n))
        document["terms"] = [{"name": f"t{i}", "features": [i], "scores": tiny}
                             for i in range(n)]
        if kind.endswith("a three-feature term"):
            document["terms"].append({"name": "t0,1,2", "features": [0, 1, 2],
                                      "scores": _block(np.zeros((3, 3, 3)))})
        elif kind.endswith("one written as arrays"):
            document["terms"][n // 2]["scores"] = [0.0] * 3
        elif kind.endswith("the last damaged"):
            document["terms"][-1]["scores"] = dict(tiny, data=tiny["data"][:-4])
        elif kind.endswith("the last repeated"):
            document["terms"][-1]["features"] = [0]
        document["format_version"] = 4
        return json.dumps(document)
    if kind == "tiny pair terms of four blocks":
        n = int(230 * scale ** 0.5)
        document["features"] = _tiny_features(n)
        document["bagged_intercept"] = []
        document["training"]["n_samples"] = 0.0
        document["training"]["interaction_strengths"] = []
        pair, empty = _block(np.zeros((3, 3))), _block(np.zeros((0, 3, 3)))
        document["terms"] = [{"name": f"t{i},{j}", "features": [i, j], "scores": pair,
                              "standard_deviations": pair, "bin_weights": pair,
                              "bagged_scores": empty}
                             for i in range(n) for j in range(i + 1, n)]
        document["format_version"] = 4
        return json.dumps(document)
    if kind.startswith("a deflate bomb"):  # 1 GB of zeros in about 1 MB
        _minimal_terms(document)
        stream = _zeros_stream(1 << 30)
        if kind.endswith("small shape"):  # the shape of a main effect of 10 bins
            term = document["terms"][0]
            shape = [len(document["features"][term["features"][0]]["cuts"]) + 3]
        else:  # a pair of 11,586 x 11,586 bins: 1 GB, above the limit
            cuts = [float(i) for i in range(11_583)]
            document["features"][0]["interaction_cuts"] = cuts
            document["features"][1]["interaction_cuts"] = cuts
            document["terms"].append({"name": "pair", "features": [0, 1]})
            term, shape = document["terms"][-1], [len(cuts) + 3] * 2
        term["scores"] = _block(None, stream, shape)
        document["format_version"] = 4
        return json.dumps(document)
    if kind == "a block of 100 MB of zeros within the limit":
        _minimal_terms(document)
        cuts = [float(i) for i in range(3532)]  # 3535**2 * 8 bytes: just under 100 MB
        document["features"][0]["interaction_cuts"] = cuts
        document["features"][1]["interaction_cuts"] = cuts
        n = len(cuts) + 3
        document["terms"].append({"name": "pair", "features": [0, 1], "scores": _block(
            None, _zeros_stream(n * n * 8), [n, n])})
        document["format_version"] = 4
        return json.dumps(document)
    if kind == "deep nesting":  # in a block's shape
        document = compact(document)
        document["terms"][0]["scores"]["shape"] = "NESTING"
        depth = int(1_000_000 * scale)
        return json.dumps(document).replace('"NESTING"', "[" * depth + "]" * depth)
    return json.dumps(compact(json.loads(hostile(base, kind, megabytes))))


COMPACT_KINDS = ("many tiny blocks", "many tiny blocks and a three-feature term",
                 "many tiny blocks, one written as arrays", "many tiny blocks, the last damaged",
                 "many tiny blocks, the last repeated", "tiny pair terms of four blocks")
BOMB_KINDS = ("a deflate bomb of small shape", "a deflate bomb of its full shape",
              "a block of 100 MB of zeros within the limit")


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
    size = len(text.encode())
    return {"bytes": size, "wall_s": best_wall, "cpu_s": best_cpu,
            "cpu_s_per_10mb": best_cpu * 1e7 / size, "outcome": outcome}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--skip-credit", action="store_true")
    parser.add_argument("--skip-real", action="store_true", help="no synthetic real models")
    parser.add_argument("--only", default="", help="only the files whose name contains this")
    parser.add_argument("--out")
    args = parser.parse_args()
    results: dict = {}
    if not args.skip_credit:
        results["credit_sizes"] = credit_sizes()
        print("credit model file sizes (bytes): detail, indent, plain, gzip, load processor s")
        for row in results["credit_sizes"]:
            load_s = f"{row['load']['cpu_s']:6.3f}" if "load" in row else ""
            print(f"  {row['detail']:13s} {str(row['indent']):8s} {row['bytes']:>11,} "
                  f"{row['gzip_bytes']:>10,} {load_s}")
    files = {}
    if not args.skip_real:
        for form in ("text", "compact"):
            for name, sizes in (("~1 MB", (12, 256, 0)), ("~10 MB", (40, 512, 4))):
                files[f"real {form} {name}"] = real_model_text(*sizes, compact=form == "compact")
            for name in [f"real {form} ~1 MB", f"real {form} ~10 MB"]:
                for how in (("last cell is text", "three-feature term at the end",
                             "last feature's cuts not increasing") if form == "text" else
                            ("last block's data cut short", "last block's shape wrong",
                             "three-feature term at the end",
                             "last feature's cuts not increasing")):
                    files[f"{name}, {how}"] = damaged(files[name], how)
    base = json.loads(real_model_text(3, 8, 0))
    base["features"].append({"name": "c", "type": "nominal", "categories": {"a": 1}})
    kinds = ("many tiny features", "many tiny pair terms", "one array of millions of entries",
             "a feature of 700k categories", "200k interaction strengths",
             "a parameter of millions of entries", "deep nesting", *EXTRA_KINDS)
    makers = {}
    for megabytes in (1, 10):
        for kind in kinds:
            makers[f"hostile {megabytes} MB: {kind}"] = (hostile, kind, megabytes)
        for kind in kinds + COMPACT_KINDS:
            makers[f"hostile compact {megabytes} MB: {kind}"] = (hostile_compact, kind,
                                                                 megabytes)
    for kind in BOMB_KINDS:
        makers[f"hostile compact: {kind}"] = (hostile_compact, kind, 1)
    for name, (make, kind, megabytes) in makers.items():
        if args.only in name:
            files[name] = make(base, kind, megabytes)
    results["load_times"] = {}
    print("\nload: bytes, wall s, processor s (best of 3), processor s per 10 MB, outcome")
    for name, text in files.items():
        if args.only not in name:
            continue
        row = results["load_times"][name] = timed_load(text)
        print(f"  {name:72s} {row['bytes']:>11,} {row['wall_s']:6.3f} {row['cpu_s']:6.3f} "
              f"{row['cpu_s_per_10mb']:6.3f} {row['outcome'][:60]}", flush=True)
    if args.out:
        Path(args.out).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
