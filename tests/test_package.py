"""The package as users get it: a wheel built from the checkout, installed outside it, predicting from any folder."""
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from utk_cnn.examples import example_photo

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out),
                    str(ROOT)], check=True, capture_output=True)
    (path,) = out.glob("utk_cnn-*.whl")
    return path


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> dict:
    """The wheel installed into a folder of its own; its dependencies come from this environment."""
    site = tmp_path_factory.mktemp("site")
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site), str(wheel)],
                   check=True, capture_output=True)
    return {**os.environ, "PYTHONPATH": str(site)}


def test_the_wheel_carries_the_model_its_calibration_and_yunet_with_its_licence(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in ("model.onnx", "model.onnx.json", "model.keras", "model.calibration.json", "MODEL_CARD.md",
                 "detectors/face_detection_yunet_2023mar_dynamic.onnx", "detectors/LICENSE-yunet.txt"):
        assert f"utk_cnn/assets/{name}" in names


def test_the_installed_cli_predicts_a_photo_from_another_folder(installed, tmp_path):
    done = subprocess.run([sys.executable, "-m", "utk_cnn", "predict", example_photo(), "--json"], cwd=tmp_path,
                          env=installed, capture_output=True, text=True, check=True)
    (result,) = json.loads(done.stdout)
    assert len(result["faces"]) == 1 and result["faces"][0]["gender"] in ("female", "male")


def test_the_installed_library_loads_the_shipped_model_from_the_wheel(installed, tmp_path):
    code = ("import utk_cnn; from utk_cnn import Predictor, read_image; p = Predictor.load(); "
            f"faces = p.predict_image(read_image({example_photo()!r})); "
            "print(utk_cnn.__file__); print(p.path); print(len(faces))")
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=installed, capture_output=True, text=True,
                         check=True).stdout.split("\n")
    site = installed["PYTHONPATH"]
    assert out[0].startswith(site) and out[1].startswith(site) and out[2] == "1"


def test_the_version_is_set_in_one_place(installed, tmp_path):
    from utk_cnn import __version__
    done = subprocess.run([sys.executable, "-m", "utk_cnn", "--version"], cwd=tmp_path, env=installed,
                          capture_output=True, text=True, check=True)
    assert done.stdout.strip() == f"utk-cnn {__version__}"
