"""What the Webcam tab's page code sends in server mode: a 320 px JPEG data URL of a frame, to the app's live routes."""
from __future__ import annotations

import base64

import cv2
import httpx
import numpy as np

from utk_cnn.live.routes import PREFIX


def frame_data_url(frame: np.ndarray, side: int = 320) -> str:
    scale = side / max(frame.shape[:2])
    small = cv2.resize(frame, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    jpeg = cv2.imencode(".jpg", cv2.cvtColor(small, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 80])[1]
    return "data:image/jpeg;base64," + base64.b64encode(jpeg).decode()


def estimate(url: str, visitor: str, frame: str | bytes, http=httpx) -> dict:
    """One frame's answer from `POST gradio_api/live/estimate` (utk_cnn/live/routes.py), as the page asks for it."""
    return http.post(f"{url.rstrip('/')}{PREFIX}/estimate", params={"visitor": visitor}, content=frame, timeout=60).json()


def stop(url: str, visitor: str, http=httpx) -> dict:
    return http.post(f"{url.rstrip('/')}{PREFIX}/stop", params={"visitor": visitor}, timeout=60).json()
