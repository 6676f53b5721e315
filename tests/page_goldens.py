"""Golden files for the page's JavaScript (static/live/*.mjs), written by the Python rules they copy.

    python tests/page_goldens.py     # rewrite tests/golden/*.json after a Python rule changes

`node --test tests/js/` checks the page's copies against them; tests/test_page_goldens.py
checks that they are what the Python side writes today.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import cv2
import numpy as np

GOLDEN = Path(__file__).resolve().parent / "golden"
sys.path.insert(0, str(Path(__file__).resolve().parent))


def yunet_case() -> dict:
    """A portrait at 160x128: the network's raw outputs and the faces our decode makes of them."""
    from photos import grace_hopper

    from utk_cnn.faces.detectors.yunet import check_model
    from utk_cnn.faces.detectors.yunet_decode import OUTPUT_NAMES, decode, input_blob, padded_size
    from utk_cnn.onnx_sessions import session
    bgr = cv2.resize(np.ascontiguousarray(grace_hopper()[:, :, ::-1]), (150, 120), interpolation=cv2.INTER_AREA)
    outputs = dict(zip(OUTPUT_NAMES, session(check_model(), threads=1).run(OUTPUT_NAMES, {"input": input_blob(bgr)})))
    pad_w, pad_h = padded_size(bgr.shape[1], bgr.shape[0])
    tiny = np.arange(5 * 3 * 3, dtype=np.uint8).reshape(3, 5, 3)  # a 5x3 BGR image for the input layout
    return {"pad_w": pad_w, "pad_h": pad_h, "score_threshold": 0.1, "nms_threshold": 0.3,
            "outputs": {k: np.round(v.reshape(-1), 6).tolist() for k, v in outputs.items()},
            "faces": decode(outputs, pad_w, pad_h, 0.1, 0.3).tolist(),
            "tiny_bgr": tiny.tolist(), "tiny_blob": input_blob(tiny).reshape(-1).tolist()}


def align_case() -> dict:
    """Landmarks of faces of several sizes and tilts, and the chip transform OpenCV fits to each."""
    from utk_cnn.faces.alignment import chip_transform
    from utk_cnn.faces.detectors.base import Face
    from utk_cnn.faces.detectors.yunet import YunetDetector
    rng = np.random.default_rng(0)
    cases = []
    for _ in range(8):
        scale, angle = rng.uniform(0.3, 2.0), rng.uniform(-0.4, 0.4)
        rotation = scale * np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
        marks = YunetDetector.chip_landmarks * 200 @ rotation.T + rng.uniform(0, 300, 2) + rng.normal(0, 1.5, (5, 2))
        matrix = chip_transform(Face((0, 0, 1, 1), 1.0, marks), YunetDetector.chip_landmarks)
        cases.append({"landmarks": marks.tolist(), "matrix": matrix.reshape(-1).tolist()})
    image = rng.integers(0, 256, (40, 50, 3), dtype=np.uint8)  # RGB, for the warp and the area resize
    matrix = np.array([[1.9, -0.4, 12.0], [0.4, 1.9, -8.0]])
    warped = cv2.warpAffine(image, matrix, (64, 64), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return {"chip_landmarks": YunetDetector.chip_landmarks.tolist(), "cases": cases,
            "image": image.tolist(), "warp_matrix": matrix.reshape(-1).tolist(), "warped": warped.tolist(),
            "resized": cv2.resize(warped, (30, 30), interpolation=cv2.INTER_AREA).tolist()}


def readout_case() -> dict:
    """Averaged outputs of a few faces, a calibration, and what the Python side reports for each."""
    from utk_cnn.faces.drawing import face_label
    from utk_cnn.inference.calibration import Calibration
    from utk_cnn.inference.predictor import describe, estimates_from_outputs
    from utk_cnn.live.annotator import people_text
    rng = np.random.default_rng(1)
    logits = rng.normal(0, 1, (6, 117)) + 6 * np.exp(-0.5 * ((np.arange(117) - rng.uniform(1, 90, (6, 1))) / 6) ** 2)
    dist = (np.exp(logits) / np.exp(logits).sum(1, keepdims=True)).astype("float32")
    p_female = rng.uniform(0.02, 0.98, 6).astype("float32")
    out = {}
    for name, calibration in {"plain": Calibration(), "shipped": Calibration(0.88, 1.155, "mean")}.items():
        estimates = estimates_from_outputs({"age_dist": dist, "gender_out": p_female[:, None]}, calibration)
        people = [{"id": i + 1, **describe(estimates, i)} for i in range(len(dist))]
        out[name] = {"calibration": {"age_temperature": calibration.age_temperature,
                                     "gender_temperature": calibration.gender_temperature,
                                     "age_readout": calibration.age_readout},
                     "people": people, "labels": [face_label(p) for p in people], "text": people_text(people)}
    return {"age_dist": dist.tolist(), "p_female": p_female.tolist(), **out}


def tracker_case() -> dict:
    """Two people who cross and one who leaves: the detections per frame and the ids Python gives them."""
    from utk_cnn.live.tracking import FaceTracker
    tracker, frames = FaceTracker(), []
    for t in range(40):
        boxes = [[20 + 6 * t, 50, 60, 70], [260 - 6 * t, 60, 62, 72]]
        if t < 25:
            boxes.append([140, 200 + t, 40, 48])
        if t in (17, 18):  # a frame pair where the second face is missed
            boxes = boxes[:1] + boxes[2:]
        seen = tracker.update(t, boxes)
        frames.append({"boxes": boxes, "ids": [track.id for track in seen]})
    return {"frames": frames}


CASES = {"yunet": yunet_case, "align": align_case, "readout": readout_case, "tracker": tracker_case}


def write(folder: Path = GOLDEN) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, case in CASES.items():
        (folder / f"{name}.json").write_text(json.dumps(case()) + "\n")


if __name__ == "__main__":
    write()
