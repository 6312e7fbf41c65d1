"""ONNX export: one graph that scores rows exactly as ``decision_function`` and ``predict`` do.

Inputs, one per feature of ``feature_names_in_`` (date columns enter as the features derived
from them), each a 1-D tensor of N rows:

- continuous: ``tensor(double)``; NaN is *missing*. Values are binned by the model's cuts with
  a fixed-step binary search (a value equal to a cut goes to the bin above it, as in
  glassboost), -inf to the first and +inf to the last value bin. A double cannot hold text, so
  the *unseen* bin of a continuous feature never applies.
- nominal and ordinal: ``tensor(string)`` holding the category labels (the keys of ``bins_``,
  e.g. ``"1"`` for the integer 1, ``"True"`` for a boolean); ``missing_string`` (default ``""``)
  is *missing*, any label not in the model is *unseen*. ``onnx_inputs`` converts a table, and
  feeds a value equal to ``missing_string`` as another unseen label, as glassboost scores it.

Outputs: ``decision_function`` (N,) or (N, n_classes), then for classifiers ``predict_proba``
(N, n_classes) and ``predict`` (N,) holding the class labels, for regressors ``predict`` (N,),
the score through the inverse link (identity or exp).

A term of k features reads each feature's bins at level ``min(k, len(bins_[f]))`` (fine bins
for main effects, interaction bins for pairs and higher orders) and gathers one cell of its
table; the cells are added term after term, as glassboost's scoring kernel adds them.
Operator sets: ai.onnx 17 and ai.onnx.ml 3 (for ``LabelEncoder``), IR version 8, which ONNX
Runtime has run since 1.12.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.utils.validation import check_is_fitted

from ..schema import CONTINUOUS, FEATURE_TYPES, align_for_predict
from .onnx_graph import GraphBuilder

OPSET = 17
ML_OPSET = 3
IR_VERSION = 8
OUTPUTS = ("decision_function", "predict_proba", "predict")
INVERSE_LINKS = {"identity": None, "log": "Exp"}  # regression links and the op that inverts them
#: protobuf cannot serialize a message of 2 GiB or more; keep a margin for the graph itself
MAX_TABLE_BYTES = 2**31 - 2**24


def _import_onnx() -> Any:
    try:
        import onnx
    except ImportError:
        raise ImportError("ONNX export needs the onnx package: pip install 'glassboost[onnx]'"
                          ) from None
    return onnx


def _level(levels: list, order: int) -> Any:
    """The bins a term of ``order`` features reads (InterpretML's rule for ``bins_``)."""
    return levels[min(order, len(levels)) - 1]


def _n_bins(kind: str, level: Any) -> int:
    """Bins of one level, missing (0) and unseen (last) included."""
    if kind == CONTINUOUS:
        return len(level) + 3
    return max(level.values(), default=0) + 2


def _check_fitted(model: Any) -> None:
    """An estimator must be fitted; a ``FittedModel`` (``load_fitted_model``), which is not an
    estimator, always is."""
    if hasattr(model, "fit"):
        check_is_fitted(model, "term_scores_")
    elif not hasattr(model, "term_scores_"):
        raise TypeError(f"{type(model).__name__} is not a fitted glassboost model")


def _check_missing_string_type(missing_string: Any) -> None:
    """Refuse a ``missing_string`` that is not text: it is a label of the string inputs."""
    if not isinstance(missing_string, str):
        raise TypeError(f"missing_string must be a string, got {missing_string!r}")


def _check_missing_string(name: str, levels: list, missing_string: str) -> None:
    """Refuse a categorical feature with a category equal to ``missing_string``: the graph
    would read that category as missing."""
    if any(missing_string in level for level in levels):
        raise ValueError(
            f"feature {name!r} has a category {missing_string!r}, the string that stands "
            "for a missing value in the ONNX inputs; pass another missing_string")


def _unseen_label(levels: list, missing_string: str) -> str:
    """A label that is neither ``missing_string`` nor a category of the feature, so the graph
    scores it in the unseen bin."""
    label = missing_string + "<unseen>"
    while any(label in level for level in levels):
        label += "_"
    return label


def _categorical_input(name: str, column: Any, levels: list, missing_string: str
                       ) -> np.ndarray:
    """Category labels with ``missing_string`` for missing values; a present value equal to
    ``missing_string``, which glassboost scores as unseen, gets a label the graph scores as
    unseen too."""
    _check_missing_string(name, levels, missing_string)
    values = column.values.astype(object)  # a copy
    missing = pd.isna(values)
    values[values == missing_string] = _unseen_label(levels, missing_string)
    values[missing] = missing_string
    return values


def _check_model(model: Any, missing_string: str) -> tuple[list[str], list[str]]:
    """Feature names and types, after checking everything the graph relies on; errors name the
    feature or term at fault."""
    names = [str(n) for n in model.feature_names_in_]
    types = list(model.feature_types_in_)
    if not names:
        raise ValueError("the model has no features, so an ONNX graph would have no inputs")
    for name, kind, levels in zip(names, types, model.bins_):
        if kind not in FEATURE_TYPES:
            raise ValueError(f"feature {name!r} has type {kind!r}, not one of {FEATURE_TYPES}")
        if name in OUTPUTS or name == "":
            raise ValueError(f"feature {name!r}: an ONNX input cannot be named {name!r} "
                             f"(outputs are {list(OUTPUTS)}); rename the feature")
        if kind != CONTINUOUS:
            _check_missing_string(name, levels, missing_string)
    if len(set(names)) != len(names):
        raise ValueError(f"feature names must be unique to name ONNX inputs: {names}")
    link = model.link_
    if link not in ("logit", "mlogit") and link not in INVERSE_LINKS:
        raise ValueError(f"link {link!r} has no ONNX export; supported: "
                         f"{['logit', 'mlogit', *INVERSE_LINKS]}")
    n_scores = int(np.size(model.intercept_))
    n_classes = len(getattr(model, "classes_", ()))
    if link in ("logit", "mlogit") and n_classes != max(n_scores, 2):
        raise ValueError(f"link {link!r} with {n_scores} scores per row needs "
                         f"{max(n_scores, 2)} classes_, found {n_classes}")
    for term, features, table in zip(model.term_names_, model.term_features_,
                                     model.term_scores_):
        if not features or any(not 0 <= f < len(names) for f in features):
            raise ValueError(f"term {term!r} uses features {features}, but the model has "
                             f"{len(names)} features")
        sizes = [_n_bins(types[f], _level(model.bins_[f], len(features))) for f in features]
        expected = tuple(sizes) + ((n_scores,) if n_scores > 1 else ())
        if np.shape(table) != expected:
            raise ValueError(f"term {term!r}: its table has shape {np.shape(table)}, but the "
                             f"bins of its features {[names[f] for f in features]} need "
                             f"{expected}")
    return names, types


class _Exporter:
    """Builds the graph of one model."""

    def __init__(self, onnx: Any, model: Any, names: list[str], types: list[str],
                 missing_string: str) -> None:
        self.onnx, self.model, self.names, self.types = onnx, model, names, types
        self.missing_string = missing_string
        self.g = GraphBuilder(onnx, set(names) | set(OUTPUTS))
        self._codes: dict[tuple[int, int], str] = {}

    # ---- binning ---------------------------------------------------------------------------
    def _continuous_codes(self, x: str, cuts: np.ndarray) -> str:
        """Bin codes as ``binning.bin_column``: 1 + the number of cuts <= x, 0 for NaN.

        The same fixed-step search as ``kernels.predict.bin_values``: cuts padded with +inf to
        2**k - 1 entries, k steps that each add ``half`` when the probed cut is <= x."""
        g = self.g
        int64 = self.onnx.TensorProto.INT64
        missing = g.node("IsNaN", [x])
        n_cuts = len(cuts)
        if n_cuts == 0:  # one value bin: 1, or 0 for NaN
            return g.node("Cast", [g.node("Not", [missing])], to=int64)
        steps = int(n_cuts).bit_length()  # smallest k with 2**k - 1 >= n_cuts
        padded = np.full(2**steps - 1, np.inf)
        padded[:n_cuts] = cuts
        table = g.const(padded, "cuts") if steps > 1 else None
        base = None
        for half in 2 ** np.arange(steps - 1, -1, -1):
            if base is None:  # the first probe is the middle cut for every row
                probe = g.const(padded[half - 1], "cut")
            else:
                position = g.node("Add", [base, g.const(half - 1, dtype=np.int64)])
                probe = g.node("Gather", [table, position])
            step = g.node("Mul", [g.node("Cast", [g.node("LessOrEqual", [probe, x])], to=int64),
                                  g.const(half, dtype=np.int64)])
            base = step if base is None else g.node("Add", [base, step])
        codes = g.node("Add", [g.node("Min", [base, g.const(n_cuts, dtype=np.int64)]),
                               g.const(1, dtype=np.int64)])
        return g.node("Where", [missing, g.const(0, dtype=np.int64), codes])

    def _categorical_codes(self, x: str, categories: dict) -> str:
        """Bin codes by category lookup: missing_string -> 0, unknown labels -> unseen."""
        labels = [str(label) for label in categories]
        return self.g.node(
            "LabelEncoder", [x], domain="ai.onnx.ml",
            keys_strings=labels + [self.missing_string],
            values_int64s=[int(v) for v in categories.values()] + [0],
            default_int64=max(categories.values(), default=0) + 1)

    def codes(self, feature: int, order: int) -> str:
        """Codes of a feature at the level a term of ``order`` features reads (built once)."""
        levels = self.model.bins_[feature]
        key = (feature, min(order, len(levels)))
        if key not in self._codes:
            level = _level(levels, order)
            x = self.names[feature]
            if self.types[feature] == CONTINUOUS:
                self._codes[key] = self._continuous_codes(x, np.asarray(level, np.float64))
            else:
                self._codes[key] = self._categorical_codes(x, level)
        return self._codes[key]

    # ---- scores ----------------------------------------------------------------------------
    def _cells(self, features: tuple, shape: tuple) -> str:
        """Each row's cell in one term's flattened table: row-major over its features."""
        g = self.g
        index = self.codes(features[0], len(features))
        for feature, size in zip(features[1:], shape[1:]):
            index = g.node("Add", [g.node("Mul", [index, g.const(size, dtype=np.int64)]),
                                   self.codes(feature, len(features))])
        return index

    def scores(self, n_scores: int) -> str:
        """intercept + the sum of every term's cell, (N, n_scores).

        Terms are added one by one in the model's order, as the scoring kernel does, so the
        sums are the same to the last bit and the graph never holds more than one term's
        (N, n_scores) values at a time."""
        g = self.g
        model = self.model
        tables = [np.asarray(table, dtype=np.float64) for table in model.term_scores_]
        size = sum(table.nbytes for table in tables)
        if size > MAX_TABLE_BYTES:
            raise ValueError(f"the model's tables take {size:,} bytes, more than an ONNX model "
                             "file can hold (2 GiB)")
        total = None
        for features, table in zip(model.term_features_, tables):
            flat = g.const(table.reshape(-1, n_scores), "term_scores")
            cells = self._cells(tuple(features), table.shape[:len(features)])
            values = g.node("Gather", [flat, cells], axis=0)
            total = values if total is None else g.node("Add", [total, values])
        if total is None:  # no terms: the intercept on every row
            shape = g.node("Concat", [g.node("Shape", [self.names[0]]),
                                      g.const([n_scores], dtype=np.int64)], axis=0)
            total = g.node("ConstantOfShape", [shape],
                           value=self.onnx.numpy_helper.from_array(np.zeros(1)))
        intercept = np.ravel(np.asarray(model.intercept_, dtype=np.float64))
        return g.node("Add", [total, g.const(intercept, "intercept")])

    # ---- outputs ---------------------------------------------------------------------------
    def outputs(self) -> list:
        g, model, onnx = self.g, self.model, self.onnx
        double = onnx.TensorProto.DOUBLE
        n_scores = int(np.size(model.intercept_))
        scores = self.scores(n_scores)
        make = onnx.helper.make_tensor_value_info
        if n_scores == 1:
            squeezed = g.node("Squeeze", [scores, g.const([1], dtype=np.int64)],
                              output="decision_function")
            outputs = [make(squeezed, double, ["N"])]
        else:
            g.node("Identity", [scores], output="decision_function")
            outputs = [make("decision_function", double, ["N", n_scores])]
        link = model.link_
        if link in INVERSE_LINKS:
            op = INVERSE_LINKS[link] or "Identity"
            g.node(op, ["decision_function"], output="predict")
            return outputs + [make("predict", double, ["N"])]
        if link == "logit":
            positive = g.node("Sigmoid", [scores])
            negative = g.node("Sub", [g.const(np.ones(1)), positive])
            g.node("Concat", [negative, positive], output="predict_proba", axis=1)
        else:
            g.node("Softmax", [scores], output="predict_proba", axis=1)
        classes = np.asarray(model.classes_)
        values, label_type = _label_tensor(classes)
        best = g.node("ArgMax", ["predict_proba"], axis=1, keepdims=0)
        g.node("Gather", [g.const(values, "classes"), best], output="predict", axis=0)
        return outputs + [make("predict_proba", double, ["N", len(classes)]),
                          make("predict", getattr(onnx.TensorProto, label_type), ["N"])]

    def inputs(self) -> list:
        make = self.onnx.helper.make_tensor_value_info
        kinds = {CONTINUOUS: self.onnx.TensorProto.DOUBLE}
        return [make(name, kinds.get(kind, self.onnx.TensorProto.STRING), ["N"])
                for name, kind in zip(self.names, self.types)]


def _label_tensor(classes: np.ndarray) -> tuple[np.ndarray, str]:
    """The class labels as an ONNX tensor of the closest type: int64 (uint64 for unsigned
    labels beyond int64, which would wrap to negative numbers), double, bool or string."""
    kind = classes.dtype.kind
    if kind == "u" and classes.size and classes.max() > np.iinfo(np.int64).max:
        return classes.astype(np.uint64), "UINT64"
    if kind in "iu":
        return classes.astype(np.int64), "INT64"
    if kind == "f":
        return classes.astype(np.float64), "DOUBLE"
    if kind == "b":
        return classes.astype(bool), "BOOL"
    return np.array([str(c) for c in classes], dtype=object), "STRING"


def to_onnx(model: Any, file: Any = None, missing_string: str = "") -> Any:
    """An ``onnx.ModelProto`` that scores rows as the fitted ``model`` does (see the module
    docstring for inputs and outputs); also written to ``file`` (a path or a binary file
    object) when given.

    Raises ValueError naming the feature or term for a model the graph cannot represent.
    """
    onnx = _import_onnx()
    _check_fitted(model)
    _check_missing_string_type(missing_string)
    names, types = _check_model(model, missing_string)
    exporter = _Exporter(onnx, model, names, types, missing_string)
    outputs = exporter.outputs()
    graph = onnx.helper.make_graph(exporter.g.nodes, "glassboost", exporter.inputs(), outputs,
                                   initializer=exporter.g.initializers)
    proto = onnx.helper.make_model(
        graph, producer_name="glassboost", ir_version=IR_VERSION,
        opset_imports=[onnx.helper.make_opsetid("", OPSET),
                       onnx.helper.make_opsetid("ai.onnx.ml", ML_OPSET)])
    onnx.checker.check_model(proto)
    if file is not None:
        onnx.save_model(proto, file)
    return proto


def onnx_inputs(model: Any, X: Any, missing_string: str = "") -> dict[str, np.ndarray]:
    """The ONNX inputs of a table: one array per feature (dates converted as at fit).

    Continuous features become float64 with NaN for missing; categorical ones object arrays of
    category labels with ``missing_string`` for missing; a present value equal to
    ``missing_string`` gets a label the graph scores as unseen, as glassboost does. Text in a
    continuous column, which glassboost scores in the unseen bin, has no ONNX input and raises
    ValueError; so does a model with a category equal to ``missing_string``, which ``to_onnx``
    refuses.
    """
    _check_fitted(model)
    _check_missing_string_type(missing_string)
    columns = align_for_predict(X, model.feature_names_in_, model.feature_types_in_,
                                getattr(model, "_match_by_name", True), type(model).__name__,
                                getattr(model, "datetime_conversions_", None))
    feeds = {}
    for name, kind, levels, column in zip(model.feature_names_in_, model.feature_types_in_,
                                          model.bins_, columns):
        if kind == CONTINUOUS:
            if column.not_number is not None and column.not_number.any():
                rows = np.flatnonzero(column.not_number)[:5].tolist()
                raise ValueError(f"feature {name!r} is continuous but holds values that are not "
                                 f"numbers (rows {rows}); an ONNX double input cannot hold them")
            feeds[str(name)] = np.asarray(column.values, dtype=np.float64)
        else:
            feeds[str(name)] = _categorical_input(str(name), column, levels, missing_string)
    return feeds
