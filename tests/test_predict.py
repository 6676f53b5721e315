import json

import cv2
import numpy as np
import pytest

from photos import grace_hopper
from utk_cnn import Predictor
from utk_cnn.cli import main
from utk_cnn.model import distribution_median
from utk_cnn.predict import resize_faces, tta_views


@pytest.fixture(scope="module")
def predictor(trained_run):
    return Predictor.load(trained_run)


def test_predict_faces_takes_crops_of_any_size(predictor):
    faces = np.random.default_rng(0).integers(0, 255, (3, 77, 91, 3), dtype=np.uint8)
    out = predictor.predict_faces(faces)
    assert len(out) == 3
    for age, p_female, (low, high) in out:
        assert isinstance(age, float) and age >= 0 and 0 <= p_female <= 1
        assert 0 <= low <= age <= high


def test_flip_averaging_reports_the_median_of_the_mean_age_distribution(predictor):
    faces = np.random.default_rng(2).integers(0, 255, (2, 32, 32, 3), dtype=np.uint8)
    model = predictor.model
    dist = (np.asarray(model(faces)["age_dist"]) + np.asarray(model(faces[:, :, ::-1])["age_dist"])) / 2
    ages, _ = predictor.predict_arrays(faces)
    np.testing.assert_allclose(ages, np.asarray(distribution_median(dist)).ravel(), atol=1e-3)


@pytest.mark.parametrize("tta, count", [("none", 1), ("flip", 2), ("shifts", 10)])
def test_each_test_time_augmentation_makes_its_views(tta, count):
    faces = np.random.default_rng(3).integers(0, 255, (2, 50, 40, 3), dtype=np.uint8)
    views = tta_views(faces, 32, tta)
    assert views.shape == (count, 2, 32, 32, 3) and views.dtype == np.uint8
    if count > 1:  # the second half mirrors the first
        np.testing.assert_array_equal(views[count // 2:], views[:count // 2, :, :, ::-1])


def test_shifted_views_are_crops_of_the_enlarged_face_moved_each_way():
    faces = np.random.default_rng(4).integers(0, 255, (1, 36, 36, 3), dtype=np.uint8)
    views = tta_views(faces, 32, "shifts")  # margin 2: 32 px crops of the face at 36 px
    np.testing.assert_array_equal(views[0], resize_faces(faces, 32))  # the whole face first
    for view, (top, left) in zip(views[1:5], ((0, 2), (4, 2), (2, 0), (2, 4))):
        np.testing.assert_array_equal(view, faces[:, top:top + 32, left:left + 32])


def test_an_unknown_test_time_augmentation_is_a_clear_error(trained_run):
    with pytest.raises(ValueError, match="unknown test-time augmentation"):
        Predictor.load(trained_run, tta="rotate")


@pytest.mark.parametrize("tta", ["none", "flip", "shifts"])
def test_small_batches_through_tflite_match_the_tensorflow_path(trained_run, tta):
    faces = np.random.default_rng(1).integers(0, 255, (3, 32, 32, 3), dtype=np.uint8)
    lite = Predictor.load(trained_run, tta=tta)
    full = Predictor.load(trained_run, tta=tta)
    full.tflite_max_batch = 0  # every batch through TensorFlow
    (age_lite, p_lite), (age_tf, p_tf) = lite.predict_arrays(faces), full.predict_arrays(faces)
    np.testing.assert_allclose(age_lite, age_tf, atol=0.1)
    np.testing.assert_allclose(p_lite, p_tf, atol=0.005)


def test_training_saves_the_tflite_copy_the_predictor_loads(trained_run):
    assert (trained_run / "model.tflite").stat().st_size > 0
    assert Predictor.load(trained_run)._tflite_bytes == (trained_run / "model.tflite").read_bytes()


def test_a_tflite_copy_of_other_weights_is_ignored(trained_run, tmp_path):
    import shutil
    for name in ("model.keras", "model.tflite", "model.tflite.json", "config.json"):
        shutil.copy(trained_run / name, tmp_path / name)
    with open(tmp_path / "model.keras", "ab") as f:  # as if the model were replaced after conversion
        f.write(b" ")
    assert Predictor.load(tmp_path)._tflite_bytes is None


def test_a_model_without_a_tflite_copy_is_converted_on_first_use(trained_run, tmp_path):
    import keras
    model = keras.models.load_model(trained_run / "model.keras", compile=False)
    (age, p_female, _), = Predictor(model).predict_faces(np.zeros((1, 32, 32, 3), np.uint8))
    assert age >= 0 and 0 <= p_female <= 1


def test_predict_faces_rejects_non_uint8(predictor):
    with pytest.raises(ValueError, match="uint8"):
        predictor.predict_faces(np.zeros((1, 32, 32, 3), np.float32))


def test_predict_image_returns_one_entry_per_face(predictor):
    (face,) = predictor.predict_image(grace_hopper())
    assert set(face) == {"box", "age", "age_range", "gender", "gender_confidence", "detection_confidence"}
    assert face["gender"] in ("female", "male") and 0.5 <= face["gender_confidence"] <= 1
    assert face["age_range"][0] <= face["age"] <= face["age_range"][1]


def test_predict_image_accepts_grayscale(predictor):
    gray = cv2.cvtColor(grace_hopper(), cv2.COLOR_RGB2GRAY)
    assert len(predictor.predict_image(gray)) == 1


def test_predict_cli_reports_bad_files_and_goes_on(trained_run, tmp_path, capsys):
    good = tmp_path / "grace.jpg"
    cv2.imwrite(str(good), cv2.cvtColor(grace_hopper(), cv2.COLOR_RGB2BGR))
    (tmp_path / "empty.jpg").write_bytes(b"")
    (tmp_path / "notes.jpg").write_text("not a picture")
    out = tmp_path / "annotated"
    code = main(["predict", str(tmp_path / "empty.jpg"), str(good), str(tmp_path / "notes.jpg"),
                 "--model", str(trained_run), "--json", "--out", str(out)])
    results = json.loads(capsys.readouterr().out)
    assert code == 1
    assert [("error" in r) for r in results] == [True, False, True]
    assert "empty" in results[0]["error"] and len(results[1]["faces"]) == 1
    assert (out / "grace.annotated.jpg").exists()


def test_age_range_is_the_central_80_percent_of_the_averaged_distribution(predictor):
    from utk_cnn.model import distribution_quantile
    faces = np.random.default_rng(5).integers(0, 255, (2, 32, 32, 3), dtype=np.uint8)
    dist = predictor.averaged_outputs(faces)["age_dist"]
    estimates = predictor.estimate(faces)
    np.testing.assert_allclose(estimates.age_low, distribution_quantile(dist, 0.1, np).ravel(), atol=1e-3)
    np.testing.assert_allclose(estimates.age_high, distribution_quantile(dist, 0.9, np).ravel(), atol=1e-3)


def test_saved_temperatures_are_applied_by_the_predictor(trained_run, tmp_path):
    import shutil

    from utk_cnn.calibration import Calibration, save_calibration
    from utk_cnn.predict import estimates_from_outputs
    for name in ("model.keras", "model.tflite", "model.tflite.json", "config.json"):
        shutil.copy(trained_run / name, tmp_path / name)
    faces = np.random.default_rng(6).integers(0, 255, (3, 32, 32, 3), dtype=np.uint8)
    plain = Predictor.load(tmp_path)
    calibration = Calibration(age_temperature=0.3, gender_temperature=3.0)
    save_calibration(calibration, tmp_path / "model.keras")
    calibrated = Predictor.load(tmp_path).estimate(faces)
    expected = estimates_from_outputs(plain.averaged_outputs(faces), calibration)
    for got, want in zip(calibrated, expected):
        np.testing.assert_allclose(got, want, rtol=1e-5)
    assert not np.allclose(calibrated.p_female, plain.estimate(faces).p_female, rtol=1e-5, atol=0)
