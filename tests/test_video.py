"""Videos through the CLI and the library: tracks per person, annotated copies, broken clips."""
import json

import cv2
import pytest
from scenes import blank_scene, moving_scene, write_clip

from utk_cnn.cli import main


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    folder = tmp_path_factory.mktemp("clips")
    walk = write_clip(folder / "walk.mp4", moving_scene(20))
    pair = write_clip(folder / "pair.avi", moving_scene(16, faces=2), fourcc="MJPG")
    empty = write_clip(folder / "wall.webm", blank_scene(8), fourcc="VP80")
    truncated = folder / "cut.mp4"
    truncated.write_bytes(walk.read_bytes()[: walk.stat().st_size // 3])  # the index at the end is lost
    return {"walk": walk, "pair": pair, "empty": empty, "truncated": truncated}


def _predict(capsys, *args):
    code = main(["predict", *map(str, args), "--json"])
    return code, json.loads(capsys.readouterr().out)


def test_a_video_gives_one_track_per_person(trained_run, clips, capsys):
    code, (result,) = _predict(capsys, clips["walk"], "--model", trained_run)
    assert code == 0 and result["frames"] == 20 and result["fps"] == pytest.approx(15, abs=0.1)
    (track,) = result["tracks"]
    assert set(track) == {"id", "first_frame", "last_frame", "age", "age_range", "gender", "gender_confidence", "box"}
    assert track["first_frame"] == 0 and track["last_frame"] == 19 and len(track["box"]) == 4


def test_two_people_get_two_tracks(trained_run, clips, capsys):
    _, (result,) = _predict(capsys, clips["pair"], "--model", trained_run)
    assert [t["id"] for t in result["tracks"]] == [1, 2]


def test_a_video_without_faces_has_no_tracks(trained_run, clips, capsys):
    code, (result,) = _predict(capsys, clips["empty"], "--model", trained_run)
    assert code == 0 and result["tracks"] == [] and result["frames"] == 8


def test_a_broken_video_is_an_error_entry_and_the_rest_go_on(trained_run, clips, capsys):
    code, results = _predict(capsys, clips["truncated"], clips["walk"], "--model", trained_run)
    assert code == 1
    assert "error" in results[0] and "cut.mp4" not in results[0]["error"] and results[1]["frames"] == 20


def test_out_writes_an_annotated_webm_with_every_frame(trained_run, clips, tmp_path, capsys):
    code, _ = _predict(capsys, clips["walk"], "--model", trained_run, "--out", tmp_path)
    copy = tmp_path / "walk.annotated.webm"
    assert code == 0 and copy.read_bytes()[:4] == b"\x1a\x45\xdf\xa3"  # the EBML header of WebM
    capture = cv2.VideoCapture(str(copy))
    frames = 0
    while capture.read()[0]:
        frames += 1
    assert frames == 20


def test_the_annotated_copy_labels_each_person_as_the_table_does(trained_run, clips, tmp_path, monkeypatch):
    from utk_cnn import Predictor
    from utk_cnn.live import video
    drawn = []
    real_draw = video.draw_faces
    monkeypatch.setattr(video, "draw_faces", lambda frame, people, **kw: drawn.append(people) or real_draw(frame, people))
    result = video.predict_video(clips["pair"], Predictor.load(trained_run), out=tmp_path)
    table = {t["id"]: (t["age"], t["gender"], t["gender_confidence"]) for t in result["tracks"]}
    labels = [(p["id"], (p["age"], p["gender"], p["gender_confidence"])) for people in drawn for p in people]
    assert len(drawn) == result["frames"] and len(table) == 2
    assert all(table[pid] == label for pid, label in labels) and {pid for pid, _ in labels} == set(table)


def test_detecting_every_third_frame_still_tracks_the_whole_clip(trained_run, clips, capsys):
    _, (result,) = _predict(capsys, clips["walk"], "--model", trained_run, "--detect-every", "3")
    (track,) = result["tracks"]
    assert track["first_frame"] == 0 and track["last_frame"] == 18


def test_folders_include_their_videos(trained_run, clips, capsys):
    _, results = _predict(capsys, clips["walk"].parent, "--model", trained_run)
    assert {r["path"].rsplit("/", 1)[-1] for r in results} == {"walk.mp4", "pair.avi", "wall.webm", "cut.mp4"}
