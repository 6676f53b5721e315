"""Reading photos as uint8 RGB arrays, whatever format, bit depth or orientation they come in.

EXIF orientation is honoured, grayscale, RGBA and 16-bit images become 8-bit RGB, and any
format Pillow reads works, phone photos included: HEIC/HEIF through `pillow-heif`, AVIF
natively (Pillow 11.3 and newer). Anything unusable is an `ImageError` naming the problem.
"""
from __future__ import annotations

import io

import cv2
import numpy as np
import pillow_heif
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_PIXELS = 120_000_000  # refuse anything larger than a 12000x10000 photo
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
pillow_heif.register_heif_opener()  # iPhone photos (HEIC) open like any other format


class ImageError(ValueError):
    """A file or array that cannot be used as an image."""


def to_rgb_uint8(image) -> np.ndarray:
    """Any grayscale, RGB or RGBA array, 8 or 16 bits or float, as uint8 RGB."""
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    if image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] not in (3, 4)) or min(image.shape[:2]) < 1:
        raise ImageError(f"expected an image array (H, W), (H, W, 3) or (H, W, 4), got shape {image.shape}")
    if image.dtype == np.uint16:
        image = (image / 257.0).round().astype(np.uint8)
    elif image.dtype.kind == "f":
        scale = 255.0 if image.max(initial=0) <= 1.0 else 1.0
        image = np.clip(image * scale, 0, 255).round().astype(np.uint8)
    elif image.dtype != np.uint8:
        image = np.clip(image, 0, 255).astype(np.uint8)
    if image.ndim == 2:
        return np.stack([image] * 3, axis=-1)
    return np.ascontiguousarray(image[:, :, :3])


def decode_image_bytes(data: bytes, name: str = "image") -> np.ndarray:
    """uint8 RGB from encoded bytes, EXIF orientation applied; ImageError says what is wrong."""
    if not data:
        raise ImageError(f"{name}: empty file")
    try:
        with Image.open(io.BytesIO(data)) as img:
            img = ImageOps.exif_transpose(img)
            img.load()
            if img.mode in ("I;16", "I;16B", "I;16L", "I"):
                array = np.asarray(img).astype(np.uint16 if img.mode != "I" else np.int64)
                if array.dtype != np.uint16:
                    array = np.clip(array, 0, 65535).astype(np.uint16)
                return to_rgb_uint8(array)
            return to_rgb_uint8(np.asarray(img.convert("RGBA" if "A" in img.mode else "RGB")))
    except Image.DecompressionBombError as err:
        raise ImageError(f"{name}: image too large (over {MAX_PIXELS:,} pixels)") from err
    except UnidentifiedImageError as err:
        raise ImageError(f"{name}: not an image file") from err
    except (OSError, SyntaxError, ValueError) as err:
        raise ImageError(f"{name}: cannot decode image ({err})") from err


def read_image(path) -> np.ndarray:
    try:
        with open(path, "rb") as f:
            data = f.read()
    except IsADirectoryError as err:
        raise ImageError(f"{path}: is a folder, not an image") from err
    except OSError as err:
        raise ImageError(f"{path}: cannot read ({err.strerror})") from err
    return decode_image_bytes(data, str(path))


def downscale(image: np.ndarray, max_side: int) -> tuple[np.ndarray, float]:
    """`image` shrunk (area-averaged) so its long side is at most `max_side`, and the factor applied."""
    scale = min(1.0, max_side / max(image.shape[:2]))
    if scale < 1.0:
        size = (max(1, round(image.shape[1] * scale)), max(1, round(image.shape[0] * scale)))
        # Halvings first: OpenCV's area resizing is 4-10x faster by exactly 2 than by other factors.
        while image.shape[1] >= 2 * size[0] and image.shape[0] >= 2 * size[1] and not (image.shape[0] % 2 or image.shape[1] % 2):
            image = cv2.resize(image, (image.shape[1] // 2, image.shape[0] // 2), interpolation=cv2.INTER_AREA)
        if image.shape[1::-1] != size:
            image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    return image, scale
