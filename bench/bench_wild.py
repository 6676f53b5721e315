"""Faces in the wild, synthetically: test-split chips pasted into larger scenes.

Each scene is 640x480 with a random textured background and 1-4 faces (60-300 px, random
positions, a third of them rotated up to 20 degrees). It reports detection recall and the
full pipeline's (detect, align, predict) age MAE and gender accuracy against the same faces
fed directly as crops, plus the latency of a 640x480 frame with 1 and with 4 faces.

    python bench/bench_wild.py --data ../shared/data/UTKFace.tar.gz --scenes 300
"""
import argparse
import json
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from utk_cnn import Predictor  # noqa: E402
from utk_cnn.data import decode_records, labels, read_records  # noqa: E402
from utk_cnn.evaluate import split_names  # noqa: E402


def background(rng, h=480, w=640):
    """Smooth random colour field plus noise: no faces, some texture."""
    small = rng.integers(0, 255, (6, 8, 3)).astype(np.uint8)
    bg = cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC).astype(np.int16)
    bg += rng.normal(0, 12, bg.shape).astype(np.int16)
    return np.clip(bg, 0, 255).astype(np.uint8)


def paste(scene, chip, rng, placed):
    """Paste `chip` scaled and maybe rotated where it overlaps nothing; return its box or None."""
    size = int(rng.integers(60, 301))
    angle = float(rng.uniform(-20, 20)) if rng.random() < 1 / 3 else 0.0
    h, w = scene.shape[:2]
    for _ in range(30):
        x, y = int(rng.integers(0, w - size + 1)), int(rng.integers(0, h - size + 1))
        box = (x, y, size, size)
        if all(x + size <= a or a + s <= x or y + size <= b or b + s <= y for a, b, s, _ in placed):
            break
    else:
        return None
    face = cv2.resize(chip, (size, size), interpolation=cv2.INTER_AREA)
    if angle:
        m = cv2.getRotationMatrix2D((size / 2, size / 2), angle, 1.0)
        face = cv2.warpAffine(face, m, (size, size), borderMode=cv2.BORDER_REFLECT)
    scene[y:y + size, x:x + size] = face
    return box


def matched(box, faces):
    """The detection whose centre falls inside the pasted box (closest to its centre)."""
    x, y, s, _ = box
    best, dist = None, 1e9
    for f in faces:
        fx, fy, fw, fh = f["box"]
        cx, cy = fx + fw / 2, fy + fh / 2
        if x <= cx <= x + s and y <= cy <= y + s:
            d = (cx - x - s / 2) ** 2 + (cy - y - s / 2) ** 2
            if d < dist:
                best, dist = f, d
    return best


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    parser.add_argument("--model")
    parser.add_argument("--detector", default="mtcnn", help="mtcnn, mtcnn-fast or haar")
    parser.add_argument("--scenes", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--detect-side", type=int, help="longest side the detector proposes faces on "
                        "(default: the detector's own, 640 for mtcnn and haar, 320 for mtcnn-fast)")
    args = parser.parse_args()
    predictor = Predictor.load(args.model, detector=args.detector)
    if args.detect_side:
        predictor.detector().max_side = args.detect_side
    wanted = split_names(predictor.path, "test")
    records = [r for r in read_records(args.data) if r.name.rsplit("/", 1)[-1] in wanted]
    chips, records = decode_records(records, 200)
    lab = labels(records)
    direct_age, direct_p = predictor.predict_arrays(chips)
    rng = np.random.default_rng(args.seed)
    order = rng.permutation(len(records))
    used, found, pipe_age, pipe_p, sizes = [], [], [], [], []
    cursor = 0
    for _ in range(args.scenes):
        scene, placed = background(rng), []
        for _ in range(int(rng.integers(1, 5))):
            i = order[cursor % len(order)]
            cursor += 1
            box = paste(scene, chips[i], rng, placed)
            if box:
                placed.append((*box[:3], i))
        faces = predictor.predict_image(scene)
        for x, y, s, i in placed:
            hit = matched((x, y, s, s), faces)
            used.append(i)
            sizes.append(s)
            found.append(hit is not None)
            pipe_age.append(hit["age"] if hit else np.nan)
            pipe_p.append((hit["gender_confidence"] if hit["gender"] == "female" else 1 - hit["gender_confidence"])
                          if hit else np.nan)
    used, found, sizes = np.array(used), np.array(found), np.array(sizes)
    pipe_age, pipe_p = np.array(pipe_age), np.array(pipe_p)

    def scores(keep):
        """Recall, then pipeline vs direct accuracy on the faces found, for the faces in `keep`."""
        ok = keep & found
        true_age, true_g = lab["age"][used[ok]], lab["gender"][used[ok]]
        return {
            "faces": int(keep.sum()), "recall": round(float(found[keep].mean()), 4),
            "pipeline_age_mae": round(float(np.abs(pipe_age[ok] - true_age).mean()), 3),
            "direct_age_mae": round(float(np.abs(direct_age[used[ok]] - true_age).mean()), 3),
            "pipeline_gender_accuracy": round(float(((pipe_p[ok] >= 0.5) == true_g).mean()), 4),
            "direct_gender_accuracy": round(float(((direct_p[used[ok]] >= 0.5) == true_g).mean()), 4),
        }
    result = {"detector": args.detector, "detect_side": predictor.detector().max_side, "scenes": args.scenes,
              **scores(np.ones(len(used), bool)),
              "by_face_size": {f"{lo}-{hi - 1} px": scores((sizes >= lo) & (sizes < hi))
                               for lo, hi in ((60, 100), (100, 180), (180, 301))}}
    # Latency: one 640x480 frame with 1 face and with 4 faces, median of 30 after warm-up.
    for n_faces in (1, 4):
        scene, placed = background(np.random.default_rng(99)), []
        for k in range(n_faces):
            x, y = (40 + 300 * (k % 2), 20 + 240 * (k // 2)) if n_faces > 1 else (220, 120)
            scene[y:y + 200, x:x + 200] = chips[order[k]]
        for _ in range(3):
            predictor.predict_image(scene)
        times = []
        for _ in range(30):
            t = time.perf_counter()
            n = len(predictor.predict_image(scene))
            times.append(time.perf_counter() - t)
        result[f"frame_{n_faces}_faces_ms_median"] = round(1000 * float(np.median(times)), 1)
        result[f"frame_{n_faces}_faces_found"] = n
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
