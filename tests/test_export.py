import numpy as np
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


def test_tflite_gives_the_keras_outputs(trained_run, tmp_path):
    out = tmp_path / "model.tflite"
    assert main(["export", "--model", str(trained_run), "--format", "tflite", "--out", str(out)]) == 0
    keras_pred = Predictor.load(trained_run, tta="none")
    faces = _faces(keras_pred.image_size, n=1)
    age, p = keras_pred.predict_arrays(faces)
    runner = tf.lite.Interpreter(model_path=str(out)).get_signature_runner()
    (input_name,) = runner.get_input_details()
    outputs = runner(**{input_name: faces})
    np.testing.assert_allclose(np.ravel(outputs["age_out"]), age, atol=0.1)
    np.testing.assert_allclose(np.ravel(outputs["gender_out"]), p, atol=0.005)


def test_export_refuses_to_overwrite(trained_run, tmp_path, capsys):
    assert main(["export", "--model", str(trained_run), "--format", "savedmodel", "--out", str(tmp_path)]) == 2
    assert "already exists" in capsys.readouterr().err
