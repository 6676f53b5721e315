"""FrameAnnotator: what the network is shown on each frame of a video or webcam stream."""
import numpy as np

from utk_cnn.faces.detectors.base import Face
from utk_cnn.live.annotator import FrameAnnotator


class RecordingPredictor:
    """A stand-in Predictor with one face on every frame, which records the views it is asked for."""

    calibration = None

    def __init__(self, tta="flip"):
        self.tta, self.calls = tta, []

    def faces_and_crops(self, frame, detector=None):
        crop = np.zeros((1, 8, 8, 3), np.uint8)
        crop[:, :, 0] = 255  # a bright left column, to tell a mirror image apart
        return [Face((10.0, 10.0, 40.0, 40.0), 0.9, np.zeros((5, 2)))], crop

    def averaged_outputs(self, crops, tta=None):
        self.calls.append((tta or self.tta, bool(crops[0, 0, 0, 0] == 255)))
        return {"age_dist": np.full((len(crops), 117), 1 / 117, "float32"), "gender_out": np.full((len(crops), 1), 0.5)}


def _run(predictor, frames, detect_every=1):
    annotator = FrameAnnotator(predictor, detect_every=detect_every)
    for _ in range(frames):
        annotator.step(np.zeros((64, 64, 3), np.uint8))
    return predictor.calls


def test_with_flip_averaging_each_frame_shows_one_view_the_mirror_every_other_frame():
    assert _run(RecordingPredictor(), 4) == [("none", True), ("none", False), ("none", True), ("none", False)]


def test_detecting_every_other_frame_alternates_over_the_detection_frames():
    assert _run(RecordingPredictor(), 4, detect_every=2) == [("none", True), ("none", False)]


def test_other_test_time_augmentation_is_kept_on_every_frame():
    assert _run(RecordingPredictor(tta="shifts"), 2) == [("shifts", True), ("shifts", True)]
