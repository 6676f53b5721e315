import hashlib

import numpy as np
import pytest
from photos import grace_hopper, group_photo, huge_photo, tilted

from utk_cnn.faces.detectors import DEFAULT_DETECTOR, DETECTORS, make_detector, yunet

ALL = list(DETECTORS)


@pytest.fixture(scope="module")
def detectors():
    return {name: make_detector(name) for name in ALL}


def test_the_default_detector_is_yunet():
    assert DEFAULT_DETECTOR == "yunet"


def test_an_unknown_detector_is_refused_by_name():
    with pytest.raises(ValueError, match="unknown detector 'yolo'"):
        make_detector("yolo")


def test_yunet_weights_are_the_ones_we_tested():
    assert hashlib.sha256(yunet.MODEL_PATH.read_bytes()).hexdigest() == yunet.MODEL_SHA256
    assert (yunet.MODEL_PATH.parent / "LICENSE-yunet.txt").read_text().count("MIT License") == 1


def test_altered_yunet_weights_are_refused(tmp_path):
    bad = tmp_path / "yunet.onnx"
    bad.write_bytes(b"not the model")
    with pytest.raises(ValueError, match="unexpected YuNet weights"):
        yunet.check_model(bad)
    with pytest.raises(FileNotFoundError, match="weights are missing"):
        yunet.check_model(tmp_path / "absent.onnx")


@pytest.mark.parametrize("name", ALL)
def test_each_detector_finds_the_face_with_five_landmarks(detectors, name):
    image = grace_hopper()
    face, = detectors[name].detect(image)
    x, y, w, h = face.box
    assert 0 <= x < image.shape[1] and w > 50 and face.landmarks.shape == (5, 2) and 0 < face.confidence <= 1


@pytest.mark.parametrize("name", ALL)
def test_landmarks_come_in_one_order_for_every_detector(detectors, name):
    (left_eye, right_eye, nose, mouth_left, mouth_right), = [f.landmarks for f in detectors[name].detect(grace_hopper())]
    assert left_eye[0] < right_eye[0] and mouth_left[0] < mouth_right[0]
    assert max(left_eye[1], right_eye[1]) < nose[1] < min(mouth_left[1], mouth_right[1])


@pytest.mark.parametrize("name", ["yunet-fast", "mtcnn-fast", "haar", "mtcnn"])
def test_detectors_agree_with_yunet_on_where_the_eyes_are(detectors, name):
    reference, = detectors["yunet"].detect(grace_hopper())
    found, = detectors[name].detect(grace_hopper())
    eye_distance = np.linalg.norm(reference.landmarks[1] - reference.landmarks[0])
    assert np.abs(found.landmarks[:2] - reference.landmarks[:2]).max() < 0.2 * eye_distance


@pytest.mark.parametrize("name", ALL)
def test_a_photo_without_a_face_gives_an_empty_list(detectors, name):
    assert detectors[name].detect(np.full((240, 320, 3), 128, np.uint8)) == []


@pytest.mark.parametrize("name", ["yunet", "mtcnn"])
def test_huge_photos_are_searched_at_a_reduced_size(detectors, name):
    found = detectors[name].detect(huge_photo())
    assert len(found) == 1 and found[0].box[2] > 600 and found[0].box[0] > 1000  # full-image pixels


def test_yunet_finds_every_small_face_in_a_group_photo(detectors):
    photo, placed = group_photo()
    found = detectors["yunet"].detect(photo)
    assert len(found) == len(placed)
    for x, y, side in placed:
        assert any(x <= fx + fw / 2 <= x + side and y <= fy + fh / 2 <= y + side for fx, fy, fw, fh in
                   (f.box for f in found))


def test_yunet_finds_a_face_tilted_20_degrees(detectors):
    face, = detectors["yunet"].detect(tilted(grace_hopper(), 20))
    (lx, ly), (rx, ry) = face.landmarks[:2]
    assert np.degrees(np.arctan2(ry - ly, rx - lx)) < -10  # the eyes' line turned with the face


def test_yunet_finds_a_face_that_fills_the_photo(detectors):
    from photos import face_crop
    face, = detectors["yunet"].detect(face_crop(900))
    assert 300 < face.box[2] < 480  # her face is about 0.42 of the crop: 383 px


def test_one_yunet_serves_several_threads(detectors):
    from concurrent.futures import ThreadPoolExecutor
    photo = grace_hopper()
    with ThreadPoolExecutor(4) as pool:
        counts = list(pool.map(lambda _: len(detectors["yunet"].detect(photo)), range(8)))
    assert counts == [1] * 8


def parity_images():
    """A portrait, a tilted portrait, a group photo of small faces and a photo of odd size (not multiples of 32)."""
    group, _ = group_photo()
    return [grace_hopper(), tilted(grace_hopper(), 15), group, grace_hopper()[:333, :301]]


def _bgr(image):
    return np.ascontiguousarray(image[:, :, ::-1])


@pytest.mark.parametrize("index", range(4))
def test_onnxruntime_yunet_gives_opencvs_faces_within_a_pixel(index):
    image = _bgr(parity_images()[index])
    path = str(yunet.check_model())
    ours = yunet.OnnxYunet(path, 0.1, 0.3, threads=1)(image)
    theirs = yunet.OpenCVYunet(path, 0.1, 0.3)(image)
    assert len(ours) == len(theirs) > 0
    ours, theirs = ours[np.argsort(-ours[:, 14])], theirs[np.argsort(-theirs[:, 14])]
    np.testing.assert_allclose(ours[:, :14], theirs[:, :14], atol=1.0)  # boxes and landmarks
    np.testing.assert_allclose(ours[:, 14], theirs[:, 14], atol=1e-3)   # scores


def test_the_pyramid_and_second_look_find_the_same_faces_on_either_engine():
    group, _ = group_photo()
    ours = make_detector("yunet").detect(group)
    theirs = make_detector("yunet-opencv").detect(group)
    assert len(ours) == len(theirs) > 5
    for a, b in zip(sorted(ours, key=lambda f: f.box), sorted(theirs, key=lambda f: f.box)):
        np.testing.assert_allclose(a.box, b.box, atol=1.0)


def test_the_shipped_yunet_runs_at_any_size_whose_sides_are_multiples_of_32():
    from utk_cnn.onnx_sessions import session
    (entry,) = session(yunet.check_model(), threads=1).get_inputs()
    assert entry.shape[:2] == [1, 3] and all(isinstance(side, str) for side in entry.shape[2:])


def test_an_unknown_yunet_engine_is_refused_by_name():
    with pytest.raises(ValueError, match="unknown YuNet engine 'cuda'"):
        yunet.YunetDetector(engine="cuda")


def _candidate(size: float, score: float) -> np.ndarray:
    row = np.zeros((1, 15), np.float32)
    row[0, :4], row[0, 4:14], row[0, 14] = (100, 100, size, size), 100 + size / 2, score
    return row


@pytest.mark.parametrize("size, looked_again", [(12, False), (30, True)])
def test_only_unsure_candidates_of_min_unsure_px_or_more_get_a_second_look(monkeypatch, size, looked_again):
    detector = make_detector("yunet", max_side=320, min_unsure=16)
    looks = []
    monkeypatch.setattr(detector, "_find", lambda image: _candidate(size, 0.3))
    monkeypatch.setattr(detector, "_second_look", lambda image, face: looks.append(face))
    detector.detect(np.zeros((240, 320, 3), np.uint8))
    assert bool(looks) == looked_again
