"""Runtimes behind one registry: each runs our network on uint8 RGB faces and returns its named outputs.

- `onnx` (default): onnxruntime on the `.onnx` copy saved beside a `.keras` file. Fastest on
  CPUs, and predicting then imports neither TensorFlow nor Keras.
- `keras`: the `.keras` file itself through TensorFlow, for a model that has no ONNX copy.
- `litert`: LiteRT on a `.tflite` file (`utk-cnn export --format tflite`), the format phones run.

A runner is called as `runner(images) -> {"age_dist": ..., "gender_out": ..., ...}` on a batch
(N, size, size, 3) and knows its `image_size` and `output_names`. Each lives in its own module,
imported only when asked for.
"""
from __future__ import annotations

import importlib
from pathlib import Path
from typing import NamedTuple

from utk_cnn.inference.runtimes.copies import current_copy


class RuntimeSpec(NamedTuple):
    module: str   # utk_cnn.inference.runtimes.<module>
    loader: str   # function(path: Path, threads: int | None) -> runner
    suffix: str   # the file it runs
    use: str      # one line for --help and the README


RUNTIMES = {
    "onnx": RuntimeSpec("onnx_runtime", "load", ".onnx", "onnxruntime on the model's .onnx copy (default; no TensorFlow)"),
    "keras": RuntimeSpec("keras_runtime", "load", ".keras", "TensorFlow on the .keras file (needs utk-cnn[train])"),
    "litert": RuntimeSpec("litert_runtime", "load", ".tflite", "LiteRT on a .tflite export (needs ai-edge-litert)"),
}
DEFAULT_RUNTIME = "onnx"


def runtime_for(path: Path) -> str:
    """The runtime a model file is run with when none is asked for: its ONNX copy where there is a current one."""
    for name, spec in RUNTIMES.items():
        if path.suffix == spec.suffix and spec.suffix != ".keras":
            return name
    return DEFAULT_RUNTIME if current_copy(path, ".onnx") else "keras"


def load_runner(path: str | Path, runtime: str | None = None, threads: int | None = None):
    """A runner for the model file at `path` (.keras, .onnx or .tflite) on the named runtime, or the fastest at hand.

    Asked for `onnx` on a `.keras` file whose copy is missing or stale, the copy is made in
    memory first (that needs Keras and tf2onnx).
    """
    path = Path(path)
    runtime = runtime or runtime_for(path)
    if runtime not in RUNTIMES:
        raise ValueError(f"unknown runtime {runtime!r}: use one of {', '.join(RUNTIMES)}")
    spec = RUNTIMES[runtime]
    return getattr(importlib.import_module(f"{__name__}.{spec.module}"), spec.loader)(path, threads)
