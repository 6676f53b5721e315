"""Video files: every frame tracked, one steady estimate per person, and an annotated copy that plays in browsers.

Frames are read with OpenCV (its bundled FFmpeg reads mp4, webm, mov, avi and mkv); the copy is
VP8 WebM, which OpenCV's wheels can write and every browser plays. The copy is drawn in a
second pass over the file, once every person's estimate is known, so each person carries the
same label on every frame as in the table (a first frame seen alone would often read
differently). A file that yields no frame is a `VideoError`; a clip that breaks off midway
keeps what was read before the break.
"""
from __future__ import annotations

from collections import deque
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path

import cv2
from tqdm import tqdm

from utk_cnn.faces.drawing import draw_faces
from utk_cnn.inference.predictor import Predictor
from utk_cnn.io import atomic_path, opencv_quiet
from utk_cnn.live.annotator import FrameAnnotator

VIDEO_SUFFIXES = {".mp4", ".webm", ".mov", ".avi", ".mkv", ".m4v"}
OUTPUT_CODEC = "VP80"  # VP8 in WebM: written by OpenCV's bundled FFmpeg, played by Chromium and Firefox


class VideoError(ValueError):
    """A file that cannot be read as a video."""


def is_video(path) -> bool:
    return Path(path).suffix.lower() in VIDEO_SUFFIXES


def annotated_name(path) -> str:
    return f"{Path(path).stem}.annotated.webm"


def predict_video(path, predictor: Predictor, out: str | Path | None = None, detector: str | None = None,
                  detect_every: int = 1, progress: bool | None = None) -> dict:
    """{"path", "frames", "fps", "tracks": [...]} for one video; with `out`, its annotated copy as `out`/NAME.annotated.webm.

    `progress`: a bar on stderr (None: only when stderr is a terminal).
    """
    annotator = FrameAnnotator(predictor, detector=detector, detect_every=detect_every)
    boxes = []  # per frame: (person id, box) for each person on it
    with _opened(path) as (frames, fps, total):
        for frame in tqdm(frames, total=total, desc=Path(path).name, unit="frame",
                          disable=None if progress is None else not progress):
            boxes.append([(person["id"], person["box"]) for person in annotator.step(frame)])
    people = annotator.people()
    if out:
        _write_copy(path, Path(out) / annotated_name(path), fps, boxes, {person["id"]: person for person in people})
    return {"path": str(path), "frames": annotator.frame, "fps": round(fps, 3), "tracks": [
        {key: person[key] for key in ("id", "first_frame", "last_frame", "age", "age_range", "gender",
                                      "gender_confidence", "box")} for person in people]}


@contextmanager
def _opened(path):
    """(RGB frames, fps, frame count or None) of a video; VideoError if it yields no frame."""
    with opencv_quiet():
        capture = cv2.VideoCapture(str(path))
    try:
        if not capture.isOpened():
            raise VideoError(f"{path}: cannot open as a video (missing, unsupported or broken)")
        ok, first = capture.read()
        if not ok:
            raise VideoError(f"{path}: no frame could be read (empty or broken video)")
        fps = capture.get(cv2.CAP_PROP_FPS)

        def frames():
            frame, ok = first, True
            while ok:
                yield cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
                ok, frame = capture.read()
        yield frames(), fps if 0 < fps < 1000 else 25.0, int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) or None
    finally:
        capture.release()


def _write_copy(path, target: Path, fps: float, boxes: list, people: dict) -> None:
    """The annotated copy: each frame with its people's boxes, each labelled with that person's estimate."""
    with ExitStack() as stack:
        frames, _, _ = stack.enter_context(_opened(path))
        write = None
        for frame, on_frame in zip(frames, boxes):
            write = write or _open_writer(stack, target, fps, frame.shape)
            write(draw_faces(frame, [{**people[pid], "box": box} for pid, box in on_frame if pid in people]))


def _open_writer(stack: ExitStack, target: Path, fps: float, shape):
    """A function writing RGB frames into `target` (WebM), which appears only once the stack closes cleanly.

    Encoding runs on its own thread (OpenCV releases the GIL while it encodes), so the next
    frame is detected and tracked while this one is compressed.
    """
    tmp = stack.enter_context(atomic_path(target))
    with opencv_quiet():  # FFmpeg's note that VP80 is not a WebM tag (it falls back to the right one)
        video = cv2.VideoWriter(str(tmp), cv2.VideoWriter_fourcc(*OUTPUT_CODEC), fps, (shape[1], shape[0]))
    if not video.isOpened():
        raise VideoError(f"{target}: cannot write a {OUTPUT_CODEC} WebM here")
    stack.callback(video.release)  # closes the file before atomic_path moves it into place
    encoder = stack.enter_context(ThreadPoolExecutor(1, thread_name_prefix="webm"))
    pending: deque = deque()

    def write(frame):
        while pending and (pending[0].done() or len(pending) >= 4):  # at most 4 frames wait; errors surface
            pending.popleft().result()
        pending.append(encoder.submit(video.write, cv2.cvtColor(frame, cv2.COLOR_RGB2BGR)))
    stack.callback(lambda: [job.result() for job in pending])  # every frame written before the file closes
    return write
