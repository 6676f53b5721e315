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


RUNTIMES = {
    "onnx": RuntimeSpec("onnx_runtime", "load", ".onnx"),       # the default: no TensorFlow
    "keras": RuntimeSpec("keras_runtime", "load", ".keras"),    # needs utk-cnn[train]
    "litert": RuntimeSpec("litert_runtime", "load", ".tflite"),  # needs ai-edge-litert
}
DEFAULT_RUNTIME = "onnx"


def chosen(path: Path) -> tuple[str, Path]:
    """The runtime and file a model runs on when no runtime is asked for: a `.keras` file's current ONNX
    copy where there is one (checked once: that reads and hashes the `.keras` file), else the file's own."""
    if path.suffix == ".keras":
        copy = current_copy(path, ".onnx")
        return (DEFAULT_RUNTIME, copy) if copy else ("keras", path)
    return next((name for name, spec in RUNTIMES.items() if spec.suffix == path.suffix), DEFAULT_RUNTIME), path


def load_runner(path: str | Path, runtime: str | None = None, threads: int | None = None):
    """A runner for the model file at `path` (.keras, .onnx or .tflite) on the named runtime, or the fastest at hand.

    Asked for `onnx` on a `.keras` file whose copy is missing or stale, the copy is made in
    memory first (that needs Keras and tf2onnx).
    """
    path = Path(path)
    if runtime is None:
        runtime, path = chosen(path)
    if runtime not in RUNTIMES:
        raise ValueError(f"unknown runtime {runtime!r}: use one of {', '.join(RUNTIMES)}")
    spec = RUNTIMES[runtime]
    return getattr(importlib.import_module(f"{__name__}.{spec.module}"), spec.loader)(path, threads)
