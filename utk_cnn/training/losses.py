"""Losses and metrics that Keras needs to find by name when a checkpoint is reloaded."""
from __future__ import annotations

import keras
from keras import ops

from utk_cnn.training.model import MAX_AGE

AGE_SIGMA = 2.0  # years: the width of the Gaussian each true age is spread into


def label_distribution(age, sigma: float = AGE_SIGMA):
    """A Gaussian of width `sigma` years around each age (N or N x 1), over the bins 0..MAX_AGE: (N, MAX_AGE + 1)."""
    ages = ops.arange(MAX_AGE + 1, dtype="float32")
    age = ops.clip(ops.cast(ops.reshape(age, (-1, 1)), "float32"), 0.0, float(MAX_AGE))
    target = ops.exp(-0.5 * ops.square((ages - age) / sigma))
    return target / ops.sum(target, axis=-1, keepdims=True)


@keras.saving.register_keras_serializable(package="utk_cnn")
def age_distribution_loss(y_true, y_pred, sigma: float = AGE_SIGMA):
    """Cross-entropy against a Gaussian of width `sigma` years around the true age (DLDL).

    Neighbouring ages look alike, so a soft target teaches the age bins more than a one-hot one.
    A target with one column per bin (a distilled run's, `training.distill`) is taken as it is.
    """
    if y_true.shape[-1] == MAX_AGE + 1:
        target = ops.cast(y_true, "float32")
    else:
        target = label_distribution(y_true, sigma)
    probs = ops.clip(ops.cast(y_pred, "float32"), 1e-7, 1.0)
    return -ops.sum(target * ops.log(probs), axis=-1)


@keras.saving.register_keras_serializable(package="utk_cnn")
def gender_loss(y_true, y_pred):
    """Binary cross-entropy in float32, whatever precision the model trains in; soft targets welcome."""
    y_pred = ops.cast(y_pred, "float32")
    y_true = ops.reshape(ops.cast(y_true, "float32"), ops.shape(y_pred))
    return keras.losses.binary_crossentropy(y_true, y_pred)


@keras.saving.register_keras_serializable(package="utk_cnn")
def gender_accuracy(y_true, y_pred):
    """The share of faces whose predicted gender is the target's, a soft (distilled) target counting as its nearer one."""
    y_pred = ops.cast(y_pred, "float32")
    y_true = ops.reshape(ops.cast(y_true, "float32"), ops.shape(y_pred))
    return ops.mean(ops.cast(ops.equal(y_true > 0.5, y_pred > 0.5), "float32"), axis=-1)
