"""YuNet (2023mar, MIT): OpenCV's own face detector, boxes and five landmarks in a few milliseconds.

The 230 KB ONNX file ships in assets/detectors with its licence; nothing is downloaded. It is
OpenCV Zoo's file with its input's height and width made free, so it runs at any size whose
sides are multiples of 32. Two engines run it: onnxruntime with our decode (`yunet_decode`,
the default: 2-3x faster than OpenCV's DNN on Intel CPUs) or `cv2.FaceDetectorYN` itself
(`engine="opencv"`). YuNet finds faces from about 10
to about 300 pixels across and grows unreliable above that, so an image is searched on a
small pyramid: at up to `max_side` for the small faces, then at `coarse_step` of that scale
(at least `min_side`) until a pass sees the largest face the image can hold at a reliable
size. Each scale keeps the faces of the sizes it sees well (the bands overlap by a quarter),
and overlaps are merged. A 640x480 photo is searched at 640 and 160 px, a 1280x720 one at
1280 and 320, a 320x240 webcam frame once. A whole step of 4 keeps OpenCV's area resizing
on its fast path (0.08 ms from 640 to 160 px, 0.8 ms to 192). Small or unsure faces then get
a second look in an enlarged crop around them; unsure ones under `min_unsure` px are dropped
without one.
"""
from __future__ import annotations

import hashlib
import math
import threading
from pathlib import Path

import cv2
import numpy as np

from utk_cnn.faces.detectors.base import Face, rescaled, suppress_overlaps
from utk_cnn.faces.detectors.yunet_decode import OUTPUT_NAMES, decode, input_blob, padded_size
from utk_cnn.faces.images import downscale
from utk_cnn.onnx_sessions import session
from utk_cnn.paths import DETECTOR_WEIGHTS

MODEL_PATH = DETECTOR_WEIGHTS / "face_detection_yunet_2023mar_dynamic.onnx"
MODEL_SHA256 = "8e3291d99930eb770af62e20417889796c288851194cc5293d078cdbc2d1b68d"
ENGINES = ("onnx", "opencv")
RELIABLE_SIZE = 256  # faces wider than this (in the pass's own pixels) are left to the coarse pass
OVERLAP = 0.75  # a coarser pass also keeps the top quarter of the finer pass's band; suppress_overlaps merges


def check_model(path: Path = MODEL_PATH) -> Path:
    """The weights file, if it is the one we tested; a clear error if it is missing or altered."""
    if not path.exists():
        raise FileNotFoundError(f"{path}: YuNet's weights are missing (reinstall utk-cnn)")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != MODEL_SHA256:
        raise ValueError(f"{path}: unexpected YuNet weights (sha256 {digest[:12]}..., expected {MODEL_SHA256[:12]}...)")
    return path


class OnnxYunet:
    """One YuNet pass on an RGB image at its own size through onnxruntime: one session shared by all threads."""

    def __init__(self, path: str, score_threshold: float, nms_threshold: float, threads: int | None = None):
        self.session = session(path, threads)
        self.score_threshold, self.nms_threshold = score_threshold, nms_threshold
        self._local = threading.local()  # each thread's input blobs, by image size, reused (their padding stays 0)

    def __call__(self, rgb: np.ndarray) -> np.ndarray:
        blobs = self._local.__dict__.setdefault("blobs", {})
        size = rgb.shape[:2]
        if size not in blobs and len(blobs) >= 8:  # a video keeps one size; photos of many sizes should not pile up
            blobs.clear()
        blobs[size] = input_blob(rgb, "rgb", blobs.get(size))
        outputs = dict(zip(OUTPUT_NAMES, self.session.run(OUTPUT_NAMES, {"input": blobs[size]})))
        pad_w, pad_h = padded_size(rgb.shape[1], rgb.shape[0])
        return decode(outputs, pad_w, pad_h, self.score_threshold, self.nms_threshold)


class OpenCVYunet:
    """One YuNet pass on an RGB image through `cv2.FaceDetectorYN`: an instance per thread and per input size."""

    def __init__(self, path: str, score_threshold: float, nms_threshold: float, threads: int | None = None):
        self.path, self.score_threshold, self.nms_threshold = path, score_threshold, nms_threshold
        self._local = threading.local()  # one OpenCV detector per thread: the app serves visitors in parallel

    def __call__(self, rgb: np.ndarray) -> np.ndarray:
        bgr = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
        nets = self._local.__dict__.setdefault("nets", {})
        size = (bgr.shape[1], bgr.shape[0])
        if size not in nets:  # resizing one instance costs more than the search itself
            if len(nets) >= 8:  # a video keeps one size; photos of many sizes should not pile up
                nets.clear()
            nets[size] = cv2.FaceDetectorYN_create(self.path, "", size, self.score_threshold, self.nms_threshold, 5000)
        _, rows = nets[size].detect(bgr)
        return np.zeros((0, 15), np.float32) if rows is None else rows


class YunetDetector:
    """YuNet on a pyramid of scales of the image; see the module docstring."""

    # Mean YuNet landmarks on 400 UTKFace chips, fractions of the chip side
    # (python bench/measure_chip_geometry.py ../shared/data/UTKFace.tar.gz --detector yunet).
    chip_landmarks = np.array([[0.2817, 0.2918], [0.6865, 0.2915], [0.478, 0.522], [0.3114, 0.6754], [0.6721, 0.6721]])

    def __init__(self, max_side: int = 1280, min_side: int = 128, coarse_step: float = 0.25,
                 score_threshold: float = 0.6, nms_threshold: float = 0.3, upscale: float = 1.0,
                 candidate_threshold: float = 0.1, refine_below: int = 48, refine_size: int = 80,
                 refine_context: float = 2.5, max_candidates: int = 40, min_unsure: float = 16.0,
                 engine: str = "onnx", threads: int | None = None):
        self.max_side, self.min_side, self.coarse_step, self.upscale = max_side, min_side, coarse_step, upscale
        self.score_threshold, self.nms_threshold = score_threshold, nms_threshold
        self.candidate_threshold, self.refine_below = candidate_threshold, refine_below
        self.refine_size, self.refine_context, self.max_candidates = refine_size, refine_context, max_candidates
        self.min_unsure = min_unsure
        if engine not in ENGINES:
            raise ValueError(f"unknown YuNet engine {engine!r}: use one of {', '.join(ENGINES)}")
        run = OnnxYunet if engine == "onnx" else OpenCVYunet
        self._find = run(str(check_model()), min(candidate_threshold, score_threshold), nms_threshold, threads)

    def sides(self, shape) -> list[int]:
        """The long sides the image is searched at, finest first, until one sees a face as tall as the image well."""
        long, short = max(shape[:2]), min(shape[:2])
        sides = [min(round(long * self.upscale), self.max_side)]
        while self.largest_reliable(sides[-1], long) < short and sides[-1] > self.min_side:
            sides.append(max(self.min_side, round(sides[-1] * self.coarse_step)))
        return sides

    @staticmethod
    def largest_reliable(side: int, long: int) -> float:
        """The largest face, in the image's pixels, that a pass at long side `side` sees at a reliable size."""
        return RELIABLE_SIZE * long / side

    def _pass(self, rgb: np.ndarray, side: int) -> list[Face]:
        """The faces one pass finds with the image's long side at `side`, in the image's own pixels."""
        scale = side / max(rgb.shape[:2])
        small = downscale(rgb, side)[0] if scale <= 1 else cv2.resize(rgb, None, fx=scale, fy=scale)
        rows = self._find(small)
        faces = [Face(tuple(float(v) for v in row[:4]), float(row[14]), row[4:14].reshape(5, 2).astype(np.float64))
                 for row in rows]
        return rescaled(faces, scale)

    def detect(self, image: np.ndarray) -> list[Face]:
        """Faces in a uint8 RGB image, most confident first."""
        sides = self.sides(image.shape)
        faces, long = [], max(image.shape[:2])
        for i, side in enumerate(sides):
            found = self._pass(image, side)
            # A scale keeps faces it sees at a reliable size, and leaves the smallest ones to the
            # finer scale before it, but for the top of that one's band (suppress_overlaps merges).
            upper = self.largest_reliable(side, long) if i < len(sides) - 1 else math.inf
            lower = OVERLAP * self.largest_reliable(sides[i - 1], long) if i else 0.0
            faces += [f for f in found if lower < max(f.box[2:]) <= upper]
        faces = sorted(suppress_overlaps(faces, self.nms_threshold), key=lambda f: -f.confidence)[:self.max_candidates]
        faces = [self._second_look(image, f) if self._doubtful(f) else f for f in faces if self._worth_a_look(f)]
        faces = [f for f in faces if f is not None and f.confidence >= self.score_threshold]
        faces = suppress_overlaps(faces, self.nms_threshold)  # a second look can land on a face already found
        return sorted((_clipped(f, image.shape) for f in faces), key=lambda f: -f.confidence)

    def _worth_a_look(self, face: Face) -> bool:
        """False for a low-scoring candidate under `min_unsure` px: dropped without a second look.

        Such specks are nearly always texture (no true face on the validation scenes scored under
        the threshold below 20 px), too small to read an age from if they were not, and each
        second look costs a detector pass (1.2 ms of a 640x480 photo's 9).
        """
        return face.confidence >= self.score_threshold or max(face.box[2:]) >= self.min_unsure

    def _doubtful(self, face: Face) -> bool:
        return face.confidence < self.score_threshold or max(face.box[2:]) < self.refine_below

    def _second_look(self, rgb: np.ndarray, face: Face) -> Face | None:
        """The face searched again in a crop around it, enlarged to `refine_size` px: a sure score, finer landmarks.

        Small and low-scoring faces are where YuNet is least sure; seen larger, a real face
        scores high and a texture that looked like one does not.
        """
        x, y, w, h = face.box
        side = self.refine_context * max(w, h)
        zoom = self.refine_size / max(w, h)
        x0, y0 = x + w / 2 - side / 2, y + h / 2 - side / 2
        crop_side = max(1, round(side * zoom))
        to_crop = np.array([[zoom, 0, -x0 * zoom], [0, zoom, -y0 * zoom]])
        crop = cv2.warpAffine(rgb, to_crop, (crop_side, crop_side), flags=cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_REPLICATE)
        rows = self._find(crop)
        if not len(rows):
            return None
        centre = crop_side / 2
        row = min(rows, key=lambda r: (r[0] + r[2] / 2 - centre) ** 2 + (r[1] + r[3] / 2 - centre) ** 2)
        if abs(row[0] + row[2] / 2 - centre) > row[2] / 2 or abs(row[1] + row[3] / 2 - centre) > row[3] / 2:
            return None  # what it finds is not where the first look was
        marks = row[4:14].reshape(5, 2) / zoom + [x0, y0]
        return Face((row[0] / zoom + x0, row[1] / zoom + y0, row[2] / zoom, row[3] / zoom), float(row[14]), marks)


def _clipped(face: Face, shape) -> Face:
    """The face with its box kept inside the image (landmarks may lie outside, as on a cut-off face)."""
    height, width = shape[:2]
    x, y, w, h = face.box
    x1, y1 = max(0.0, x), max(0.0, y)
    x2, y2 = min(width - 1.0, x + w), min(height - 1.0, y + h)
    return Face((x1, y1, max(1.0, x2 - x1), max(1.0, y2 - y1)), face.confidence, face.landmarks)
