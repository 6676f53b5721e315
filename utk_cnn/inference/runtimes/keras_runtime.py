"""TensorFlow: a `.keras` file itself, through one function compiled for any batch size.

For a model that has no ONNX copy yet (a checkpoint, a model built in a test) and for training's
own evaluation; serving uses the ONNX copy instead.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np


class KerasRunner:
    """A Keras model called as a runner: uint8 faces in, its named outputs as numpy arrays out."""

    def __init__(self, model):
        import tensorflow as tf
        self.model = model
        self.image_size = int(model.inputs[0].shape[1])
        self.output_names = list(model.output_names)
        size = self.image_size

        @tf.function(input_signature=[tf.TensorSpec((None, size, size, 3), tf.uint8)], reduce_retracing=True)
        @tf.autograph.experimental.do_not_convert  # plain graph code; AutoGraph only warns about it
        def call(images):
            return model(images, training=False)
        self._call = call

    def __call__(self, images: np.ndarray) -> dict[str, np.ndarray]:
        import tensorflow as tf
        return {key: value.numpy() for key, value in self._call(tf.constant(images, tf.uint8)).items()}


def load(path: Path, threads: int | None = None) -> KerasRunner:
    from utk_cnn.training.export import read_keras_model
    return KerasRunner(read_keras_model(path))
