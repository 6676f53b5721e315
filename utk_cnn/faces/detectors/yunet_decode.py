"""YuNet's raw outputs to faces, as `cv2.FaceDetectorYN` decodes them: the one written rule set.

The network sees the image padded (bottom and right, zeros) to multiples of 32 and gives, for
each of its strides 8, 16 and 32, one row per cell of the padded image: a class and an
objectness score, a box (centre offset and log size, in strides) and five landmarks (offsets,
in strides). A face's score is sqrt(cls x obj), each clamped to 0..1; overlapping boxes are
merged by OpenCV's own non-maximum suppression on whole-pixel boxes, as `FaceDetectorYN` does.
The page's port (static/) is tested against this module.
"""
from __future__ import annotations

import cv2
import numpy as np

STRIDES = (8, 16, 32)
DIVISOR = 32
OUTPUT_NAMES = [f"{kind}_{stride}" for kind in ("cls", "obj", "bbox", "kps") for stride in STRIDES]


def padded_size(width: int, height: int) -> tuple[int, int]:
    """The input size the network runs at: each side rounded up to a multiple of 32."""
    return (width - 1) // DIVISOR * DIVISOR + DIVISOR, (height - 1) // DIVISOR * DIVISOR + DIVISOR


def input_blob(image: np.ndarray, order: str = "bgr", out: np.ndarray | None = None) -> np.ndarray:
    """A uint8 image (BGR, or RGB with order="rgb") as the network's float32 BGR NCHW input, zero-padded to
    multiples of 32; written into `out` (a blob of an earlier image of the same size) when given.

    Splitting the planes and writing into a blob that is not zeroed first is 2-3x faster than a
    strided transpose into `np.zeros` (0.33 against 0.93 ms at 640x480).
    """
    height, width = image.shape[:2]
    pad_w, pad_h = padded_size(width, height)
    blob = out if out is not None else np.empty((1, 3, pad_h, pad_w), np.float32)
    if out is None:
        blob[0, :, height:, :] = 0
        blob[0, :, :height, width:] = 0
    planes = cv2.split(image)
    for channel, plane in enumerate(planes[::-1] if order == "rgb" else planes):
        blob[0, channel, :height, :width] = plane
    return blob


def decode(outputs: dict[str, np.ndarray], pad_w: int, pad_h: int, score_threshold: float,
           nms_threshold: float, top_k: int = 5000) -> np.ndarray:
    """Faces as `FaceDetectorYN.detect` rows (N, 15): x, y, w, h, five landmarks (x, y), score."""
    rows = []
    for stride in STRIDES:
        cols, count = pad_w // stride, (pad_w // stride) * (pad_h // stride)
        product = np.clip(outputs[f"cls_{stride}"].reshape(-1)[:count], 0, 1) * \
            np.clip(outputs[f"obj_{stride}"].reshape(-1)[:count], 0, 1)
        keep = np.flatnonzero(product >= score_threshold * score_threshold)  # square roots only where they may pass
        score = np.sqrt(product[keep])
        keep, score = keep[score >= score_threshold], score[score >= score_threshold]
        if not len(keep):
            continue
        c, r = (keep % cols).astype(np.float32), (keep // cols).astype(np.float32)
        box = outputs[f"bbox_{stride}"].reshape(-1, 4)[keep]
        kps = outputs[f"kps_{stride}"].reshape(-1, 10)[keep]
        w, h = np.exp(box[:, 2]) * stride, np.exp(box[:, 3]) * stride
        cx, cy = (c + box[:, 0]) * stride, (r + box[:, 1]) * stride
        marks = np.empty_like(kps)
        marks[:, 0::2] = (kps[:, 0::2] + c[:, None]) * stride
        marks[:, 1::2] = (kps[:, 1::2] + r[:, None]) * stride
        rows.append(np.column_stack([cx - w / 2, cy - h / 2, w, h, marks, score]).astype(np.float32))
    if not rows:
        return np.zeros((0, 15), np.float32)
    faces = np.concatenate(rows)
    if len(faces) < 2:
        return faces
    boxes = faces[:, :4].astype(np.int32)  # OpenCV suppresses on Rect2i (whole pixels, truncated)
    keep = cv2.dnn.NMSBoxes(boxes, faces[:, 14], score_threshold, nms_threshold, top_k=top_k)
    return faces[np.asarray(keep, int).reshape(-1)]
