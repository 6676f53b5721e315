"""LiteRT (`ai-edge-litert`): a `.tflite` export run as phones run it, to check an export before shipping it.

An interpreter serves one call at a time, so each calling thread gets its own.
"""
from __future__ import annotations

import os
import threading
from pathlib import Path

import numpy as np


class LiteRTRunner:
    def __init__(self, flatbuffer: bytes, threads: int | None = None):
        try:
            from ai_edge_litert.interpreter import Interpreter
        except ImportError as err:
            raise ValueError("the litert runtime needs LiteRT: pip install ai-edge-litert") from err
        self._interpreter_class, self._flatbuffer = Interpreter, flatbuffer
        self.threads = threads or min(4, os.cpu_count() or 1)
        self._local = threading.local()
        interpreter, runner, name = self._runner()
        self.image_size = int(runner.get_input_details()[name]["shape"][1])
        self.output_names = sorted(runner.get_output_details())

    def _runner(self):
        if not hasattr(self._local, "runner"):
            interpreter = self._interpreter_class(model_content=self._flatbuffer, num_threads=self.threads)
            runner = interpreter.get_signature_runner()
            (name,) = runner.get_input_details()
            self._local.runner = (interpreter, runner, name)  # the interpreter must outlive its runner
        return self._local.runner

    def __call__(self, images: np.ndarray) -> dict[str, np.ndarray]:
        _, runner, name = self._runner()
        outputs = runner(**{name: np.ascontiguousarray(images, dtype=np.uint8)})
        return {key: np.array(value) for key, value in outputs.items()}


def load(path: Path, threads: int | None = None) -> LiteRTRunner:
    if path.suffix != ".tflite":
        raise ValueError(f"{path}: the litert runtime runs .tflite files (utk-cnn export --format tflite)")
    return LiteRTRunner(path.read_bytes(), threads)
