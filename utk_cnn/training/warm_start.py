"""Fine-tuning: a new run starts from a trained model's weights instead of a random initialisation.

A saved model (`model.keras`) is the inference network: it lacks the training-only race head,
so weights are copied layer by layer where names and shapes agree, and a head the saved model
lacks keeps its fresh initialisation. The source passes the same check as a teacher: same
split, and a refit only for a refit, so the new run's held-out faces stay unseen.
"""
from __future__ import annotations

import logging

import keras

from utk_cnn.training.config import TrainConfig
from utk_cnn.training.distill import unseen_faces_kept

log = logging.getLogger("utk_cnn")


def init_path(cfg: TrainConfig):
    """The model file to start from, checked like a teacher; None for a fresh start."""
    if not cfg.init_from:
        return None
    path = unseen_faces_kept(cfg, cfg.init_from)
    if path.suffix != ".keras":
        raise ValueError(f"{cfg.init_from}: a run to start from must be a .keras file or a run folder holding one")
    return path


def warm_start(model: keras.Model, cfg: TrainConfig) -> None:
    """Copy the weights of `cfg.init_from` into the layers of `model` that it also has."""
    path = init_path(cfg)
    if path is None:
        return
    # Keras numbers unnamed layers per process (conv2d_7...), so layers are paired in order,
    # each with the source's next layer of the same kind and weight shapes; one without a partner
    # (the race head) stays fresh.
    source = [layer for layer in keras.models.load_model(path, compile=False).layers if layer.get_weights()]
    copied, fresh, i = 0, [], 0
    for layer in model.layers:
        weights = layer.get_weights()
        if not weights:
            continue
        if i < len(source) and _fits(source[i], layer):
            layer.set_weights(source[i].get_weights())
            copied, i = copied + 1, i + 1
        else:
            fresh.append(layer.name)
    if i < len(source):
        raise ValueError(f"{cfg.init_from}: its layers from {source[i].name} on do not fit this network "
                         f"({cfg.arch} at {cfg.image_size} px)")
    log.info("starting from %s: %d layers copied%s", path, copied,
             f", {len(fresh)} left fresh ({', '.join(fresh[:4])})" if fresh else "")


def _fits(given: keras.layers.Layer, layer: keras.layers.Layer) -> bool:
    return type(given) is type(layer) and [w.shape for w in given.get_weights()] == [w.shape for w in layer.get_weights()]
