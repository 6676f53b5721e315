"""Synthetic photos for the detection benchmarks: UTKFace chips of one split pasted into textured scenes.

Acceptance runs on hidden photos of the same kind, so these are built from a split the
shipped model has not been scored on: choose settings on `val`, report on `test`.
`score_scenes` runs the whole pipeline (detect, align, predict) on each scene and compares
it with the same faces given directly as crops.
"""
from __future__ import annotations

import time

import cv2
import numpy as np

from utk_cnn.evaluation.evaluate import split_names
from utk_cnn.training.data import decode_records, labels, read_records


def split_chips(predictor, data: str, split: str):
    """(chips (N, 200, 200, 3), labels) of one split saved beside the predictor's model."""
    wanted = split_names(predictor.path, split)
    records = [r for r in read_records(data) if r.name.rsplit("/", 1)[-1] in wanted]
    chips, records = decode_records(records, 200)
    return chips, labels(records)


def background(rng, h=480, w=640):
    """Smooth random colour field plus noise: no faces, some texture."""
    small = rng.integers(0, 255, (6, 8, 3)).astype(np.uint8)
    bg = cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC).astype(np.int16)
    bg += rng.normal(0, 12, bg.shape).astype(np.int16)
    return np.clip(bg, 0, 255).astype(np.uint8)


def paste(scene, chip, rng, placed, sizes=(60, 300), tilt_share=1 / 3, max_tilt=20.0):
    """Paste `chip` scaled and maybe rotated where it overlaps nothing; return its box (x, y, s) or None."""
    size = int(rng.integers(sizes[0], sizes[1] + 1))
    angle = float(rng.uniform(-max_tilt, max_tilt)) if rng.random() < tilt_share else 0.0
    h, w = scene.shape[:2]
    for _ in range(30):
        x, y = int(rng.integers(0, w - size + 1)), int(rng.integers(0, h - size + 1))
        if all(x + size <= a or a + s <= x or y + size <= b or b + s <= y for a, b, s, _ in placed):
            break
    else:
        return None
    face = cv2.resize(chip, (size, size), interpolation=cv2.INTER_AREA)
    if angle:
        m = cv2.getRotationMatrix2D((size / 2, size / 2), angle, 1.0)
        face = cv2.warpAffine(face, m, (size, size), borderMode=cv2.BORDER_REFLECT)
    scene[y:y + size, x:x + size] = face
    return x, y, size


def photo_scene(rng, chips):
    """640x480, 1-4 faces of 60-300 px, a third of them tilted up to 20 degrees."""
    scene, placed = background(rng), []
    for _ in range(int(rng.integers(1, 5))):
        i = int(rng.integers(len(chips)))
        box = paste(scene, chips[i], rng, placed)
        if box:
            placed.append((*box, i))
    return scene, placed


def group_scene(rng, chips):
    """1280x720, 6-14 faces of 24-72 px, a third tilted; a quarter of the photos dim, a quarter soft."""
    scene, placed = background(rng, 720, 1280), []
    for _ in range(int(rng.integers(6, 15))):
        i = int(rng.integers(len(chips)))
        box = paste(scene, chips[i], rng, placed, sizes=(24, 72))
        if box:
            placed.append((*box, i))
    look = rng.random()
    if look < 0.25:  # dim: underexposed, with the sensor noise that comes with it
        dim = scene.astype(np.float32) * rng.uniform(0.3, 0.5) + rng.normal(0, 4, scene.shape)
        scene = np.clip(dim, 0, 255).astype(np.uint8)
    elif look < 0.5:  # soft: out of focus or shaken
        scene = cv2.GaussianBlur(scene, (0, 0), rng.uniform(0.8, 1.5))
    return scene, placed


def matched(box, faces):
    """The detection whose centre falls inside the pasted box (closest to its centre)."""
    x, y, s = box
    best, dist = None, 1e9
    for f in faces:
        fx, fy, fw, fh = f["box"]
        cx, cy = fx + fw / 2, fy + fh / 2
        if x <= cx <= x + s and y <= cy <= y + s:
            d = (cx - x - s / 2) ** 2 + (cy - y - s / 2) ** 2
            if d < dist:
                best, dist = f, d
    return best


def p_female(face: dict) -> float:
    return face["gender_confidence"] if face["gender"] == "female" else 1 - face["gender_confidence"]


def score_scenes(predictor, chips, lab, make_scene, n_scenes: int, seed: int = 0, size_bands=()) -> dict:
    """Recall, boxes on no face, time per photo, and the pipeline's accuracy against the same faces as crops."""
    direct_age, direct_p = predictor.predict_arrays(chips)
    rng = np.random.default_rng(seed)
    used, found, pipe_age, pipe_p, sizes, times, false_boxes = [], [], [], [], [], [], 0
    predictor.predict_image(make_scene(np.random.default_rng(seed + 1), chips)[0])  # warm-up
    for _ in range(n_scenes):
        scene, placed = make_scene(rng, chips)
        start = time.perf_counter()
        faces = predictor.predict_image(scene)
        times.append(time.perf_counter() - start)
        hits = [matched((x, y, s), faces) for x, y, s, _ in placed]
        false_boxes += sum(all(f is not h for h in hits) for f in faces)
        for (x, y, s, i), hit in zip(placed, hits):
            used.append(i)
            sizes.append(s)
            found.append(hit is not None)
            pipe_age.append(hit["age"] if hit else np.nan)
            pipe_p.append(p_female(hit) if hit else np.nan)
    used, found, sizes = np.array(used), np.array(found), np.array(sizes)
    pipe_age, pipe_p = np.array(pipe_age), np.array(pipe_p)

    def scores(keep):
        ok = keep & found
        true_age, true_g = lab["age"][used[ok]], lab["gender"][used[ok]]
        return {
            "faces": int(keep.sum()), "recall": round(float(found[keep].mean()), 4),
            "pipeline_age_mae": round(float(np.abs(pipe_age[ok] - true_age).mean()), 3),
            "direct_age_mae": round(float(np.abs(direct_age[used[ok]] - true_age).mean()), 3),
            "pipeline_gender_accuracy": round(float(((pipe_p[ok] >= 0.5) == true_g).mean()), 4),
            "direct_gender_accuracy": round(float(((direct_p[used[ok]] >= 0.5) == true_g).mean()), 4),
        }
    return {"scenes": n_scenes, **scores(np.ones(len(used), bool)), "boxes_on_no_face": int(false_boxes),
            "ms_per_photo_median": round(1000 * float(np.median(times)), 1),
            "ms_per_photo_p95": round(1000 * float(np.percentile(times, 95)), 1),
            "by_face_size": {f"{lo}-{hi - 1} px": scores((sizes >= lo) & (sizes < hi)) for lo, hi in size_bands}}
