"""Turning a `.keras` file into what other runtimes run: ONNX (serving, the page), TFLite (phones), SavedModel.

Every format takes uint8 RGB images at the model's input size and returns the model's named
outputs (`age_dist`, `age_out`, `gender_out`, ...). This is the Keras side of serving: it
imports TensorFlow, and only export, training and evaluation of a `.keras` file need it.
"""
from __future__ import annotations

import shutil
import tempfile
import warnings
from pathlib import Path

import numpy as np

from utk_cnn.inference.runtimes.copies import copy_path, write_note
from utk_cnn.io import atomic_path, native_stderr_silenced, quiet_tensorflow

FORMATS = ("onnx", "tflite", "savedmodel")


def read_keras_model(path: str | Path):
    """A saved `.keras` file, our custom layers registered first."""
    quiet_tensorflow()
    import keras

    from utk_cnn.training import model  # noqa: F401  registers AgeMedian, which saved models use
    return keras.models.load_model(path, compile=False)


def saved_model(model, folder: Path) -> Path:
    """The model as a SavedModel whose `serve` signature takes uint8 images."""
    model.export(folder, format="tf_saved_model", verbose=False)
    return folder


def tflite_bytes(model) -> bytes:
    """A float32 TFLite flatbuffer with the model's named outputs."""
    import tensorflow as tf
    with tempfile.TemporaryDirectory() as tmp:
        converter = tf.lite.TFLiteConverter.from_saved_model(str(saved_model(model, Path(tmp) / "savedmodel")))
        with native_stderr_silenced():  # the converter logs a dozen C++ lines
            return converter.convert()


def onnx_bytes(model) -> bytes:
    """The model as ONNX (Keras' own exporter, through tf2onnx), uint8 input, outputs within 1e-5 of Keras."""
    size = int(model.inputs[0].shape[1])
    model(np.zeros((1, size, size, 3), np.uint8))  # the exporter refuses a model that has never been called
    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings(), native_stderr_silenced():
        warnings.simplefilter("ignore")  # tf2onnx's own deprecation notes
        path = Path(tmp) / "model.onnx"
        model.export(str(path), format="onnx", verbose=False)
        return path.read_bytes()


def save_onnx_copy(model, keras_path: str | Path) -> Path:
    """Write `<name>.onnx` beside a saved `.keras` file, with a note of which file it was made from."""
    copy = copy_path(keras_path, ".onnx")
    with atomic_path(copy) as tmp:
        tmp.write_bytes(onnx_bytes(model))
    write_note(copy, keras_path)
    return copy


def export_model(model_path=None, fmt: str = "onnx", out: str | Path = "export") -> Path:
    """Write the model (default: the shipped one) as an .onnx file, a .tflite file or a SavedModel folder."""
    from utk_cnn.inference.predictor import resolve_model_path
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    source = resolve_model_path(model_path)
    if source.suffix != ".keras":
        raise ValueError(f"{source}: export reads a .keras file or a run folder holding one")
    model = read_keras_model(source)
    out = Path(out)
    if fmt in ("onnx", "tflite"):
        with atomic_path(out) as tmp_file:
            tmp_file.write_bytes(onnx_bytes(model) if fmt == "onnx" else tflite_bytes(model))
        if fmt == "onnx" and out.resolve() == copy_path(source, ".onnx").resolve():
            write_note(out, source)  # exported in place: predictions serve it as the current copy
        return out
    if out.exists():
        raise FileExistsError(f"{out} already exists; choose another --out")
    with tempfile.TemporaryDirectory() as tmp:
        staging = out.with_name(f".{out.name}.partial")
        shutil.rmtree(staging, ignore_errors=True)
        shutil.copytree(saved_model(model, Path(tmp) / "savedmodel"), staging)
        staging.rename(out)  # the folder appears whole or not at all
    return out
