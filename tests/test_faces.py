import io

import cv2
import matplotlib.cbook
import numpy as np
import pytest
from PIL import Image

from utk_cnn import faces as F


def grace_hopper() -> np.ndarray:
    """Matplotlib's public-domain sample photo: the only real face the tests use."""
    with matplotlib.cbook.get_sample_data("grace_hopper.jpg") as f:
        return F.decode_image_bytes(f.read())


def _png(array, mode=None) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(array, mode=mode).save(buf, format="PNG")
    return buf.getvalue()


def test_grayscale_images_become_rgb():
    image = F.decode_image_bytes(_png(np.full((10, 12), 77, np.uint8)))
    assert image.shape == (10, 12, 3) and image.dtype == np.uint8 and (image == 77).all()


def test_rgba_images_drop_alpha():
    rgba = np.zeros((8, 8, 4), np.uint8)
    rgba[..., 0], rgba[..., 3] = 200, 128
    image = F.decode_image_bytes(_png(rgba))
    assert image.shape == (8, 8, 3) and (image[..., 0] == 200).all()


def test_16_bit_images_are_scaled_to_8_bits():
    ok, png = cv2.imencode(".png", np.full((6, 6), 65535, np.uint16))
    image = F.decode_image_bytes(png.tobytes())
    assert image.dtype == np.uint8 and (image == 255).all()


def test_16_bit_arrays_are_accepted():
    assert (F.to_rgb_uint8(np.full((4, 4, 3), 65535, np.uint16)) == 255).all()


def test_exif_orientation_is_honoured():
    wide = np.zeros((20, 40, 3), np.uint8)
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise when displayed
    buf = io.BytesIO()
    Image.fromarray(wide).save(buf, format="JPEG", exif=exif)
    assert F.decode_image_bytes(buf.getvalue()).shape[:2] == (40, 20)


@pytest.mark.parametrize("fmt", ["HEIF", "AVIF"])  # iPhone photos (HEIC) and AVIF read like JPEG
def test_phone_photo_formats_are_read(fmt, tmp_path):
    photo = grace_hopper()
    path = tmp_path / f"phone.{fmt.lower()}"
    Image.fromarray(photo).save(path, format=fmt, quality=90)
    image = F.read_image(path)
    assert image.shape == photo.shape and np.abs(image.astype(int) - photo).mean() < 8


@pytest.mark.parametrize("data, message", [
    (b"", "empty file"),
    (b"hello, I am text", "not an image"),
])
def test_unreadable_bytes_name_the_problem(data, message):
    with pytest.raises(F.ImageError, match=message):
        F.decode_image_bytes(data)


def test_truncated_image_is_an_error():
    ok, jpeg = cv2.imencode(".jpg", np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8))
    with pytest.raises(F.ImageError, match="cannot decode"):
        F.decode_image_bytes(jpeg.tobytes()[: len(jpeg) // 2])


def test_alignment_puts_landmarks_on_the_chip_positions():
    target = F.CHIP_LANDMARKS * F.CHIP_SIZE
    # A face twice the chip size, shifted: its landmarks are an exact similarity of the targets.
    marks = target * 2 + [300, 120]
    face = F.Face((300, 120, 400, 400), 0.99, marks)
    matrix = F.chip_transform(face)
    mapped = np.c_[marks, np.ones(5)] @ matrix.T
    np.testing.assert_allclose(mapped, target, atol=1e-3)


def test_aligned_crops_are_chip_sized_even_from_huge_faces():
    image = np.random.default_rng(1).integers(0, 255, (3000, 3000, 3), dtype=np.uint8)
    face = F.Face((500, 500, 2000, 2000), 0.99, None)
    crop = F.align_face(image, face)
    assert crop.shape == (F.CHIP_SIZE, F.CHIP_SIZE, 3) and crop.dtype == np.uint8


@pytest.fixture(scope="module")
def mtcnn():
    return F.MtcnnDetector()


def test_mtcnn_finds_the_face_and_its_landmarks(mtcnn):
    image = grace_hopper()
    found = mtcnn.detect(image)
    assert len(found) == 1
    x, y, w, h = found[0].box
    assert 0 <= x < image.shape[1] and w > 50 and found[0].landmarks.shape == (5, 2)


def test_mtcnn_finds_every_face_in_a_group(mtcnn):
    image = grace_hopper()
    group = np.concatenate([image, image[:, ::-1]], axis=1)
    assert len(mtcnn.detect(group)) == 2


def test_no_face_gives_an_empty_list(mtcnn):
    assert mtcnn.detect(np.full((240, 320, 3), 128, np.uint8)) == []


def huge_photo(width=8000, height=6000) -> np.ndarray:
    """Grace Hopper enlarged five times on a 8000x6000 canvas."""
    face = grace_hopper()
    big = cv2.resize(face, (face.shape[1] * 5, face.shape[0] * 5), interpolation=cv2.INTER_LINEAR)
    canvas = np.full((height, width, 3), 90, np.uint8)
    canvas[: big.shape[0], 1000: 1000 + big.shape[1]] = big
    return canvas


def test_huge_images_are_downscaled_for_detection(mtcnn):
    image = huge_photo()
    found = mtcnn.detect(image)
    assert len(found) == 1 and found[0].box[2] > 600 and found[0].box[0] > 1000  # full-image pixels


def test_landmarks_come_in_face_order(mtcnn):
    (left_eye, right_eye, nose, mouth_left, mouth_right), = [f.landmarks for f in mtcnn.detect(grace_hopper())]
    assert left_eye[0] < right_eye[0] and mouth_left[0] < mouth_right[0]
    assert max(left_eye[1], right_eye[1]) < nose[1] < min(mouth_left[1], mouth_right[1])


@pytest.mark.parametrize("name", ["mtcnn-fast", "haar"])
def test_faster_detectors_place_the_same_landmarks(mtcnn, name):
    image = grace_hopper()
    reference, = mtcnn.detect(image)
    found, = F.make_detector(name).detect(image)
    eye_distance = np.linalg.norm(reference.landmarks[1] - reference.landmarks[0])
    assert np.abs(found.landmarks - reference.landmarks).max() < 0.15 * eye_distance


def test_unknown_detector_is_refused_by_name():
    with pytest.raises(ValueError, match="unknown detector 'yolo'"):
        F.make_detector("yolo")


def test_drawing_returns_an_annotated_copy():
    image = np.zeros((100, 100, 3), np.uint8)
    drawn = F.draw_faces(image, [{"box": [10, 30, 40, 40], "age": 33.0, "gender": "female"}])
    assert drawn.shape == image.shape and drawn.any() and not image.any()
