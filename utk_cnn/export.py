"""Exporting a trained model for serving (TensorFlow SavedModel) or phones (TFLite)."""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import keras

from .io import atomic_path
from .predict import resolve_model_path
from .tflite import convert, saved_model

FORMATS = ("savedmodel", "tflite")


def export_model(model_path=None, fmt: str = "savedmodel", out: str | Path = "export") -> Path:
    """Write the model (default: the shipped one) as a SavedModel folder or a .tflite file.

    Both take uint8 RGB images at the model's input size and return `gender_out` and `age_out`.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    model = keras.models.load_model(resolve_model_path(model_path), compile=False)
    out = Path(out)
    if fmt == "tflite":
        with atomic_path(out) as tmp_file:
            tmp_file.write_bytes(convert(model))
        return out
    if out.exists():
        raise FileExistsError(f"{out} already exists; choose another --out")
    with tempfile.TemporaryDirectory() as tmp:
        staging = out.with_name(f".{out.name}.partial")
        shutil.rmtree(staging, ignore_errors=True)
        shutil.copytree(saved_model(model, Path(tmp) / "savedmodel"), staging)
        staging.rename(out)  # the folder appears whole or not at all
    return out
