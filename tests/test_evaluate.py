import json

import numpy as np
import pytest

from utk_cnn.cli import main
from utk_cnn.evaluation.evaluate import summarize


def test_summarize_counts_errors_overall_and_by_group():
    m = summarize(age_true=[1, 25, 80], gender_true=[0, 1, 1], race=[0, 1, 1],
                  age_pred=[2, 20, 80], p_female=[0.2, 0.9, 0.1])
    assert m["n"] == 3
    assert m["age_mae"] == pytest.approx(2.0)
    assert m["gender_accuracy"] == pytest.approx(2 / 3)
    assert m["by_age_band"]["0-2"] == {"n": 1, "age_mae": 1.0, "gender_accuracy": 1.0}
    assert m["by_age_band"]["70+"]["gender_accuracy"] == 0.0
    assert m["by_race"]["Black"]["n"] == 2 and m["by_race"]["Asian"]["n"] == 0
    assert m["gender_confusion"]["matrix"] == [[1, 0], [1, 1]]


def test_evaluate_json_prints_one_object_on_stdout(trained_run, capsys):
    data = json.loads((trained_run / "config.json").read_text())["data"]
    assert main(["evaluate", "--model", str(trained_run), "--data", data, "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert {"n", "age_mae", "gender_accuracy", "by_age_band", "by_race"} <= set(result)
    assert result["n"] == len(json.loads((trained_run / "config.json").read_text())["split"]["test"])
    assert 0 <= result["gender_accuracy"] <= 1


def test_evaluate_all_uses_every_valid_image(trained_run, capsys):
    data = json.loads((trained_run / "config.json").read_text())["data"]
    assert main(["evaluate", "--model", str(trained_run / "model.keras"), "--data", data, "--split", "all",
                 "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["n"] == 60


def test_evaluate_val_uses_the_runs_validation_split(trained_run, capsys):
    data = json.loads((trained_run / "config.json").read_text())["data"]
    assert main(["evaluate", "--model", str(trained_run), "--data", data, "--split", "val", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["n"] == len(json.loads((trained_run / "config.json").read_text())["split"]["val"])
    assert result["split"] == "val"


def test_run_metrics_match_a_fresh_evaluation(trained_run, capsys):
    data = json.loads((trained_run / "config.json").read_text())["data"]
    main(["evaluate", "--model", str(trained_run), "--data", data, "--json"])
    fresh = json.loads(capsys.readouterr().out)
    saved = json.loads((trained_run / "metrics.json").read_text())
    assert saved["n"] == fresh["n"]
    assert np.isclose(saved["age_mae"], fresh["age_mae"], atol=0.05)
