"""Pack a refit's training faces, labels and teachers' outputs into small files a GPU machine can take.

    python tools/pack_faces.py --refit runs/REFIT --twin runs/TWIN --out .device/faces --part-mib 16,22,22

REFIT is a `--train-on-val` run and TWIN the same recipe on the training split alone; both
must be distilled runs (their `teachers.npz` is packed), unless `--twin-teachers` and
`--refit-teachers` name other teachers, whose outputs are then predicted here (the twin's must
not have trained on validation faces). The faces are decoded and resized exactly as `utk-cnn
train` does, then stored as JPEG (quality `--quality`, optimised Huffman tables) in parts of
at most `--part-mib` MiB of JPEG each, so each fits what a remote machine accepts per call.
`tools/train_on_gpu.py` reads them.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np

from utk_cnn.io import atomic_path
from utk_cnn.training.config import TrainConfig
from utk_cnn.training.distill import teacher_outputs, unseen_faces_kept
from utk_cnn.training.train import load_split


def teachers_of(run: Path, n: int, cfg: TrainConfig, teachers: list[str] | None, images: np.ndarray) -> dict:
    """The teachers' outputs for a run's first n faces: predicted now by `teachers`, or the run's teachers.npz."""
    if teachers:
        taught = teacher_outputs([unseen_faces_kept(cfg, teacher) for teacher in teachers], images[:n])
    else:
        with np.load(run / "teachers.npz") as saved:
            taught = {"age_dist": saved["age_dist"], "gender": saved["gender"]}
        if len(taught["gender"]) != n:
            raise ValueError(f"{run}/teachers.npz holds {len(taught['gender'])} faces, the run's split {n}")
    return {"age_dist": taught["age_dist"].astype(np.float16), "gender": taught["gender"].astype(np.float32)}


def parts_within(lengths: list[int], caps_mib: list[float]) -> list[tuple[int, int]]:
    """(start, stop) of consecutive parts, each holding at most its cap of bytes; an error if they cannot."""
    bounds, start, used = [], 0, 0
    for i, length in enumerate(lengths):
        if used + length > caps_mib[len(bounds)] * 2**20:
            bounds.append((start, i))
            start, used = i, 0
            if len(bounds) == len(caps_mib):
                raise SystemExit(f"{sum(lengths) / 2**20:.1f} MiB of faces do not fit parts of "
                                 f"{','.join(map(str, caps_mib))} MiB")
        used += length
    return [*bounds, (start, len(lengths))]


def save(path: Path, compress: bool = False, **arrays) -> None:
    """An .npz written atomically (JPEG bytes gain nothing from compression; labels and outputs do)."""
    with atomic_path(path) as tmp, open(tmp, "wb") as handle:
        (np.savez_compressed if compress else np.savez)(handle, **arrays)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--refit", required=True, type=Path)
    parser.add_argument("--twin", required=True, type=Path)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--part-mib", default="16,22,22", help="the most MiB of JPEG per part, comma-separated")
    parser.add_argument("--quality", type=int, default=92)
    parser.add_argument("--twin-teachers", nargs="+", help="runs whose outputs teach the twin (default: its own)")
    parser.add_argument("--refit-teachers", nargs="+", help="runs whose outputs teach the refit (default: its own)")
    args = parser.parse_args(argv)
    refit_cfg = TrainConfig.load(args.refit / "config.json").resolved()
    twin_cfg = TrainConfig.load(args.twin / "config.json").resolved()
    if not refit_cfg.train_on_val or twin_cfg.train_on_val:
        raise SystemExit("--refit must be a --train-on-val run and --twin a run on the training split")
    split = (refit_cfg.split_seed, refit_cfg.val_fraction, refit_cfg.test_fraction)
    if split != (twin_cfg.split_seed, twin_cfg.val_fraction, twin_cfg.test_fraction):
        raise SystemExit("--refit and --twin were trained on different splits")
    if refit_cfg.dedupe_train:
        raise SystemExit("the refit deduplicated its faces, so its training split is not its first faces")
    arrays = load_split(refit_cfg)
    images, lab = arrays["train"]
    n_train = len(images) - len(arrays["val"][0])  # a refit trains on the training split, then validation
    refit_t = teachers_of(args.refit, len(images), refit_cfg, args.refit_teachers, images)
    twin_t = teachers_of(args.twin, n_train, twin_cfg, args.twin_teachers, images)
    # Optimised Huffman tables: the same pixels as plain JPEG at this quality, about 11% fewer bytes
    params = [cv2.IMWRITE_JPEG_QUALITY, args.quality, cv2.IMWRITE_JPEG_OPTIMIZE, 1]
    encoded = [cv2.imencode(".jpg", face[..., ::-1], params)[1].tobytes() for face in images]
    save(args.out / "labels.npz", compress=True, age=lab["age"], gender=lab["gender"], race=lab["race"],
         n_train=n_train, image_size=refit_cfg.image_size,
         refit_age_dist=refit_t["age_dist"], refit_gender=refit_t["gender"],
         twin_age_dist=twin_t["age_dist"], twin_gender=twin_t["gender"])
    caps = [float(c) for c in args.part_mib.split(",")]
    parts = parts_within([len(c) for c in encoded], caps)
    for part, (start, stop) in enumerate(parts):
        chunk = encoded[start:stop]
        save(args.out / f"faces{part}.npz", start=start,
             lengths=np.array([len(c) for c in chunk]), blob=np.frombuffer(b"".join(chunk), np.uint8))
    total = sum(len(c) for c in encoded)
    print(f"{len(images)} faces ({n_train} training split), {total / 2**20:.1f} MiB of JPEG in {len(parts)} parts")


if __name__ == "__main__":
    main()
