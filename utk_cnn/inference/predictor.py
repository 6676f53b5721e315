"""Age and gender for face crops, through a runtime that needs no TensorFlow (onnxruntime by default)."""
from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import cv2
import numpy as np

from utk_cnn.faces.alignment import CHIP_SIZE, align_face
from utk_cnn.faces.detectors import DEFAULT_DETECTOR, make_detector
from utk_cnn.faces.images import to_rgb_uint8
from utk_cnn.inference.calibration import Calibration, age_interval, load_calibration
from utk_cnn.inference.runtimes import load_runner
from utk_cnn.paths import ASSETS, SHIPPED_MODEL  # noqa: F401  (ASSETS: where the app finds the shipped card and curves)

TTA_MODES = ("none", "flip", "shifts")  # test-time augmentation: the views of a face the Predictor averages


def check_tta(tta: str) -> str:
    if tta not in TTA_MODES:
        raise ValueError(f"unknown test-time augmentation {tta!r}: use one of {', '.join(TTA_MODES)}")
    return tta


def resize_faces(faces: np.ndarray, size: int) -> np.ndarray:
    """uint8 faces of any size resized (area-averaged, as training decodes them) to size x size."""
    if faces.shape[1:3] == (size, size):
        return faces
    resized = [cv2.resize(face, (size, size), interpolation=cv2.INTER_AREA) for face in faces]
    return np.stack(resized) if resized else np.zeros((0, size, size, 3), np.uint8)


def shift_margin(image_size: int) -> int:
    """Pixels by which the "shifts" views move the face: about 5% of the input."""
    return max(1, round(0.05 * image_size))


def tta_views(faces: np.ndarray, image_size: int, tta: str = "flip") -> np.ndarray:
    """The views of each face whose predictions are averaged: (V, N, image_size, image_size, 3).

    "none": the face; "flip": it and its mirror image; "shifts": those plus four crops of the
    face enlarged by 2 x `shift_margin` pixels, moved that margin up, down, left and right, each
    mirrored too (10 views). Faces larger than the input keep their detail in the enlarged crops.
    """
    check_tta(tta)
    views = [resize_faces(faces, image_size)]
    if tta == "shifts":
        m = shift_margin(image_size)
        big = resize_faces(faces, image_size + 2 * m)
        for top, left in ((0, m), (2 * m, m), (m, 0), (m, 2 * m)):
            views.append(big[:, top:top + image_size, left:left + image_size])
    if tta != "none":
        views += [v[:, :, ::-1] for v in views]
    return np.stack(views)


class Estimates(NamedTuple):
    """Per-face arrays: age (years, the read-out of the distribution), its central 80% interval, and P(female)."""
    age: np.ndarray
    age_low: np.ndarray   # NaN where the model predicts no age distribution
    age_high: np.ndarray
    p_female: np.ndarray


def estimates_from_outputs(outputs: dict[str, np.ndarray], calibration: Calibration | None = None) -> Estimates:
    """Estimates per face from view-averaged model outputs (N, ...); the calibration's temperatures apply here.

    Age is read out of the averaged age distribution where the model predicts one, by default
    its median (a lower MAE than the mean for models trained with a distribution loss,
    bench/bench_age_point.py; the calibration may pick the mean, on validation), and averaging
    the views' distributions beats averaging their medians.
    """
    calibration = calibration or Calibration()
    p = calibration.gender(outputs["gender_out"].reshape(-1)).astype("float32")
    if "age_dist" not in outputs:
        age = outputs["age_out"].reshape(-1).astype("float32")
        return Estimates(age, np.full_like(age, np.nan), np.full_like(age, np.nan), p)
    dist = calibration.age(outputs["age_dist"])
    low, high = age_interval(dist)
    return Estimates(calibration.point_age(dist), low, high, p)


class AgeGender(NamedTuple):
    age: float                               # years
    p_female: float                          # probability of "female", 0..1
    age_range: tuple[float, float] | None    # the central 80% interval of the age distribution


MODEL_SUFFIXES = (".keras", ".onnx", ".tflite")


def resolve_model_path(path: str | Path | None = None) -> Path:
    """A .keras (or .onnx, .tflite) file, a run folder holding model.keras, or the shipped model when None."""
    path = Path(path) if path else SHIPPED_MODEL
    if path.is_dir():
        path = path / "model.keras"
    if not path.exists():
        raise FileNotFoundError(f"{path}: no model there (give a .keras file or a run folder)")
    if path.suffix not in MODEL_SUFFIXES:
        raise ValueError(f"{path}: not a model file (use {', '.join(MODEL_SUFFIXES)} or a run folder)")
    return path


class Predictor:
    """Loads a model once and predicts age and gender for batches of face crops of any size.

    The network runs on a runtime from `utk_cnn.inference.runtimes`: by default onnxruntime on the
    `.onnx` copy saved beside the `.keras` file, so predicting never imports TensorFlow.
    `tta` picks the views of each face that are averaged (`tta_views`): "flip" (default),
    "shifts" (5x the work) or "none".
    """

    faces_per_call = 256

    def __init__(self, runner, path: Path | None = None, tta: str = "flip", detector=DEFAULT_DETECTOR,
                 calibration: Calibration | None = None, threads: int | None = None):
        self.runner, self.path, self.tta, self.threads = runner, path, check_tta(tta), threads
        self.calibration = calibration or Calibration()
        self.detector_name, self._detectors = detector, {}
        self.image_size = runner.image_size
        self._keys = ["age_dist" if "age_dist" in runner.output_names else "age_out", "gender_out"]

    @classmethod
    def load(cls, path: str | Path | None = None, tta: str = "flip", detector=DEFAULT_DETECTOR,
             threads: int | None = None, runtime: str | None = None) -> "Predictor":
        """`threads`: cores one call may use (None: up to 4); 1 suits a server answering many at once.

        `detector`: a name in `utk_cnn.faces.detectors.DETECTORS`, or a detector made with options
        of its own (`make_detector("yunet", min_unsure=0)`).

        `runtime`: one of `utk_cnn.inference.runtimes.RUNTIMES`; by default the ONNX copy where there is a
        current one, else Keras.
        """
        path = resolve_model_path(path)
        check_tta(tta)
        return cls(load_runner(path, runtime, threads), path, tta=tta, detector=detector,
                   calibration=load_calibration(path), threads=threads)

    @classmethod
    def from_keras(cls, model, **options) -> "Predictor":
        """A Predictor over a Keras model in memory (training's own evaluation)."""
        from utk_cnn.inference.runtimes.keras_runtime import KerasRunner
        return cls(KerasRunner(model), **options)

    @property
    def source_size(self) -> int:
        """The face size that loses no detail in any view: decode faces at this size for evaluation."""
        return self.image_size + 2 * shift_margin(self.image_size) if self.tta == "shifts" else self.image_size

    def averaged_outputs(self, faces: np.ndarray, tta: str | None = None) -> dict[str, np.ndarray]:
        """The model's outputs for each face, averaged over its test-time views (`tta`, default the Predictor's)."""
        tta = check_tta(tta or self.tta)
        faces = np.asarray(faces)
        if faces.ndim != 4 or faces.shape[-1] != 3:
            raise ValueError(f"faces must be an (N, H, W, 3) RGB array, got shape {faces.shape}")
        if faces.dtype != np.uint8:
            raise ValueError(f"faces must be uint8 RGB, got {faces.dtype}")
        parts = {key: [np.zeros((0, 1), "float32")] for key in self._keys}
        for start in range(0, len(faces), self.faces_per_call):
            chunk = faces[start:start + self.faces_per_call]
            views = tta_views(chunk, self.image_size, tta)                    # (V, n, s, s, 3)
            out = self.runner(views.reshape(-1, *views.shape[2:]))
            for key in self._keys:
                value = out[key]
                parts[key].append(value.reshape(len(views), len(chunk), -1).mean(axis=0))
        return {key: np.concatenate(chunks[1:] or chunks) for key, chunks in parts.items()}

    def estimate(self, faces: np.ndarray, calibrated: bool = True) -> Estimates:
        """Age, 80% age interval and P(female) per face, as arrays; `calibrated=False` for fitting temperatures."""
        return estimates_from_outputs(self.averaged_outputs(faces), self.calibration if calibrated else None)

    def predict_arrays(self, faces: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(ages, p_female) as arrays, for evaluation over many faces."""
        estimates = self.estimate(faces)
        return estimates.age, estimates.p_female

    def predict_faces(self, faces: np.ndarray) -> list[AgeGender]:
        """Per face, its age in years, the probability that it is female and its 80% age range."""
        est = self.estimate(faces)
        return [AgeGender(float(a), float(p), None if np.isnan(lo) else (float(lo), float(hi)))
                for a, p, lo, hi in zip(est.age, est.p_female, est.age_low, est.age_high)]

    def detector(self, name=None):
        """The named face detector, built on first use (MTCNN takes seconds to build) and kept.

        A detector object (from `make_detector` with options of its own) is used as it is.
        """
        name = name or self.detector_name
        if not isinstance(name, str):
            return name
        if name not in self._detectors:
            self._detectors[name] = make_detector(name, threads=self.threads)
        return self._detectors[name]

    def faces_and_crops(self, image: np.ndarray, detector=None) -> tuple[list, np.ndarray]:
        """The faces a detector finds in a photo, and each one aligned as a UTKFace chip (N, 200, 200, 3)."""
        image = to_rgb_uint8(image)
        finder = self.detector(detector)
        faces = finder.detect(image)
        if not faces:
            return [], np.zeros((0, CHIP_SIZE, CHIP_SIZE, 3), np.uint8)
        return faces, np.stack([align_face(image, face, finder.chip_landmarks) for face in faces])

    def predict_image(self, image: np.ndarray, detector=None) -> list[dict]:
        """One entry per face found in a photo: box, age and its 80% range, gender and both confidences."""
        faces, crops = self.faces_and_crops(image, detector)
        if not faces:
            return []
        estimates = self.estimate(crops)
        return [{"box": [int(v) for v in face.box], **describe(estimates, i),
                 "detection_confidence": round(face.confidence, 4)} for i, face in enumerate(faces)]


def describe(estimates: Estimates, i: int) -> dict:
    """Face `i` of `estimates` as people read it: age, its 80% range, gender and the confidence in it."""
    p_female = float(estimates.p_female[i])
    low, high = float(estimates.age_low[i]), float(estimates.age_high[i])
    return {
        "age": round(float(estimates.age[i]), 1),
        "age_range": None if np.isnan(low) else [round(low, 1), round(high, 1)],
        "gender": "female" if p_female >= 0.5 else "male",
        "gender_confidence": round(max(p_female, 1 - p_female), 4),
    }
