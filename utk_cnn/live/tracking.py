"""Following faces across video frames, and one steady estimate per person.

A single frame's estimate of a still face jumps by years from frame to frame (pose, blur,
light). A `FaceTracker` gives each face an id that follows it, matching each frame's
detections to the tracks by box overlap after moving every track by its own velocity (so two
faces that cross keep their ids), and averages each track's age distributions and gender
probabilities over its recent frames. Pure NumPy on boxes and model outputs: no image here.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np


def iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Intersection over union of every box in `a` (N, 4) with every box in `b` (M, 4); boxes are x, y, w, h."""
    a, b = np.asarray(a, float).reshape(-1, 4), np.asarray(b, float).reshape(-1, 4)
    x0 = np.maximum(a[:, None, 0], b[None, :, 0])
    y0 = np.maximum(a[:, None, 1], b[None, :, 1])
    x1 = np.minimum(a[:, None, 0] + a[:, None, 2], b[None, :, 0] + b[None, :, 2])
    y1 = np.minimum(a[:, None, 1] + a[:, None, 3], b[None, :, 1] + b[None, :, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    union = (a[:, 2] * a[:, 3])[:, None] + (b[:, 2] * b[:, 3])[None, :] - inter
    return inter / np.maximum(union, 1e-9)


@dataclass
class Track:
    """One person: where they are, how they move, and their recent per-frame model outputs."""
    id: int
    box: np.ndarray                 # x, y, w, h where the track is now (predicted while unseen)
    first_frame: int
    last_frame: int                 # the last frame it was detected in
    window: int
    first_box: np.ndarray = None
    velocity: np.ndarray = field(default_factory=lambda: np.zeros(4))  # per frame, for x, y, w, h
    missed: int = 0                 # frames since it was last detected
    frames_seen: int = 0
    outputs: deque = None           # per detected frame: {output name: (...) array}

    def __post_init__(self):
        self.first_box = np.array(self.box, float) if self.first_box is None else self.first_box
        self.outputs = deque(maxlen=self.window) if self.outputs is None else self.outputs

    def steady_outputs(self) -> dict[str, np.ndarray]:
        """The mean of each model output over the track's recent frames, shaped (1, ...)."""
        return {key: np.mean([o[key] for o in self.outputs], axis=0)[None] for key in self.outputs[0]}


class FaceTracker:
    """Matches detections to tracks frame by frame; a track ends after `max_missed` frames unseen.

    `window`: how many recent detected frames each steady estimate averages. `min_iou`: the
    least overlap between a track's predicted box and a detection for them to match.
    """

    def __init__(self, min_iou: float = 0.2, max_missed: int = 15, window: int = 15, smoothing: float = 0.5):
        self.min_iou, self.max_missed, self.window, self.smoothing = min_iou, max_missed, window, smoothing
        self.tracks: list[Track] = []
        self.ended: list[Track] = []
        self._next_id = 1

    def advance(self) -> None:
        """Move every track one frame along its velocity (for frames without detection, too)."""
        for track in self.tracks:
            track.box = track.box + track.velocity
            track.missed += 1

    def update(self, frame: int, boxes, outputs: list[dict] | None = None) -> list[Track]:
        """This frame's detections (boxes x, y, w, h; per face its model outputs): the tracks seen in it.

        Call it on every frame with detections; on frames without, call `advance` instead.
        """
        self.advance()
        boxes = np.asarray(boxes, float).reshape(-1, 4)
        outputs = outputs if outputs is not None else [None] * len(boxes)
        matches = self._match(boxes)
        for det, track in matches.items():
            last_seen = track.box - track.missed * track.velocity
            step = (boxes[det] - last_seen) / track.missed  # per frame since it was last seen
            track.velocity = self.smoothing * track.velocity + (1 - self.smoothing) * step
            track.box, track.missed, track.last_frame = boxes[det], 0, frame
        for det in range(len(boxes)):
            if det not in matches:
                matches[det] = Track(self._next_id, boxes[det], frame, frame, self.window)
                self._next_id += 1
                self.tracks.append(matches[det])
        for det, track in matches.items():
            track.frames_seen += 1
            if outputs[det] is not None:
                track.outputs.append(outputs[det])
        self._end_lost()
        return sorted(matches.values(), key=lambda t: t.id)

    def _match(self, boxes: np.ndarray) -> dict[int, Track]:
        """Greedy matching by overlap, best pairs first: {detection index: track}."""
        if not self.tracks or not len(boxes):
            return {}
        overlap = iou(boxes, np.stack([t.box for t in self.tracks]))
        matches = {}
        used = set()
        for flat in np.argsort(-overlap, axis=None):
            det, ti = np.unravel_index(flat, overlap.shape)
            if overlap[det, ti] < self.min_iou:
                break
            if det in matches or ti in used:
                continue
            matches[int(det)] = self.tracks[ti]
            used.add(ti)
        return matches

    def _end_lost(self) -> None:
        keep = []
        for track in self.tracks:
            (keep if track.missed <= self.max_missed else self.ended).append(track)
        self.tracks = keep

    def finish(self) -> list[Track]:
        """End every track (the video is over): all tracks ever made, by id."""
        self.ended += self.tracks
        self.tracks = []
        return sorted(self.ended, key=lambda t: t.id)

    def visible(self) -> list[Track]:
        """Tracks detected recently enough to draw (their box predicted while briefly unseen)."""
        return [t for t in self.tracks if t.outputs]
