"""The tracker, on synthetic boxes and model outputs: ids that follow people, steady estimates."""
import numpy as np

from utk_cnn.live.tracking import FaceTracker, iou


def _outputs(age_bin: int, p_female: float, bins: int = 117) -> dict:
    dist = np.zeros(bins, "float32")
    dist[age_bin] = 1.0
    return {"age_dist": dist, "gender_out": np.array([p_female], "float32")}


def test_iou_of_a_box_with_itself_is_one_and_with_a_distant_box_zero():
    box, far = [10, 10, 50, 60], [200, 200, 50, 60]
    np.testing.assert_allclose(iou([box], [box, far]), [[1.0, 0.0]])


def test_two_faces_that_cross_keep_their_ids():
    tracker = FaceTracker()
    ids_at = []
    for t in range(40):  # A moves right, B moves left, 10 px a frame; they cross at t = 20
        a, b = [100 + 10 * t, 100, 60, 60], [500 - 10 * t, 110, 60, 60]
        seen = tracker.update(t, [a, b])
        ids_at.append({track.id: track.box[0] for track in seen})
    first, last = ids_at[0], ids_at[-1]
    assert set(first) == set(last) == {1, 2}
    assert first[1] < first[2] and last[1] > last[2]  # track 1 started on the left and ended on the right


def test_a_face_that_leaves_ends_its_track():
    tracker = FaceTracker(max_missed=5)
    for t in range(10):
        tracker.update(t, [[100, 100, 60, 60]])
    for t in range(10, 17):
        tracker.update(t, [])
    assert tracker.tracks == [] and [track.id for track in tracker.ended] == [1]
    assert tracker.ended[0].last_frame == 9


def test_a_face_that_returns_after_its_track_ended_gets_a_new_id():
    tracker = FaceTracker(max_missed=2)
    tracker.update(0, [[100, 100, 60, 60]])
    for t in range(1, 5):
        tracker.update(t, [])
    (track,) = tracker.update(5, [[100, 100, 60, 60]])
    assert track.id == 2


def test_a_briefly_missed_face_keeps_its_id():
    tracker = FaceTracker(max_missed=5)
    tracker.update(0, [[100, 100, 60, 60]])
    tracker.update(1, [])
    tracker.advance()  # a frame without detection
    (track,) = tracker.update(3, [[104, 100, 60, 60]])
    assert track.id == 1 and track.frames_seen == 2


def test_steady_estimate_moves_less_than_the_raw_one():
    rng = np.random.default_rng(0)
    tracker = FaceTracker(window=15)
    raw, steady = [], []
    for t in range(60):  # a still face whose per-frame age estimate jitters by several years
        age = int(np.clip(round(35 + rng.normal(0, 4)), 0, 116))
        (track,) = tracker.update(t, [[200, 150, 80, 80]], [_outputs(age, 0.7)])
        raw.append(age)
        dist = track.steady_outputs()["age_dist"][0]
        steady.append(float(np.sum(dist * np.arange(dist.size))))
    assert np.abs(np.diff(steady[15:])).mean() < 0.3 * np.abs(np.diff(raw[15:])).mean()


def test_steady_gender_is_the_mean_over_the_window():
    tracker = FaceTracker(window=4)
    for t, p in enumerate([0.9, 0.1, 0.9, 0.1, 0.9, 0.9]):
        (track,) = tracker.update(t, [[0, 0, 50, 50]], [_outputs(30, p)])
    assert track.steady_outputs()["gender_out"][0, 0] == np.float32(np.mean([0.9, 0.1, 0.9, 0.9]))
