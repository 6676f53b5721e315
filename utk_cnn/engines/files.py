"""What `utk-cnn predict` gives for one file: a photo's faces, a video's tracked people, or an error.

Every engine (utk_cnn/engines) maps `predict_path` over the inputs, so a photo gives the same
JSON whichever engine ran it. A bad file is an error entry; the other files go on.
"""
from __future__ import annotations

from pathlib import Path

import cv2

from utk_cnn.faces.drawing import draw_faces
from utk_cnn.faces.images import ImageError, read_image
from utk_cnn.inference.predictor import Predictor
from utk_cnn.io import atomic_path
from utk_cnn.live.video import VIDEO_SUFFIXES, VideoError, is_video, predict_video

PHOTO_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff", ".gif", ".heic", ".heif", ".avif"}


def expand_inputs(inputs) -> list[Path]:
    """Files as given; folders become the photos and videos inside them (recursively), sorted."""
    paths = []
    for item in map(Path, inputs):
        if item.is_dir():
            paths += sorted(p for p in item.rglob("*")
                            if p.is_file() and p.suffix.lower() in PHOTO_SUFFIXES | VIDEO_SUFFIXES)
        else:
            paths.append(item)
    return paths


def predict_photo(path: Path, predictor: Predictor, out=None) -> dict:
    image = read_image(path)
    faces = predictor.predict_image(image)
    if out:
        with atomic_path(Path(out) / f"{path.stem}.annotated.jpg") as tmp:
            cv2.imwrite(str(tmp), cv2.cvtColor(draw_faces(image, faces), cv2.COLOR_RGB2BGR))
    return {"path": str(path), "faces": faces}


def predict_path(path: Path, predictor: Predictor, out=None, detect_every: int = 1) -> dict:
    """One result for a photo (`faces`) or video (`frames`, `fps`, `tracks`), or an `error` naming the problem."""
    path = Path(path)
    try:
        if is_video(path):
            return predict_video(path, predictor, out=out, detect_every=detect_every)
        return predict_photo(path, predictor, out=out)
    except (ImageError, VideoError) as err:
        return {"path": str(path), "error": str(err).removeprefix(f"{path}: ")}
