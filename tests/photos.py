"""Photos the tests make: Grace Hopper (matplotlib's public-domain sample) enlarged, shrunk, tilted and grouped."""
from __future__ import annotations

import cv2
import matplotlib.cbook
import numpy as np

from utk_cnn.faces.images import decode_image_bytes


def grace_hopper() -> np.ndarray:
    """Matplotlib's public-domain sample photo: the only real face the tests use."""
    with matplotlib.cbook.get_sample_data("grace_hopper.jpg") as f:
        return decode_image_bytes(f.read())


def huge_photo(width=8000, height=6000) -> np.ndarray:
    """Grace Hopper enlarged five times on a 8000x6000 canvas."""
    face = grace_hopper()
    big = cv2.resize(face, (face.shape[1] * 5, face.shape[0] * 5), interpolation=cv2.INTER_LINEAR)
    canvas = np.full((height, width, 3), 90, np.uint8)
    canvas[: big.shape[0], 1000: 1000 + big.shape[1]] = big
    return canvas


def face_crop(side: int) -> np.ndarray:
    """Her face alone (a square around it, as a UTKFace chip frames one), `side` px across."""
    face = grace_hopper()[60:460, 56:456]
    return cv2.resize(face, (side, side), interpolation=cv2.INTER_AREA)


def group_photo(sides=(32, 36, 44, 56, 64, 72), size=(1280, 720)) -> tuple[np.ndarray, list[tuple[int, int, int]]]:
    """A 1280x720 group photo: her face at each of `sides` px in a row on a grey wall; and each (x, y, side)."""
    width, height = size
    canvas = np.full((height, width, 3), 120, np.uint8)
    placed, x = [], 60
    for i, side in enumerate(sides):
        y = 200 + 150 * (i % 2)
        canvas[y:y + side, x:x + side] = face_crop(side)
        placed.append((x, y, side))
        x += side + 120
    return canvas, placed


def tilted(image: np.ndarray, degrees: float) -> np.ndarray:
    """The photo turned about its centre, corners filled from its edges."""
    h, w = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    return cv2.warpAffine(image, matrix, (w, h), borderMode=cv2.BORDER_REPLICATE)
