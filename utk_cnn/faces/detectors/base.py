"""What every face detector returns, and the helpers detectors share."""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

# The order every detector gives its five landmarks in, as they appear in the image
# (so "left eye" is the eye on the image's left, the person's right eye).
LANDMARK_NAMES = ("left eye", "right eye", "nose", "mouth left", "mouth right")


@dataclass
class Face:
    box: tuple[float, float, float, float]  # x, y, w, h in the input image's pixels
    confidence: float
    landmarks: np.ndarray | None = None    # (5, 2) x, y in LANDMARK_NAMES order


def rescaled(faces: list[Face], scale: float) -> list[Face]:
    """Faces found on an image resized by `scale`, in the original image's pixels."""
    return [Face(tuple(float(v) / scale for v in f.box), f.confidence,
                 None if f.landmarks is None else f.landmarks / scale) for f in faces]


def suppress_overlaps(faces: list[Face], iou: float = 0.3) -> list[Face]:
    """Of faces overlapping by more than `iou`, the most confident one (non-maximum suppression)."""
    if len(faces) < 2:
        return faces
    keep = cv2.dnn.NMSBoxes([list(map(float, f.box)) for f in faces], [f.confidence for f in faces], 0.0, iou)
    return [faces[i] for i in sorted(np.asarray(keep).reshape(-1).tolist())]
