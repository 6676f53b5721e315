"""onnxruntime: our network's `.onnx` copy on the CPU, with no TensorFlow in the process."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from utk_cnn.inference.runtimes.copies import current_copy
from utk_cnn.onnx_sessions import session


class OnnxRunner:
    """Our network in onnxruntime: uint8 faces (N, size, size, 3) in, its named outputs out."""

    def __init__(self, model: str | Path | bytes, threads: int | None = None):
        self.source = None if isinstance(model, bytes) else Path(model)  # the file, for the page to fetch too
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
    from utk_cnn.training.export import onnx_bytes, read_keras_model  # needs Keras and tf2onnx: only for a model without a copy
    return OnnxRunner(onnx_bytes(read_keras_model(path)), threads)


