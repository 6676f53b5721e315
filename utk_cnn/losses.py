"""Losses that Keras needs to find by name when a checkpoint is reloaded."""
from __future__ import annotations

import keras
from keras import ops

from .model import MAX_AGE


@keras.saving.register_keras_serializable(package="utk_cnn")
def age_distribution_loss(y_true, y_pred, sigma: float = 2.0):
    """Cross-entropy against a Gaussian of width `sigma` years around the true age (DLDL).

    Neighbouring ages look alike, so a soft target teaches the age bins more than a one-hot one.
    """
    ages = ops.arange(MAX_AGE + 1, dtype="float32")
    age = ops.clip(ops.cast(ops.reshape(y_true, (-1, 1)), "float32"), 0.0, float(MAX_AGE))
    target = ops.exp(-0.5 * ops.square((ages - age) / sigma))
    target = target / ops.sum(target, axis=-1, keepdims=True)
    if len(y_pred.shape) == 3:  # (N, members, bins): every member is scored on the same target
        target = ops.expand_dims(target, 1)
    probs = ops.clip(ops.cast(y_pred, "float32"), 1e-7, 1.0)
    return -ops.sum(target * ops.log(probs), axis=-1)


@keras.saving.register_keras_serializable(package="utk_cnn")
def gender_loss(y_true, y_pred):
    """Binary cross-entropy whose one label column scores every column of predictions.

    A model of several members predicts one column per member (`build_members`); each
    member is scored on the same label, as if trained alone.
    """
    y_pred = ops.cast(y_pred, "float32")
    y_true = ops.broadcast_to(ops.cast(y_true, "float32"), ops.shape(y_pred))
    return keras.losses.binary_crossentropy(y_true, y_pred)
