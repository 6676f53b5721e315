"""Training augmentation: random, seeded changes to batches of uint8 faces inside the tf.data pipeline.

Every step takes a batch and a per-batch stateless seed, so a run is reproducible; `augmenter`
picks the step for a `--augment` mode (config.AUGMENT_MODES).
"""
from __future__ import annotations

import functools

import numpy as np
import tensorflow as tf

from utk_cnn.evaluation.corruptions import lower_face_cover
from utk_cnn.training.config import AUGMENT_MODES, CONDITION_SHARE

CONDITIONS = ("jpeg", "blur", "noise", "low_resolution", "grayscale", "dim", "mask")


def random_flip(images: tf.Tensor, seed: tf.Tensor) -> tf.Tensor:
    """The write-up's augmentation: mirror about half the faces."""
    flip = tf.random.stateless_uniform(tf.shape(images)[:1], seed) < 0.5
    return tf.where(flip[:, None, None, None], tf.reverse(images, axis=[2]), images)


def random_affine_colour(images: tf.Tensor, seed: tf.Tensor, max_shift: float = 0.06, max_zoom: float = 0.1,
                         max_degrees: float = 11.0, brightness: float = 0.15, contrast: float = 0.2,
                         flat_fill: float = 0.0, max_zoom_out: float | None = None) -> tf.Tensor:
    """Flip, shift, zoom and rotate in one resampling, then jitter brightness and contrast.

    Composing the geometry into a single projective transform costs a third of what a
    chain of Keras Random* layers costs (2,400 vs 900 images/s on two cores), and the
    pipeline shares those cores with training. Where the transform uncovers the border, a
    fraction `flat_fill` of the images gets a random flat colour there instead of a mirror
    image of the face: a face found in a photo is cropped with whatever surrounds it.
    `max_zoom_out` (default `max_zoom`) widens the zoom-outs alone: 0.25 shrinks faces to 80%.
    """
    x = tf.cast(images, tf.float32)
    n = tf.shape(x)[0]
    size = tf.cast(tf.shape(x)[1], tf.float32)
    u = tf.random.stateless_uniform(tf.stack([n, 8]), seed, -1.0, 1.0)
    flip = tf.where(u[:, 0] < 0, -1.0, 1.0)
    zoom_out = max_zoom if max_zoom_out is None else max_zoom_out
    scale = 1.0 + tf.where(u[:, 1] > 0, float(zoom_out), float(max_zoom)) * u[:, 1]  # sampling wider: a smaller face
    angle = (max_degrees * np.pi / 180) * u[:, 2]
    # Output pixel p samples the input at M (p - centre) + centre + shift.
    m00, m01 = tf.cos(angle) * scale * flip, -tf.sin(angle) * scale
    m10, m11 = tf.sin(angle) * scale * flip, tf.cos(angle) * scale
    centre = (size - 1.0) / 2.0
    tx, ty = max_shift * size * u[:, 3], max_shift * size * u[:, 4]
    zeros = tf.zeros_like(m00)
    transforms = tf.stack([m00, m01, centre - (m00 + m01) * centre + tx,
                           m10, m11, centre - (m10 + m11) * centre + ty, zeros, zeros], axis=1)

    def resample(pixels, fill_mode):
        return tf.raw_ops.ImageProjectiveTransformV3(images=pixels, transforms=transforms, output_shape=tf.shape(x)[1:3],
                                                     fill_value=0.0, interpolation="BILINEAR", fill_mode=fill_mode)

    reflected = resample(x, "REFLECT")
    if flat_fill > 0:
        # One resampling of the image plus a channel of ones, which comes out as the covered mask.
        moved = resample(tf.concat([x, tf.ones_like(x[..., :1])], axis=-1), "CONSTANT")
        colour = tf.random.stateless_uniform(tf.stack([n, 1, 1, 3]), seed + 1, 0.0, 255.0)
        flat = moved[..., :3] + (1.0 - moved[..., 3:]) * colour
        x = tf.where(tf.reshape((u[:, 7] + 1) / 2 < flat_fill, (-1, 1, 1, 1)), flat, reflected)
    else:
        x = reflected
    mean = tf.reduce_mean(x, axis=[1, 2, 3], keepdims=True)
    factor = tf.reshape(1.0 + contrast * u[:, 5], (-1, 1, 1, 1))
    shift = tf.reshape(255.0 * brightness * u[:, 6], (-1, 1, 1, 1))
    x = (x - mean) * factor + mean + shift
    return tf.cast(tf.round(tf.clip_by_value(x, 0, 255)), tf.uint8)


def random_crop_brightness(images: tf.Tensor, seed: tf.Tensor, pad: float = 0.1,
                            brightness: float = 25.0) -> tf.Tensor:
    """Flip, zero-pad by `pad` of the side, crop back at a random offset, shift brightness by up to +-`brightness`.

    The cheapest augmentation that helps, as in a reference recipe from the literature: no resampling at all.
    """
    n, size = tf.shape(images)[0], tf.shape(images)[1]
    margin = tf.cast(tf.round(pad * tf.cast(size, tf.float32)), tf.int32)
    x = tf.cast(random_flip(images, seed), tf.float32)
    x = tf.pad(x, [[0, 0], [margin, margin], [margin, margin], [0, 0]])
    offsets = tf.random.stateless_uniform(tf.stack([n, 2]), seed + 1, 0, 2 * margin + 1, dtype=tf.int32)
    rows = offsets[:, :1] + tf.range(size)[None]                       # (n, size)
    cols = offsets[:, 1:] + tf.range(size)[None]
    x = tf.gather(x, rows, axis=1, batch_dims=1)
    x = tf.gather(x, cols, axis=2, batch_dims=1)
    shift = tf.random.stateless_uniform(tf.stack([n, 1, 1, 1]), seed + 2, -brightness, brightness)
    return tf.cast(tf.round(tf.clip_by_value(x + shift, 0, 255)), tf.uint8)


def random_conditions(images: tf.Tensor, seed: tf.Tensor, share: float = CONDITION_SHARE,
                      extra_masks: int = 0) -> tf.Tensor:
    """`share` of the faces of a batch under one webcam or phone condition, chosen per batch (CONDITIONS).

    One condition per batch keeps the pipeline cheap (only the chosen branch runs); over an
    epoch's hundreds of batches every condition is seen often. Strengths are drawn per face
    from ranges wider than one setting, so no single evaluation setting is learned by heart.
    `extra_masks` adds that many more chances of the mask, the hardest condition.
    """
    n, size = tf.shape(images)[0], images.shape[1]
    u = tf.random.stateless_uniform(tf.stack([n, 3]), seed + 7, 0.0, 1.0)
    which = tf.random.stateless_uniform([], seed + 8, 0, len(CONDITIONS) + extra_masks, dtype=tf.int32)
    x = tf.cast(images, tf.float32)
    cover = tf.constant(lower_face_cover(size))

    def jpeg():
        quality = tf.cast(10 + 40 * u[:, 0], tf.int32)
        return tf.map_fn(lambda a: tf.cast(tf.image.adjust_jpeg_quality(tf.cast(a[0], tf.uint8), a[1]), tf.float32),
                         (x, quality), fn_output_signature=tf.float32)

    def blur():
        sigma = 0.4 + 1.2 * tf.reduce_mean(u[:, 0])
        taps = tf.exp(-0.5 * (tf.range(-3.0, 4.0) / sigma) ** 2)
        taps = taps / tf.reduce_sum(taps)
        kernel = tf.tile(tf.reshape(taps, (7, 1, 1, 1)), (1, 1, 3, 1))
        rows = tf.nn.depthwise_conv2d(x, kernel, [1, 1, 1, 1], "SAME")
        return tf.nn.depthwise_conv2d(rows, tf.transpose(kernel, (1, 0, 2, 3)), [1, 1, 1, 1], "SAME")

    def noise():
        sigma = tf.reshape(4 + 22 * u[:, 0], (-1, 1, 1, 1))
        return x + sigma * tf.random.stateless_normal(tf.shape(x), seed + 9)

    def low_resolution():
        small = tf.cast(size * (0.18 + 0.35 * tf.reduce_mean(u[:, 0])), tf.int32)
        down = tf.image.resize(x, tf.stack([small, small]), method="area")
        return tf.image.resize(down, (size, size), method="bilinear")

    def grayscale():
        return tf.tile(tf.image.rgb_to_grayscale(x), (1, 1, 1, 3))

    def dim():
        exposure = tf.reshape(0.25 + 0.4 * u[:, 0], (-1, 1, 1, 1))
        return x * exposure + 3.0 * tf.random.stateless_normal(tf.shape(x), seed + 10)

    def mask():
        shift = tf.cast(tf.round((u[0, 1] - 0.5) * 0.08 * size), tf.int32)
        moved = tf.roll(cover, shift, axis=0)
        colour = tf.reshape(255.0 * u[:, 2:3] * tf.ones((1, 3)), (-1, 1, 1, 3))
        return x * (1.0 - moved) + colour * moved

    changed = tf.switch_case(which, [jpeg, blur, noise, low_resolution, grayscale, dim, mask] + [mask] * extra_masks)
    chosen = tf.reshape(u[:, 1] < share, (-1, 1, 1, 1))
    x = tf.where(chosen, changed, x)
    return tf.cast(tf.round(tf.clip_by_value(x, 0, 255)), tf.uint8)


def random_photo_conditions(images: tf.Tensor, seed: tf.Tensor, share: float = CONDITION_SHARE,
                            max_zoom_out: float | None = None, extra_masks: int = 0) -> tf.Tensor:
    """`robust`: the photo augmentation with tilts up to 20 degrees, then random_conditions on `share` of the batch."""
    moved = random_affine_colour(images, seed, max_degrees=20.0, flat_fill=0.5, max_zoom_out=max_zoom_out)
    moved.set_shape(images.shape)  # the resampling loses the static size random_conditions needs
    return random_conditions(moved, seed, share, extra_masks)


def augmenter(mode: str, condition_share: float = CONDITION_SHARE):
    """Augmentation of a training batch of uint8 images from a per-batch stateless seed."""
    if mode not in AUGMENT_MODES:
        raise ValueError(f"unknown augmentation {mode!r}: use one of {', '.join(AUGMENT_MODES)}")
    step = {"flip": random_flip, "full": random_affine_colour,
            "photo": functools.partial(random_affine_colour, flat_fill=0.5), "crop": random_crop_brightness,
            "robust": functools.partial(random_photo_conditions, share=condition_share),
            "robust_wide": functools.partial(random_photo_conditions, share=condition_share, max_zoom_out=0.25,
                                             extra_masks=1)}[mode]

    def augment(batch, seed):
        images, targets = batch
        return step(images, seed), targets
    return augment
