"""How much accuracy does detection + alignment cost on the test chips themselves (no scene)?

    python bench/bench_realign.py --data ../shared/data/UTKFace.tar.gz --border gray
    python bench/bench_realign.py --data ../shared/data/UTKFace.tar.gz --border reflect

Each test chip is padded by 60 px (a flat gray border, or the chip mirrored), the detector finds the
face, `align_face` warps it back to the chip geometry, and the model predicts on it. Compared
with the chip fed directly, this isolates what the alignment step and the content just
outside the chip cost, from what pasting into synthetic scenes costs (bench_wild.py).
"""
import argparse
import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from utk_cnn import Predictor  # noqa: E402
from utk_cnn.evaluation.evaluate import split_records_of  # noqa: E402
from utk_cnn.faces.alignment import align_face  # noqa: E402
from utk_cnn.faces.detectors import DEFAULT_DETECTOR, DETECTORS, make_detector  # noqa: E402
from utk_cnn.training.data import decode_records, labels  # noqa: E402

BORDERS = {"gray": dict(borderType=cv2.BORDER_CONSTANT, value=(90, 90, 90)), "reflect": dict(borderType=cv2.BORDER_REFLECT)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    parser.add_argument("--model")
    parser.add_argument("--border", choices=sorted(BORDERS), default="gray")
    parser.add_argument("--detector", default=DEFAULT_DETECTOR, choices=list(DETECTORS))
    args = parser.parse_args()
    predictor = Predictor.load(args.model)
    chips, records = decode_records(split_records_of(predictor.path, args.data), 200)
    lab = labels(records)
    detector = make_detector(args.detector)
    found, aligned = [], []
    for chip in chips:
        canvas = cv2.copyMakeBorder(chip, 60, 60, 60, 60, **BORDERS[args.border])
        faces = detector.detect(canvas)
        found.append(bool(faces))
        if faces:
            aligned.append(align_face(canvas, max(faces, key=lambda f: f.box[2]), detector.chip_landmarks))
    found = np.array(found)
    age_true, gender_true = lab["age"][found], lab["gender"][found]
    result = {"border": args.border, "detector": args.detector, "faces": int(len(chips)), "found": round(float(found.mean()), 4)}
    for name, faces in (("direct", chips[found]), ("realigned", np.stack(aligned))):
        age, p_female = predictor.predict_arrays(faces)
        result[f"{name}_age_mae"] = round(float(np.abs(age - age_true).mean()), 3)
        result[f"{name}_gender_accuracy"] = round(float(((p_female >= 0.5) == gender_true).mean()), 4)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
