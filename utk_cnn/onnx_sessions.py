"""onnxruntime sessions set up one way for both networks (the face detector and ours): CPU, quiet, no spinning.

One session serves every thread (onnxruntime's `run` may be called concurrently); `threads`
is how many cores one call may use, so a server answering many visitors at once sets 1.
"""
from __future__ import annotations

import os
from pathlib import Path

import onnxruntime as ort

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
