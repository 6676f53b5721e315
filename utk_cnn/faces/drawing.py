"""Boxes and "34 (29-41), female" labels drawn onto photos and video frames."""
from __future__ import annotations

import cv2
import numpy as np

from utk_cnn.faces.images import downscale, to_rgb_uint8

FEMALE_COLOUR, MALE_COLOUR = (255, 105, 180), (30, 144, 255)


def draw_faces(image: np.ndarray, results: list[dict], max_side: int | None = None) -> np.ndarray:
    """A copy of `image` with a box and an '#id age (low-high), gender' label per face, sized to the image.

    `max_side` shrinks the copy first (boxes follow), so a 8000x6000 photo is not sent to a browser.
    """
    canvas, scale = downscale(to_rgb_uint8(image), max_side) if max_side else (to_rgb_uint8(image), 1.0)
    canvas = canvas.copy()
    unit = max(canvas.shape[:2]) / 640
    thickness = max(1, round(2 * unit))
    font_scale = max(0.4, 0.6 * unit)
    for r in results:
        x, y, w, h = (int(round(v * scale)) for v in r["box"])
        color = FEMALE_COLOUR if r["gender"] == "female" else MALE_COLOUR
        cv2.rectangle(canvas, (x, y), (x + w, y + h), color, thickness)
        label = face_label(r)
        (tw, th), base = cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, font_scale, thickness)
        ty = y - base - 2 if y - th - base - 4 >= 0 else y + h + th + 2
        tx = max(0, min(x, canvas.shape[1] - tw - 4))  # keep the label inside the image
        cv2.rectangle(canvas, (tx, ty - th - 2), (tx + tw + 4, ty + base), color, -1)
        cv2.putText(canvas, label, (tx + 2, ty), cv2.FONT_HERSHEY_SIMPLEX, font_scale, (255, 255, 255), thickness,
                    cv2.LINE_AA)
    return canvas


def face_label(result: dict) -> str:
    """'34 (29-41), female', with '#id ' in front for a tracked person."""
    label = f"{result['age']:.0f}"
    if result.get("age_range"):
        low, high = result["age_range"]
        label += f" ({low:.0f}-{high:.0f})"
    label += f", {result['gender']}"
    return f"#{result['id']} {label}" if "id" in result else label
