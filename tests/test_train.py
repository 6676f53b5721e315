import json

import numpy as np
import pytest

from utk_cnn.training.config import TrainConfig
from utk_cnn.training.optimization import warmup_cosine_lr
from utk_cnn.training.train import RunKeeper, train

RUN_FILES = {"model.keras", "history.json", "config.json", "metrics.json", "curves.png", "checkpoint.keras"}


def _small_config(data, out, epochs=1):
    return TrainConfig(data=str(data), out=str(out), arch="utknet", image_size=32, epochs=epochs, batch_size=16,
                       val_fraction=0.2, test_fraction=0.2, precision="float32")


def test_one_epoch_run_writes_every_artefact(trained_run):
    assert RUN_FILES <= {p.name for p in trained_run.iterdir()}
    assert not [p for p in trained_run.iterdir() if p.name.startswith(".")]  # no temporary leftovers


def test_history_has_training_and_validation_curves(trained_run):
    history = json.loads((trained_run / "history.json").read_text())
    for key in ("gender_out_loss", "gender_out_accuracy", "age_out_loss", "age_out_mae"):
        assert len(history[key]) == 1 and len(history["val_" + key]) == 1


def test_config_records_the_split_and_resolved_defaults(trained_run):
    config = json.loads((trained_run / "config.json").read_text())
    assert config["arch"] == "utknet" and config["image_size"] == 32 and config["optimizer"] == "adamw"
    assert config["split"]["test"] and config["split"]["val"]
    assert not set(config["split"]["test"]) & set(config["split"]["val"])


def test_the_default_architecture_trains_on_its_recipe(utk_folder, tmp_path):
    cfg = TrainConfig(data=str(utk_folder), out=str(tmp_path / "run"), image_size=32, epochs=1, batch_size=16,
                      val_fraction=0.2, test_fraction=0.2)
    metrics = train(cfg, verbose=0)
    config = json.loads((tmp_path / "run" / "config.json").read_text())
    assert config["arch"] == "utkres" and config["gender_weight"] == 10 and config["age_dist_weight"] == 1
    assert config["augment"] == "robust_wide" and config["condition_share"] == 0.25
    assert config["ema_momentum"] == 0.999 and config["race_weight"] == 1
    assert not config["dedupe_train"] and metrics["arch"] == "utkres"
    assert 0 <= metrics["age_range_coverage"] <= 1 and metrics["gender_ece"] is not None


def test_the_resnet18_baseline_takes_utkres_recipe_without_the_weight_average():
    utkres = TrainConfig(data="d", out="o").resolved()
    baseline = TrainConfig(data="d", out="o", arch="resnet18").resolved()
    assert baseline.ema_momentum == 0 and utkres.ema_momentum > 0
    for option in ("image_size", "augment", "learning_rate", "gender_weight", "race_weight", "batch_size"):
        assert getattr(baseline, option) == getattr(utkres, option)


def test_the_split_depends_on_the_split_seed_not_the_training_seed(utk_folder, tmp_path):
    from utk_cnn.training.train import load_split
    splits = []
    for seed, split_seed in ((0, 0), (1, 0), (0, 1)):
        cfg = _small_config(utk_folder, tmp_path / "unused").resolved()
        cfg.seed, cfg.split_seed = seed, split_seed
        load_split(cfg)
        splits.append(cfg.split["test"])
    assert splits[0] == splits[1] != splits[2]


def test_curves_file_is_a_png(trained_run):
    assert (trained_run / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_refuses_to_overwrite_an_existing_run(trained_run):
    cfg = TrainConfig.load(trained_run / "config.json")
    with pytest.raises(FileExistsError, match="--resume"):
        train(cfg, verbose=0)


def test_resume_continues_an_interrupted_run(utk_folder, tmp_path, monkeypatch):
    out = tmp_path / "run"
    original = RunKeeper.on_epoch_end

    def crash_after_first_epoch(self, epoch, logs=None):
        original(self, epoch, logs)
        raise KeyboardInterrupt  # as if the machine stopped once epoch 1 was saved

    monkeypatch.setattr(RunKeeper, "on_epoch_end", crash_after_first_epoch)
    with pytest.raises(KeyboardInterrupt):
        train(_small_config(utk_folder, out, epochs=2), verbose=0)
    assert (out / "checkpoint.keras").exists() and not (out / "model.keras").exists()

    monkeypatch.setattr(RunKeeper, "on_epoch_end", original)
    train(TrainConfig(data="", out=str(out)), resume=True, verbose=0)
    history = json.loads((out / "history.json").read_text())
    assert len(history["loss"]) == 2
    assert json.loads((out / "metrics.json").read_text())["epochs_run"] == 2


def test_resume_may_extend_the_epochs_but_keeps_the_recipe(utk_folder, tmp_path):
    out = tmp_path / "run"
    train(_small_config(utk_folder, out, epochs=1), verbose=0)
    train(TrainConfig(data="", out=str(out), epochs=2, batch_size=4), resume=True, verbose=0)
    config = json.loads((out / "config.json").read_text())
    assert config["epochs"] == 2 and config["batch_size"] == 16  # how long may change, what is trained may not
    assert len(json.loads((out / "history.json").read_text())["loss"]) == 2


def test_resume_without_a_run_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothing to resume"):
        train(TrainConfig(data="", out=str(tmp_path / "none")), resume=True)


def test_final_refit_trains_on_validation_images_and_keeps_the_test_split(utk_folder, tmp_path):
    plain = _small_config(utk_folder, tmp_path / "plain")
    refit = _small_config(utk_folder, tmp_path / "refit")
    refit.train_on_val = True
    plain_metrics, refit_metrics = train(plain, verbose=0), train(refit, verbose=0)
    plain_split = json.loads((tmp_path / "plain" / "config.json").read_text())["split"]
    refit_split = json.loads((tmp_path / "refit" / "config.json").read_text())["split"]
    assert refit_split["test"] == plain_split["test"]
    assert refit_metrics["n_train"] == plain_metrics["n_train"] + len(plain_split["val"])
    assert refit_metrics["train_on_val"] and not plain_metrics["train_on_val"]


def _schedule_config(**overrides):
    cfg = TrainConfig(data="", out="", arch="utknet", epochs=10, learning_rate=1e-3, optimizer="adamw").resolved()
    for key, value in overrides.items():
        setattr(cfg, key, value)
    return cfg


def test_learning_rate_warms_up_from_zero_over_a_tenth_of_the_run_by_default():
    cfg = _schedule_config()  # 10 epochs of 100 steps: 100 warm-up steps (at most two epochs)
    rates = [warmup_cosine_lr(cfg, step, 100, 0.0) for step in (0, 50, 100)]
    assert rates[0] == 0 and rates[1] == pytest.approx(5e-4) and rates[2] == pytest.approx(1e-3)


def test_learning_rate_warms_up_over_the_given_steps_and_decays_to_the_floor():
    cfg = _schedule_config(warmup_steps=300, min_lr_fraction=0.0)
    assert warmup_cosine_lr(cfg, 150, 100, 0.0) == pytest.approx(5e-4)
    assert warmup_cosine_lr(cfg, 300, 100, 0.0) == pytest.approx(1e-3)
    assert warmup_cosine_lr(cfg, 1000, 100, 0.0) == pytest.approx(0.0)


def test_learning_rate_decays_to_one_percent_at_the_last_step():
    cfg = _schedule_config()
    assert warmup_cosine_lr(cfg, 10 * 100, 100, 0.0) == pytest.approx(1e-5)


def test_time_budget_anneals_the_learning_rate_before_the_epochs_run_out():
    cfg = _schedule_config(time_limit_min=10)
    halfway, spent = warmup_cosine_lr(cfg, 300, 100, 5 * 60), warmup_cosine_lr(cfg, 300, 100, 10 * 60)
    assert spent == pytest.approx(1e-5)
    assert spent < halfway < warmup_cosine_lr(cfg, 300, 100, 0.0)
    assert halfway == pytest.approx(1e-3 * (0.01 + 0.99 * 0.5))


def test_a_config_saved_before_split_seed_existed_keeps_its_split():
    old = TrainConfig(data="d", out="o", seed=3).to_json()
    del old["split_seed"], old["config_version"]  # format 1: `seed` chose the split too
    assert TrainConfig.from_json(old).split_seed == 3


def test_a_config_saved_before_condition_share_existed_keeps_half_of_each_batch():
    old = TrainConfig(data="d", out="o", augment="robust").to_json()
    del old["condition_share"], old["config_version"]  # format 2: robust always conditioned half of each batch
    assert TrainConfig.from_json(old).condition_share == 0.5


def test_training_under_webcam_and_phone_conditions_runs(utk_folder, tmp_path):
    import dataclasses
    cfg = dataclasses.replace(_small_config(utk_folder, tmp_path / "robust"), augment="robust", condition_share=0.25)
    metrics = train(cfg, verbose=0)
    saved = json.loads((tmp_path / "robust" / "config.json").read_text())
    assert metrics["n"] > 0 and saved["augment"] == "robust" and saved["condition_share"] == 0.25


def test_a_config_saved_before_ema_and_race_heads_trains_without_them():
    old = TrainConfig(data="d", out="o").to_json()
    del old["ema_momentum"], old["race_weight"], old["config_version"]
    cfg = TrainConfig.from_json(old).resolved()
    assert cfg.ema_momentum == 0 and cfg.race_weight == 0


def test_a_config_is_upgraded_by_its_own_format_version():
    old = {**TrainConfig(data="d", out="o", augment="robust").to_json(), "config_version": 2}
    del old["condition_share"]
    upgraded = TrainConfig.from_json(old)
    assert upgraded.condition_share == 0.5 and upgraded.config_version == TrainConfig(data="d", out="o").config_version


def test_a_run_of_the_writeups_network_saved_as_seed_still_resolves():
    assert TrainConfig(data="d", out="o", arch="seed").resolved().arch == "writeup"


def test_moving_average_and_race_head_train_and_ship_age_and_gender_only(utk_folder, tmp_path):
    import keras
    cfg = TrainConfig(data=str(utk_folder), out=str(tmp_path / "run"), image_size=32, epochs=2, batch_size=16,
                      val_fraction=0.2, test_fraction=0.2, ema_momentum=0.9, race_weight=1.0, augment="robust_wide")
    train(cfg, verbose=0)
    history = json.loads((tmp_path / "run" / "history.json").read_text())
    assert "race_out_loss" in history and len(history["val_loss"]) == 2
    shipped = keras.models.load_model(tmp_path / "run" / "model.keras")
    assert "race_out" not in shipped.output_names and {"age_out", "gender_out"} <= set(shipped.output_names)
    checkpoint = keras.models.load_model(tmp_path / "run" / "checkpoint.keras")
    assert checkpoint.optimizer.use_ema  # a resumed run keeps averaging


def test_the_kept_weights_are_the_moving_average_not_the_last_step(utk_folder, tmp_path):
    import keras

    from utk_cnn.training.model import build_model
    cfg = TrainConfig(data=str(utk_folder), out=str(tmp_path / "run"), image_size=32, epochs=1, batch_size=4,
                      val_fraction=0.2, test_fraction=0.2, ema_momentum=0.9)  # several steps: the average lags
    train(cfg, verbose=0)
    raw = keras.models.load_model(tmp_path / "run" / "checkpoint.keras")
    kept = build_model("utkres", 32)
    kept.load_weights(tmp_path / "run" / "best.weights.h5")
    averages = {id(v): a for v, a in zip(raw.optimizer._trainable_variables, raw.optimizer._model_variables_moving_average)}
    variable = raw.trainable_variables[0]
    np.testing.assert_allclose(kept.trainable_variables[0].numpy(), averages[id(variable)].numpy(), rtol=1e-6)
    assert not np.allclose(kept.trainable_variables[0].numpy(), variable.numpy())
