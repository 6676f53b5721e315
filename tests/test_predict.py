import json

import cv2
import numpy as np
import pytest
from photos import grace_hopper

from utk_cnn import Predictor
from utk_cnn.cli import main
from utk_cnn.inference.distribution import distribution_median, distribution_quantile
from utk_cnn.inference.predictor import resize_faces, tta_views
from utk_cnn.training.export import read_keras_model


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


def test_flip_averaging_reports_the_median_of_the_mean_age_distribution(predictor, trained_run):
    faces = np.random.default_rng(2).integers(0, 255, (2, 32, 32, 3), dtype=np.uint8)
    model = read_keras_model(trained_run / "model.keras")
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
def test_the_onnx_copy_gives_the_keras_models_estimates(trained_run, tta):
    faces = np.random.default_rng(1).integers(0, 255, (20, 32, 32, 3), dtype=np.uint8)
    onnx = Predictor.load(trained_run, tta=tta, runtime="onnx").estimate(faces)
    keras = Predictor.load(trained_run, tta=tta, runtime="keras").estimate(faces)
    np.testing.assert_allclose(onnx.age, keras.age, atol=0.05)
    np.testing.assert_allclose(onnx.age_low, keras.age_low, atol=0.05)
    np.testing.assert_allclose(onnx.age_high, keras.age_high, atol=0.05)
    np.testing.assert_allclose(onnx.p_female, keras.p_female, atol=1e-4)


def test_training_saves_the_onnx_copy_the_predictor_serves(trained_run):
    assert (trained_run / "model.onnx").stat().st_size > 0
    predictor = Predictor.load(trained_run)
    assert type(predictor.runner).__name__ == "OnnxRunner"


def _copy_run(trained_run, folder):
    import shutil
    for name in ("model.keras", "model.onnx", "model.onnx.json", "config.json"):
        shutil.copy(trained_run / name, folder / name)
    return folder


def test_an_onnx_copy_of_other_weights_is_not_served(trained_run, tmp_path):
    _copy_run(trained_run, tmp_path)
    with open(tmp_path / "model.keras", "ab") as f:  # as if the model were replaced after its copy was made
        f.write(b" ")
    assert type(Predictor.load(tmp_path).runner).__name__ == "KerasRunner"


def test_a_model_without_an_onnx_copy_is_converted_when_onnx_is_asked_for(trained_run, tmp_path):
    _copy_run(trained_run, tmp_path)
    (tmp_path / "model.onnx").unlink()
    predictor = Predictor.load(tmp_path, runtime="onnx")
    (age, p_female, _), = predictor.predict_faces(np.zeros((1, 32, 32, 3), np.uint8))
    assert type(predictor.runner).__name__ == "OnnxRunner" and age >= 0 and 0 <= p_female <= 1


def test_an_onnx_file_can_be_given_directly(trained_run):
    faces = np.random.default_rng(7).integers(0, 255, (2, 32, 32, 3), dtype=np.uint8)
    direct = Predictor.load(trained_run / "model.onnx").estimate(faces)
    np.testing.assert_allclose(direct.age, Predictor.load(trained_run).estimate(faces).age)


def test_an_unknown_runtime_is_refused_by_name(trained_run):
    with pytest.raises(ValueError, match="unknown runtime 'tensorrt'"):
        Predictor.load(trained_run, runtime="tensorrt")


def test_predicting_a_photo_imports_neither_tensorflow_nor_keras():
    import subprocess
    import sys
    code = ("import sys, matplotlib.cbook as cb\n"
            "from utk_cnn import Predictor, read_image\n"
            "faces = Predictor.load().predict_image(read_image(cb.get_sample_data('grace_hopper.jpg', asfileobj=False)))\n"
            "assert len(faces) == 1\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'tensorflow', 'keras', 'tf2onnx'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_predict_faces_rejects_non_uint8(predictor):
    with pytest.raises(ValueError, match="uint8"):
        predictor.predict_faces(np.zeros((1, 32, 32, 3), np.float32))


def test_predict_image_returns_one_entry_per_face(predictor):
    (face,) = predictor.predict_image(grace_hopper())
    assert set(face) == {"box", "age", "age_range", "gender", "gender_confidence", "detection_confidence"}
    assert face["gender"] in ("female", "male") and 0.5 <= face["gender_confidence"] <= 1
    assert face["age_range"][0] <= face["age"] <= face["age_range"][1]


def test_a_detector_with_its_own_settings_can_be_given(trained_run):
    from utk_cnn.faces.detectors import make_detector
    finder = make_detector("yunet", max_side=320)
    predictor = Predictor.load(trained_run, detector=finder)
    assert predictor.detector() is finder and len(predictor.predict_image(grace_hopper())) == 1


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
    faces = np.random.default_rng(5).integers(0, 255, (2, 32, 32, 3), dtype=np.uint8)
    dist = predictor.averaged_outputs(faces)["age_dist"]
    estimates = predictor.estimate(faces)
    np.testing.assert_allclose(estimates.age_low, distribution_quantile(dist, 0.1, np).ravel(), atol=1e-3)
    np.testing.assert_allclose(estimates.age_high, distribution_quantile(dist, 0.9, np).ravel(), atol=1e-3)


def test_saved_temperatures_are_applied_by_the_predictor(trained_run, tmp_path):
    from utk_cnn.inference.calibration import Calibration, save_calibration
    from utk_cnn.inference.predictor import estimates_from_outputs
    _copy_run(trained_run, tmp_path)
    faces = np.random.default_rng(6).integers(0, 255, (3, 32, 32, 3), dtype=np.uint8)
    plain = Predictor.load(tmp_path)
    calibration = Calibration(age_temperature=0.3, gender_temperature=3.0)
    save_calibration(calibration, tmp_path / "model.keras")
    calibrated = Predictor.load(tmp_path).estimate(faces)
    expected = estimates_from_outputs(plain.averaged_outputs(faces), calibration)
    for got, want in zip(calibrated, expected):
        np.testing.assert_allclose(got, want, rtol=1e-5)
    assert not np.allclose(calibrated.p_female, plain.estimate(faces).p_female, rtol=1e-5, atol=0)


def test_a_run_is_served_from_the_onnx_file_beside_it(trained_run):
    assert Predictor.load(trained_run).runner.source == trained_run / "model.onnx"
