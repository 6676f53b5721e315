"""Video frames in, annotated frames and tracked people out: what the webcam tab and video files share.

Each detection frame finds and aligns the faces, runs the model once on all of them and hands
boxes and outputs to a `FaceTracker`; between detection frames (`detect_every` > 1) the tracks
only move along their velocities, which costs nothing. What is drawn and listed is each
person's steady estimate: the mean of their recent age distributions and gender
probabilities, with the model's calibration applied.

With flip averaging (the Predictor's default) a frame shows the network one view of each face,
the mirror image on every other detection frame: the steady estimate, a mean over recent
frames, then averages both views, at half the network's cost per frame.
"""
from __future__ import annotations

import numpy as np

from utk_cnn.faces.drawing import draw_faces, face_label
from utk_cnn.faces.images import to_rgb_uint8
from utk_cnn.inference.predictor import Predictor, describe, estimates_from_outputs
from utk_cnn.live.tracking import FaceTracker, Track


class FrameAnnotator:
    """One video's (or one webcam session's) state: its frame count and its tracker."""

    def __init__(self, predictor: Predictor, detector: str | None = None, detect_every: int = 1,
                 tracker: FaceTracker | None = None, max_side: int | None = None):
        if detect_every < 1:
            raise ValueError(f"detect_every must be at least 1, got {detect_every}")
        self.predictor, self.detector, self.detect_every = predictor, detector, detect_every
        self.tracker = tracker or FaceTracker()
        self.max_side = max_side
        self.frame = 0

    def outputs(self, crops: np.ndarray) -> dict[str, np.ndarray]:
        """The network's outputs for one detection frame's faces: one view each, alternating with flip averaging."""
        if self.predictor.tta != "flip":
            return self.predictor.averaged_outputs(crops)
        mirrored = (self.frame // self.detect_every) % 2 == 1
        return self.predictor.averaged_outputs(crops[:, :, ::-1] if mirrored else crops, tta="none")

    def step(self, frame: np.ndarray) -> list[dict]:
        """Track one frame (uint8 RGB); the people on it, each with a steady estimate."""
        if self.frame % self.detect_every == 0:
            faces, crops = self.predictor.faces_and_crops(frame, self.detector)
            outputs = self.outputs(crops) if faces else {}
            per_face = [{key: value[i] for key, value in outputs.items()} for i in range(len(faces))]
            self.tracker.update(self.frame, [f.box for f in faces], per_face)
        else:
            self.tracker.advance()
        self.frame += 1
        return [self.person(t) for t in self.tracker.visible() if t.missed < self.detect_every]

    def annotate(self, frame: np.ndarray) -> tuple[np.ndarray, list[dict]]:
        """`step`, and a copy of the frame with each person's box and label drawn on it."""
        frame = to_rgb_uint8(frame)
        people = self.step(frame)
        return draw_faces(frame, people, max_side=self.max_side), people

    def person(self, track: Track) -> dict:
        """A track as people read it: id, box now, steady age, its range and gender."""
        estimates = estimates_from_outputs(track.steady_outputs(), self.predictor.calibration)
        return {"id": track.id, "box": [int(round(v)) for v in track.box], **describe(estimates, 0),
                "first_frame": track.first_frame, "last_frame": track.last_frame}

    def people(self) -> list[dict]:
        """Every track so far, ended or not, that has estimates: the whole video's people."""
        tracks = sorted(self.tracker.ended + self.tracker.tracks, key=lambda t: t.id)
        return [{**self.person(t), "box": [int(round(v)) for v in t.first_box]} for t in tracks if t.outputs]


def people_text(people: list[dict]) -> str:
    """One line per tracked person, for the live list beside the webcam: '#1 34 (29-41), female, 97% sure'."""
    if not people:
        return "No face in view."
    return "\n".join(f"{face_label(p)}, {100 * p['gender_confidence']:.0f}% sure" for p in people)
