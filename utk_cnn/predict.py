"""Age and gender for face crops: TFLite for a few faces at a time, one compiled TensorFlow call for many."""
from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from .faces import align_face, make_detector, to_rgb_uint8
from .model import distribution_median
from .tflite import TFLiteRunner, convert, load_copy

import keras
import numpy as np
import tensorflow as tf

ASSETS = Path(__file__).resolve().parent.parent / "assets"
SHIPPED_MODEL = ASSETS / "model.keras"


def age_and_gender(outputs, mirrored=None, xp=keras.ops):
    """(age, p_female) from model outputs, averaged with those of the mirror image when given.

    Age is the median of the (averaged) age distribution where the model predicts one: it
    scores a lower MAE than the mean (bench/bench_age_point.py), and averaging the two
    distributions beats averaging two medians. `xp`: keras.ops for tensors, numpy for arrays.
    """
    age_key = "age_dist" if "age_dist" in outputs else "age_out"
    age, p = outputs[age_key], outputs["gender_out"]
    if mirrored is not None:
        age, p = (age + mirrored[age_key]) / 2, (p + mirrored["gender_out"]) / 2
    if age_key == "age_dist":
        age = distribution_median(age, xp)
    return xp.reshape(age, [-1]), xp.reshape(p, [-1])


class AgeGender(NamedTuple):
    age: float       # years
    p_female: float  # probability of "female", 0..1


def resolve_model_path(path: str | Path | None = None) -> Path:
    """A .keras file, a run folder holding model.keras, or the shipped model when None."""
    path = Path(path) if path else SHIPPED_MODEL
    if path.is_dir():
        path = path / "model.keras"
    if not path.exists():
        raise FileNotFoundError(f"{path}: no model there (give a .keras file or a run folder)")
    return path


class Predictor:
    """Loads a model once and predicts age and gender for batches of face crops of any size.

    Batches of up to `tflite_max_batch` faces run through a TFLite copy of the model (the
    `.tflite` file saved beside the `.keras` one from the same weights, else converted on first
    use); larger ones through a TensorFlow function compiled once. `flip` averages each face
    with its mirror image.
    """

    tflite_max_batch = 16

    def __init__(self, model: keras.Model, path: Path | None = None, flip: bool = True, detector: str = "mtcnn",
                 tflite: bytes | None = None):
        self.model, self.path, self.flip = model, path, flip
        self.detector_name, self._detectors = detector, {}
        self._tflite_bytes, self._tflite = tflite, None
        self.image_size = int(model.inputs[0].shape[1])
        size = self.image_size

        @tf.function(input_signature=[tf.TensorSpec((None, size, size, 3), tf.uint8)], reduce_retracing=True)
        @tf.autograph.experimental.do_not_convert  # plain graph code; AutoGraph only warns about it
        def _call(images):
            outputs = model(images, training=False)
            mirrored = model(tf.reverse(images, axis=[2]), training=False) if self.flip else None
            return age_and_gender(outputs, mirrored)
        self._call = _call

    @classmethod
    def load(cls, path: str | Path | None = None, flip: bool = True, detector: str = "mtcnn") -> "Predictor":
        path = resolve_model_path(path)
        return cls(keras.models.load_model(path, compile=False), path, flip=flip, detector=detector,
                   tflite=load_copy(path))

    def _small_batch(self, faces: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if self._tflite is None:
            self._tflite = TFLiteRunner(self._tflite_bytes or convert(self.model))
        n = len(faces)
        batch = np.concatenate([faces, faces[:, :, ::-1]]) if self.flip else faces
        out = self._tflite(batch)
        if self.flip:
            age, p = age_and_gender({k: v[:n] for k, v in out.items()}, {k: v[n:] for k, v in out.items()}, np)
        else:
            age, p = age_and_gender(out, xp=np)
        return age.astype("float32"), p

    def resize(self, faces: np.ndarray) -> np.ndarray:
        faces = np.asarray(faces)
        if faces.ndim != 4 or faces.shape[-1] != 3:
            raise ValueError(f"faces must be an (N, H, W, 3) RGB array, got shape {faces.shape}")
        if faces.dtype != np.uint8:
            raise ValueError(f"faces must be uint8 RGB, got {faces.dtype}")
        if faces.shape[1:3] == (self.image_size, self.image_size):
            return faces
        resized = tf.image.resize(faces, (self.image_size, self.image_size), method="area", antialias=True)
        return tf.cast(tf.round(tf.clip_by_value(resized, 0, 255)), tf.uint8).numpy()

    def predict_arrays(self, faces: np.ndarray, batch_size: int = 256) -> tuple[np.ndarray, np.ndarray]:
        """(ages, p_female) as arrays, for evaluation over many faces."""
        faces = self.resize(faces)
        if 0 < len(faces) <= self.tflite_max_batch:
            return self._small_batch(faces)
        ages, probs = [], []
        for start in range(0, len(faces), batch_size):
            age, p = self._call(tf.constant(faces[start:start + batch_size]))
            ages.append(age.numpy())
            probs.append(p.numpy())
        if not ages:
            return np.zeros(0, "float32"), np.zeros(0, "float32")
        return np.concatenate(ages), np.concatenate(probs)

    def predict_faces(self, faces: np.ndarray) -> list[AgeGender]:
        """Per face, its age in years and the probability that it is female."""
        ages, probs = self.predict_arrays(faces)
        return [AgeGender(float(a), float(p)) for a, p in zip(ages, probs)]

    def detector(self, name: str | None = None):
        """The named face detector, built on first use (MTCNN takes seconds to build)."""
        name = name or self.detector_name
        if name not in self._detectors:
            self._detectors[name] = make_detector(name)
        return self._detectors[name]

    def predict_image(self, image: np.ndarray, detector: str | None = None) -> list[dict]:
        """One entry per face found in a photo: box, age, gender and both confidences."""
        image = to_rgb_uint8(image)
        faces = self.detector(detector).detect(image)
        if not faces:
            return []
        crops = np.stack([align_face(image, face) for face in faces])
        results = []
        for face, (age, p_female) in zip(faces, self.predict_faces(crops)):
            results.append({
                "box": [int(v) for v in face.box],
                "age": round(age, 1),
                "gender": "female" if p_female >= 0.5 else "male",
                "gender_confidence": round(max(p_female, 1 - p_female), 4),
                "detection_confidence": round(face.confidence, 4),
            })
        return results
