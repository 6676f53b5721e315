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


def test_the_webcam_route_answers_what_the_page_sends(app_server):
    from live_client import estimate, frame_data_url, stop
    result = estimate(app_server, "api", frame_data_url(grace_hopper()))
    assert result["status"] == "ok" and [p["id"] for p in result["people"]] == [1]
    assert stop(app_server, "api") == {"status": "stopped"}


def test_a_second_webcam_visitor_is_told_it_is_busy(small_app):
    from live_client import estimate, frame_data_url, stop
    frame = frame_data_url(grace_hopper())
    assert estimate(small_app, "one", frame)["status"] == "ok"
    busy = estimate(small_app, "two", frame)
    assert busy["status"] == "busy" and "busy" in busy["message"] and "try again shortly" in busy["message"]
    stop(small_app, "one")


def test_a_webcam_stream_that_reaches_its_time_limit_ends_with_a_message(small_app):
    import time

    from live_client import estimate, frame_data_url
    frame = frame_data_url(grace_hopper())
    assert estimate(small_app, "long", frame)["status"] == "ok"
    time.sleep(4.5)
    ended = estimate(small_app, "long", frame)
    assert ended["status"] == "ended" and "limit" in ended["message"] and "Start" in ended["message"]


def test_the_photo_estimate_is_an_mcp_tool(app_server, tmp_path):
    import asyncio
    import base64

    from mcp import ClientSession
    from mcp.client.streamable_http import streamablehttp_client
    photo = tmp_path / "grace.jpg"
    cv2.imwrite(str(photo), cv2.cvtColor(grace_hopper(), cv2.COLOR_RGB2BGR))
    data_url = "data:image/jpeg;base64," + base64.b64encode(photo.read_bytes()).decode()

    async def list_and_call():
        async with streamablehttp_client(app_server.rstrip("/") + "/gradio_api/mcp/") as (read, write, _):
            async with ClientSession(read, write) as session:
                await session.initialize()
                tools = {tool.name: tool for tool in (await session.list_tools()).tools}
                return tools, await session.call_tool("predict", {"path": data_url})
    tools, result = asyncio.run(list_and_call())
    description = tools["predict"].description
    assert all(field in description for field in ("age_range", "gender_confidence", "detection_confidence", "box"))
    assert not result.isError and "'age_range'" in result.content[0].text and "'gender'" in result.content[0].text
