"""Synthetic scenes and clips for the video and webcam tests: Grace Hopper (public domain) moving on a plain wall."""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from photos import grace_hopper

FACE_HEIGHT = 200


def _face(height: int = FACE_HEIGHT, mirrored: bool = False) -> np.ndarray:
    face = grace_hopper()
    face = cv2.resize(face, (round(face.shape[1] * height / face.shape[0]), height), interpolation=cv2.INTER_AREA)
    return face[:, ::-1] if mirrored else face


def moving_scene(frames: int, faces: int = 1, size=(640, 480), step: int = 4) -> list[np.ndarray]:
    """RGB frames: one face drifting right and back, or two faces drifting towards each other and back, on a grey wall.

    The motion bounces rather than wraps, so no face ever jumps, and a clip of `bounce_period`
    frames loops seamlessly (Chromium's fake camera plays its file in a loop).
    """
    width, height = size
    people = [_face(), _face(mirrored=True)][:faces]
    out = []
    for t in range(frames):
        canvas = np.full((height, width, 3), 110, np.uint8)
        for i, face in enumerate(people):
            h, w = face.shape[:2]
            span = max(1, width // faces - w)
            offset = _bounce(t * step, span)
            x = i * (width // faces) + (offset if i == 0 else span - offset)
            y = (height - h) // 2
            canvas[y:y + h, x:x + w] = face
        out.append(canvas)
    return out


def _bounce(distance: int, span: int) -> int:
    """A position going 0 -> span -> 0 -> ...: a triangle wave."""
    phase = distance % (2 * span)
    return phase if phase <= span else 2 * span - phase


def bounce_period(faces: int = 1, size=(640, 480), step: int = 4) -> int:
    """Frames for one full there-and-back of `moving_scene`."""
    span = max(1, size[0] // faces - _face().shape[1])
    return int(np.ceil(2 * span / step))


def blank_scene(frames: int, size=(640, 480)) -> list[np.ndarray]:
    return [np.full((size[1], size[0], 3), 110 + (t % 5), np.uint8) for t in range(frames)]


def write_clip(path: Path, frames: list[np.ndarray], fps: float = 15.0, fourcc: str = "mp4v") -> Path:
    height, width = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), fps, (width, height))
    assert writer.isOpened(), f"cannot write {path}"
    for frame in frames:
        writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    writer.release()
    return path


def write_y4m(path: Path, frames: list[np.ndarray], fps: int = 30) -> Path:
    """YUV4MPEG2 (4:2:0), what Chromium's fake camera plays in a loop."""
    height, width = frames[0].shape[:2]
    with open(path, "wb") as f:
        f.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for frame in frames:
            f.write(b"FRAME\n")
            f.write(cv2.cvtColor(frame, cv2.COLOR_RGB2YUV_I420).tobytes())
    return path
