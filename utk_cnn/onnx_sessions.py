"""onnxruntime sessions set up one way for both networks (the face detector and ours): CPU, quiet, no spinning.

One session serves every thread (onnxruntime's `run` may be called concurrently); `threads`
is how many cores one call may use, so a server answering many visitors at once sets 1.
"""
from __future__ import annotations

import os
from pathlib import Path

import onnxruntime as ort

QUIET = 3  # onnxruntime's log level for errors only: its shape and thread-pool notes are not the user's business
ort.set_default_logger_severity(QUIET)
_pool: list[int] = []  # the size of the process-wide thread pool, once made


def session(model: str | Path | bytes, threads: int | None = None) -> ort.InferenceSession:
    """A CPU session for an ONNX file or its bytes; every session of the process shares one thread pool.

    The pool is made by the first session, with `threads` (None: up to 4) threads in all: 1 for a
    server answering visitors side by side (each call then runs on its caller's thread alone).
    onnxruntime allows one pool per process, so later sessions share it whatever they ask. Two
    pools (the detector's and the network's) on two cores would spin against each other as the
    photo pipeline alternates between them: a 640x480 photo took 23 ms so, 12 ms with one.
    """
    if not _pool:
        _pool.append(threads or min(4, os.cpu_count() or 1))
        ort.capi._pybind_state.set_global_thread_pool_sizes(_pool[0], 1)
    options = ort.SessionOptions()
    options.log_severity_level = QUIET
    options.use_per_session_threads = False
    source = model if isinstance(model, bytes) else str(model)
    return ort.InferenceSession(source, options, providers=["CPUExecutionProvider"])

