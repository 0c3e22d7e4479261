"""Benchmarks for minicnn (never part of the unit-test suite).

* ``python -m benchmarks.compare``: train/predict throughput, peak memory and accuracy of the seed
  models in minicnn, Keras 3 (TF-CPU) and PyTorch, side by side (see its docstring for flags).
* ``python -m benchmarks.layers``: per-layer micro-benchmarks against the loop references and PyTorch.
"""
