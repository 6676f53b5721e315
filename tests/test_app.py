"""The app's handlers, called as Gradio would call them."""
import json
from pathlib import Path

import cv2
import gradio as gr
import numpy as np
import pytest
from photos import grace_hopper, huge_photo

import app


@pytest.fixture(scope="module")
def demo(trained_run):
    config = json.loads((trained_run / "config.json").read_text())
    return app.Handlers(model=str(trained_run), data=config["data"], run=str(trained_run))


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / "photo.jpg"
    cv2.imwrite(str(path), cv2.cvtColor(grace_hopper(), cv2.COLOR_RGB2BGR))
    return str(path)


def test_photo_handler_annotates_and_lists_faces(demo, photo):
    annotated, faces, table, note = demo.photo(photo)
    assert annotated.shape == grace_hopper().shape
    assert len(faces) == 1 and list(table["age"]) == [faces[0]["age"]]
    assert "1 face" in note


def test_predict_endpoint_returns_image_and_json_fields(demo, photo):
    annotated, faces = demo.predict(photo)
    assert set(faces[0]) == {"box", "age", "age_range", "gender", "gender_confidence", "detection_confidence"}


def test_corrupt_upload_is_a_clear_message(demo, tmp_path):
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"\xff\xd8 definitely not a jpeg")
    with pytest.raises(gr.Error, match="broken.jpg"):
        demo.predict(str(bad))


def test_missing_upload_is_a_clear_message(demo):
    with pytest.raises(gr.Error, match="photo first"):
        demo.predict(None)


def test_photo_without_faces_says_so(demo, tmp_path):
    blank = tmp_path / "wall.png"
    cv2.imwrite(str(blank), np.full((300, 400, 3), 200, np.uint8))
    _, faces, table, note = demo.photo(str(blank))
    assert faces == [] and len(table) == 0 and "No face" in note


def test_huge_photo_is_shrunk_for_display(demo, tmp_path):
    big = tmp_path / "big.jpg"
    cv2.imwrite(str(big), cv2.cvtColor(huge_photo(), cv2.COLOR_RGB2BGR))
    annotated, faces = demo.predict(str(big))
    assert max(annotated.shape[:2]) == app.DISPLAY_SIDE and len(faces) == 1


PREFIX = "/gradio_api/live"  # utk_cnn.live.routes.PREFIX, where the page posts


def live_client_for(demo):
    from starlette.applications import Starlette
    from starlette.testclient import TestClient

    from utk_cnn.live.routes import live_routes
    return TestClient(Starlette(routes=live_routes(demo.live)))


def test_the_webcam_route_gets_tracked_people_for_a_frame(demo):
    from live_client import estimate, frame_data_url, stop
    http, frame = live_client_for(demo), frame_data_url(grace_hopper())
    for _ in range(3):
        result = estimate("", "v1", frame, http)
    assert result["status"] == "ok" and result["text"].startswith("#1 ") and "% sure" in result["text"]
    assert stop("", "v1", http) == {"status": "stopped"}
    assert "v1" not in demo.live.streams


def test_the_webcam_route_takes_the_frame_as_jpeg_bytes_too(demo):
    from live_client import estimate, stop
    jpeg = cv2.imencode(".jpg", cv2.cvtColor(grace_hopper(), cv2.COLOR_RGB2BGR))[1].tobytes()
    http = live_client_for(demo)
    assert estimate("", "bytes", jpeg, http)["status"] == "ok"
    stop("", "bytes", http)


def test_the_webcam_route_refuses_a_frame_that_is_not_an_image_in_one_line(demo):
    response = live_client_for(demo).post(f"{PREFIX}/estimate", params={"visitor": "v2"}, content=b"not a picture")
    assert response.status_code == 400
    assert response.json() == {"status": "error", "message": "frame: not a JPEG or PNG image"}


def test_the_webcam_route_refuses_an_oversized_frame_before_decoding_it(demo, monkeypatch):
    from utk_cnn.live import routes
    monkeypatch.setattr(routes, "MAX_FRAME_BYTES", 1024 * 1024)
    response = live_client_for(demo).post(f"{PREFIX}/estimate", params={"visitor": "v3"},
                                          content=b"\xff" * (1024 * 1024 + 1))
    assert response.status_code == 400 and response.json()["message"] == "frame: over 1 MB"
    assert "v3" not in demo.live.streams


def test_the_webcam_route_wants_the_visitor_named(demo):
    response = live_client_for(demo).post(f"{PREFIX}/estimate", content=b"")
    assert response.status_code == 400 and response.json()["message"].startswith("visitor: ")


def test_the_webcam_page_is_told_where_the_routes_are(demo):
    assert f'data-live-routes="{PREFIX.lstrip("/")}"' in demo.webcam_html()


def test_the_webcam_page_code_lives_in_its_own_files():
    source = Path(app.__file__).read_text()
    assert "getUserMedia" not in source and "<video" not in source
    assert 'liveUrl("estimate")' in (app.STATIC / "webcam.js").read_text()
    assert 'id="live-estimate"' in (app.STATIC / "webcam.html").read_text()


def test_video_handler_returns_the_annotated_clip_and_one_row_per_person(demo, tmp_path):
    from scenes import moving_scene, write_clip
    clip = write_clip(tmp_path / "walk.mp4", moving_scene(12))
    video, table, note = demo.video(str(clip), "yunet-fast")
    assert video.endswith(".annotated.webm") and list(table["person"]) == [1] and "12 frames" in note


def test_unreadable_video_is_a_clear_message(demo, tmp_path):
    bad = tmp_path / "clip.mp4"
    bad.write_bytes(b"not a video at all")
    with pytest.raises(gr.Error, match="clip.mp4"):
        demo.video(str(bad), "yunet-fast")


def test_validation_browser_filters_and_sorts(demo):
    gallery, table, report = demo.load_samples()
    assert len(gallery) == len(table) > 0 and "age MAE" in report
    errors = list(table["error"])
    assert errors == sorted(errors, reverse=True)
    _, females, _ = demo.filter_samples("age", "all", "female", "all")
    assert set(females["true gender"]) == {"female"}
    assert list(females["true age"]) == sorted(females["true age"])


def test_validation_tab_without_data_says_how_to_configure(trained_run):
    bare = app.Handlers(model=str(trained_run))
    bare.data = None
    gallery, table, text = bare.load_samples()
    assert gallery == [] and "--data" in text


def test_training_curves_have_both_series(demo, trained_run):
    frames = demo.curves(trained_run / "history.json")
    assert len(frames) == 4 and set(frames[0]["series"]) == {"training", "validation"}


def test_training_curves_of_a_refit_say_the_validation_images_were_trained_on(demo, trained_run, tmp_path):
    (tmp_path / "history.json").write_text((trained_run / "history.json").read_text())
    config = json.loads((trained_run / "config.json").read_text())
    (tmp_path / "config.json").write_text(json.dumps({**config, "train_on_val": True}))
    frames = demo.curves(tmp_path / "history.json")
    assert "validation faces (seen in training)" in set(frames[0]["series"])


def test_app_builds_with_every_tab(demo):
    blocks = app.build_app(demo)
    labels = {getattr(b, "label", None) for b in blocks.blocks.values()}
    assert {"Photo", "Webcam", "Video", "Test samples", "Training curves", "About"} <= labels
