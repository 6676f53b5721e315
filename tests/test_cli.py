import subprocess
import sys

from utk_cnn.cli import main


def _one_line_error(capsys):
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "error" in err[0]
    return err[0]


def test_train_on_a_missing_dataset_is_one_line(tmp_path, capsys):
    assert main(["train", "--data", str(tmp_path / "missing"), "--out", str(tmp_path / "run")]) == 2
    assert "no such file" in _one_line_error(capsys)


def test_train_on_an_empty_folder_is_one_line(empty_folder, tmp_path, capsys):
    assert main(["train", "--data", str(empty_folder), "--out", str(tmp_path / "run")]) == 2
    assert "no UTKFace images" in _one_line_error(capsys)


def test_train_without_data_is_one_line(tmp_path, capsys):
    assert main(["train", "--out", str(tmp_path / "run")]) == 2
    assert "--data is required" in _one_line_error(capsys)


def test_unknown_architecture_is_one_line(utk_folder, tmp_path, capsys):
    assert main(["train", "--data", str(utk_folder), "--out", str(tmp_path / "r"), "--arch", "nope"]) == 2
    assert "unknown architecture" in _one_line_error(capsys)


def test_evaluate_a_missing_model_is_one_line(utk_folder, tmp_path, capsys):
    assert main(["evaluate", "--model", str(tmp_path / "none.keras"), "--data", str(utk_folder)]) == 2
    assert "no model there" in _one_line_error(capsys)


def test_evaluate_test_split_needs_the_run_config(trained_run, utk_folder, tmp_path, capsys):
    lone = tmp_path / "lone.keras"
    lone.write_bytes((trained_run / "model.keras").read_bytes())
    assert main(["evaluate", "--model", str(lone), "--data", str(utk_folder)]) == 2
    assert "--split all" in _one_line_error(capsys)


def test_module_and_console_script_show_help():
    result = subprocess.run([sys.executable, "-m", "utk_cnn", "--help"], capture_output=True, text=True)
    assert result.returncode == 0 and "train" in result.stdout and "evaluate" in result.stdout
