"""How a run learns: precision, the distribution strategy, the optimizer, its learning-rate schedule and the losses.

Everything `train` sets up before the first step, each a function of the run's `TrainConfig`.
"""
from __future__ import annotations

import math
from pathlib import Path

import keras

from utk_cnn.training.config import TrainConfig
from utk_cnn.training.losses import age_distribution_loss, gender_accuracy, gender_loss


def cpu_has_bf16() -> bool:
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return "amx_bf16" in flags or "avx512_bf16" in flags


def resolve_precision(precision: str) -> str:
    """bfloat16 where the CPU multiplies it natively (AMX/AVX512-BF16), float16 on a GPU; else float32."""
    if precision != "auto":
        return precision
    import tensorflow as tf  # here, not above: the schedule and optimizer serve Keras on any backend
    if tf.config.list_physical_devices("GPU"):
        return "mixed_float16"
    return "mixed_bfloat16" if cpu_has_bf16() else "float32"


def get_strategy(name: str):
    """A tf.distribute strategy by name (training on TensorFlow only)."""
    import tensorflow as tf
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":  # every local GPU; without GPUs, every logical CPU device
        if tf.config.list_logical_devices("GPU"):
            return tf.distribute.MirroredStrategy()
        return tf.distribute.MirroredStrategy([d.name for d in tf.config.list_logical_devices("CPU")])
    if name == "multiworker":
        return tf.distribute.MultiWorkerMirroredStrategy()
    raise ValueError(f"unknown strategy {name!r}: use default, mirrored or multiworker")


def make_optimizer(cfg: TrainConfig) -> keras.optimizers.Optimizer:
    """Adam at a fixed rate (the write-up), or AdamW whose rate `LearningRateKeeper` sets every step.

    With `cfg.ema_momentum` the optimizer also keeps a moving average of the weights: validation
    scores it (keras.callbacks.SwapEMAWeights), and it is what the run keeps and ships.
    """
    ema = dict(use_ema=True, ema_momentum=cfg.ema_momentum) if cfg.ema_momentum else {}
    if cfg.optimizer == "adam":
        return keras.optimizers.Adam(cfg.learning_rate, **ema)
    if cfg.optimizer == "adamw":
        return keras.optimizers.AdamW(warmup_cosine_lr(cfg, 0, 1, 0.0), weight_decay=cfg.weight_decay, **ema)
    raise ValueError(f"unknown optimizer {cfg.optimizer!r}: use adam or adamw")


def warmup_cosine_lr(cfg: TrainConfig, step: int, steps_per_epoch: int, elapsed_s: float) -> float:
    """Linear warm-up from 0 (`cfg.warmup_steps`, else two epochs), then cosine decay to `cfg.min_lr_fraction`.

    The decay runs on whichever ends first, the step count of `cfg.epochs` or the wall-clock
    `cfg.time_limit_min`: on a slower (or busier) machine a time-limited run still anneals
    fully before the budget stops it, instead of stopping at a high learning rate.
    """
    peak, total = cfg.learning_rate, max(1, cfg.epochs * steps_per_epoch)
    warmup = min(total // 10, 2 * steps_per_epoch) if cfg.warmup_steps is None else min(total, cfg.warmup_steps)
    if step < warmup:
        return peak * step / warmup
    progress = (step - warmup) / max(1, total - warmup)
    if cfg.time_limit_min:
        progress = max(progress, elapsed_s / (60 * cfg.time_limit_min))
    progress = min(1.0, progress)
    floor = cfg.min_lr_fraction
    return peak * (floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * progress)))


class LearningRateKeeper(keras.callbacks.Callback):
    """Sets the AdamW rate before each step from `warmup_cosine_lr` and the run's elapsed time."""

    def __init__(self, cfg: TrainConfig, steps_per_epoch: int, elapsed_s):
        super().__init__()
        self.cfg, self.steps_per_epoch, self.elapsed_s = cfg, steps_per_epoch, elapsed_s
        self.epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_begin(self, batch, logs=None):
        step = self.epoch * self.steps_per_epoch + batch
        self.model.optimizer.learning_rate = warmup_cosine_lr(self.cfg, step, self.steps_per_epoch, self.elapsed_s())


def compile_model(model: keras.Model, cfg: TrainConfig, optimizer: keras.optimizers.Optimizer | None = None) -> None:
    """The write-up's losses (BCE for gender, MAE for age), plus the age-distribution loss where the model has one.

    `optimizer` (default `make_optimizer(cfg)`) lets a trainer on another Keras backend bring its own schedule.
    """
    losses = {"gender_out": gender_loss, "age_out": "mae"}
    weights = {"gender_out": cfg.gender_weight, "age_out": 1.0 if "age_dist" not in model.output_names
               else cfg.age_mae_weight}
    # Named explicitly: a model of several members has several gender columns, where "accuracy"
    # would resolve to categorical accuracy; and a distilled run's gender targets are soft.
    metrics = {"gender_out": [keras.metrics.MeanMetricWrapper(gender_accuracy, name="accuracy")], "age_out": ["mae"]}
    if "age_dist" in model.output_names:  # trained through its expectation, and directly where weighted
        losses["age_dist"] = age_distribution_loss if cfg.age_dist_weight else None
        weights["age_dist"] = cfg.age_dist_weight
    if "race_out" in model.output_names:
        losses["race_out"], weights["race_out"] = "sparse_categorical_crossentropy", cfg.race_weight
    model.compile(optimizer=optimizer or make_optimizer(cfg), loss=losses, loss_weights=weights, metrics=metrics)
