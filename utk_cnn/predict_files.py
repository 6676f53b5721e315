"""`utk-cnn predict`: many files, one result each; a bad file is reported and the rest go on."""
from __future__ import annotations

import logging
from pathlib import Path

import cv2
from tqdm import tqdm

from .faces import ImageError, draw_faces, read_image
from .io import atomic_path
from .predict import Predictor

log = logging.getLogger("utk_cnn")
PHOTO_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff", ".gif"}


def expand_inputs(inputs) -> list[Path]:
    """Files as given; folders become the photos inside them (recursively), sorted."""
    paths = []
    for item in map(Path, inputs):
        if item.is_dir():
            paths += sorted(p for p in item.rglob("*") if p.is_file() and p.suffix.lower() in PHOTO_SUFFIXES)
        else:
            paths.append(item)
    return paths


def predict_files(inputs, model=None, detector="mtcnn", out=None) -> list[dict]:
    predictor = Predictor.load(model, detector=detector)
    results = []
    for path in tqdm(expand_inputs(inputs), desc="photos", unit="photo", disable=None):
        try:
            image = read_image(path)
            faces = predictor.predict_image(image)
        except ImageError as err:
            results.append({"path": str(path), "error": str(err).removeprefix(f"{path}: ")})
            continue
        results.append({"path": str(path), "faces": faces})
        if out:
            target = Path(out) / f"{path.stem}.annotated.jpg"
            with atomic_path(target) as tmp:
                cv2.imwrite(str(tmp), cv2.cvtColor(draw_faces(image, faces), cv2.COLOR_RGB2BGR))
    return results
