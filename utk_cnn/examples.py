"""The demo's example inputs, made from public-domain material that installed packages ship.

The photo is matplotlib's `grace_hopper.jpg` (US Navy, public domain); the clip is made from it
on first use: her portrait and its mirror image drifting across a plain wall, so the Video tab
has something to try that shows no one else.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

import cv2
import numpy as np

from utk_cnn.faces.images import read_image
from utk_cnn.io import atomic_path

CLIP_SIZE = (640, 480)


def example_photo() -> str:
    import matplotlib.cbook
    return str(matplotlib.cbook.get_sample_data("grace_hopper.jpg", asfileobj=False))


def example_frames(frames: int = 60, step: int = 4) -> list[np.ndarray]:
    """RGB frames of the two portraits, 200 px tall, each moving towards the other and back."""
    width, height = CLIP_SIZE
    face = read_image(example_photo())
    face = cv2.resize(face, (round(face.shape[1] * 200 / face.shape[0]), 200), interpolation=cv2.INTER_AREA)
    people, span = [face, face[:, ::-1]], width // 2 - face.shape[1]
    out = []
    for t in range(frames):
        offset = (t * step) % (2 * span)
        offset = offset if offset <= span else 2 * span - offset  # bounce rather than jump
        canvas = np.full((height, width, 3), 110, np.uint8)
        for i, person in enumerate(people):
            x = i * (width // 2) + (offset if i == 0 else span - offset)
            y = (height - person.shape[0]) // 2
            canvas[y:y + person.shape[0], x:x + person.shape[1]] = person
        out.append(canvas)
    return out


def example_clip(folder: str | Path | None = None) -> str:
    """An MP4 of `example_frames` at 20 fps, written once into `folder` (default: a temporary folder)."""
    path = Path(folder or Path(tempfile.gettempdir()) / "utk-cnn-examples") / "grace_hopper_pair.mp4"
    if not path.exists():
        with atomic_path(path) as tmp:
            writer = cv2.VideoWriter(str(tmp), cv2.VideoWriter_fourcc(*"mp4v"), 20.0, CLIP_SIZE)
            for frame in example_frames():
                writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
            writer.release()
    return str(path)
