"""Exports of fitted models to other runtimes.

``glassboost.export.onnx.to_onnx`` builds an ONNX graph; it imports the ``onnx`` package (the
``onnx`` extra) only when called, so ``import glassboost`` never does.
"""
