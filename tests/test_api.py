"""The app's API as a client sees it: `gradio_client` against a running `python app.py`."""
import cv2
import numpy as np
import pytest
from gradio_client import Client, handle_file

from photos import grace_hopper


@pytest.fixture(scope="module")
def client(app_server):
    return Client(app_server, verbose=False)


def test_predict_returns_each_face_with_its_age_range(client, tmp_path):
    photo = tmp_path / "grace.jpg"
    cv2.imwrite(str(photo), cv2.cvtColor(grace_hopper(), cv2.COLOR_RGB2BGR))
    _, faces = client.predict(handle_file(str(photo)), api_name="/predict")
    (face,) = faces
    low, high = face["age_range"]
    assert low <= face["age"] <= high and face["gender"] in ("female", "male")


_PNG = cv2.imencode(".png", np.random.default_rng(0).integers(0, 255, (50, 50, 3), dtype=np.uint8))[1].tobytes()


@pytest.mark.parametrize("name, data, message", [
    ("notes.jpg", b"a shopping list, not a photo", "notes.jpg: not an image file"),
    ("cut.png", _PNG[: len(_PNG) // 2], "cut.png: cannot decode image (image file is truncated)"),
    ("empty.heic", b"", "empty.heic: empty file"),
])
def test_a_bad_upload_is_a_one_line_message_naming_the_problem(client, tmp_path, name, data, message):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(Exception) as caught:
        client.predict(handle_file(str(path)), api_name="/predict")
    text = str(caught.value)
    assert message in text and "\n" not in text.strip()


def test_video_returns_the_annotated_clip_and_the_people(client, tmp_path):
    from scenes import moving_scene, write_clip
    clip = write_clip(tmp_path / "walk.mp4", moving_scene(10))
    video, people, note = client.predict(handle_file(str(clip)), "yunet-fast", api_name="/video")
    path = video["video"] if isinstance(video, dict) else video
    assert str(path).endswith(".webm") and len(people["data"]) == 1 and "10 frames" in note
