"""Atomic writes (a crash mid-save never leaves a half-written file in place of a good one), quiet native logs."""
from __future__ import annotations

import json
import os
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_path(path: str | Path):
    """Yield a temporary path beside `path`; it replaces `path` only if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    stem, _, suffix = path.name.partition(".")  # keep compound suffixes such as .weights.h5
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{stem}-", suffix=f".{suffix}" if suffix else "")
    os.close(fd)
    try:
        yield Path(tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes files private; give them the usual mode
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_json(path: str | Path, data) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(data, indent=2) + "\n")


def read_json(path: str | Path):
    return json.loads(Path(path).read_text())


@contextmanager
def native_stderr_silenced():
    """Hide C++ log lines (TensorFlow start-up, TFLite conversion) that ignore TF_CPP_MIN_LOG_LEVEL.

    Exceptions still propagate, and are printed after stderr is back.
    """
    try:
        fd = sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):  # no real stderr (notebooks, pytest capture)
        yield
        return
    sys.stderr.flush()
    saved = os.dup(fd)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), fd)
            yield
    finally:
        os.dup2(saved, fd)
        os.close(saved)


def quiet_tensorflow():
    """Import TensorFlow (and Keras) once, its C++ start-up lines hidden; for the commands that train or export."""
    with native_stderr_silenced():
        import keras  # noqa: F401
        import tensorflow
        tensorflow.config.list_physical_devices()  # probes for CUDA, which logs when there is none
    return tensorflow


@contextmanager
def opencv_quiet():
    """OpenCV's own warnings (FFmpeg's codec-tag notes) off for a block; errors still raise."""
    import cv2
    previous = cv2.utils.logging.getLogLevel()
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)
    try:
        with native_stderr_silenced():
            yield
    finally:
        cv2.utils.logging.setLogLevel(previous)
