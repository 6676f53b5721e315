"""Losses that Keras needs to find by name when a checkpoint is reloaded."""
from __future__ import annotations

import keras
from keras import ops

from utk_cnn.training.model import MAX_AGE


@keras.saving.register_keras_serializable(package="utk_cnn")
def age_distribution_loss(y_true, y_pred, sigma: float = 2.0):
    """Cross-entropy against a Gaussian of width `sigma` years around the true age (DLDL).

    Neighbouring ages look alike, so a soft target teaches the age bins more than a one-hot one.
    """
    ages = ops.arange(MAX_AGE + 1, dtype="float32")
    age = ops.clip(ops.cast(ops.reshape(y_true, (-1, 1)), "float32"), 0.0, float(MAX_AGE))
    target = ops.exp(-0.5 * ops.square((ages - age) / sigma))
    target = target / ops.sum(target, axis=-1, keepdims=True)
    probs = ops.clip(ops.cast(y_pred, "float32"), 1e-7, 1.0)
    return -ops.sum(target * ops.log(probs), axis=-1)


@keras.saving.register_keras_serializable(package="utk_cnn")
def gender_loss(y_true, y_pred):
    """Binary cross-entropy in float32, whatever precision the model trains in."""
    y_pred = ops.cast(y_pred, "float32")
    y_true = ops.reshape(ops.cast(y_true, "float32"), ops.shape(y_pred))
    return keras.losses.binary_crossentropy(y_true, y_pred)
