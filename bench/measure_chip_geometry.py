"""Measure where faces sit in UTKFace chips, the geometry `utk_cnn.faces` aligns photos to.

Runs MTCNN (landmarks and box) on N chips and prints the mean positions as fractions of
the chip size. The printed constants are those in
utk_cnn/faces.py.

    python bench/measure_chip_geometry.py ../shared/data/UTKFace.tar.gz --n 400
"""
import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

from utk_cnn.data import read_records  # noqa: E402
from utk_cnn.faces import MtcnnDetector, decode_image_bytes  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("data")
    parser.add_argument("--n", type=int, default=400)
    args = parser.parse_args()
    records = read_records(args.data, limit=args.n)
    mtcnn = MtcnnDetector()
    marks, boxes = [], []
    for record in records:
        image = decode_image_bytes(record.data)
        size = image.shape[0]
        faces = mtcnn.detect(image)
        if faces:
            best = max(faces, key=lambda f: f.confidence)
            if best.landmarks is not None:
                marks.append(best.landmarks / size)
                boxes.append(np.array(best.box, float) / size)
    np.set_printoptions(precision=4, suppress=True)
    print(f"chips: {len(records)}; MTCNN found {len(marks)}")
    print("CHIP_LANDMARKS (left eye, right eye, nose, mouth left, mouth right; x, y):")
    print(np.mean(marks, axis=0).round(4).tolist())
    print("CHIP_MTCNN_BOX (x, y, w, h):", np.mean(boxes, axis=0).round(4).tolist())


if __name__ == "__main__":
    main()
