import io

import cv2
import numpy as np
import pytest
from photos import grace_hopper
from PIL import Image

from utk_cnn.faces.images import ImageError, decode_image_bytes, read_image, to_rgb_uint8


def _png(array, mode=None) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(array, mode=mode).save(buf, format="PNG")
    return buf.getvalue()


def test_grayscale_images_become_rgb():
    image = decode_image_bytes(_png(np.full((10, 12), 77, np.uint8)))
    assert image.shape == (10, 12, 3) and image.dtype == np.uint8 and (image == 77).all()


def test_rgba_images_drop_alpha():
    rgba = np.zeros((8, 8, 4), np.uint8)
    rgba[..., 0], rgba[..., 3] = 200, 128
    image = decode_image_bytes(_png(rgba))
    assert image.shape == (8, 8, 3) and (image[..., 0] == 200).all()


def test_16_bit_images_are_scaled_to_8_bits():
    ok, png = cv2.imencode(".png", np.full((6, 6), 65535, np.uint16))
    image = decode_image_bytes(png.tobytes())
    assert image.dtype == np.uint8 and (image == 255).all()


def test_16_bit_arrays_are_accepted():
    assert (to_rgb_uint8(np.full((4, 4, 3), 65535, np.uint16)) == 255).all()


def test_exif_orientation_is_honoured():
    wide = np.zeros((20, 40, 3), np.uint8)
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise when displayed
    buf = io.BytesIO()
    Image.fromarray(wide).save(buf, format="JPEG", exif=exif)
    assert decode_image_bytes(buf.getvalue()).shape[:2] == (40, 20)


@pytest.mark.parametrize("fmt", ["HEIF", "AVIF"])  # iPhone photos (HEIC) and AVIF read like JPEG
def test_phone_photo_formats_are_read(fmt, tmp_path):
    photo = grace_hopper()
    path = tmp_path / f"phone.{fmt.lower()}"
    Image.fromarray(photo).save(path, format=fmt, quality=90)
    image = read_image(path)
    assert image.shape == photo.shape and np.abs(image.astype(int) - photo).mean() < 8


@pytest.mark.parametrize("data, message", [
    (b"", "empty file"),
    (b"hello, I am text", "not an image"),
])
def test_unreadable_bytes_name_the_problem(data, message):
    with pytest.raises(ImageError, match=message):
        decode_image_bytes(data)


def test_truncated_image_is_an_error():
    ok, jpeg = cv2.imencode(".jpg", np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8))
    with pytest.raises(ImageError, match="cannot decode"):
        decode_image_bytes(jpeg.tobytes()[: len(jpeg) // 2])


