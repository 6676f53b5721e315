"""Distillation: a student learns from the averaged outputs of trained teachers as well as from the labels.

UTKFace's labels are noisy (guessed ages, byte-identical faces with different labels); an
ensemble's age distribution says which neighbouring ages a face could also be. Before the first
epoch every teacher predicts each training face and its mirror image (the Predictor's flip
averaging); the teachers' age distributions and female probabilities are averaged and kept in
the run folder (`teachers.npz`), so a resumed run reads them back. The student's targets become

    age distribution: (1 - w) x a Gaussian around the label + w x the teachers' distribution
    gender:           (1 - w) x the label                   + w x the teachers' probability

with w = `cfg.distill_weight`; the MAE of its expected age still uses the label alone.
The teachers see the clean faces; augmentation then changes the student's view, not its target.
"""
from __future__ import annotations

import hashlib
import logging
import time
from pathlib import Path

import numpy as np

from utk_cnn.io import atomic_path
from utk_cnn.training.config import TrainConfig

log = logging.getLogger("utk_cnn")

CACHE = "teachers.npz"


def check_weight(weight: float) -> None:
    if not 0.0 <= weight <= 1.0:
        raise ValueError(f"--distill-weight must be between 0 and 1, got {weight}")


def teacher_paths(cfg: TrainConfig) -> list[Path]:
    """The teachers' model files, refused where they trained on faces the student keeps unseen (and a weight
    outside 0-1 refused too, before any data is read)."""
    check_weight(cfg.distill_weight)
    return [unseen_faces_kept(cfg, teacher) for teacher in cfg.teachers]


def unseen_faces_kept(cfg: TrainConfig, source: str) -> Path:
    """The model file of a run whose outputs or weights a new run learns from, if that keeps its held-out faces unseen.

    It must come from the same split. One that trained on the validation faces (a refit) may
    serve only a refit, and a bare model file, whose training faces are unknown, only a refit
    too (with a warning: the test split is clean only if that model never saw it).
    """
    from utk_cnn.inference.predictor import resolve_model_path
    path = resolve_model_path(source)
    config = path.parent / "config.json"
    if not config.exists():
        if not cfg.train_on_val:
            raise ValueError(f"{source}: no config.json beside it, so the faces it trained on are unknown; "
                             "use run folders of this split (a bare model may serve a --train-on-val refit)")
        log.warning("%s: no saved split; the run's test figures hold only if it never trained on them", source)
        return path
    taught = TrainConfig.load(config)
    split = (taught.split_seed, taught.val_fraction, taught.test_fraction)
    if split != (cfg.split_seed, cfg.val_fraction, cfg.test_fraction):
        raise ValueError(f"{source}: trained on another split (seed, validation and test fractions "
                         f"{split}); it may have seen this run's test faces")
    if taught.train_on_val and not cfg.train_on_val:
        raise ValueError(f"{source}: a refit that trained on the validation faces; this run's "
                         "validation would not be clean (use it for a --train-on-val refit)")
    return path


def teacher_outputs(paths: list[Path], images: np.ndarray) -> dict[str, np.ndarray]:
    """The teachers' averaged outputs per face, each over the face and its mirror image: age_dist (N, bins), gender (N,)."""
    from utk_cnn.inference.ensemble import load_ensemble
    outputs = load_ensemble(paths, tta="flip").averaged_outputs(images)
    if "age_dist" not in outputs:
        raise ValueError("the teachers predict no age distribution (every one must be a utkres, resnet18 or utknet run)")
    return {"age_dist": outputs["age_dist"].astype("float32"), "gender": outputs["gender_out"].reshape(-1)}


def soft_targets(label_arrays: dict, taught: dict[str, np.ndarray], weight: float) -> dict[str, np.ndarray]:
    """The student's targets: the labels and the teachers' outputs mixed, the teachers' share `weight`."""
    from utk_cnn.training.losses import label_distribution
    check_weight(weight)
    truth = np.asarray(label_distribution(label_arrays["age"]))
    return {"age_dist": ((1 - weight) * truth + weight * taught["age_dist"]).astype("float32"),
            "gender": ((1 - weight) * label_arrays["gender"] + weight * taught["gender"]).astype("float32")}


def _fingerprint(images: np.ndarray, paths: list[Path]) -> str:
    """What the saved outputs were computed from: the training faces and each teacher's weights (a teacher
    retrained in place must not teach from its old outputs)."""
    from utk_cnn.inference.runtimes.copies import sha256
    digest = hashlib.sha1(np.ascontiguousarray(images).data)
    for path in paths:
        digest.update(sha256(path).encode())
    return digest.hexdigest()


def distilled_targets(cfg: TrainConfig, run: Path, images: np.ndarray, label_arrays: dict) -> dict[str, np.ndarray]:
    """The soft targets for a run's training faces: the teachers' outputs from the run folder, or predicted once now."""
    paths = teacher_paths(cfg)
    key = _fingerprint(images, paths)
    cache = run / CACHE
    if cache.exists():
        with np.load(cache) as saved:
            if str(saved["key"]) == key:
                return soft_targets(label_arrays, {"age_dist": saved["age_dist"], "gender": saved["gender"]},
                                    cfg.distill_weight)
        log.info("%s is for other faces or teachers; predicting again", cache)
    t0 = time.time()
    taught = teacher_outputs(paths, images)
    log.info("teachers: %d model(s) predicted %d training faces with flip in %.0f s", len(paths), len(images),
             time.time() - t0)
    with atomic_path(cache) as tmp:
        with open(tmp, "wb") as handle:
            np.savez(handle, key=key, **taught)
    return soft_targets(label_arrays, taught, cfg.distill_weight)
