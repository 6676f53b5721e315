"""Fixtures that build tiny UTKFace-style datasets: folders and archives of synthetic images."""
from __future__ import annotations

import io
import os
import tarfile
import zipfile
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import cv2  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402


def synthetic_face(seed: int, size: int = 48) -> bytes:
    """A JPEG of a coloured ellipse on a plain background: no real person in it."""
    rng = np.random.default_rng(seed)
    image = np.full((size, size, 3), rng.integers(0, 255, 3), dtype=np.uint8)
    center = (size // 2 + int(rng.integers(-3, 4)), size // 2 + int(rng.integers(-3, 4)))
    color = tuple(int(c) for c in rng.integers(0, 255, 3))
    cv2.ellipse(image, center, (size // 3, size // 2 - 4), 0, 0, 360, color, -1)
    ok, encoded = cv2.imencode(".jpg", image)
    assert ok
    return encoded.tobytes()


def utk_names(count: int):
    """Well-formed names: age, gender and race cycle through their ranges."""
    return [f"{1 + (7 * i) % 90}_{i % 2}_{i % 5}_2017011{i:09d}.jpg.chip.jpg" for i in range(count)]


MALFORMED = ["39_1_20170116174525125.jpg.chip.jpg", "55_0_0_20170116232725357jpg.chip.jpg"]
CORRUPT = "30_0_0_20170117000000000.jpg.chip.jpg"


def dataset_files(count: int = 40) -> dict[str, bytes]:
    files = {name: synthetic_face(i) for i, name in enumerate(utk_names(count))}
    files.update({name: synthetic_face(1000 + i) for i, name in enumerate(MALFORMED)})
    files[CORRUPT] = b"this is not a jpeg"
    return files


@pytest.fixture
def utk_folder(tmp_path) -> Path:
    """40 valid images, 2 malformed names and 1 file that does not decode, in UTKFace/ like the download."""
    root = tmp_path / "UTKFace"
    root.mkdir()
    for name, data in dataset_files().items():
        (root / name).write_bytes(data)
    return root


@pytest.fixture
def utk_tarball(tmp_path) -> Path:
    path = tmp_path / "UTKFace.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        for name, data in dataset_files().items():
            info = tarfile.TarInfo(f"UTKFace/{name}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


@pytest.fixture
def utk_zip(tmp_path) -> Path:
    path = tmp_path / "UTKFace.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in dataset_files().items():
            archive.writestr(f"UTKFace/{name}", data)
    return path


@pytest.fixture
def empty_folder(tmp_path) -> Path:
    folder = tmp_path / "empty"
    folder.mkdir()
    return folder


@pytest.fixture(scope="session")
def trained_run(tmp_path_factory) -> Path:
    """One tiny training run shared by the tests that read a run folder."""
    from utk_cnn.training.config import TrainConfig
    from utk_cnn.training.train import train
    base = tmp_path_factory.mktemp("run")
    data = base / "UTKFace"
    data.mkdir()
    for name, blob in dataset_files(60).items():
        (data / name).write_bytes(blob)
    cfg = TrainConfig(data=str(data), out=str(base / "run"), arch="utknet", image_size=32, epochs=1,
                      batch_size=16, val_fraction=0.2, test_fraction=0.2, precision="float32")
    train(cfg, verbose=0)
    return base / "run"


@pytest.fixture(scope="session")
def small_app():
    """`python app.py` with room for one webcam stream of 4 seconds: for the busy and time-limit messages."""
    from chromium import start_app
    proc, url = start_app("--webcam-streams", "1", "--webcam-time-limit", "4")
    yield url.rstrip("/")
    proc.terminate()
    proc.wait(timeout=30)


@pytest.fixture(scope="session")
def app_server(trained_run):
    """`python app.py` on the shipped model (with the tiny run's curves), for API and browser tests."""
    from chromium import start_app
    proc, url = start_app("--run", str(trained_run))
    yield url
    proc.terminate()
    proc.wait(timeout=30)
