"""Reading an age distribution over whole years: its quantiles and its median.

Written once for any array library: `xp` is numpy for arrays (the Predictor, calibration) and
keras.ops inside a model (the saved model's own median output), so both read a distribution
the same way and predicting needs no TensorFlow.
"""
from __future__ import annotations

import numpy as np


def distribution_quantile(probs, q: float, xp=np):
    """The age below which a share `q` of float32 distributions over whole years (N, bins) lies, interpolated within its bin.

    Bin k stands for ages (k - 0.5, k + 0.5]. Only sums and a cumulative sum, so every runtime runs it.
    """
    cdf = xp.cumsum(probs, axis=-1)
    below = xp.where(cdf < q, 1.0, 0.0)                           # bins wholly under the quantile
    mass_below = xp.sum(probs * below, axis=-1, keepdims=True)
    index = xp.sum(below, axis=-1, keepdims=True)                 # the bin that holds the quantile
    in_bin = xp.where((cdf >= q) & (cdf - probs < q), 1.0, 0.0)
    mass_in_bin = xp.sum(probs * in_bin, axis=-1, keepdims=True)
    return index - 0.5 + (q - mass_below) / xp.maximum(mass_in_bin, 1e-7)


def distribution_median(probs, xp=np):
    """The median age of distributions over whole years: it minimises the expected absolute error,
    which is what age MAE scores, where the expectation is pulled towards the middle ages by long tails."""
    return distribution_quantile(probs, 0.5, xp)
