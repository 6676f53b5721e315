"""The `robust_wide` training augmentation in NumPy and OpenCV, for training on Keras without TensorFlow.

A port of utk_cnn.training.augment (random_affine_colour, then random_conditions), step for
step: the same draws per face, the same ranges, one condition per batch. Random numbers come
from a NumPy generator, so a batch differs from TensorFlow's, not its distribution.
"""
from __future__ import annotations

import cv2
import numpy as np

N_CONDITIONS = 7  # jpeg, blur, noise, low_resolution, grayscale, dim, mask (augment.CONDITIONS)


def random_affine_colour(images: np.ndarray, rng: np.random.Generator, max_shift: float = 0.06,
                         max_zoom: float = 0.1, max_degrees: float = 20.0, brightness: float = 0.15,
                         contrast: float = 0.2, flat_fill: float = 0.5, max_zoom_out: float = 0.25) -> np.ndarray:
    """Flip, shift, zoom and rotate in one resampling (mirrored or flat-filled borders), then brightness and contrast."""
    n, size = len(images), images.shape[1]
    u = rng.uniform(-1.0, 1.0, (n, 8))
    flip = np.where(u[:, 0] < 0, -1.0, 1.0)
    scale = 1.0 + np.where(u[:, 1] > 0, max_zoom_out, max_zoom) * u[:, 1]
    angle = np.deg2rad(max_degrees) * u[:, 2]
    centre = (size - 1.0) / 2.0
    colours = rng.uniform(0.0, 255.0, (n, 3))
    out = np.empty(images.shape, np.uint8)
    for i in range(n):  # output pixel p samples the input at M (p - centre) + centre + shift
        m00, m01 = np.cos(angle[i]) * scale[i] * flip[i], -np.sin(angle[i]) * scale[i]
        m10, m11 = np.sin(angle[i]) * scale[i] * flip[i], np.cos(angle[i]) * scale[i]
        matrix = np.array([[m00, m01, centre - (m00 + m01) * centre + max_shift * size * u[i, 3]],
                           [m10, m11, centre - (m10 + m11) * centre + max_shift * size * u[i, 4]]])
        flat = (u[i, 7] + 1) / 2 < flat_fill
        out[i] = cv2.warpAffine(images[i], matrix, (size, size), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                                borderMode=cv2.BORDER_CONSTANT if flat else cv2.BORDER_REFLECT,
                                borderValue=tuple(float(c) for c in colours[i]))
    # (x - mean) * factor + mean + shift, rounded and saturated to uint8 in one pass per face
    mean = out.reshape(n, -1).mean(axis=1)
    factor = 1.0 + contrast * u[:, 5]
    offset = mean * (1.0 - factor) + 255.0 * brightness * u[:, 6]
    for i in range(n):
        out[i] = cv2.addWeighted(out[i], float(factor[i]), out[i], 0.0, float(offset[i]))
    return out


def random_conditions(x: np.ndarray, rng: np.random.Generator, cover: np.ndarray, share: float = 0.25,
                      extra_masks: int = 1) -> np.ndarray:
    """`share` of the faces of a uint8 batch under one webcam or phone condition, chosen per batch."""
    n, size = len(x), x.shape[1]
    u = rng.uniform(0.0, 1.0, (n, 3))
    which = min(int(rng.integers(0, N_CONDITIONS + extra_masks)), N_CONDITIONS - 1)
    chosen = np.flatnonzero(u[:, 1] < share)  # only these faces change: the rest are left as they are
    if not len(chosen):
        return x
    faces, strength = x[chosen].astype(np.float32), u[chosen, 0]
    if which == 0:  # jpeg, quality 10-50
        changed = np.stack([cv2.imdecode(cv2.imencode(".jpg", face.astype(np.uint8)[..., ::-1],
                                                      [cv2.IMWRITE_JPEG_QUALITY, int(10 + 40 * q)])[1],
                                         cv2.IMREAD_COLOR)[..., ::-1] for face, q in zip(faces, strength)])
    elif which == 1:  # blur: a 7-tap Gaussian, zero borders as TensorFlow's SAME convolution
        sigma = 0.4 + 1.2 * u[:, 0].mean()
        taps = np.exp(-0.5 * (np.arange(-3.0, 4.0) / sigma) ** 2)
        taps = (taps / taps.sum()).astype(np.float32)
        changed = np.stack([cv2.sepFilter2D(face, -1, taps, taps, borderType=cv2.BORDER_CONSTANT) for face in faces])
    elif which == 2:  # sensor noise
        sigma = (4 + 22 * strength).astype(np.float32).reshape(-1, 1, 1, 1)
        changed = faces + sigma * rng.standard_normal(faces.shape, dtype=np.float32)
    elif which == 3:  # low resolution: area down to 18-53% of the side, bilinear back up
        small = int(size * (0.18 + 0.35 * u[:, 0].mean()))
        changed = np.stack([cv2.resize(cv2.resize(face, (small, small), interpolation=cv2.INTER_AREA), (size, size),
                                       interpolation=cv2.INTER_LINEAR) for face in faces])
    elif which == 4:  # grayscale, ITU-R 601 weights as tf.image.rgb_to_grayscale
        grey = faces @ np.array([0.2989, 0.587, 0.114], np.float32)
        changed = np.repeat(grey[..., None], 3, axis=-1)
    elif which == 5:  # dim: 25-65% exposure with read noise
        exposure = (0.25 + 0.4 * strength).astype(np.float32).reshape(-1, 1, 1, 1)
        changed = faces * exposure + 3.0 * rng.standard_normal(faces.shape, dtype=np.float32)
    else:  # a face mask in a random grey, moved up or down by up to 4% of the side
        moved = np.roll(cover, int(round((u[0, 1] - 0.5) * 0.08 * size)), axis=0)
        colour = (255.0 * u[chosen, 2]).astype(np.float32).reshape(-1, 1, 1, 1)
        changed = faces * (1.0 - moved) + colour * moved
    x = x.copy()
    x[chosen] = np.clip(np.round(changed), 0, 255)
    return x


def robust_wide(images: np.ndarray, rng: np.random.Generator, cover: np.ndarray) -> np.ndarray:
    """The default recipe's augmentation of a batch of uint8 faces; `cover` is corruptions.lower_face_cover(size)."""
    return random_conditions(random_affine_colour(images, rng), rng, cover)
