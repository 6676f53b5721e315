import json

import numpy as np
import pytest
from photos import face_crop

from utk_cnn.cli import main
from utk_cnn.evaluation.corruptions import CORRUPTIONS, corrupt, corruption_names


@pytest.fixture(scope="module")
def faces():
    return np.stack([face_crop(200), face_crop(200)[:, ::-1]])


@pytest.mark.parametrize("name", list(CORRUPTIONS))
def test_each_condition_changes_the_faces_but_not_their_shape(faces, name):
    changed = corrupt(faces, name)
    assert changed.shape == faces.shape and changed.dtype == np.uint8 and np.abs(changed.astype(int) - faces).mean() > 1


@pytest.mark.parametrize("name", list(CORRUPTIONS))
def test_a_condition_is_the_same_for_the_same_seed(faces, name):
    assert np.array_equal(corrupt(faces, name, seed=3), corrupt(faces, name, seed=3))


def test_the_mask_covers_the_lower_face_and_leaves_the_eyes(faces):
    masked = corrupt(faces, "mask").astype(int)
    assert np.abs(masked[:, :90] - faces[:, :90]).max() == 0  # eyes and brows untouched
    assert np.abs(masked[:, 140:170, 70:130] - faces[:, 140:170, 70:130]).mean() > 20


def test_unknown_conditions_are_refused_by_name():
    assert corruption_names("all") == list(CORRUPTIONS)
    with pytest.raises(ValueError, match="unknown corruption 'fog'"):
        corruption_names("blur,fog")


def test_evaluate_reports_each_condition_beside_clean(trained_run, capsys):
    config = json.loads((trained_run / "config.json").read_text())
    assert main(["evaluate", "--model", str(trained_run), "--data", config["data"], "--corrupt", "blur,mask",
                 "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result["corrupted"]) == {"blur", "mask"} and result["clean"]["n"] == result["corrupted"]["mask"]["n"]
    assert result["mean_corrupted"]["age_mae"] == pytest.approx(
        np.mean([r["age_mae"] for r in result["corrupted"].values()]))
