"""Fine-tuning: `--init-from` starts a run from a trained model's weights."""
import numpy as np
import pytest

from utk_cnn.training.config import TrainConfig
from utk_cnn.training.model import build_model
from utk_cnn.training.train import train
from utk_cnn.training.warm_start import warm_start


def _config(trained_run, out, **options):
    """A tiny run on the trained run's own data and split, starting from it."""
    source = TrainConfig.load(trained_run / "config.json")
    fields = dict(data=source.data, out=str(out), arch="utknet", image_size=32, epochs=1, batch_size=16,
                  val_fraction=0.2, test_fraction=0.2, precision="float32", init_from=str(trained_run))
    return TrainConfig(**{**fields, **options}).resolved()


def test_a_warm_started_network_predicts_as_the_model_it_started_from(trained_run, tmp_path):
    import keras
    cfg = _config(trained_run, tmp_path / "tuned")
    model = build_model(cfg.arch, cfg.image_size)
    warm_start(model, cfg)
    source = keras.models.load_model(trained_run / "model.keras", compile=False)
    faces = np.random.default_rng(0).integers(0, 256, (4, 32, 32, 3), dtype=np.uint8)
    ours, theirs = model(faces, training=False), source(faces, training=False)
    assert np.allclose(np.asarray(ours["gender_out"]), np.asarray(theirs["gender_out"]), atol=1e-5)
    assert np.allclose(np.asarray(ours["age_dist"]), np.asarray(theirs["age_dist"]), atol=1e-5)


def test_a_network_of_another_shape_is_refused(trained_run, tmp_path):
    cfg = _config(trained_run, tmp_path / "tuned", arch="writeup", image_size=128)
    with pytest.raises(ValueError, match="do not fit"):
        warm_start(build_model(cfg.arch, cfg.image_size), cfg)


def test_a_run_of_another_split_is_refused_before_training(trained_run, tmp_path):
    with pytest.raises(ValueError, match="another split"):
        train(_config(trained_run, tmp_path / "tuned", split_seed=1), verbose=0)
    assert not (tmp_path / "tuned").exists()


def test_a_fine_tuned_run_records_where_it_started(trained_run, tmp_path):
    train(_config(trained_run, tmp_path / "tuned"), verbose=0)
    assert TrainConfig.load(tmp_path / "tuned" / "config.json").init_from == str(trained_run)
