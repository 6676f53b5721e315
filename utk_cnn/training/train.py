"""Training a run folder: data, model, fit with checkpoints, then the shipped artefacts.

A run folder holds `config.json`, `history.json`, `checkpoint.keras` (last epoch, with the
optimizer, for --resume), `best.weights.h5` (and `teachers.npz` when distilling), and at the end
`model.keras`, `metrics.json` and `curves.png`. Every file is written atomically.
"""
from __future__ import annotations

import dataclasses
import functools
import logging
import math
import time
from contextlib import contextmanager
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from utk_cnn.evaluation.evaluate import summarize_estimates
from utk_cnn.evaluation.plots import plot_curves
from utk_cnn.inference.predictor import Predictor
from utk_cnn.io import atomic_path, read_json, write_json
from utk_cnn.training.config import RESUME_OVERRIDES, TrainConfig
from utk_cnn.training.data import DataError, decode_records, dedupe, labels, make_dataset, read_records, split_records
from utk_cnn.training.distill import distilled_targets, teacher_paths
from utk_cnn.training.export import save_onnx_copy
from utk_cnn.training.model import build_model, inference_copy, precision_policy
from utk_cnn.training.multiworker import chief_decides, is_chief, is_multiworker, prepare_for_multiworker, sync_with_chief
from utk_cnn.training.optimization import LearningRateKeeper, compile_model, get_strategy, resolve_precision
from utk_cnn.training.warm_start import init_path, warm_start

log = logging.getLogger("utk_cnn")


@contextmanager
def moving_average_weights(model: keras.Model):
    """The optimizer's moving average of the weights in the model for a block; nothing changes without EMA.

    Keras keeps the average in the optimizer (`_model_variables_moving_average`, no public accessor):
    the values are swapped in and back, as keras.callbacks.SwapEMAWeights does around validation.
    """
    optimizer = model.optimizer
    if not getattr(optimizer, "use_ema", False):
        yield
        return
    pairs = list(zip(optimizer._trainable_variables, optimizer._model_variables_moving_average))

    def swap():
        for variable, average in pairs:
            value = variable.numpy()
            variable.assign(average)
            average.assign(value)
    swap()
    try:
        yield
    finally:
        swap()


class RunKeeper(keras.callbacks.Callback):
    """Saves everything needed to resume after each epoch, early-stops, and honours a time budget.

    The budget stops training before an epoch that would end past it (judged by the mean epoch time).
    """

    def __init__(self, run: Path, cfg: TrainConfig, state: dict, agree=None):
        super().__init__()
        self.run, self.cfg, self.state = run, cfg, state
        self.agree = agree  # on a cluster: every worker stops when the chief does
        self.started = time.time() - state.get("elapsed_s", 0.0)

    def elapsed_s(self) -> float:
        return time.time() - self.started

    def on_epoch_end(self, epoch, logs=None):
        logs = {k: float(v) for k, v in (logs or {}).items()}
        st = self.state
        for key, value in logs.items():
            st["history"].setdefault(key, []).append(value)
        st["epoch"] = epoch + 1
        st["elapsed_s"] = time.time() - self.started
        st["epoch_seconds"].append(st["elapsed_s"] - sum(st["epoch_seconds"]))
        val_loss = logs.get("val_loss", math.inf)
        if val_loss < st["best_val_loss"] or self.cfg.train_on_val:  # a refit has no unseen images to choose by
            st["best_val_loss"], st["best_epoch"], st["wait"] = val_loss, epoch + 1, 0
            with atomic_path(self.run / "best.weights.h5") as tmp, moving_average_weights(self.model):
                self.model.save_weights(tmp)
        else:
            st["wait"] += 1
        with atomic_path(self.run / "checkpoint.keras") as tmp:
            self.model.save(tmp)
        write_json(self.run / "history.json", st["history"])
        write_json(self.run / "state.json", {k: v for k, v in st.items() if k != "history"})
        if st["wait"] >= self.cfg.patience:
            log.info("early stopping: no val_loss improvement for %d epochs", self.cfg.patience)
            self.model.stop_training = True
        next_epoch_ends = st["elapsed_s"] + sum(st["epoch_seconds"]) / len(st["epoch_seconds"])
        if self.cfg.time_limit_min and next_epoch_ends > 60 * self.cfg.time_limit_min:
            log.info("stopping after epoch %d: another would overrun the %.0f min budget",
                     epoch + 1, self.cfg.time_limit_min)
            self.model.stop_training = True
        if self.agree:
            self.model.stop_training = self.agree(bool(self.model.stop_training))


def load_split(cfg: TrainConfig):
    """Per split, (uint8 images, labels) at the run's size; the split's file names go into cfg.

    Each split is decoded into its own array, so no image is held twice.
    """
    records = read_records(cfg.data, limit=cfg.limit)
    parts = split_records(records, cfg.split_seed, cfg.val_fraction, cfg.test_fraction)
    del records
    if cfg.train_on_val:
        parts["train"] = parts["train"] + parts["val"]
    if cfg.dedupe_train:
        parts["train"] = dedupe(parts["train"])
    arrays = {}
    for name, recs in parts.items():
        if not recs:
            arrays[name] = (np.zeros((0, cfg.image_size, cfg.image_size, 3), np.uint8), labels([]))
            continue
        images, kept = decode_records(recs, cfg.image_size)
        arrays[name] = (images, labels(kept))
        parts[name] = kept
    cfg.split = {"val": [r.name for r in parts["val"]], "test": [r.name for r in parts["test"]]}
    return arrays


def train(cfg: TrainConfig, resume: bool = False, verbose: int | str = "auto") -> dict:
    """Train (or resume) the run in cfg.out and return its test metrics (none on a non-chief worker)."""
    if resume:
        if not (Path(cfg.out) / "config.json").exists():
            raise FileNotFoundError(f"{cfg.out}: nothing to resume (no config.json); start without --resume")
        given = {k: getattr(cfg, k) for k in RESUME_OVERRIDES if getattr(cfg, k) not in (None, "")}
        saved = TrainConfig.load(Path(cfg.out) / "config.json")
        cfg = dataclasses.replace(saved, **given).resolved()  # options added since are defaulted
    else:
        cfg = cfg.resolved()
    if cfg.teachers:
        teacher_paths(cfg)  # unusable teachers are refused before the data is read
    init_path(cfg)  # and so is a run to start from
    # A multi-worker strategy must exist before TensorFlow runs any op (reading the data does).
    strategy = get_strategy(cfg.strategy)
    keras.utils.set_random_seed(cfg.seed)
    precision = resolve_precision(cfg.precision)
    with precision_policy(precision):
        return _train(cfg, resume, verbose, precision, strategy)


def _train(cfg: TrainConfig, resume: bool, verbose, precision: str, strategy: tf.distribute.Strategy) -> dict:
    """The run's steps: its progress so far, the data, the model, fitting, then the saved model and its report."""
    run = Path(cfg.out)
    state = _starting_state(run, resume, strategy)
    arrays = _read_data(cfg, run, state)
    global_batch = cfg.batch_size * strategy.num_replicas_in_sync
    model = _model(cfg, run, resume, strategy)
    names = model.output_names
    soft = distilled_targets(cfg, run, *arrays["train"]) if cfg.teachers else None
    train_ds = make_dataset(*arrays["train"], names, global_batch, training=True, augment=cfg.augment, seed=cfg.seed,
                            condition_share=cfg.condition_share, soft_targets=soft)
    val_ds = make_dataset(*arrays["val"], names, global_batch,
                          drop_remainder=True if strategy.num_replicas_in_sync > 1 else None)
    if is_multiworker(strategy):
        prepare_for_multiworker(model, train_ds, strategy)
        sync_with_chief(model, strategy, state)
    log.info("training %s (%s params, %s) for up to %d epochs, batch %d", cfg.arch, f"{model.count_params():,}",
             precision, cfg.epochs, global_batch)
    steps = max(1, len(arrays["train"][0]) // global_batch)  # training drops the last partial batch
    _fit(model, cfg, run, state, strategy, train_ds, val_ds, steps, verbose)
    if not is_chief(strategy):  # the chief writes the model, metrics and curves; this worker only checkpoints
        log.info("done: %d epochs; this worker's checkpoints are in %s, the chief writes the model", state["epoch"], run)
        return {}
    return _finish(model, cfg, run, state, arrays["test"])


def _starting_state(run: Path, resume: bool, strategy) -> dict:
    """Epoch, history and early-stopping counters: fresh, or read back from the run to resume."""
    # On a cluster, a worker other than the chief takes its weights and progress from the chief
    # (sync_with_chief), so it can resume even if it was stopped before its first checkpoint.
    from_chief = is_multiworker(strategy) and not is_chief(strategy)
    fresh = {"epoch": 0, "history": {}, "best_val_loss": math.inf, "best_epoch": 0, "wait": 0,
             "elapsed_s": 0.0, "epoch_seconds": []}
    if resume and not (from_chief and not (run / "state.json").exists()):
        if not (run / "state.json").exists():
            raise FileNotFoundError(f"{run}: nothing to resume (no state.json); start without --resume")
        state = read_json(run / "state.json")
        state["history"] = read_json(run / "history.json")
        return state
    if not resume and ((run / "model.keras").exists() or (run / "state.json").exists()):
        raise FileExistsError(f"{run} already holds a run; use --resume or another --out")
    return fresh


def _read_data(cfg: TrainConfig, run: Path, state: dict) -> dict:
    """The split's decoded images and labels; the run's config (with the split's file names) is written once read."""
    t0 = time.time()
    arrays = load_split(cfg)
    log.info("data: %s train / %s val / %s test images at %dx%d (%.0f s to read)", len(arrays["train"][0]),
             len(arrays["val"][0]), len(arrays["test"][0]), cfg.image_size, cfg.image_size, time.time() - t0)
    if len(arrays["train"][0]) == 0 or len(arrays["val"][0]) == 0:
        raise DataError("too few images for a train/validation split; use more data")
    run.mkdir(parents=True, exist_ok=True)
    write_json(run / "config.json", cfg.to_json())
    state["train_images"] = len(arrays["train"][0])
    return arrays


def _model(cfg: TrainConfig, run: Path, resume: bool, strategy) -> keras.Model:
    """The compiled model: the run's checkpoint when resuming, else a new one."""
    with strategy.scope():
        if resume and (run / "checkpoint.keras").exists():
            return keras.models.load_model(run / "checkpoint.keras")
        model = build_model(cfg.arch, cfg.image_size, race_head=bool(cfg.race_weight))
        warm_start(model, cfg)
        compile_model(model, cfg)
        return model


def _fit(model, cfg: TrainConfig, run: Path, state: dict, strategy, train_ds, val_ds, steps: int, verbose) -> None:
    """Keras' fit from the run's epoch on, with the callbacks that checkpoint, schedule and average."""
    if state["epoch"] >= cfg.epochs or state["wait"] >= cfg.patience:
        return
    keeper = RunKeeper(run, cfg, state, agree=functools.partial(chief_decides, strategy)
                       if is_multiworker(strategy) else None)
    callbacks = [keeper]
    # A run resumed from a checkpoint of an older version carries its own schedule object.
    scheduled = isinstance(model.optimizer._learning_rate, keras.optimizers.schedules.LearningRateSchedule)
    if cfg.optimizer == "adamw" and not scheduled:
        callbacks.insert(0, LearningRateKeeper(cfg, steps, keeper.elapsed_s))
    if cfg.ema_momentum:  # validation scores the moving average, the weights the run keeps
        callbacks.insert(0, keras.callbacks.SwapEMAWeights())
    model.fit(train_ds, validation_data=val_ds, epochs=cfg.epochs, initial_epoch=state["epoch"],
              callbacks=callbacks, verbose=verbose)


def _finish(model, cfg: TrainConfig, run: Path, state: dict, test) -> dict:
    """The best weights saved for serving (.keras and .onnx), scored on the test split, with curves."""
    if (run / "best.weights.h5").exists():
        model.load_weights(run / "best.weights.h5")
    final = save_inference_model(model, cfg, run / "model.keras")
    metrics = summarize_model(final, test)
    metrics.update(split="test", best_epoch=state["best_epoch"], epochs_run=state["epoch"],
                   train_seconds=round(state["elapsed_s"], 1), n_train=state["train_images"], arch=cfg.arch,
                   train_on_val=cfg.train_on_val)
    write_json(run / "metrics.json", metrics)
    refit = " (final refit: the validation images were trained on)" if cfg.train_on_val else ""
    plot_curves(state["history"], run / "curves.png", title=f"{cfg.arch} on {Path(cfg.data).name}{refit}",
                refit=cfg.train_on_val)
    log.info("done: %d epochs in %.1f min, best epoch %d; test age MAE %.2f, gender accuracy %.1f%% -> %s",
             state["epoch"], state["elapsed_s"] / 60, state["best_epoch"], metrics["age_mae"],
             100 * metrics["gender_accuracy"], run / "model.keras")
    return metrics


def save_inference_model(model: keras.Model, cfg: TrainConfig, path: Path) -> keras.Model:
    """The run's float32 inference copy (`model.inference_copy`) saved as `.keras`, with its ONNX copy beside it."""
    clean = inference_copy(model, cfg.arch, cfg.image_size, race_head=bool(cfg.race_weight))
    with atomic_path(path) as tmp:
        clean.save(tmp)
    save_onnx_copy(clean, path)  # the copy the Predictor serves through onnxruntime, without TensorFlow
    return clean


def summarize_model(model: keras.Model, split) -> dict:
    images, lab = split
    return summarize_estimates(lab, Predictor.from_keras(model).estimate(images))
