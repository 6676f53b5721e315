import numpy as np

from utk_cnn.faces.alignment import CHIP_SIZE, align_face, chip_transform
from utk_cnn.faces.detectors import DETECTORS, Face, make_detector
from utk_cnn.faces.detectors.yunet import YunetDetector

TEMPLATE = YunetDetector.chip_landmarks


def test_alignment_puts_landmarks_on_the_chip_positions():
    target = TEMPLATE * CHIP_SIZE
    # A face twice the chip size, shifted: its landmarks are an exact similarity of the targets.
    marks = target * 2 + [300, 120]
    matrix = chip_transform(Face((300, 120, 400, 400), 0.99, marks), TEMPLATE)
    mapped = np.c_[marks, np.ones(5)] @ matrix.T
    np.testing.assert_allclose(mapped, target, atol=1e-3)


def test_a_tilted_face_is_turned_upright():
    target = TEMPLATE * CHIP_SIZE
    turn = np.deg2rad(20)
    rotation = np.array([[np.cos(turn), -np.sin(turn)], [np.sin(turn), np.cos(turn)]])
    marks = (target - 100) @ rotation.T + [400, 300]
    matrix = chip_transform(Face((300, 200, 200, 200), 0.9, marks), TEMPLATE)
    np.testing.assert_allclose(np.c_[marks, np.ones(5)] @ matrix.T, target, atol=1e-3)


def test_aligned_crops_are_chip_sized_even_from_huge_faces():
    image = np.random.default_rng(1).integers(0, 255, (3000, 3000, 3), dtype=np.uint8)
    crop = align_face(image, Face((500, 500, 2000, 2000), 0.99, None), TEMPLATE)
    assert crop.shape == (CHIP_SIZE, CHIP_SIZE, 3) and crop.dtype == np.uint8


def test_every_detector_brings_its_own_chip_template():
    for name in ("yunet", "mtcnn", "haar"):
        spec = DETECTORS[name]
        module = __import__(f"utk_cnn.faces.detectors.{spec.module}", fromlist=[spec.cls])
        template = getattr(module, spec.cls).chip_landmarks
        assert template.shape == (5, 2) and template[0, 0] < template[1, 0]


def test_a_detected_face_lands_on_the_chip_template_at_any_size_and_place():
    from photos import face_crop
    detector = make_detector("yunet")
    for side, (x, y) in ((160, (40, 60)), (320, (300, 100))):
        photo = np.full((480, 640, 3), 120, np.uint8)
        photo[y:y + side, x:x + side] = face_crop(side)
        face, = detector.detect(photo)
        mapped = np.c_[face.landmarks, np.ones(5)] @ chip_transform(face, TEMPLATE).T
        assert np.abs(mapped - TEMPLATE * CHIP_SIZE).max() < 0.05 * CHIP_SIZE
