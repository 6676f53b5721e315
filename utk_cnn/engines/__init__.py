"""Engines that run `utk-cnn predict` over many files: each maps `predict_files.predict_path` over them.

`local` works through the files in this process; `ray` runs the same function as a Ray Data
job, on a local Ray or on a cluster, with the model loaded once per worker. Both give the same
results in the same order.
"""
from __future__ import annotations

import importlib

ENGINES = {"local": "local", "ray": "ray_data"}
DEFAULT_ENGINE = "local"


def predict_files(inputs, engine: str = DEFAULT_ENGINE, **options) -> list[dict]:
    """One result per photo or video in `inputs` (files or folders), computed by the named engine.

    `options`: model, detector, out, detect_every, and engine-specific ones (ray: address, workers).
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}: use one of {', '.join(ENGINES)}")
    return importlib.import_module(f"{__name__}.{ENGINES[engine]}").predict_files(inputs, **options)
