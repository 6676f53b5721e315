"""Several models scored as one: their outputs averaged per face."""
import json
import shutil

import numpy as np
import pytest

from utk_cnn.inference.ensemble import EnsembleRunner, load_ensemble


class FixedRunner:
    """A stand-in network that answers the same outputs for every face."""

    def __init__(self, p_female, age_bin, image_size=32):
        self.image_size, self.output_names = image_size, ["age_dist", "gender_out"]
        self.p_female, self.age_bin, self.seen = p_female, age_bin, []

    def __call__(self, images):
        self.seen.append(images.shape[1:3])
        dist = np.zeros((len(images), 117), "float32")
        dist[:, self.age_bin] = 1.0
        return {"age_dist": dist, "gender_out": np.full((len(images), 1), self.p_female, "float32")}


def test_an_ensemble_averages_its_members_outputs():
    out = EnsembleRunner([FixedRunner(0.2, 30), FixedRunner(0.6, 40)])(np.zeros((3, 32, 32, 3), np.uint8))
    assert np.allclose(out["gender_out"], 0.4)
    assert np.allclose(out["age_dist"][:, 30], 0.5) and np.allclose(out["age_dist"][:, 40], 0.5)


def test_each_member_gets_faces_at_its_own_size():
    small, large = FixedRunner(0.5, 30, image_size=32), FixedRunner(0.5, 30, image_size=48)
    EnsembleRunner([small, large])(np.zeros((2, 40, 40, 3), np.uint8))
    assert small.seen == [(32, 32)] and large.seen == [(48, 48)]


def test_an_empty_ensemble_is_refused():
    with pytest.raises(ValueError, match="at least one"):
        EnsembleRunner([])


def test_two_copies_of_a_run_score_as_the_run_itself(trained_run, tmp_path):
    from utk_cnn.evaluation.evaluate import evaluate_model
    copy = tmp_path / "copy"
    shutil.copytree(trained_run, copy)
    data = json.loads((trained_run / "config.json").read_text())["data"]
    alone = evaluate_model(trained_run, data, split="val")
    together = evaluate_model([trained_run, copy], data, split="val")
    assert together["age_mae"] == pytest.approx(alone["age_mae"], abs=1e-4)
    assert together["gender_accuracy"] == alone["gender_accuracy"] and " + " in together["model"]


def test_runs_of_different_splits_are_not_scored_together(trained_run, tmp_path):
    from utk_cnn.evaluation.evaluate import evaluate_model
    other = tmp_path / "other"
    shutil.copytree(trained_run, other)
    config = json.loads((other / "config.json").read_text())
    config["split"]["val"] = config["split"]["val"][1:]
    (other / "config.json").write_text(json.dumps(config))
    with pytest.raises(ValueError, match="split"):
        evaluate_model([trained_run, other], config["data"], split="val")


def test_one_model_loads_as_itself(trained_run):
    assert not isinstance(load_ensemble([trained_run]).runner, EnsembleRunner)


def test_the_command_line_scores_several_models_as_one(trained_run, tmp_path, capsys):
    from utk_cnn.cli import main
    copy = tmp_path / "copy"
    shutil.copytree(trained_run, copy)
    data = json.loads((trained_run / "config.json").read_text())["data"]
    assert main(["evaluate", "--model", str(trained_run), str(copy), "--data", data, "--split", "val", "--json"]) == 0
    assert " + " in json.loads(capsys.readouterr().out)["model"]
