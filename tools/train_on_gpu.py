"""Train the default recipe on a GPU machine that has Keras and JAX but no TensorFlow.

    KERAS_BACKEND=jax python tools/train_on_gpu.py --faces DIR --set twin --epochs 42 --out model.keras

The network, losses, optimizer (AdamW, warm-up and cosine decay, weight average) and targets
are the library's (`utk_cnn.training`); the augmentation is tools/numpy_augment.py, a NumPy
port of `robust_wide`. DIR holds what tools/pack_faces.py wrote: `--set twin` trains on the
training split alone (its model is judged on validation), `--set refit` on training +
validation (the model that ships). `--teachers` mixes in the packed teachers' outputs at the
recipe's distillation weight. `--bench STEPS` only times that many training steps.
"""
from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

import cv2
import keras
import numpy as np
from keras import ops
from numpy_augment import robust_wide

from utk_cnn.evaluation.corruptions import lower_face_cover
from utk_cnn.io import write_json
from utk_cnn.training.config import TrainConfig
from utk_cnn.training.distill import soft_targets
from utk_cnn.training.model import build_model, inference_copy
from utk_cnn.training.optimization import compile_model


class WarmupCosine(keras.optimizers.schedules.LearningRateSchedule):
    """optimization.warmup_cosine_lr as a step schedule, so it runs inside the compiled step."""

    def __init__(self, peak: float, total: int, warmup: int, floor: float):
        self.peak, self.total, self.warmup, self.floor = peak, total, warmup, floor

    def __call__(self, step):
        step = ops.cast(step, "float32")
        progress = ops.clip((step - self.warmup) / max(1, self.total - self.warmup), 0.0, 1.0)
        cosine = self.peak * (self.floor + (1 - self.floor) * 0.5 * (1 + ops.cos(math.pi * progress)))
        return ops.where(step < self.warmup, self.peak * step / max(1, self.warmup), cosine)

    def get_config(self):
        return dict(peak=self.peak, total=self.total, warmup=self.warmup, floor=self.floor)


class Batches(keras.utils.PyDataset):
    """Shuffled, augmented training batches; each batch's randomness seeded by (seed, epoch, index)."""

    def __init__(self, images, targets, batch_size: int, seed: int, workers: int):
        super().__init__(workers=workers, use_multiprocessing=False, max_queue_size=16)
        self.images, self.targets, self.batch_size, self.seed = images, targets, batch_size, seed
        self.cover = lower_face_cover(images.shape[1])
        self.epoch = 0
        self.order = np.random.default_rng([seed, 0]).permutation(len(images))

    def __len__(self):
        return len(self.images) // self.batch_size

    def __getitem__(self, index):
        idx = np.sort(self.order[index * self.batch_size:(index + 1) * self.batch_size])
        rng = np.random.default_rng([self.seed, self.epoch, index])
        return robust_wide(self.images[idx], rng, self.cover), {k: v[idx] for k, v in self.targets.items()}

    def on_epoch_end(self):
        self.epoch += 1
        self.order = np.random.default_rng([self.seed, self.epoch]).permutation(len(self.images))


class StepClock(keras.callbacks.Callback):
    """Steps per second after the first `skip` steps (compilation and warm-up)."""

    def __init__(self, skip: int):
        super().__init__()
        self.skip, self.count, self.started = skip, 0, None

    def on_train_batch_end(self, batch, logs=None):
        self.count += 1
        if self.count == self.skip:
            self.started = time.time()
        self.ended = time.time()

    def rate(self) -> float:
        return (self.count - self.skip) / max(1e-9, self.ended - self.started)


class Deadline(keras.callbacks.Callback):
    """Stops before an epoch that would end past `seconds` from the start (the model is still saved)."""

    def __init__(self, seconds: float):
        super().__init__()
        self.seconds, self.started, self.epochs = seconds, time.time(), 0

    def on_epoch_end(self, epoch, logs=None):
        self.epochs += 1
        elapsed = time.time() - self.started
        if elapsed + elapsed / self.epochs > self.seconds:
            print(f"deadline: stopping after epoch {epoch + 1}", flush=True)
            self.model.stop_training = True


def read_faces(folder: Path, partial: bool = False) -> tuple[np.ndarray, dict]:
    """Every packed face as uint8 RGB, in pack order, and the labels file's arrays.

    A missing part is an error, unless `partial` (timing only: the missing faces stay blank).
    """
    packed = dict(np.load(folder / "labels.npz"))
    size = int(packed["image_size"])
    images = np.zeros((len(packed["age"]), size, size, 3), np.uint8)
    found = 0
    for part in sorted(folder.glob("faces*.npz")):
        with np.load(part) as chunk:
            blob, start = chunk["blob"], int(chunk["start"])
            offsets = np.concatenate([[0], np.cumsum(chunk["lengths"])])
            for i, (a, b) in enumerate(zip(offsets[:-1], offsets[1:])):
                images[start + i] = cv2.imdecode(blob[a:b], cv2.IMREAD_COLOR)[..., ::-1]
            found += len(offsets) - 1
    if found != len(images) and not partial:
        raise SystemExit(f"{folder}: {found} of the {len(images)} packed faces found (is a faces*.npz part missing?)")
    return images, packed


def training_targets(packed: dict, which: str, teachers: bool, weight: float) -> tuple[slice, dict]:
    """The rows a set trains on (the twin: the training split, packed first) and their targets by output."""
    n = int(packed["n_train"]) if which == "twin" else len(packed["age"])
    lab = {k: packed[k][:n] for k in ("age", "gender", "race")}
    targets = {"gender_out": lab["gender"].reshape(-1, 1), "age_out": lab["age"].reshape(-1, 1),
               "age_dist": lab["age"].reshape(-1, 1), "race_out": lab["race"].reshape(-1, 1)}
    if teachers:
        taught = {"age_dist": packed[f"{which}_age_dist"].astype(np.float32), "gender": packed[f"{which}_gender"]}
        soft = soft_targets(lab, taught, weight)
        targets["age_dist"], targets["gender_out"] = soft["age_dist"], soft["gender"].reshape(-1, 1)
    return slice(0, n), targets


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faces", required=True, type=Path)
    parser.add_argument("--set", choices=("twin", "refit"), default="twin")
    parser.add_argument("--teachers", action="store_true")
    parser.add_argument("--epochs", type=int, default=42)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--deadline-s", type=float, default=0, help="stop before an epoch would end past this")
    parser.add_argument("--steps-per-execution", type=int, default=1, help="steps per compiled call (fewer launches)")
    parser.add_argument("--bench", type=int, default=0, help="only time this many steps")
    parser.add_argument("--steps-per-epoch", type=int, help="fewer steps per epoch (a quick check)")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    if not args.bench and not args.out:
        parser.error("--out is required (where the trained model is saved)")
    cfg = TrainConfig(data="", out="", epochs=args.epochs, seed=args.seed,
                      train_on_val=args.set == "refit").resolved()
    keras.utils.set_random_seed(args.seed)
    cv2.setNumThreads(1)  # the loader's threads, and other runs beside this one, share the cores
    images, packed = read_faces(args.faces, partial=bool(args.bench))
    rows, targets = training_targets(packed, args.set, args.teachers, cfg.distill_weight)
    data = Batches(images[rows], targets, cfg.batch_size, args.seed, args.workers)
    steps = args.steps_per_epoch or len(data)
    schedule = WarmupCosine(cfg.learning_rate, cfg.epochs * steps, cfg.warmup_steps, cfg.min_lr_fraction)
    optimizer = keras.optimizers.AdamW(schedule, weight_decay=cfg.weight_decay, use_ema=True,
                                       ema_momentum=cfg.ema_momentum)
    model = build_model(cfg.arch, cfg.image_size, race_head=True)
    compile_model(model, cfg, optimizer)
    model.steps_per_execution = args.steps_per_execution
    t0 = time.time()
    if args.bench:
        clock = StepClock(skip=max(1, args.bench // args.steps_per_execution // 5))  # callbacks come per execution
        model.fit(data, epochs=1, steps_per_epoch=args.bench, verbose=0, callbacks=[clock])
        rate = clock.rate() * args.steps_per_execution
        print(json.dumps({"compile_and_first_s": round(clock.started - t0, 1), "steps_per_s": round(rate, 1)}), flush=True)
        return
    callbacks = [Deadline(args.deadline_s)] if args.deadline_s else []
    history = model.fit(data, epochs=cfg.epochs, steps_per_epoch=args.steps_per_epoch, verbose=2, callbacks=callbacks)
    # Its ONNX copy is made where TensorFlow is (`utk-cnn export`).
    inference_copy(model, cfg.arch, cfg.image_size, race_head=True).save(args.out)
    write_json(args.out.with_suffix(".history.json"), {k: [float(x) for x in v] for k, v in history.history.items()})
    last = {k: round(float(v[-1]), 4) for k, v in history.history.items()}
    print(json.dumps({"out": str(args.out), "epochs": cfg.epochs, "steps_per_epoch": steps,
                      "minutes": round((time.time() - t0) / 60, 2), "last_epoch": last}), flush=True)


if __name__ == "__main__":
    main()
