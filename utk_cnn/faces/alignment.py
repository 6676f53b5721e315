"""Warping a detected face onto the UTKFace chip geometry the model learned from.

UTKFace "aligned & cropped" chips put the eyes, nose and mouth corners in nearly the same
place on every face, so a face from a selfie or a group photo is mapped there too: a
similarity transform takes its five landmarks onto the mean positions that the same detector
finds on real chips (each detector has its own `chip_landmarks`, measured by
bench/measure_chip_geometry.py, since detectors disagree on where a nose tip is). A face
given without landmarks is mapped by its box onto the mean MTCNN box on chips.
"""
from __future__ import annotations

import cv2
import numpy as np

CHIP_SIZE = 200  # UTKFace aligned & cropped images are 200x200
CHIP_MTCNN_BOX = (0.0788, 0.0006, 0.8187, 0.9589)  # x, y, w, h as fractions of the chip side


def similarity_fit(source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """The 2x3 similarity (scale, rotation, shift) taking `source` points closest to `target` in least squares.

    Closed form (no sampling), so the page's copy (static/live/align.mjs) computes the same matrix.
    """
    source, target = np.asarray(source, float), np.asarray(target, float)
    s0, t0 = source - source.mean(0), target - target.mean(0)
    norm = (s0 ** 2).sum()
    a = (s0 * t0).sum() / norm                                     # scale x cos
    b = (s0[:, 0] * t0[:, 1] - s0[:, 1] * t0[:, 0]).sum() / norm   # scale x sin
    linear = np.array([[a, -b], [b, a]])
    return np.hstack([linear, (target.mean(0) - linear @ source.mean(0))[:, None]])


def chip_transform(face, chip_landmarks: np.ndarray) -> np.ndarray:
    """2x3 similarity matrix taking image pixels to a CHIP_SIZE chip: from the landmarks, else from the box."""
    if face.landmarks is not None:
        return similarity_fit(face.landmarks, np.asarray(chip_landmarks) * CHIP_SIZE)
    x, y, w, h = face.box
    bx, by, bw, bh = (v * CHIP_SIZE for v in CHIP_MTCNN_BOX)
    scale = (bw / max(w, 1) + bh / max(h, 1)) / 2
    cx, cy = x + w / 2, y + h / 2
    return np.array([[scale, 0, bx + bw / 2 - scale * cx], [0, scale, by + bh / 2 - scale * cy]])


def align_face(image: np.ndarray, face, chip_landmarks: np.ndarray) -> np.ndarray:
    """A CHIP_SIZE x CHIP_SIZE uint8 crop of `face` in UTKFace geometry."""
    matrix = chip_transform(face, chip_landmarks)
    scale = float(np.sqrt(abs(np.linalg.det(matrix[:, :2]))))
    if scale < 0.5:  # shrink the face's region first (area filter) so the warp does not alias
        inverse = cv2.invertAffineTransform(matrix)
        corners = np.array([[0, 0, 1], [CHIP_SIZE, 0, 1], [0, CHIP_SIZE, 1], [CHIP_SIZE, CHIP_SIZE, 1]]) @ inverse.T
        x0, y0 = np.maximum(np.floor(corners.min(0)).astype(int) - 2, 0)
        x1, y1 = np.minimum(np.ceil(corners.max(0)).astype(int) + 2, [image.shape[1], image.shape[0]])
        if x1 > x0 and y1 > y0:
            region = image[y0:y1, x0:x1]
            factor = min(1.0, 2 * scale)
            small = cv2.resize(region, (max(1, round(region.shape[1] * factor)), max(1, round(region.shape[0] * factor))),
                               interpolation=cv2.INTER_AREA)
            shift = np.array([[1 / factor, 0, x0], [0, 1 / factor, y0], [0, 0, 1]])
            matrix = np.vstack([matrix, [0, 0, 1]]) @ shift
            matrix, image = matrix[:2], small
    return cv2.warpAffine(image, matrix, (CHIP_SIZE, CHIP_SIZE), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REPLICATE)
