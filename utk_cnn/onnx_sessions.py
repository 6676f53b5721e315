"""onnxruntime sessions set up one way for both networks (the face detector and ours): CPU, quiet, no spinning.

One session serves every thread (onnxruntime's `run` may be called concurrently); `threads`
is how many cores one call may use, so a server answering many visitors at once sets 1.
"""
from __future__ import annotations

import os
from pathlib import Path

import onnxruntime as ort

QUIET = 3  # onnxruntime's log level for errors only: its shape notes are not the user's business
_shared_pool: list[int] = []  # the size of the process-wide thread pool, once made


def session(model: str | Path | bytes, threads: int | None = None) -> ort.InferenceSession:
    """A CPU session for an ONNX file or its bytes, on `threads` cores (None: up to 4).

    One thread: the session runs on its caller's thread alone (a server answering visitors side
    by side). More: every such session shares one pool of that many threads, made on first use.
    Two pools (the detector's and the network's) on two cores would spin against each other
    as the photo pipeline alternates between them: a 640x480 photo took 23 ms so, 13 ms with
    no spinning, and one shared pool keeps the speed of spinning without the contest.
    """
    options = ort.SessionOptions()
    options.log_severity_level = QUIET
    options.inter_op_num_threads = 1
    if threads == 1:
        options.intra_op_num_threads = 1
    else:
        if not _shared_pool:
            _shared_pool.append(threads or min(4, os.cpu_count() or 1))
            ort.capi._pybind_state.set_global_thread_pool_sizes(_shared_pool[0], 1)
        options.use_per_session_threads = False
    source = model if isinstance(model, bytes) else str(model)
    return ort.InferenceSession(source, options, providers=["CPUExecutionProvider"])
