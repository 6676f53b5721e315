"""Measure where a detector puts a face's landmarks on UTKFace chips: the geometry faces are aligned to.

Runs the detector on N chips and prints the mean landmark positions (and box) as fractions
of the chip side: the `chip_landmarks` of that detector's class in utk_cnn/faces/detectors/.
Each chip sits in the middle of a grey canvas twice its size, as a face in a photo would.

    python bench/measure_chip_geometry.py ../shared/data/UTKFace.tar.gz --n 400 --detector yunet
"""
import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

from utk_cnn.faces.detectors import DETECTORS, make_detector  # noqa: E402
from utk_cnn.faces.images import decode_image_bytes  # noqa: E402
from utk_cnn.training.data import read_records  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("data")
    parser.add_argument("--n", type=int, default=400)
    parser.add_argument("--detector", default="yunet", choices=list(DETECTORS))
    args = parser.parse_args()
    records = read_records(args.data, limit=args.n)
    detector = make_detector(args.detector)
    marks, boxes = [], []
    for record in records:
        chip = decode_image_bytes(record.data)
        size = chip.shape[0]
        canvas = np.full((2 * size, 2 * size, 3), 110, np.uint8)
        canvas[size // 2:size // 2 + size, size // 2:size // 2 + size] = chip
        faces = detector.detect(canvas)
        if faces:
            best = max(faces, key=lambda f: f.confidence)
            if best.landmarks is not None:
                marks.append((best.landmarks - size // 2) / size)
                boxes.append((np.array(best.box, float) - [size // 2, size // 2, 0, 0]) / size)
    np.set_printoptions(precision=4, suppress=True)
    print(f"chips: {len(records)}; {args.detector} found {len(marks)}")
    print("chip_landmarks (left eye, right eye, nose, mouth left, mouth right; x, y):")
    print(np.mean(marks, axis=0).round(4).tolist())
    print("spread (std) of each landmark, fraction of the chip:", np.std(marks, axis=0).round(4).tolist())
    print("box (x, y, w, h):", np.mean(boxes, axis=0).round(4).tolist())


if __name__ == "__main__":
    main()
