"""Face detectors behind one registry: each gives boxes, scores and five landmarks in one order.

A detector is any object with `detect(rgb_image) -> list[Face]` and `chip_landmarks`, the mean
positions of its own landmarks on UTKFace chips (what `alignment.align_face` maps faces onto).
Each lives in its own module, imported only when asked for: YuNet needs onnxruntime (or
OpenCV's DNN), MTCNN and Haar build TensorFlow networks (`pip install utk-cnn[train]`).
"""
from __future__ import annotations

import importlib
import importlib.util
import inspect
from typing import NamedTuple

from utk_cnn.faces.detectors.base import LANDMARK_NAMES, Face, suppress_overlaps  # noqa: F401


class DetectorSpec(NamedTuple):
    module: str        # utk_cnn.faces.detectors.<module>
    cls: str
    options: dict
    use: str           # one line for --help and the README
    needs: tuple = ()  # packages beyond the serving ones (pip install utk-cnn[train])


DETECTORS = {
    "yunet": DetectorSpec("yunet", "YunetDetector", {}, "photos, group photos and video (default)"),
    "yunet-fast": DetectorSpec("yunet", "YunetDetector", {"max_side": 320, "refine_below": 0},
                               "the webcam: one search at 320 px, a second look only at unsure faces"),
    "yunet-opencv": DetectorSpec("yunet", "YunetDetector", {"engine": "opencv"},
                                 "yunet run by OpenCV's cv2.FaceDetectorYN instead of onnxruntime (slower on Intel)"),
    "mtcnn": DetectorSpec("mtcnn", "MtcnnDetector", {}, "MTCNN, proposals on 640 px (slower)", ("tensorflow", "mtcnn")),
    "mtcnn-fast": DetectorSpec("mtcnn", "MtcnnDetector", {"max_side": 320}, "MTCNN, proposals on 320 px",
                               ("tensorflow", "mtcnn")),
    "haar": DetectorSpec("haar", "HaarDetector", {}, "OpenCV's Haar cascade, refined by MTCNN: frontal faces only",
                         ("tensorflow", "mtcnn")),
}
DEFAULT_DETECTOR = "yunet"


def available_detectors() -> list[str]:
    """The detectors whose packages are installed here (a Space without TensorFlow has the YuNet ones)."""
    return [name for name, spec in DETECTORS.items() if all(importlib.util.find_spec(p) for p in spec.needs)]


def make_detector(name: str = DEFAULT_DETECTOR, threads: int | None = None, **options):
    """A new detector by registry name; `options` override its defaults (for example max_side).

    `threads` (cores one search may use) reaches the detectors that take it.
    """
    if name not in DETECTORS:
        raise ValueError(f"unknown detector {name!r}: use one of {', '.join(DETECTORS)}")
    spec = DETECTORS[name]
    cls = getattr(importlib.import_module(f"{__name__}.{spec.module}"), spec.cls)
    if "threads" in inspect.signature(cls).parameters:
        options["threads"] = threads
    return cls(**{**spec.options, **options})
