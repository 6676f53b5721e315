"""Network architectures, registered by name so `--arch NAME` can pick any of them.

Every model takes raw uint8 RGB images of shape (size, size, 3): scaling happens
inside the network, so a saved `.keras` file needs no preprocessing code. Every
model returns a dict with at least `gender_out` (probability of "female") and
`age_out` (years).
"""
from __future__ import annotations

import inspect
from contextlib import contextmanager
from typing import Callable

import keras
import numpy as np
from keras import layers
from keras.regularizers import l2

from utk_cnn.inference.distribution import distribution_median
from utk_cnn.labels import RACES
from utk_cnn.training.config import ARCH_ALIASES

ARCHITECTURES: dict[str, Callable[..., keras.Model]] = {}
MAX_AGE = 116  # oldest age in UTKFace: the age-bin head covers 0..MAX_AGE


@contextmanager
def precision_policy(name: str):
    """Keras' dtype policy is global: set it for a block, then put the previous one back."""
    previous = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy(name)
    try:
        yield
    finally:
        keras.mixed_precision.set_global_policy(previous)


def register(name: str):
    """Make `build_fn` available to `--arch name`."""
    def wrap(build_fn):
        ARCHITECTURES[name] = build_fn
        return build_fn
    return wrap


def build_model(arch: str, image_size: int, inference: bool = False, race_head: bool = False) -> keras.Model:
    """`inference=True` builds the network that gets saved: same weights, its best point estimates as outputs.

    `race_head` adds an auxiliary race output for training (`race_out`); it never reaches a saved model.
    """
    arch = ARCH_ALIASES.get(arch, arch)
    if arch not in ARCHITECTURES:
        raise ValueError(f"unknown architecture {arch!r}; choose one of {sorted(ARCHITECTURES)}")
    if race_head:
        if arch not in race_head_architectures():
            raise ValueError(f"a race head is only built for {', '.join(race_head_architectures())}, not {arch!r}")
        return ARCHITECTURES[arch](image_size, inference=inference, race_head=True)
    return ARCHITECTURES[arch](image_size, inference=inference)


def inference_copy(model: keras.Model, arch: str, image_size: int, race_head: bool = False) -> keras.Model:
    """The trained `model`'s weights in its float32 inference network, without the training-only race head.

    What a run saves: no optimizer state, fast on CPUs without bfloat16, age and gender only.
    """
    with precision_policy("float32"):
        clean = build_model(arch, image_size, inference=True, race_head=race_head)
    clean.set_weights(model.get_weights())
    if "race_out" not in clean.output_names:
        return clean
    return keras.Model(clean.input, {k: v for k, v in clean.output.items() if k != "race_out"}, name=clean.name)


def race_head_architectures() -> list[str]:
    """The networks whose builder takes `race_head`: read from the builders, so no list goes stale."""
    return sorted(name for name, build in ARCHITECTURES.items() if "race_head" in inspect.signature(build).parameters)


def _scaled_input(image_size: int, centred: bool = False):
    """uint8 input, scaled inside the model to [0, 1] or, `centred`, to [-1, 1]."""
    inputs = keras.Input(shape=(image_size, image_size, 3), dtype="uint8", name="image")
    if centred:
        return inputs, layers.Rescaling(1.0 / 127.5, offset=-1.0, name="scale")(inputs)
    return inputs, layers.Rescaling(1.0 / 255, name="scale")(inputs)


def _conv_bn_pool(x, filters, regularizer=None):
    x = layers.Conv2D(filters, 3, padding="same", activation="relu", kernel_regularizer=regularizer)(x)
    x = layers.BatchNormalization()(x)
    return layers.MaxPooling2D(2)(x)


@register("writeup")
def build_seed(image_size: int = 128, inference: bool = False) -> keras.Model:
    """The write-up's two-branch CNN, layer for layer (augmentation lives in the input pipeline).

    It has one age output, so training and inference use the same graph.
    """
    inputs, x = _scaled_input(image_size)
    # Shared block: two convolutions, one pooling.
    x = layers.Conv2D(32, 3, padding="same", activation="relu")(x)
    x = layers.BatchNormalization()(x)
    x = layers.Conv2D(64, 3, padding="same", activation="relu")(x)
    x = layers.BatchNormalization()(x)
    shared = layers.MaxPooling2D(2)(x)

    age = shared
    for filters in (64, 64, 128, 256, 512):
        age = _conv_bn_pool(age, filters)
    age = layers.Dense(128, activation="relu")(layers.Flatten()(age))
    age = layers.Dropout(0.3)(age)
    age_out = layers.Dense(1, activation="relu", name="age_out")(age)

    gender = shared
    for filters in (64, 128, 256):
        gender = _conv_bn_pool(gender, filters, regularizer=l2(0.001))
    gender = layers.Dense(128, activation="relu")(layers.Flatten()(gender))
    gender = layers.Dropout(0.3)(gender)
    gender_out = layers.Dense(1, activation="sigmoid", name="gender_out")(gender)
    return keras.Model(inputs, {"gender_out": gender_out, "age_out": age_out}, name="writeup")


def _residual_block(x, filters, stride):
    """A ResNet basic block without batch normalisation.

    Batch norm costs more than the convolutions on a CPU in bfloat16 (about 3x here), so
    the block follows Fixup instead: its last convolution starts at zero, making every
    block the identity at initialisation, which keeps a norm-free network trainable.
    """
    y = layers.Conv2D(filters, 3, strides=stride, padding="same", activation="relu")(x)
    y = layers.Conv2D(filters, 3, padding="same", kernel_initializer="zeros")(y)
    shortcut = x
    if stride != 1 or x.shape[-1] != filters:
        shortcut = layers.Conv2D(filters, 1, strides=stride)(x)
    return layers.ReLU()(layers.Add()([y, shortcut]))


def age_expectation_layer(name: str = "age_out") -> layers.Dense:
    """A frozen Dense whose weights are 0..MAX_AGE: it turns bin probabilities into expected years."""
    return layers.Dense(
        1, use_bias=False, trainable=False, name=name, dtype="float32",
        kernel_initializer=keras.initializers.Constant(np.arange(MAX_AGE + 1, dtype="float32").reshape(-1, 1)),
    )


@keras.saving.register_keras_serializable(package="utk_cnn")
class AgeMedian(layers.Layer):
    """`distribution_median` as a layer, so a saved model outputs the median age itself."""

    def call(self, probs):
        return distribution_median(keras.ops.cast(probs, "float32"), keras.ops)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], 1)


def _utknet_heads(x, widths):
    """The residual trunk and both heads of one utknet on scaled images: (P(female), age-bin probabilities)."""
    x = layers.Conv2D(widths[0], 3, strides=2, padding="same", activation="relu")(x)
    for stage, filters in enumerate(widths):
        x = _residual_block(x, filters, stride=1 if stage == 0 else 2)
        x = _residual_block(x, filters, stride=1)
    features = layers.GlobalAveragePooling2D()(x)
    features = layers.Dropout(0.2)(features)

    gender = layers.Dense(128, activation="relu")(features)
    gender_out = layers.Dense(1, activation="sigmoid", name="gender_out", dtype="float32")(gender)

    age = layers.Dense(256, activation="relu")(features)
    age_dist = layers.Dense(MAX_AGE + 1, activation="softmax", name="age_dist", dtype="float32")(age)
    return gender_out, age_dist


def _model_outputs(gender_out, age_dist, inference: bool) -> dict:
    """Training fits the expectation of the age bins; the saved model reports their median (lower MAE)."""
    outputs = {"gender_out": gender_out, "age_dist": age_dist}
    if inference:
        outputs["age_mean"] = age_expectation_layer("age_mean")(age_dist)
        outputs["age_out"] = AgeMedian(name="age_out", dtype="float32")(age_dist)
    else:
        outputs["age_out"] = age_expectation_layer()(age_dist)
    return outputs


@register("utknet")
def build_utknet(image_size: int = 64, widths=(32, 64, 128, 256), inference: bool = False) -> keras.Model:
    """A norm-free CNN at 64 px: a small residual trunk shared by both heads, age as a softmax over 0..116 years.

    The age head predicts a distribution over ages (DEX), trained with a label-distribution
    loss on `age_dist` and a small MAE on its expectation. The saved (inference) model
    reports the distribution's median as `age_out` (lower MAE) and keeps the expectation as `age_mean`.
    """
    inputs, x = _scaled_input(image_size)
    gender_out, age_dist = _utknet_heads(x, widths)
    outputs = _model_outputs(gender_out, age_dist, inference)
    return keras.Model(inputs, outputs, name="utknet")


def _conv_bn(x, filters, kernel, stride=1, relu=True):
    """Convolution without bias (batch norm has one), batch norm, optional ReLU.

    Batch norm takes PyTorch's defaults (momentum 0.1, i.e. 0.9 here, epsilon 1e-5) rather than
    Keras' (0.99, 1e-3), as the reference network was measured with.
    """
    x = layers.Conv2D(filters, kernel, strides=stride, padding="same", use_bias=False)(x)
    x = layers.BatchNormalization(momentum=0.9, epsilon=1e-5)(x)
    return layers.ReLU()(x) if relu else x


def _basic_block(x, filters, stride):
    """A ResNet basic block with batch norm: two 3x3 convolutions and a projected shortcut."""
    y = _conv_bn(x, filters, 3, stride)
    y = _conv_bn(y, filters, 3, relu=False)
    shortcut = x
    if stride != 1 or x.shape[-1] != filters:
        shortcut = _conv_bn(x, filters, 1, stride, relu=False)
    return layers.ReLU()(layers.Add()([y, shortcut]))


@register("utkres")
def build_utkres(image_size: int = 96, widths=(48, 96, 192, 256), inference: bool = False,
                 race_head: bool = False) -> keras.Model:
    """The default: a light batch-normalised ResNet at 96 px, one basic block per stage.

    A stride-2 stem and four stride-2 stages bring 96 px to 3 px with 1.8M parameters and
    about 70M multiply-adds per face, half of utknet's at 64 px: more detail, less work.
    Age is a softmax over 0..116 years, trained with MAE on its expectation plus the
    label-distribution loss (without it the bins at the ends of the age range starved: every
    baby came out as 10 years, docs/benchmarks.md); the saved model reports the median as `age_out`.
    `race_head` (training only) adds a five-way race softmax on the same features, a second task
    whose labels come free in the file names; the saved model leaves it out.
    """
    inputs, x = _scaled_input(image_size, centred=True)
    x = _conv_bn(x, 32, 3, stride=2)
    for filters in widths:
        x = _basic_block(x, filters, stride=2)
    return _resnet_model(inputs, x, inference, race_head, name="utkres")


def _resnet_model(inputs, trunk, inference: bool, race_head: bool, name: str) -> keras.Model:
    """The heads utkres and the ResNet-18 baseline share: pooled features, then gender, age bins, optional race."""
    features = layers.Dropout(0.3)(layers.GlobalAveragePooling2D()(trunk))
    gender_out = layers.Dense(1, activation="sigmoid", name="gender_out", dtype="float32")(features)
    age_dist = layers.Dense(MAX_AGE + 1, activation="softmax", name="age_dist", dtype="float32")(features)
    outputs = _model_outputs(gender_out, age_dist, inference)
    if race_head:
        outputs["race_out"] = layers.Dense(len(RACES), activation="softmax", name="race_out", dtype="float32")(features)
    return keras.Model(inputs, outputs, name=name)


@register("resnet18")
def build_resnet18(image_size: int = 96, widths=(64, 128, 256, 512), inference: bool = False,
                   race_head: bool = False) -> keras.Model:
    """The literature's standard small trunk (He et al. 2016), from scratch, with utkres' heads: a baseline.

    A 7x7 stride-2 stem and a 3x3 stride-2 max pool, then two basic blocks per stage: 11.2M
    parameters and about 330M multiply-adds per face at 96 px, about five times utkres'. It is
    here to be measured beside utkres on the same split and hour (docs/benchmarks.md), not shipped.
    """
    inputs, x = _scaled_input(image_size, centred=True)
    x = _conv_bn(x, 64, 7, stride=2)
    x = layers.MaxPooling2D(3, strides=2, padding="same")(x)
    for stage, filters in enumerate(widths):
        x = _basic_block(x, filters, stride=1 if stage == 0 else 2)
        x = _basic_block(x, filters, stride=1)
    return _resnet_model(inputs, x, inference, race_head, name="resnet18")
