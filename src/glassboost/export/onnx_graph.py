"""A small builder of ONNX graphs over ``onnx.helper``: unique value names, constants, nodes.

Kept apart from the model logic in ``onnx.py`` so that the exporter reads as the arithmetic it
emits. ``onnx`` is imported by the caller and passed in, so importing this module costs nothing.
"""

from __future__ import annotations

from typing import Any

import numpy as np


class GraphBuilder:
    """Collects nodes and constant tensors; every value name it makes is unique and avoids
    ``reserved`` (the graph's input and output names)."""

    def __init__(self, onnx: Any, reserved: set[str]) -> None:
        self.onnx = onnx
        self.nodes: list = []
        self.initializers: list = []
        self._reserved = set(reserved)
        self._count = 0

    def name(self, hint: str) -> str:
        while True:
            self._count += 1
            candidate = f"gb/{hint}/{self._count}"
            if candidate not in self._reserved:
                self._reserved.add(candidate)
                return candidate

    def const(self, value: Any, hint: str = "const", dtype: Any = None) -> str:
        """A constant tensor (a graph initializer) holding ``value``."""
        array = np.asarray(value, dtype=dtype)
        name = self.name(hint)
        self.initializers.append(self.onnx.numpy_helper.from_array(array, name))
        return name

    def node(self, op: str, inputs: list[str], output: str | None = None,
             domain: str = "", **attributes: Any) -> str:
        """Append one node with a single output and return the output's name."""
        output = output or self.name(op)
        self.nodes.append(self.onnx.helper.make_node(op, inputs, [output], domain=domain,
                                                     **attributes))
        return output
