"""`utk-cnn predict --engine ray` gives what the default engine gives, on a local Ray cluster."""
import json

import cv2
import numpy as np
import pytest
from photos import grace_hopper, group_photo, tilted

from utk_cnn.cli import main

ray = pytest.importorskip("ray")


@pytest.fixture(scope="module")
def photo_folder(tmp_path_factory):
    """A few photos a user might have (one face, a group, a tilted face, none) and a broken file."""
    folder = tmp_path_factory.mktemp("photos")
    for name, image in {"hopper.jpg": grace_hopper(), "group.png": group_photo()[0],
                        "tilted.jpg": tilted(grace_hopper(), 15), "wall.png": np.full((240, 320, 3), 90, np.uint8)}.items():
        cv2.imwrite(str(folder / name), cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
    (folder / "broken.jpg").write_bytes(b"not a photo")
    return folder


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def predict_json(capsys, *args) -> tuple[int, list[dict]]:
    capsys.readouterr()
    code = main(["predict", *args, "--json"])
    return code, json.loads(capsys.readouterr().out)


def test_the_ray_engine_gives_the_default_engines_results(photo_folder, local_ray, capsys, tmp_path):
    local_code, local = predict_json(capsys, str(photo_folder))
    ray_code, distributed = predict_json(capsys, str(photo_folder), "--engine", "ray", "--workers", "2",
                                         "--out", str(tmp_path))
    assert local_code == ray_code == 1  # the broken file, in both
    assert [r["path"] for r in distributed] == [r["path"] for r in local]
    for mine, theirs in zip(distributed, local):
        assert mine.keys() == theirs.keys()
        for a, b in zip(mine.get("faces", []), theirs.get("faces", [])):
            assert a["box"] == b["box"] and a["gender"] == b["gender"] and abs(a["age"] - b["age"]) <= 0.1
        assert len(mine.get("faces", [])) == len(theirs.get("faces", []))
    broken, = [r for r in distributed if "error" in r]
    assert broken["path"].endswith("broken.jpg") and broken["error"] == "not an image file"
    assert {p.name for p in tmp_path.iterdir()} == {"hopper.annotated.jpg", "group.annotated.jpg",
                                                    "tilted.annotated.jpg", "wall.annotated.jpg"}


def test_ray_options_without_the_ray_engine_are_refused(photo_folder, capsys):
    assert main(["predict", str(photo_folder), "--workers", "2"]) == 2
    assert "go with --engine ray" in capsys.readouterr().err
