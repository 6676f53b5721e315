"""TFLite conversion and a small-batch LiteRT runner.

At batch 1 a TensorFlow call spends most of its time in per-call overhead; the LiteRT
interpreter (`ai-edge-litert`, the successor of `tf.lite.Interpreter`) with its XNNPACK CPU
kernels does not, so the Predictor sends small batches (a webcam frame's faces) here and
large ones (evaluation) to TensorFlow.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf
from ai_edge_litert.interpreter import Interpreter

from .io import atomic_path, native_stderr_silenced


def saved_model(model: keras.Model, folder: Path) -> Path:
    """The model as a SavedModel whose `serve` signature takes uint8 images."""
    model.export(folder, format="tf_saved_model", verbose=False)
    return folder


def convert(model: keras.Model) -> bytes:
    """A float32 TFLite flatbuffer with the model's named outputs (gender_out, age_out, ...)."""
    with tempfile.TemporaryDirectory() as tmp:
        converter = tf.lite.TFLiteConverter.from_saved_model(str(saved_model(model, Path(tmp) / "savedmodel")))
        with native_stderr_silenced():  # the converter logs a dozen C++ lines
            return converter.convert()


def _sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def save_copy(model: keras.Model, keras_path: Path) -> Path:
    """Write `<name>.tflite` beside a saved `.keras` file, with a note of which file it was made from."""
    keras_path = Path(keras_path)
    lite = keras_path.with_suffix(".tflite")
    with atomic_path(lite) as tmp:
        tmp.write_bytes(convert(model))
    with atomic_path(lite.with_suffix(".tflite.json")) as tmp:
        tmp.write_text(json.dumps({"source": keras_path.name, "source_sha256": _sha256(keras_path)}))
    return lite


def load_copy(keras_path: Path) -> bytes | None:
    """The TFLite copy beside a `.keras` file, or None if there is none or it was made from another file."""
    lite = Path(keras_path).with_suffix(".tflite")
    try:
        note = json.loads(lite.with_suffix(".tflite.json").read_text())
        if note.get("source_sha256") == _sha256(keras_path):
            return lite.read_bytes()
    except (OSError, ValueError):
        pass
    return None


class TFLiteRunner:
    """An interpreter per calling thread (one interpreter serves one call at a time), each on `threads` cores.

    A server answering several visitors at once runs their small batches side by side, one
    core each, rather than one after another on all cores.
    """

    def __init__(self, flatbuffer: bytes, threads: int | None = None):
        self._flatbuffer, self.threads = flatbuffer, threads or min(4, os.cpu_count() or 1)
        self._local = threading.local()

    def _runner(self):
        if not hasattr(self._local, "runner"):
            interpreter = Interpreter(model_content=self._flatbuffer, num_threads=self.threads)
            runner = interpreter.get_signature_runner()
            (name,) = runner.get_input_details()
            self._local.runner = (interpreter, runner, name)  # the interpreter must outlive its runner
        return self._local.runner[1:]

    def __call__(self, images: np.ndarray) -> dict[str, np.ndarray]:
        runner, name = self._runner()
        outputs = runner(**{name: np.ascontiguousarray(images, dtype=np.uint8)})
        return {key: np.array(value) for key, value in outputs.items()}
