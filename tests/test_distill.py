"""Distillation: a student run learns from its teachers' averaged outputs mixed with the labels."""
import dataclasses
import json
import shutil

import numpy as np
import pytest

from utk_cnn.training import distill
from utk_cnn.training.config import TrainConfig
from utk_cnn.training.model import MAX_AGE
from utk_cnn.training.train import train


def _student(trained_run, out, **options):
    """A tiny run on the teacher's own data and split, taught by it."""
    teacher = TrainConfig.load(trained_run / "config.json")
    fields = dict(data=teacher.data, out=str(out), arch="utknet", image_size=32, epochs=1, batch_size=16,
                  val_fraction=0.2, test_fraction=0.2, precision="float32", teachers=[str(trained_run)])
    return TrainConfig(**{**fields, **options})


def _taught(n=3, age=30.0, p_female=0.8):
    dist = np.zeros((n, MAX_AGE + 1), "float32")
    dist[:, int(age)] = 1.0
    return {"age_dist": dist, "gender": np.full(n, p_female, "float32")}


def _labels(n=3, age=20.0, gender=0.0):
    return {"age": np.full(n, age, "float32"), "gender": np.full(n, gender, "float32")}


def test_soft_targets_mix_labels_and_teachers_by_the_weight():
    mixed = distill.soft_targets(_labels(), _taught(), weight=0.25)
    assert np.allclose(mixed["gender"], 0.25 * 0.8)
    assert np.allclose(mixed["age_dist"].sum(axis=1), 1.0)
    assert np.isclose(mixed["age_dist"][0, 30], 0.25, atol=1e-4)  # the teachers' quarter
    assert np.isclose(mixed["age_dist"][0, 12:29].sum(), 0.75, atol=1e-3)  # the label's Gaussian around 20


def test_a_weight_of_zero_keeps_the_labels_alone():
    mixed = distill.soft_targets(_labels(), _taught(), weight=0.0)
    assert np.allclose(mixed["gender"], 0.0) and mixed["age_dist"][0, 30] < 1e-6


def test_a_weight_outside_zero_to_one_is_refused():
    with pytest.raises(ValueError, match="--distill-weight"):
        distill.soft_targets(_labels(), _taught(), weight=1.5)


def test_the_age_loss_takes_a_distribution_target_as_it_is():
    from utk_cnn.training.losses import age_distribution_loss, label_distribution
    probs = np.full((2, MAX_AGE + 1), 1.0 / (MAX_AGE + 1), "float32")
    from_ages = age_distribution_loss(np.array([[20.0], [40.0]], "float32"), probs)
    from_dists = age_distribution_loss(np.asarray(label_distribution(np.array([20.0, 40.0]))), probs)
    assert np.allclose(np.asarray(from_ages), np.asarray(from_dists), atol=1e-5)


def test_gender_accuracy_counts_a_soft_target_as_its_nearer_gender():
    from utk_cnn.training.losses import gender_accuracy
    targets = np.array([[0.3], [0.7], [1.0]], "float32")
    predictions = np.array([[0.1], [0.9], [0.2]], "float32")
    assert np.allclose(np.asarray(gender_accuracy(targets, predictions)), [1.0, 1.0, 0.0])


def test_a_student_trains_from_a_teacher_run_and_keeps_its_outputs(trained_run, tmp_path):
    metrics = train(_student(trained_run, tmp_path / "student"), verbose=0)
    saved = np.load(tmp_path / "student" / distill.CACHE)
    config = json.loads((tmp_path / "student" / "config.json").read_text())
    assert saved["age_dist"].shape[1] == MAX_AGE + 1 and len(saved["gender"]) == len(saved["age_dist"])
    assert config["teachers"] == [str(trained_run)] and config["distill_weight"] == 0.5
    assert 0 <= metrics["gender_accuracy"] <= 1


def test_a_resumed_student_reads_its_teachers_outputs_back(trained_run, tmp_path, monkeypatch):
    cfg = _student(trained_run, tmp_path / "student")
    train(cfg, verbose=0)
    monkeypatch.setattr(distill, "teacher_outputs", lambda *a: pytest.fail("the teachers predicted again"))
    train(dataclasses.replace(cfg, epochs=2), resume=True, verbose=0)
    assert len(json.loads((tmp_path / "student" / "history.json").read_text())["loss"]) == 2


def test_a_teacher_of_another_split_is_refused_before_training(trained_run, tmp_path):
    with pytest.raises(ValueError, match="another split"):
        train(_student(trained_run, tmp_path / "student", split_seed=1), verbose=0)
    assert not (tmp_path / "student").exists()


def test_a_refit_teaches_only_a_refit(trained_run, tmp_path):
    refit = tmp_path / "refit"
    shutil.copytree(trained_run, refit)
    config = json.loads((refit / "config.json").read_text())
    (refit / "config.json").write_text(json.dumps({**config, "train_on_val": True}))
    with pytest.raises(ValueError, match="validation would not be clean"):
        distill.teacher_paths(_student(trained_run, tmp_path / "student", teachers=[str(refit)]))
    assert distill.teacher_paths(_student(trained_run, tmp_path / "s", teachers=[str(refit)], train_on_val=True))


def test_a_bare_model_file_teaches_only_a_refit(trained_run, tmp_path):
    bare = tmp_path / "bare"
    bare.mkdir()
    shutil.copy(trained_run / "model.keras", bare / "model.keras")
    with pytest.raises(ValueError, match="unknown"):
        distill.teacher_paths(_student(trained_run, tmp_path / "student", teachers=[str(bare / "model.keras")]))


def test_a_bad_weight_is_refused_before_training(trained_run, tmp_path):
    with pytest.raises(ValueError, match="--distill-weight"):
        train(_student(trained_run, tmp_path / "student", distill_weight=2.0), verbose=0)
    assert not (tmp_path / "student").exists()


def test_a_teacher_retrained_in_place_is_asked_again(trained_run, tmp_path, monkeypatch):
    teacher = tmp_path / "teacher"
    shutil.copytree(trained_run, teacher)
    cfg = _student(trained_run, tmp_path / "student", teachers=[str(teacher)])
    train(cfg, verbose=0)
    (teacher / "model.keras").write_bytes((teacher / "model.keras").read_bytes() + b"\0")  # other weights, same path
    asked = []
    monkeypatch.setattr(distill, "teacher_outputs", lambda paths, images: asked.append(1) or {
        "age_dist": np.full((len(images), MAX_AGE + 1), 1 / (MAX_AGE + 1), "float32"),
        "gender": np.full(len(images), 0.5, "float32")})
    train(dataclasses.replace(cfg, epochs=2), resume=True, verbose=0)
    assert asked == [1]
