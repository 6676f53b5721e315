"""What a Hugging Face Space builds from: the README's front matter and the requirements."""
import re
from pathlib import Path

import gradio
import pytest

ROOT = Path(__file__).resolve().parent.parent


def _front_matter() -> dict:
    text = (ROOT / "README.md").read_text()
    block = text.split("---")[1]
    return {key: value.strip("\"'") for key, value in re.findall(r"^(\w+):\s*(.+?)\s*$", block, flags=re.M)}


def test_front_matter_pins_the_gradio_the_tests_run_on():
    assert _front_matter()["sdk_version"] == gradio.__version__


def test_front_matter_pins_python_and_describes_the_space():
    meta = _front_matter()
    assert re.fullmatch(r"3\.\d+", meta["python_version"]) and 0 < len(meta["short_description"]) <= 60


def _space_packages() -> set[str]:
    return {re.split(r"[<>=\[ ;]", line, maxsplit=1)[0].lower()
            for line in (ROOT / "requirements.txt").read_text().splitlines() if line and not line.startswith("#")}


def test_the_space_serves_on_onnxruntime_without_tensorflow():
    lines = _space_packages()
    assert "onnxruntime" in lines and not {"tensorflow", "tensorflow-cpu", "keras"} & lines


def test_the_space_installs_headless_opencv():
    lines = _space_packages()
    assert "opencv-python-headless" in lines and "opencv-python" not in lines


def test_opencv_is_the_headless_build_alone():
    from importlib.metadata import PackageNotFoundError, version
    assert version("opencv-python-headless")
    with pytest.raises(PackageNotFoundError):  # the GUI build would need libGL on a server image
        version("opencv-python")
