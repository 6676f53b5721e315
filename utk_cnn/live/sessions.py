"""Many visitors' webcams at once: one tracker per visitor, a cap on live streams, a time limit on each.

The page shows the visitor's own camera at the camera's rate and sends a small copy of a
frame (320 px on the long side) whenever the previous estimate has come back; `estimate`
answers with the tracked people as JSON, which the page draws over the live view. Nothing
is stored: a frame is decoded, looked at and dropped, and a visitor's tracker is forgotten
when their stream ends or goes quiet.
"""
from __future__ import annotations

import base64
import binascii
import threading
import time
from dataclasses import dataclass, field

import cv2
import numpy as np

from utk_cnn.inference.predictor import Predictor
from utk_cnn.live.annotator import FrameAnnotator, people_text

BUSY = "The webcam is busy with other visitors right now: try again shortly."


def ended(minutes: float) -> str:
    return f"This stream reached its {minutes:g}-minute limit: press Start to go on."


@dataclass
class Stream:
    annotator: FrameAnnotator
    started: float
    last_seen: float
    lock: threading.Lock = field(default_factory=threading.Lock)  # one frame of a visitor at a time


def decode_frame(data: str | bytes) -> np.ndarray:
    """uint8 RGB from a JPEG or PNG, given as bytes, base64 or a data URL (what a page's canvas gives)."""
    if isinstance(data, str):
        try:
            data = base64.b64decode(data.split(",", 1)[-1], validate=False)
        except (binascii.Error, ValueError) as err:
            raise ValueError("frame: not base64 image data") from err
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR) if data else None
    if image is None:
        raise ValueError("frame: not a JPEG or PNG image")
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


class LiveSessions:
    """Live webcam streams by visitor id; at most `max_streams` at once, each for at most `time_limit_s`."""

    def __init__(self, predictor: Predictor, detector: str = "yunet-fast", detect_every: int = 1,
                 max_streams: int = 6, time_limit_s: float = 300, idle_s: float = 10, clock=time.monotonic):
        self.predictor, self.detector, self.detect_every = predictor, detector, detect_every
        self.max_streams, self.time_limit_s, self.idle_s, self.clock = max_streams, time_limit_s, idle_s, clock
        self.streams: dict[str, Stream] = {}
        self._lock = threading.Lock()

    def _stream(self, visitor: str) -> Stream | None:
        """The visitor's stream, opened if there is room; quiet streams are closed first."""
        now = self.clock()
        with self._lock:
            for other in [v for v, s in self.streams.items() if now - s.last_seen > self.idle_s]:
                del self.streams[other]
            stream = self.streams.get(visitor)
            if stream is None:
                if len(self.streams) >= self.max_streams:
                    return None
                annotator = FrameAnnotator(self.predictor, detector=self.detector, detect_every=self.detect_every)
                stream = self.streams[visitor] = Stream(annotator, now, now)
            stream.last_seen = now
            return stream

    def stop(self, visitor: str) -> None:
        with self._lock:
            self.streams.pop(visitor, None)

    def estimate(self, visitor: str, frame: str | bytes) -> dict:
        """{"status": "ok", "width", "height", "people", "text"} for one frame, or "busy" / "ended" with a message."""
        stream = self._stream(visitor)
        if stream is None:
            return {"status": "busy", "message": BUSY}
        if self.clock() - stream.started > self.time_limit_s:
            self.stop(visitor)
            return {"status": "ended", "message": ended(self.time_limit_s / 60)}
        image = decode_frame(frame)
        with stream.lock:
            people = stream.annotator.step(image)
        return {"status": "ok", "width": image.shape[1], "height": image.shape[0], "people": people,
                "text": people_text(people)}
