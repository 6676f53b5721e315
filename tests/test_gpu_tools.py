"""The GPU trainer's pieces (tools/): its NumPy augmentation and its learning-rate schedule match the library's."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))

from numpy_augment import random_conditions, robust_wide  # noqa: E402

from utk_cnn.evaluation.corruptions import lower_face_cover  # noqa: E402


@pytest.fixture
def faces():
    return np.random.default_rng(0).integers(0, 256, (16, 32, 32, 3), dtype=np.uint8)


def test_augmentation_keeps_shape_and_dtype(faces):
    out = robust_wide(faces, np.random.default_rng(1), lower_face_cover(32))
    assert out.shape == faces.shape and out.dtype == np.uint8


def test_augmentation_is_reproducible_from_its_seed(faces):
    cover = lower_face_cover(32)
    first = robust_wide(faces, np.random.default_rng([3, 0, 5]), cover)
    again = robust_wide(faces, np.random.default_rng([3, 0, 5]), cover)
    other = robust_wide(faces, np.random.default_rng([3, 1, 5]), cover)
    assert np.array_equal(first, again) and not np.array_equal(first, other)


def test_conditions_leave_unchosen_faces_as_they_are(faces):
    out = random_conditions(faces, np.random.default_rng(2), lower_face_cover(32), share=0.0)
    assert np.array_equal(out, faces)


def test_gpu_schedule_follows_the_library_schedule():
    from train_on_gpu import WarmupCosine

    from utk_cnn.training.config import TrainConfig
    from utk_cnn.training.optimization import warmup_cosine_lr
    cfg = TrainConfig(data="", out="", epochs=3).resolved()
    steps_per_epoch = 200
    schedule = WarmupCosine(cfg.learning_rate, cfg.epochs * steps_per_epoch, cfg.warmup_steps, cfg.min_lr_fraction)
    for step in (0, 150, 300, 450, 599):
        assert float(schedule(step)) == pytest.approx(warmup_cosine_lr(cfg, step, steps_per_epoch, 0.0), rel=1e-5, abs=1e-8)


def test_packed_parts_never_exceed_their_caps():
    from pack_faces import parts_within
    mib = 2**20
    parts = parts_within([mib // 2] * 7, [1.0, 2.0, 2.0])  # the first part's slack is not lent to the next
    assert parts == [(0, 2), (2, 6), (6, 7)]


def test_faces_that_do_not_fit_the_parts_are_refused():
    from pack_faces import parts_within
    with pytest.raises(SystemExit, match="do not fit"):
        parts_within([2**20] * 4, [1.0, 2.0])


def test_history_is_read_from_the_log_section_of_one_run():
    from history_from_log import read_history
    log = ["== twin:0", "Epoch 1/2", "258/258 - 19s - 74ms/step - age_out_mae: 14.9 - loss: 27.1",
           "== refit:0", "Epoch 1/2", "290/290 - 19s - 66ms/step - age_out_mae: 14.5 - loss: 26.5",
           "Epoch 2/2", "290/290 - 3s - 10ms/step - age_out_mae: 10.8 - loss: 2.0e-1"]
    assert read_history(log, "refit:0") == {"age_out_mae": [14.5, 10.8], "loss": [26.5, 0.2]}
    assert read_history(log, "1") == {"age_out_mae": [14.9], "loss": [27.1]}
