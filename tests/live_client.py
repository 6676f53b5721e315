"""What the Webcam tab's page code sends: a 320 px JPEG data URL of a frame, to the app's `live_estimate`."""
from __future__ import annotations

import base64

import cv2
import httpx
import numpy as np


def frame_data_url(frame: np.ndarray, side: int = 320) -> str:
    scale = side / max(frame.shape[:2])
    small = cv2.resize(frame, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    jpeg = cv2.imencode(".jpg", cv2.cvtColor(small, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 80])[1]
    return "data:image/jpeg;base64," + base64.b64encode(jpeg).decode()


def live_component(url: str) -> int:
    """The id of the page component whose server functions include live_estimate."""
    config = httpx.get(f"{url}/config", timeout=30).json()
    return next(c["id"] for c in config["components"] if "live_estimate" in c.get("props", {}).get("server_fns", []))


def call(url: str, fn: str, data: dict, component: int | None = None) -> dict | None:
    body = {"data": data, "component_id": component if component is not None else live_component(url),
            "session_hash": "tests", "fn_name": fn}
    return httpx.post(f"{url}/gradio_api/component_server", json=body, timeout=60).json()
