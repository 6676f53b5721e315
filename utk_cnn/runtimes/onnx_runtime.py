"""onnxruntime: our network's `.onnx` copy on the CPU, with no TensorFlow in the process.

One session serves every thread (onnxruntime's `run` may be called concurrently); `threads`
is how many cores one call may use, so a server answering many visitors at once sets 1.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import onnxruntime as ort

from .copies import copy_path, current_copy

QUIET = 3  # onnxruntime's log level for errors only: its shape notes are not the user's business


def session(model: str | Path | bytes, threads: int | None = None) -> ort.InferenceSession:
    """A CPU session on `threads` cores (None: up to 4) for an ONNX file or its bytes."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads or min(4, os.cpu_count() or 1)
    options.inter_op_num_threads = 1
    options.log_severity_level = QUIET
    # Idle pool threads would spin for work; with two sessions (detector and network) on two cores
    # they take turns spinning against each other: a 640x480 photo took 23 ms with, 13 without.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    source = model if isinstance(model, bytes) else str(model)
    return ort.InferenceSession(source, options, providers=["CPUExecutionProvider"])


class OnnxRunner:
    """Our network in onnxruntime: uint8 faces (N, size, size, 3) in, its named outputs out."""

    def __init__(self, model: str | Path | bytes, threads: int | None = None):
        self.session = session(model, threads)
        (entry,) = self.session.get_inputs()
        self.input_name, self.image_size = entry.name, int(entry.shape[1])
        self.output_names = [o.name for o in self.session.get_outputs()]

    def __call__(self, images: np.ndarray) -> dict[str, np.ndarray]:
        values = self.session.run(None, {self.input_name: np.ascontiguousarray(images, dtype=np.uint8)})
        return dict(zip(self.output_names, values))


def load(path: Path, threads: int | None = None) -> OnnxRunner:
    """An `.onnx` file, or the current ONNX copy of a `.keras` file (made in memory when there is none)."""
    if path.suffix == ".onnx":
        return OnnxRunner(path, threads)
    copy = current_copy(path, ".onnx")
    if copy is not None:
        return OnnxRunner(copy, threads)
    from ..export import onnx_bytes, read_keras_model  # needs Keras and tf2onnx: only for a model without a copy
    return OnnxRunner(onnx_bytes(read_keras_model(path)), threads)


__all__ = ["OnnxRunner", "copy_path", "load", "session"]
