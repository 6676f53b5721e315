"""Faces in photos and group photos, synthetically: split chips pasted into larger scenes (bench/synthetic.py).

`--kind photo`: 640x480 scenes with 1-4 faces of 60-300 px, a third tilted up to 20 degrees.
`--kind group`: 1280x720 scenes with 6-14 faces of 24-72 px, a third tilted, a quarter dim,
a quarter soft. Reports recall, boxes where there is no face, time per photo end to end
(detect, align, predict), and the pipeline's age MAE and gender accuracy against the same
faces given as crops. With `--kind photo` also the latency of a 640x480 photo with 1 and 4 faces.
Choose detector settings on `--split val`; report on `--split test`.

    python bench/bench_wild.py --data ../shared/data/UTKFace.tar.gz --kind photo --scenes 300 --split test
    python bench/bench_wild.py --data ../shared/data/UTKFace.tar.gz --kind group --scenes 100 --split test
    python bench/bench_wild.py ... --detector yunet --option score_threshold=0.5   # a detector setting
"""
import argparse
import json
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
from synthetic import background, group_scene, photo_scene, score_scenes, split_chips  # noqa: E402

from utk_cnn import Predictor  # noqa: E402
from utk_cnn.faces.detectors import DEFAULT_DETECTOR, DETECTORS, make_detector  # noqa: E402

KINDS = {"photo": (photo_scene, ((60, 100), (100, 180), (180, 301))),
         "group": (group_scene, ((24, 36), (36, 48), (48, 73)))}


def option(text: str):
    name, value = text.split("=", 1)
    return name, float(value) if "." in value else int(value)


def latency(predictor, chips, n_faces: int) -> tuple[float, int]:
    """Median ms of predict_image on a 640x480 photo with `n_faces` 200 px faces, after warm-up."""
    scene = background(np.random.default_rng(99))
    for k in range(n_faces):
        x, y = (40 + 300 * (k % 2), 20 + 240 * (k // 2)) if n_faces > 1 else (220, 120)
        scene[y:y + 200, x:x + 200] = chips[k]
    for _ in range(3):
        predictor.predict_image(scene)
    times = []
    for _ in range(30):
        t = time.perf_counter()
        n = len(predictor.predict_image(scene))
        times.append(time.perf_counter() - t)
    return round(1000 * float(np.median(times)), 1), n


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    parser.add_argument("--model")
    parser.add_argument("--kind", choices=list(KINDS), default="photo")
    parser.add_argument("--detector", default=DEFAULT_DETECTOR, choices=list(DETECTORS))
    parser.add_argument("--option", type=option, action="append", default=[], metavar="NAME=VALUE",
                        help="override one of the detector's settings (max_side, score_threshold, ...)")
    parser.add_argument("--scenes", type=int, default=300)
    parser.add_argument("--split", choices=["val", "test"], default="val")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    predictor = Predictor.load(args.model, detector=args.detector)
    predictor._detectors[args.detector] = make_detector(args.detector, **dict(args.option))
    chips, lab = split_chips(predictor, args.data, args.split)
    make_scene, bands = KINDS[args.kind]
    result = {"kind": args.kind, "split": args.split, "detector": args.detector, "options": dict(args.option),
              **score_scenes(predictor, chips, lab, make_scene, args.scenes, args.seed, bands)}
    if args.kind == "photo":
        for n_faces in (1, 4):
            result[f"frame_{n_faces}_faces_ms_median"], result[f"frame_{n_faces}_faces_found"] = \
                latency(predictor, chips, n_faces)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
