"""Webcam- and phone-like conditions applied to face chips, to measure how estimates hold up.

Each corruption takes uint8 RGB faces (N, H, W, 3) and a random generator and returns them
changed as a camera, a messenger app or a detector would: heavy JPEG, blur, low resolution,
dim exposure with sensor noise, tilt, misalignment, a looser crop, grayscale, a mask over
the lower face. `utk-cnn evaluate --corrupt all` reports each beside the clean faces.
"""
from __future__ import annotations

import cv2
import numpy as np


def _each(images, fn):
    return np.stack([fn(image) for image in images])


def jpeg(images, rng, quality=15):
    def one(image):
        ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
        return cv2.imdecode(data, cv2.IMREAD_UNCHANGED)
    return _each(images, one)


def blur(images, rng, sigma_fraction=0.012):
    return _each(images, lambda im: cv2.GaussianBlur(im, (0, 0), sigma_fraction * im.shape[0]))


def low_resolution(images, rng, side=32):
    size = images.shape[1]
    return _each(images, lambda im: cv2.resize(cv2.resize(im, (side, side), interpolation=cv2.INTER_AREA),
                                               (size, size), interpolation=cv2.INTER_LINEAR))


def dim(images, rng, exposure=0.3):
    dark = images.astype(np.float32) * exposure + rng.normal(0, 3, images.shape)
    return np.clip(dark, 0, 255).astype(np.uint8)


def noise(images, rng, sigma=20):
    return np.clip(images.astype(np.float32) + rng.normal(0, sigma, images.shape), 0, 255).astype(np.uint8)


def _warp(images, matrices):
    size = images.shape[1]
    return np.stack([cv2.warpAffine(im, m, (size, size), borderMode=cv2.BORDER_REPLICATE)
                     for im, m in zip(images, matrices)])


def tilt(images, rng, degrees=20):
    size = images.shape[1]
    signs = rng.choice([-1, 1], len(images))
    return _warp(images, [cv2.getRotationMatrix2D((size / 2, size / 2), s * degrees, 1.0) for s in signs])


def misaligned(images, rng, fraction=0.06):
    size = images.shape[1]
    angles = rng.uniform(0, 2 * np.pi, len(images))
    return _warp(images, [np.float32([[1, 0, fraction * size * np.cos(a)], [0, 1, fraction * size * np.sin(a)]])
                          for a in angles])


def loose_crop(images, rng, zoom=0.8):
    size = images.shape[1]
    return _warp(images, [cv2.getRotationMatrix2D((size / 2, size / 2), 0, zoom)] * len(images))


def grayscale(images, rng):
    return _each(images, lambda im: cv2.cvtColor(cv2.cvtColor(im, cv2.COLOR_RGB2GRAY), cv2.COLOR_GRAY2RGB))


def mask_outline(size: int) -> np.ndarray:
    """The polygon of a surgical mask over nose tip, mouth and chin on a chip-framed face of `size` px."""
    top, bottom = 0.50 * size, 0.95 * size
    return np.int32([[0.16 * size, top + 0.04 * size], [0.5 * size, top - 0.02 * size],
                     [0.84 * size, top + 0.04 * size], [0.80 * size, bottom - 0.12 * size],
                     [0.5 * size, bottom], [0.20 * size, bottom - 0.12 * size]])


def lower_face_cover(size: int) -> np.ndarray:
    """(size, size, 1) float mask of `mask_outline`'s shape: 1 under the mask, 0 elsewhere (training's masks)."""
    cover = np.zeros((size, size), np.float32)
    cv2.fillPoly(cover, [mask_outline(size)], 1.0)
    return cover[..., None]


def mask(images, rng):
    """A surgical-mask-like shape over nose tip, mouth and chin, in one of a few plain colours."""
    size = images.shape[1]
    colours = np.array([[225, 232, 240], [90, 140, 200], [40, 40, 45], [200, 200, 200]])
    outline = mask_outline(size)
    out = images.copy()
    for image, colour in zip(out, colours[rng.integers(len(colours), size=len(images))]):
        cv2.fillPoly(image, [outline], [int(c) for c in colour], lineType=cv2.LINE_AA)
    return out


CORRUPTIONS = {"jpeg": jpeg, "blur": blur, "low_resolution": low_resolution, "dim": dim, "noise": noise,
               "tilt": tilt, "misaligned": misaligned, "loose_crop": loose_crop, "grayscale": grayscale,
               "mask": mask}


def corruption_names(spec: str) -> list[str]:
    """`all` or a comma-separated list of CORRUPTIONS names, checked."""
    names = list(CORRUPTIONS) if spec == "all" else [n.strip() for n in spec.split(",") if n.strip()]
    unknown = [n for n in names if n not in CORRUPTIONS]
    if unknown or not names:
        raise ValueError(f"unknown corruption {', '.join(map(repr, unknown)) or repr(spec)}: "
                         f"use all or some of {', '.join(CORRUPTIONS)}")
    return names


def corrupt(images: np.ndarray, name: str, seed: int = 0) -> np.ndarray:
    """`images` under one condition, the same for the same seed."""
    return CORRUPTIONS[name](np.asarray(images), np.random.default_rng(seed))
