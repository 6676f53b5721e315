"""OpenCV's frontal-face Haar cascade (ships with opencv-python < 5) proposes, MTCNN's ONet places landmarks.

The cascade is cheap but gives boxes only, and box-only crops are badly framed; ONet re-scores
each box (dropping the cascade's false alarms) and adds the five landmarks. It misses faces
turned or tilted away from frontal more often than the other detectors do.
"""
from __future__ import annotations

import cv2
import numpy as np

from utk_cnn.faces.detectors.base import Face
from utk_cnn.faces.detectors.mtcnn import MTCNN_CHIP_LANDMARKS, in_original_pixels, landmark_faces, mtcnn_stages
from utk_cnn.faces.images import downscale


class HaarDetector:
    chip_landmarks = MTCNN_CHIP_LANDMARKS  # the landmarks are ONet's

    def __init__(self, max_side: int = 640, refine_side: int = 1280, min_neighbors: int = 3,
                 min_confidence: float = 0.9):
        self.max_side, self.refine_side = max_side, refine_side
        self.min_neighbors, self.min_confidence = min_neighbors, min_confidence
        self._cascade = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")
        mtcnn_stages()

    def detect(self, image: np.ndarray) -> list[Face]:
        small, scale = downscale(image, self.max_side)
        gray = cv2.equalizeHist(cv2.cvtColor(small, cv2.COLOR_RGB2GRAY))
        boxes = self._cascade.detectMultiScale(gray, scaleFactor=1.1, minNeighbors=self.min_neighbors, minSize=(24, 24))
        if len(boxes) == 0:
            return []
        fine, fine_scale = downscale(image, max(self.max_side, self.refine_side))
        x, y, w, h = (np.asarray(boxes, float) * fine_scale / scale).T
        candidates = np.stack([np.zeros_like(x), x, y, x + w, y + h, np.ones_like(x)], axis=1)
        return in_original_pixels(landmark_faces(fine, candidates, self.min_confidence), fine_scale)
