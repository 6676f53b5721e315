import numpy as np
import pytest
import tensorflow as tf

from utk_cnn import Predictor
from utk_cnn.cli import main


def _faces(size, n=4):
    return np.random.default_rng(0).integers(0, 255, (n, size, size, 3), dtype=np.uint8)


def test_savedmodel_gives_the_keras_outputs(trained_run, tmp_path):
    out = tmp_path / "served"
    assert main(["export", "--model", str(trained_run), "--format", "savedmodel", "--out", str(out)]) == 0
    keras_pred = Predictor.load(trained_run, tta="none")
    faces = _faces(keras_pred.image_size)
    age, p = keras_pred.predict_arrays(faces)
    loaded = tf.saved_model.load(str(out))
    served = loaded.serve(tf.constant(faces))
    np.testing.assert_allclose(np.ravel(served["age_out"]), age, atol=0.1)
    np.testing.assert_allclose(np.ravel(served["gender_out"]), p, atol=0.005)


@pytest.mark.parametrize("fmt, runtime", [("tflite", "litert"), ("onnx", "onnx")])
def test_an_exported_file_gives_the_keras_estimates_on_its_runtime(trained_run, tmp_path, fmt, runtime):
    out = tmp_path / f"model.{fmt}"
    assert main(["export", "--model", str(trained_run), "--format", fmt, "--out", str(out)]) == 0
    faces = _faces(32, n=3)
    exported = Predictor.load(out, tta="none", runtime=runtime)
    age, p = Predictor.load(trained_run, tta="none", runtime="keras").predict_arrays(faces)
    age_x, p_x = exported.predict_arrays(faces)
    np.testing.assert_allclose(age_x, age, atol=0.05)
    np.testing.assert_allclose(p_x, p, atol=0.001)


def test_the_shipped_onnx_copy_is_made_from_the_shipped_keras_file():
    from utk_cnn.inference.runtimes import current_copy
    from utk_cnn.paths import SHIPPED_MODEL
    assert current_copy(SHIPPED_MODEL, ".onnx") == SHIPPED_MODEL.with_suffix(".onnx")
    faces = _faces(96, n=8)
    onnx = Predictor.load(SHIPPED_MODEL, tta="none", runtime="onnx").averaged_outputs(faces)
    keras = Predictor.load(SHIPPED_MODEL, tta="none", runtime="keras").averaged_outputs(faces)
    for key in onnx:
        np.testing.assert_allclose(onnx[key], keras[key], atol=1e-4)


def test_an_onnx_file_exported_beside_its_model_is_served_as_its_copy(trained_run, tmp_path):
    from utk_cnn.inference.runtimes import current_copy
    source = tmp_path / "model.keras"
    source.write_bytes((trained_run / "model.keras").read_bytes())
    assert main(["export", "--model", str(source), "--format", "onnx", "--out", str(tmp_path / "model.onnx")]) == 0
    assert current_copy(source, ".onnx") == tmp_path / "model.onnx"


def test_export_refuses_to_overwrite(trained_run, tmp_path, capsys):
    assert main(["export", "--model", str(trained_run), "--format", "savedmodel", "--out", str(tmp_path)]) == 2
    assert "already exists" in capsys.readouterr().err
