"""MTCNN (PyPI `mtcnn`, weights inside the package): the detector utk-cnn used first, kept selectable.

Slower than YuNet (tens of milliseconds a photo on a CPU) but its landmark network (ONet) is
also what refines the Haar cascade's boxes.
"""
from __future__ import annotations

import functools

import numpy as np

from utk_cnn.faces.detectors.base import Face, rescaled
from utk_cnn.faces.images import downscale

# Mean MTCNN landmarks on 400 UTKFace chips, fractions of the chip side
# (python bench/measure_chip_geometry.py ../shared/data/UTKFace.tar.gz --detector mtcnn).
MTCNN_CHIP_LANDMARKS = np.array([[0.2993, 0.2891], [0.6848, 0.2902], [0.4891, 0.5164], [0.3167, 0.6849], [0.6657, 0.6853]])


@functools.lru_cache(maxsize=1)
def mtcnn_stages():
    """MTCNN's PNet, RNet and ONet stages, built once.

    `mtcnn` calls its networks eagerly, and each eager Keras call costs milliseconds of
    overhead per pyramid level; compiled once with a shape-free signature they cost a fraction
    (a whole 640x480 frame, detection to prediction: 323 ms before, 89 ms after; docs/benchmarks.md).
    """
    from utk_cnn.io import quiet_tensorflow
    try:
        tf = quiet_tensorflow()  # first, so TensorFlow's start-up lines stay hidden
        from mtcnn import MTCNN
    except ImportError as err:
        raise ValueError("the mtcnn and haar detectors need TensorFlow and mtcnn: pip install utk-cnn[train]") from err

    from utk_cnn.training.model import precision_policy
    with precision_policy("float32"):  # its networks must not pick up a training run's bfloat16
        stages = MTCNN().stages
    for stage in stages:
        stage._model = tf.function(stage._model, input_signature=[tf.TensorSpec((None, None, None, 3), tf.float32)])
    return tuple(stages)


def _mtcnn_input(image: np.ndarray):
    from mtcnn.utils.images import standarize_batch
    return standarize_batch([image.astype(np.float32)], normalize=True)[:2]


def landmark_faces(image: np.ndarray, candidates: np.ndarray, min_confidence: float) -> list[Face]:
    """ONet on candidate boxes (rows [0, x1, y1, x2, y2, score] in image pixels): scored faces with landmarks."""
    import tensorflow as tf
    onet = mtcnn_stages()[2]
    normalized, shapes = _mtcnn_input(image)
    try:
        rows = onet(bboxes_batch=candidates, images_normalized=normalized, images_oshapes=shapes)
    except tf.errors.InvalidArgumentError:  # mtcnn's way of saying "no candidates left"
        return []
    height, width = image.shape[:2]
    faces = []
    for row in rows:
        if row[5] < min_confidence:
            continue
        x1, y1 = max(0.0, row[1]), max(0.0, row[2])
        x2, y2 = min(width - 1.0, row[3]), min(height - 1.0, row[4])
        marks = row[6:16].reshape(2, 5).T  # mtcnn lists the five x, then the five y
        faces.append(Face((x1, y1, x2 - x1, y2 - y1), float(row[5]), marks))
    return faces


def in_original_pixels(faces: list[Face], scale: float) -> list[Face]:
    return [Face(tuple(int(round(v)) for v in f.box), f.confidence, f.landmarks) for f in rescaled(faces, scale)]


class MtcnnDetector:
    """MTCNN: boxes and five landmarks.

    Only the proposal stages (PNet, RNet) run on the image shrunk to `max_side`; the final
    stage (ONet), which places the landmarks the alignment depends on, sees each candidate in
    the image at up to `refine_side`, so a small proposal image costs little precision.
    Faces smaller than about `max_side / 32` of the long side are not proposed.
    """

    chip_landmarks = MTCNN_CHIP_LANDMARKS

    def __init__(self, max_side: int = 640, refine_side: int = 1280, min_confidence: float = 0.9):
        self.max_side, self.refine_side, self.min_confidence = max_side, refine_side, min_confidence
        mtcnn_stages()

    def detect(self, image: np.ndarray) -> list[Face]:
        import tensorflow as tf
        pnet, rnet, _ = mtcnn_stages()
        small, scale = downscale(image, self.max_side)
        normalized, shapes = _mtcnn_input(small)
        try:
            boxes = pnet(bboxes_batch=None, images_normalized=normalized, images_oshapes=shapes)
            boxes = rnet(bboxes_batch=boxes, images_normalized=normalized, images_oshapes=shapes)
        except tf.errors.InvalidArgumentError:
            return []
        fine, fine_scale = downscale(image, max(self.max_side, self.refine_side))
        boxes[:, 1:5] *= fine_scale / scale
        return in_original_pixels(landmark_faces(fine, boxes, self.min_confidence), fine_scale)
