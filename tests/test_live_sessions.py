import numpy as np
import pytest
from live_client import frame_data_url
from photos import grace_hopper

from utk_cnn.live.sessions import BUSY, LiveSessions, decode_frame


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


@pytest.fixture(scope="module")
def predictor():
    from utk_cnn import Predictor
    return Predictor.load(detector="yunet-fast", threads=1)


def test_a_frame_gives_the_tracked_people_as_json(predictor):
    live = LiveSessions(predictor)
    result = live.estimate("visitor", frame_data_url(grace_hopper()))
    assert result["status"] == "ok" and (result["width"], result["height"]) == (273, 320)
    person, = result["people"]
    assert person["id"] == 1 and len(person["box"]) == 4 and result["text"].startswith("#1 ")


def test_each_visitor_has_their_own_tracker(predictor):
    live = LiveSessions(predictor)
    frame = frame_data_url(grace_hopper())
    for visitor in ("a", "b"):
        for _ in range(2):
            assert [p["id"] for p in live.estimate(visitor, frame)["people"]] == [1]


def test_a_visitor_beyond_the_limit_is_told_the_webcam_is_busy(predictor):
    live = LiveSessions(predictor, max_streams=1)
    frame = frame_data_url(grace_hopper())
    assert live.estimate("first", frame)["status"] == "ok"
    assert live.estimate("second", frame) == {"status": "busy", "message": BUSY}
    live.stop("first")
    assert live.estimate("second", frame)["status"] == "ok"


def stream_then_wait(predictor, seconds: float, **limits) -> tuple[LiveSessions, str]:
    """A visitor that sent one frame, `seconds` ago (on a clock the test moves)."""
    clock = Clock()
    live = LiveSessions(predictor, clock=clock, **limits)
    frame = frame_data_url(grace_hopper())
    live.estimate("visitor", frame)
    clock.now += seconds
    return live, frame


def test_a_quiet_stream_frees_its_place(predictor):
    live, frame = stream_then_wait(predictor, 11, max_streams=1, idle_s=10)
    assert live.estimate("next", frame)["status"] == "ok"


def test_a_stream_that_reaches_its_time_limit_ends_with_a_message(predictor):
    live, frame = stream_then_wait(predictor, 121, time_limit_s=120, idle_s=1000)
    result = live.estimate("visitor", frame)
    assert result["status"] == "ended" and "2-minute limit" in result["message"]
    assert live.estimate("visitor", frame)["status"] == "ok"  # Start again: a new stream


@pytest.mark.parametrize("data", ["data:image/jpeg;base64,bm90IGEganBlZw==", b"", "%%%"])
def test_a_frame_that_is_not_an_image_is_a_clear_error(data):
    with pytest.raises(ValueError, match="frame: not"):
        decode_frame(data)


def test_frames_decode_from_data_urls_and_bytes():
    url = frame_data_url(np.full((240, 320, 3), 90, np.uint8))
    assert decode_frame(url).shape == (240, 320, 3)
