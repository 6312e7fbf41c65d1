"""Compact model files: tables as binary blocks load back bit for bit, and a damaged block is a
ModelFileError naming its field (random damage: test_model_fuzz's block mutations)."""

from __future__ import annotations

import base64
import json
import time
import zlib
from importlib import resources

import jsonschema
import numpy as np
import pandas as pd
import pytest

from glassboost import ExplainableBoostingClassifier, ExplainableBoostingRegressor, load
from glassboost.io import ModelFileError
from glassboost.io.binary_tables import BlockDecoder, encode_table
from glassboost.io.detail import DETAILS

SMALL = dict(outer_bags=3, max_bins=32, max_interaction_bins=10, interactions=[(0, 1), (0, 2)],
             max_rounds=60, early_stopping_rounds=10, n_jobs=1)


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    X = pd.DataFrame({"num": rng.normal(size=400),
                      "color": rng.choice(["red", "green", "blue"], 400),
                      "count": rng.integers(0, 6, 400).astype(float)})
    X.loc[::11, "num"] = np.nan
    return X


@pytest.fixture(scope="module")
def models(data) -> dict:
    signal = data["num"].fillna(0) + (data["color"] == "red") + data["count"] / 3
    return {
        "binary": ExplainableBoostingClassifier(**SMALL).fit(data, signal > 0.8),
        "multiclass": ExplainableBoostingClassifier(**SMALL).fit(
            data, np.select([signal < 0.5, signal < 1.2], ["low", "mid"], "high")),
        "regression": ExplainableBoostingRegressor(**SMALL).fit(data, signal * 2.0),
    }


def decode(block: dict) -> np.ndarray:
    """A block's values, decoded independently of the loader."""
    raw = zlib.decompress(base64.b64decode(block["data"]))
    return np.frombuffer(raw, np.uint8).reshape(8, -1).T.copy().view("<f8").reshape(
        block["shape"])


def data_of(values, raw: bytes | None = None) -> str:
    if raw is None:
        raw = np.ascontiguousarray(values, "<f8").reshape(-1).view(np.uint8).reshape(
            -1, 8).T.tobytes()
    return base64.b64encode(zlib.compress(raw)).decode("ascii")


# ---- exact round trips -----------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["binary", "multiclass", "regression"])
@pytest.mark.parametrize("detail", DETAILS)
def test_compact_files_load_back_bit_for_bit(models, data, kind, detail):
    model = models[kind]
    text = model.to_json(detail=detail, compact=True)
    document = json.loads(text)
    assert document["format_version"] == 4 and "\n" not in text
    loaded = load(text)
    plain = load(model.to_json(detail=detail))
    attributes = ["term_scores_"] + (["standard_deviations_", "bin_weights_"]
                                     if detail != "minimal" else []) + (
        ["bagged_scores_"] if detail == "all" else [])
    for attribute in attributes:
        for a, b, c in zip(getattr(model, attribute), getattr(loaded, attribute),
                           getattr(plain, attribute)):
            assert a.shape == b.shape and a.tobytes() == b.tobytes() == c.tobytes(), attribute
    for t, term in enumerate(document["terms"]):  # what the file holds, read without glassboost
        assert decode(term["scores"]).tobytes() == np.asarray(
            model.term_scores_[t], "<f8").tobytes()
    np.testing.assert_array_equal(loaded.decision_function(data), model.decision_function(data))
    assert loaded.to_json(detail=detail, compact=True) == text
    assert loaded.to_json(detail=detail) == model.to_json(detail=detail)
    plain_size = len(model.to_json(detail=detail, indent=None))
    assert len(text) < (0.75 if detail == "all" else 1.0) * plain_size  # tables dominate "all"


def test_special_values_keep_their_bits():
    values = np.array([[0.0, -0.0, 5e-324, -2.2250738585072014e-308],
                       [1e100, -1e-300, np.nextafter(1.0, 2.0), 0.1]])
    block = encode_table(values)
    assert block["shape"] == [2, 4] and block["dtype"] == "<f8"
    assert decode(block).tobytes() == values.tobytes()
    decoded = BlockDecoder(None).decode(block, (2, 4), "t")
    assert decoded.tobytes() == values.reshape(-1).tobytes()
    empty = encode_table(np.zeros((0, 3, 2)))  # a term's per-bag tables of a model without bags
    assert BlockDecoder(None).decode(empty, (0, 3, 2), "t").shape == (0,)


def test_the_published_schema_describes_compact_files(models):
    schema = json.loads(resources.files("glassboost.io").joinpath("model.schema.json")
                        .read_text())
    validator = jsonschema.Draft202012Validator(schema)
    for model in models.values():
        for detail in DETAILS:
            document = json.loads(model.to_json(detail=detail, compact=True))
            assert not list(validator.iter_errors(document)), detail
            assert list(validator.iter_errors(dict(document, format_version=2)))
            document["terms"][0]["scores"]["codec"] = "gzip"
            assert list(validator.iter_errors(document)), detail


# ---- damaged blocks --------------------------------------------------------------------------
def _set_block(path: tuple, **fields):
    def edit(document):
        node = document
        for key in path:
            node = node[key]
        node.update(fields)
    return edit


def _reencode(path: tuple, change):
    def edit(document):
        node = document
        for key in path:
            node = node[key]
        node["data"] = change(decode(node))
    return edit


SCORES = ("terms", 3, "scores")  # the pair num x color: shape [12, 5]
DAMAGE = [
    (_set_block(SCORES, data="AAAA!AAA"), "terms[3].scores.data", "is not valid base64"),
    (_set_block(SCORES, data="é"), "terms[3].scores.data", "is not valid base64"),
    (_set_block(SCORES, data=base64.b64encode(b"not deflate").decode()),
     "terms[3].scores.data", "is damaged deflate data"),
    (_reencode(SCORES, lambda v: data_of(v)[:-8]), "terms[3].scores.data", None),
    (_reencode(SCORES, lambda v: base64.b64encode(
        base64.b64decode(data_of(v)) + b"\x00").decode()),
     "terms[3].scores.data", "has bytes after its deflate stream"),
    (_reencode(SCORES, lambda v: data_of(v.reshape(-1)[:-1])), "terms[3].scores.data",
     "decompresses to 472 bytes, but its shape holds 480"),
    (_reencode(SCORES, lambda v: data_of(np.append(v, 1.0))), "terms[3].scores.data",
     "decompresses to more than the 480 bytes its shape holds"),
    (_reencode(SCORES, lambda v: data_of(None, raw=bytes(50_000_000))),  # a bomb
     "terms[3].scores.data", "decompresses to more than the 480 bytes its shape holds"),
    (_set_block(SCORES, shape=[5, 12]), "terms[3].scores.shape", "must be [12, 5]"),
    (_set_block(SCORES, shape=[12.0, 5]), "terms[3].scores.shape", "must be [12, 5]"),
    (_set_block(SCORES, shape="6x5"), "terms[3].scores.shape", "must be an array"),
    (_set_block(SCORES, dtype="<f4"), "terms[3].scores.dtype", "must be '<f8'"),
    (_set_block(SCORES, codec="deflate-base64"), "terms[3].scores.codec",
     "must be 'shuffle-deflate-base64'"),
    (_set_block(SCORES, data=None), "terms[3].scores.data", "must be a base64 string"),
    (_set_block(SCORES, extra=1), "terms[3].scores.extra", "is not a field here"),
    (_reencode(SCORES, lambda v: data_of(np.where(v == v.flat[7], np.nan, v))),
     "terms[3].scores", "holds a non-finite number"),
    (_reencode(SCORES, lambda v: data_of(v * 0 + 1e101)), "terms[3].scores",
     "above the limit 1e+100"),
    (_reencode(("terms", 0, "standard_deviations"), lambda v: data_of(-v - 1)),
     "terms[0].standard_deviations", "holds a negative number"),
    (_reencode(("terms", 1, "bin_weights"), lambda v: data_of(v * 2)),
     "terms[1].bin_weights", "add up to"),
]


@pytest.mark.parametrize("edit, field, message", DAMAGE)
def test_damaged_blocks_are_rejected_naming_the_field(models, edit, field, message):
    document = json.loads(models["binary"].to_json(detail="mergeable", compact=True))
    assert document["terms"][3]["features"] == [0, 1]
    edit(document)
    with pytest.raises(ModelFileError) as error:
        load(json.dumps(document))
    assert error.value.field == field, str(error.value)
    assert message is None or message in str(error.value), str(error.value)


def test_blocks_need_format_version_4(models):
    document = json.loads(models["binary"].to_json(detail="minimal", compact=True))
    document["format_version"] = 2
    with pytest.raises(ModelFileError, match=r"terms\[0\]\.scores: must be an array of shape"):
        load(json.dumps(document))


def test_a_compact_file_may_hold_tables_as_arrays(models, data):
    document = json.loads(models["regression"].to_json(detail="interpretable", compact=True))
    document["terms"][1]["scores"] = decode(document["terms"][1]["scores"]).tolist()
    loaded = load(json.dumps(document))
    np.testing.assert_array_equal(loaded.predict(data), models["regression"].predict(data))


# ---- limits ----------------------------------------------------------------------------------
def test_blocks_count_against_the_size_limit():
    """Every block's bytes count against the file's limit before it is decompressed: 100 bytes
    of zeros in deflate cannot stand for more than the limit allows."""
    block = encode_table(np.zeros((100, 100)))  # 80,000 bytes of values in about 100 of text
    assert len(block["data"]) < 200
    decoder = BlockDecoder(max_bytes=200_000)
    for t in range(2):
        assert not decoder.decode(block, (100, 100), f"terms[{t}].scores").any()
    with pytest.raises(ModelFileError, match=r"terms\[2\]\.scores: the file's binary tables "
                                             r"decompress to more than 200,000 bytes"):
        decoder.decode(block, (100, 100), "terms[2].scores")


def test_a_block_claiming_a_huge_table_is_refused_before_decompressing(models):
    """A three-feature term over 1,000-cut features would be 10**9 cells: refused by the limit
    at once, not after an attempt to allocate it."""
    document = json.loads(models["binary"].to_json(detail="minimal", compact=True))
    cuts = list(np.arange(1000.0))
    for feature in (0, 2):
        document["features"][feature]["cuts"] = cuts
        document["features"][feature]["interaction_cuts"] = cuts
    document["features"][1] = {"name": "color2", "type": "continuous", "cuts": cuts,
                               "interaction_cuts": cuts}
    shape = [1003, 1003, 1003]
    document["terms"] = [{"name": "wide", "features": [0, 1, 2],
                          "scores": {"dtype": "<f8", "shape": shape,
                                     "codec": "shuffle-deflate-base64",
                                     "data": data_of(None, raw=bytes(1000))}}]
    start = time.process_time()
    with pytest.raises(ModelFileError, match=r"terms\[0\]\.scores: the file's binary tables "
                                             r"decompress to more than 100,000,000 bytes"):
        load(json.dumps(document))
    assert time.process_time() - start < 1.0


# ---- many blocks at once ---------------------------------------------------------------------
FAULTS = [
    lambda b: [1, 2],  # not an object
    lambda b: dict(b, extra=1),
    lambda b: dict(b, dtype="<f4"),
    lambda b: dict(b, codec="zstd"),
    lambda b: dict(b, shape=[4]),
    lambda b: dict(b, shape=[3.0]),
    lambda b: dict(b, shape=[True]) if b["shape"] == [1] else dict(b, shape=None),
    lambda b: dict(b, data=7),
    lambda b: dict(b, data="AA!A"),
    lambda b: dict(b, data=base64.b64encode(b"not deflate").decode()),
    lambda b: dict(b, data=b["data"][:-4]),
    lambda b: dict(b, data=data_of(None, raw=bytes(10_000))),  # a small bomb
]


def _first_error(decoder: BlockDecoder, blocks: list, shapes: list) -> tuple | None:
    """(field, message) of the first block that ``decode`` alone refuses, or None."""
    try:
        for k, (block, shape) in enumerate(zip(blocks, shapes)):
            decoder.decode(block, shape, f"terms[{k}].scores")
    except ModelFileError as error:
        return error.field, str(error)
    return None


@pytest.mark.parametrize("seed", range(60))
def test_many_blocks_decode_as_one_by_one(seed):
    """Blocks decoded together give the values of blocks decoded one by one, and the same
    error for the first block at fault, whatever faults (and how many) come after it."""
    rng = np.random.default_rng(seed)
    shapes = [tuple(int(n) for n in rng.integers(1, 4, rng.integers(1, 3)))
              for _ in range(40)]
    tables = [rng.normal(size=shape) for shape in shapes]
    blocks = [encode_table(table) for table in tables]
    for k in rng.choice(40, rng.integers(0, 4), replace=False):
        blocks[k] = FAULTS[rng.integers(len(FAULTS))](blocks[k])
    limit = int(rng.choice([10**9, 8 * sum(map(np.size, tables)) - 8 * int(rng.integers(0, 60))]))
    expected = _first_error(BlockDecoder(limit), blocks, shapes)
    decoder = BlockDecoder(limit)
    if expected is None:
        values = decoder.decode_many(blocks, shapes, "terms[{}].scores".format)
        assert values.tobytes() == np.concatenate([t.reshape(-1) for t in tables]).tobytes()
        assert decoder.remaining == limit - values.nbytes
    else:
        with pytest.raises(ModelFileError) as error:
            decoder.decode_many(blocks, shapes, "terms[{}].scores".format)
        assert (error.value.field, str(error.value)) == expected


def _many_blocks_file(n: int, damaged: bool) -> str:
    """A compact file of ``n`` main terms of one tiny block each (the last one's data cut
    short if ``damaged``)."""
    block = encode_table(np.zeros(3))
    document = {
        "format": "glassboost.ebm", "format_version": 4, "detail": "minimal",
        "glassboost_version": "0", "task": "regression", "link": "identity",
        "link_param": 0.0, "classes": None, "match_by_name": True,
        "features": [{"name": f"f{i}", "type": "continuous", "cuts": [],
                      "interaction_cuts": []} for i in range(n)],
        "intercept": [0.0],
        "terms": [{"name": f"t{i}", "features": [i], "scores": block} for i in range(n)],
        "training": {"objective": "rmse", "parameters": {}}}
    if damaged:
        document["terms"][-1]["scores"] = dict(block, data=block["data"][:-4])
    return json.dumps(document)


@pytest.mark.parametrize("damaged", [False, True])
def test_many_tiny_blocks_load_in_time_linear_in_the_size(damaged):
    """A hostile file of many tiny blocks (valid, or refused at its very last block) costs
    processor time in proportion to its size: 4 MB no more than 8x 1 MB (quadratic work
    would be 16x), best of three runs each, so that other work on the machine does not count."""
    def cost(text: str) -> float:
        best = float("inf")
        for _ in range(3):
            start = time.process_time()
            try:
                load(text)
                outcome = None
            except ModelFileError as error:
                outcome = error.field
            best = min(best, time.process_time() - start)
        assert outcome == (f"terms[{n - 1}].scores.data" if damaged else None)
        return best

    costs = []
    for n in (5_000, 20_000):
        text = _many_blocks_file(n, damaged)
        costs.append(cost(text))
    assert 0.8e6 < len(_many_blocks_file(5_000, False)) < 1.3e6
    assert costs[1] < 8 * costs[0], costs


# ---- private models --------------------------------------------------------------------------
@pytest.mark.filterwarnings("ignore:random_state=1 makes the noise reproducible")
@pytest.mark.filterwarnings("ignore:Possible privacy violation")
def test_private_models_keep_their_record_in_compact_files(data):
    from glassboost.privacy import DPExplainableBoostingRegressor

    y = data["count"].to_numpy() * 2.0
    model = DPExplainableBoostingRegressor(epsilon=3.0, outer_bags=1, max_bins=8,
                                           privacy_bounds={"num": (-4, 4), "count": (0, 6)},
                                           privacy_target_min=0, privacy_target_max=12,
                                           random_state=1).fit(data, y)
    document = json.loads(model.to_json(detail="interpretable", compact=True))
    assert document["format_version"] == 4 and document["privacy"]["epsilon"] == 3.0
    loaded = load(json.dumps(document))
    assert type(loaded) is DPExplainableBoostingRegressor
    assert loaded.privacy_budget_ == model.privacy_budget_
    np.testing.assert_array_equal(loaded.predict(data), model.predict(data))
    del document["privacy"]
    with pytest.raises(ModelFileError, match="privacy: is missing"):
        load(json.dumps(document))
