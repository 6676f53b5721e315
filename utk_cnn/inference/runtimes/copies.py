"""Serving copies of a `.keras` file (`model.onnx` beside `model.keras`), and knowing when one is stale.

A copy carries a note, `<copy>.json`, with the sha256 of the `.keras` file it was made from: a
model retrained or replaced in place is never served through an old copy.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from utk_cnn.io import read_json, write_json


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def copy_path(keras_path: Path, suffix: str) -> Path:
    return Path(keras_path).with_suffix(suffix)


def note_path(copy: Path) -> Path:
    return copy.with_name(copy.name + ".json")


def write_note(copy: Path, keras_path: Path) -> None:
    write_json(note_path(copy), {"source": Path(keras_path).name, "source_sha256": sha256(keras_path)})


def current_copy(keras_path: Path, suffix: str) -> Path | None:
    """The `suffix` copy beside a `.keras` file, or None if there is none or it was made from another file."""
    copy = copy_path(keras_path, suffix)
    try:
        if read_json(note_path(copy)).get("source_sha256") == sha256(keras_path) and copy.exists():
            return copy
    except (OSError, ValueError):
        pass
    return None
