"""How steady and how accurate tracked estimates are, on webcam-like clips of held-out UTKFace faces.

    python bench/bench_tracking.py --data ../shared/data/UTKFace.tar.gz [--model assets/model.keras] [--clips 60]

Each clip is 30 frames of 640x480: one test-split face, about 180 px, held still by a person
(it drifts a few pixels and breathes in scale), under sensor noise and JPEG compression
like a webcam's. Per clip, the estimate shown each frame comes from (a) the single frame
("raw") and (b) the person's track (the steady estimate, averaged over recent frames).
Reported: the mean frame-to-frame change of the shown age (steadiness), the MAE of the last
shown age against the true age and against the face's own single-image estimate (its chip
fed straight to the model), and gender accuracy, for raw and steady, for each window size.
"""
import argparse
import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from utk_cnn import Predictor  # noqa: E402
from utk_cnn.evaluation.evaluate import split_records_of  # noqa: E402
from utk_cnn.faces.detectors import DEFAULT_DETECTOR, DETECTORS  # noqa: E402
from utk_cnn.inference.predictor import TTA_MODES  # noqa: E402
from utk_cnn.live.annotator import FrameAnnotator  # noqa: E402
from utk_cnn.live.tracking import FaceTracker  # noqa: E402
from utk_cnn.training.data import decode_records, labels  # noqa: E402


def webcam_clip(chip, rng, frames=30, size=180):
    """A still-held face: small drift and scale breathing, sensor noise, JPEG at quality 80."""
    x0, y0 = rng.integers(80, 640 - size - 80), rng.integers(40, 480 - size - 40)
    wall = np.full((480, 640, 3), rng.integers(60, 200, 3), np.uint8)
    out = []
    for t in range(frames):
        s = int(size * (1 + 0.03 * np.sin(t / 5)))
        x, y = int(x0 + 4 * np.sin(t / 7) + rng.normal(0, 1)), int(y0 + 3 * np.cos(t / 9) + rng.normal(0, 1))
        frame = wall.copy()
        frame[y:y + s, x:x + s] = cv2.resize(chip, (s, s), interpolation=cv2.INTER_AREA)
        frame = np.clip(frame + rng.normal(0, 4, frame.shape), 0, 255).astype(np.uint8)
        ok, jpg = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 80])
        out.append(cv2.imdecode(jpg, cv2.IMREAD_UNCHANGED))
    return out


def shown_ages(predictor, clip, window, detect_every=1):
    """Per frame, the age shown for the (first) person, and their last gender probability."""
    annotator = FrameAnnotator(predictor, detect_every=detect_every,
                               tracker=FaceTracker(window=window))
    ages, p_female = [], None
    for frame in clip:
        people = annotator.step(frame)
        if people:
            ages.append(people[0]["age"])
            p_female = people[0]["gender_confidence"] if people[0]["gender"] == "female" \
                else 1 - people[0]["gender_confidence"]
    return ages, p_female


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True)
    parser.add_argument("--model", default=None)
    parser.add_argument("--clips", type=int, default=60)
    parser.add_argument("--windows", default="1,5,15,30", help="steady-estimate windows, detecting on every frame")
    parser.add_argument("--every-other", type=int, default=15, help="also this window, detecting every other frame")
    parser.add_argument("--detector", default=DEFAULT_DETECTOR, choices=list(DETECTORS))
    parser.add_argument("--tta", default="flip", choices=TTA_MODES, help="views averaged per face in each frame")
    parser.add_argument("--frame-side", type=int, default=640,
                        help="frames shrunk to this long side first (320: what the Webcam tab's page sends)")
    args = parser.parse_args()
    predictor = Predictor.load(args.model, detector=args.detector, tta=args.tta)
    records = split_records_of(predictor.path, args.data, "test")
    rng = np.random.default_rng(0)
    records = [records[i] for i in sorted(rng.choice(len(records), min(args.clips, len(records)), replace=False))]
    chips, records = decode_records(records, 200)
    truth = labels(records)
    single = predictor.estimate(chips)
    rows = {}
    settings = [(int(w), 1) for w in args.windows.split(",")] + [(args.every_other, 2)]
    for window, every in settings:
        change, last, p_last, found = [], [], [], []
        for i, chip in enumerate(chips):
            clip = [cv2.resize(f, None, fx=args.frame_side / 640, fy=args.frame_side / 640, interpolation=cv2.INTER_AREA)
                    for f in webcam_clip(chip, np.random.default_rng(i))] if args.frame_side != 640 else \
                webcam_clip(chip, np.random.default_rng(i))
            ages, p = shown_ages(predictor, clip, window, every)
            if len(ages) < 2:
                continue
            found.append(i)
            change.append(np.abs(np.diff(ages)).mean())
            last.append(ages[-1])
            p_last.append(p)
        found, last = np.array(found), np.array(last)
        name = f"window {window}" + (" (raw: one frame)" if window == 1 else "")
        rows[name + (f", detecting every {every} frames" if every > 1 else "")] = {
            "clips_tracked": len(found),
            "mean_frame_to_frame_change_years": round(float(np.mean(change)), 3),
            "mae_vs_true_age": round(float(np.abs(last - truth["age"][found]).mean()), 3),
            "mae_vs_single_image_estimate": round(float(np.abs(last - single.age[found]).mean()), 3),
            "gender_accuracy": round(float(((np.array(p_last) >= 0.5) == truth["gender"][found]).mean()), 4),
        }
    direct = {"mae": round(float(np.abs(single.age - truth["age"]).mean()), 3),
              "gender_accuracy": round(float(((single.p_female >= 0.5) == truth["gender"]).mean()), 4)}
    print(json.dumps({"model": str(predictor.path), "detector": args.detector, "tta": args.tta,
                      "frame_side": args.frame_side, "clips": len(chips), "chips_fed_directly": direct,
                      "by_window": rows}, indent=2))


if __name__ == "__main__":
    main()
