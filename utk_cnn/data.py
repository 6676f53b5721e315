"""UTKFace reading: labels from file names, folders or archives, a seeded split and tf.data pipelines.

File names are `AGE_GENDER_RACE_DATETIME.jpg[.chip.jpg]`. A source is a folder (searched
recursively) or a .tar.gz/.tgz/.tar/.zip archive read in place. Encoded bytes are held in
memory (about 100 MB for UTKFace); images are decoded once, in the graph, and kept as uint8.
"""
from __future__ import annotations

import functools
import hashlib
import logging
import re
import tarfile
import zipfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import tensorflow as tf

from .config import AUGMENT_MODES

log = logging.getLogger("utk_cnn")

NAME_RE = re.compile(r"^(\d{1,3})_([01])_([0-4])_(\d+)\.jpg(\.chip\.jpg)?$", re.IGNORECASE)
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")
ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".tar", ".zip")


class DataError(ValueError):
    """A dataset source that cannot be used at all (missing, empty, no valid image)."""


@dataclass(frozen=True)
class Record:
    """One labelled image: `name` is its path inside the source."""
    name: str
    age: int
    gender: int  # 0 male, 1 female
    race: int    # 0 White, 1 Black, 2 Asian, 3 Indian, 4 Others
    data: bytes

    @property
    def digest(self) -> str:
        return hashlib.sha1(self.data).hexdigest()


def parse_name(filename: str) -> tuple[int, int, int]:
    """(age, gender, race) from a UTKFace file name; ValueError names the problem."""
    base = filename.rsplit("/", 1)[-1]
    match = NAME_RE.match(base)
    if not match:
        raise ValueError(f"malformed UTKFace name {base!r}: expected AGE_GENDER_RACE_DATETIME.jpg[.chip.jpg]")
    return int(match[1]), int(match[2]), int(match[3])


def _is_image_name(name: str) -> bool:
    base = name.rsplit("/", 1)[-1]
    return not base.startswith(".") and base.lower().endswith(IMAGE_SUFFIXES)


def _iter_files(source: Path):
    """Yield (name, bytes) for every image-like file in a folder or archive."""
    lower = source.name.lower()
    if source.is_dir():
        for path in sorted(source.rglob("*")):
            if path.is_file() and _is_image_name(path.name):
                yield path.relative_to(source).as_posix(), path.read_bytes()
    elif lower.endswith(".zip"):
        with zipfile.ZipFile(source) as archive:
            for info in archive.infolist():
                if not info.is_dir() and _is_image_name(info.filename):
                    yield info.filename, archive.read(info)
    elif lower.endswith((".tar.gz", ".tgz", ".tar")):
        with tarfile.open(source, "r:*") as archive:
            for member in archive:
                if member.isfile() and _is_image_name(member.name):
                    yield member.name, archive.extractfile(member).read()
    else:
        raise DataError(f"{source}: not a folder or a {'/'.join(ARCHIVE_SUFFIXES)} archive")


def read_records(source: str | Path, limit: int | None = None) -> list[Record]:
    """Every well-named image in `source`; malformed names are skipped with one summary line."""
    source = Path(source)
    if not source.exists():
        raise DataError(f"{source}: no such file or folder")
    records, malformed = [], []
    try:
        for name, data in _iter_files(source):
            try:
                age, gender, race = parse_name(name)
            except ValueError:
                malformed.append(name)
                continue
            records.append(Record(name, age, gender, race, data))
    except (tarfile.TarError, zipfile.BadZipFile, EOFError, OSError) as err:
        raise DataError(f"{source}: cannot read archive ({err})") from err
    if malformed:
        log.warning("skipped %d file(s) with malformed names, e.g. %r", len(malformed), malformed[0].rsplit("/", 1)[-1])
    if not records:
        raise DataError(f"{source}: no UTKFace images found (names like 25_0_1_20170116174525125.jpg.chip.jpg)")
    records.sort(key=lambda r: r.name)
    if limit:
        rng = np.random.default_rng(0)
        keep = np.sort(rng.permutation(len(records))[:limit])
        records = [records[i] for i in keep]
    return records


def _decode(data, image_size: int):
    image = tf.io.decode_image(data, channels=3, expand_animations=False)
    image = tf.image.resize(image, (image_size, image_size), method="area")
    return tf.cast(tf.round(tf.clip_by_value(image, 0, 255)), tf.uint8)


def decode_records(records: list[Record], image_size: int) -> tuple[np.ndarray, list[Record]]:
    """Decode and resize every record in parallel in the graph; unreadable files are dropped.

    Returns the uint8 images (N, size, size, 3) and the records that decoded.
    """
    blobs = tf.data.Dataset.from_tensor_slices([r.data for r in records])
    indexed = tf.data.Dataset.zip(tf.data.Dataset.range(len(records)), blobs)
    decoded = indexed.map(lambda i, d: (i, _decode(d, image_size)), num_parallel_calls=tf.data.AUTOTUNE)
    decoded = decoded.ignore_errors().batch(512)
    images = np.empty((len(records), image_size, image_size, 3), np.uint8)  # filled in place: no copies
    indices, count = [], 0
    for idx, batch in decoded.as_numpy_iterator():
        images[count:count + len(batch)] = batch
        count += len(batch)
        indices.append(idx)
    if not count:
        raise DataError("no image in the source could be decoded")
    indices = np.concatenate(indices)
    kept = [records[i] for i in indices]
    bad = len(records) - len(kept)
    if bad:
        first_bad = sorted(set(range(len(records))) - set(indices.tolist()))[0]
        log.warning("skipped %d file(s) that do not decode as images, e.g. %r", bad, records[first_bad].name)
    return images[:count], kept


def split_of(record: Record, seed: int, val_fraction: float, test_fraction: float) -> str:
    """'train', 'val' or 'test' from a seeded hash of the image bytes.

    Hashing the content (not the order) makes the split identical on every machine and
    keeps byte-identical duplicates together, so no test image is also a training image.
    """
    digest = hashlib.sha256(f"{seed}:".encode() + record.digest.encode()).digest()
    u = int.from_bytes(digest[:8], "big") / 2**64
    if u < test_fraction:
        return "test"
    if u < test_fraction + val_fraction:
        return "val"
    return "train"


def split_records(records, seed=0, val_fraction=0.1, test_fraction=0.1) -> dict[str, list[Record]]:
    parts = {"train": [], "val": [], "test": []}
    for record in records:
        parts[split_of(record, seed, val_fraction, test_fraction)].append(record)
    return parts


def dedupe(records: list[Record]) -> list[Record]:
    """One record per distinct image: median age; groups whose genders disagree are dropped."""
    groups = defaultdict(list)
    for record in records:
        groups[record.digest].append(record)
    kept = []
    for group in groups.values():
        if len({r.gender for r in group}) > 1:
            continue
        first = group[0]
        age = int(round(float(np.median([r.age for r in group]))))
        kept.append(Record(first.name, age, first.gender, first.race, first.data))
    kept.sort(key=lambda r: r.name)
    return kept


def labels(records: list[Record]) -> dict[str, np.ndarray]:
    return {
        "age": np.array([r.age for r in records], dtype="float32"),
        "gender": np.array([r.gender for r in records], dtype="float32"),
        "race": np.array([r.race for r in records], dtype="int32"),
    }


CONDITIONS = ("jpeg", "blur", "noise", "low_resolution", "grayscale", "dim", "mask")


def random_flip(images: tf.Tensor, seed: tf.Tensor) -> tf.Tensor:
    """The write-up's augmentation: mirror about half the faces."""
    flip = tf.random.stateless_uniform(tf.shape(images)[:1], seed) < 0.5
    return tf.where(flip[:, None, None, None], tf.reverse(images, axis=[2]), images)


def random_affine_colour(images: tf.Tensor, seed: tf.Tensor, max_shift: float = 0.06, max_zoom: float = 0.1,
                         max_degrees: float = 11.0, brightness: float = 0.15, contrast: float = 0.2,
                         flat_fill: float = 0.0) -> tf.Tensor:
    """Flip, shift, zoom and rotate in one resampling, then jitter brightness and contrast.

    Composing the geometry into a single projective transform costs a third of what a
    chain of Keras Random* layers costs (2,400 vs 900 images/s on two cores), and the
    pipeline shares those cores with training. Where the transform uncovers the border, a
    fraction `flat_fill` of the images gets a random flat colour there instead of a mirror
    image of the face: a face found in a photo is cropped with whatever surrounds it.
    """
    x = tf.cast(images, tf.float32)
    n = tf.shape(x)[0]
    size = tf.cast(tf.shape(x)[1], tf.float32)
    u = tf.random.stateless_uniform(tf.stack([n, 8]), seed, -1.0, 1.0)
    flip = tf.where(u[:, 0] < 0, -1.0, 1.0)
    scale = 1.0 + max_zoom * u[:, 1]
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

    The cheapest augmentation that helps (issue 14's reference): no resampling at all.
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


def _lower_face_cover(size: int) -> np.ndarray:
    """(size, size, 1) float mask of a face mask's shape over nose tip, mouth and chin, on a chip-framed face."""
    import cv2
    cover = np.zeros((size, size), np.float32)
    top, bottom = 0.50 * size, 0.95 * size
    outline = np.int32([[0.16 * size, top + 0.04 * size], [0.5 * size, top - 0.02 * size],
                        [0.84 * size, top + 0.04 * size], [0.80 * size, bottom - 0.12 * size],
                        [0.5 * size, bottom], [0.20 * size, bottom - 0.12 * size]])
    cv2.fillPoly(cover, [outline], 1.0)
    return cover[..., None]


def random_conditions(images: tf.Tensor, seed: tf.Tensor, share: float = 0.5) -> tf.Tensor:
    """Half the faces of a batch under one webcam or phone condition, chosen per batch (CONDITIONS).

    One condition per batch keeps the pipeline cheap (only the chosen branch runs); over an
    epoch's hundreds of batches every condition is seen often. Strengths are drawn per face
    from ranges wider than one setting, so no single evaluation setting is learned by heart.
    """
    n, size = tf.shape(images)[0], images.shape[1]
    u = tf.random.stateless_uniform(tf.stack([n, 3]), seed + 7, 0.0, 1.0)
    which = tf.random.stateless_uniform([], seed + 8, 0, len(CONDITIONS), dtype=tf.int32)
    x = tf.cast(images, tf.float32)
    cover = tf.constant(_lower_face_cover(size))

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

    changed = tf.switch_case(which, [jpeg, blur, noise, low_resolution, grayscale, dim, mask])
    chosen = tf.reshape(u[:, 1] < share, (-1, 1, 1, 1))
    x = tf.where(chosen, changed, x)
    return tf.cast(tf.round(tf.clip_by_value(x, 0, 255)), tf.uint8)


def random_photo_conditions(images: tf.Tensor, seed: tf.Tensor, share: float = 0.5) -> tf.Tensor:
    """`robust`: the photo augmentation with tilts up to 20 degrees, then random_conditions on `share` of the batch."""
    moved = random_affine_colour(images, seed, max_degrees=20.0, flat_fill=0.5)
    moved.set_shape(images.shape)  # the resampling loses the static size random_conditions needs
    return random_conditions(moved, seed, share)


def _augmenter(mode: str, condition_share: float = 0.5):
    """Augmentation of a training batch of uint8 images from a per-batch stateless seed."""
    if mode not in AUGMENT_MODES:
        raise ValueError(f"unknown augmentation {mode!r}: use one of {', '.join(AUGMENT_MODES)}")
    step = {"flip": random_flip, "full": random_affine_colour,
            "photo": functools.partial(random_affine_colour, flat_fill=0.5), "crop": random_crop_brightness,
            "robust": functools.partial(random_photo_conditions, share=condition_share)}[mode]

    def augment(batch, seed):
        images, targets = batch
        return step(images, seed), targets
    return augment


def make_dataset(images: np.ndarray, label_arrays: dict, output_names, batch_size: int,
                 training: bool = False, augment: str = "flip", seed: int = 0, condition_share: float = 0.5,
                 drop_remainder: bool | None = None) -> tf.data.Dataset:
    """Batches of (uint8 images, targets keyed by model output); shuffled and augmented when training.

    Training drops the last partial batch, as must every split under tf.distribute (Keras cannot
    split an uneven batch over replicas).
    """
    age = label_arrays["age"].reshape(-1, 1)
    targets = {"gender_out": label_arrays["gender"].reshape(-1, 1), "age_out": age}
    if "age_dist" in output_names:
        targets["age_dist"] = age
    # Batches are gathered from the uint8 array by index, so the images live once in memory
    # (from_tensor_slices would hold a second copy inside TensorFlow).
    ds = tf.data.Dataset.range(len(images))
    if training:
        ds = ds.shuffle(len(images), seed=seed, reshuffle_each_iteration=True)
    ds = ds.batch(batch_size, drop_remainder=training if drop_remainder is None else drop_remainder)
    shape = images.shape[1:]

    def gather(idx):
        batch = tf.numpy_function(lambda i: images[i], [idx], tf.uint8, stateful=False)
        batch.set_shape((None, *shape))
        return batch, {name: tf.gather(tf.constant(value), idx) for name, value in targets.items()}
    ds = ds.map(gather, num_parallel_calls=tf.data.AUTOTUNE)
    if training and augment != "none":
        seeds = tf.data.Dataset.random(seed=seed).batch(2)  # a fresh (2,) stateless seed per batch
        ds = tf.data.Dataset.zip(ds, seeds).map(_augmenter(augment, condition_share),
                                                num_parallel_calls=tf.data.AUTOTUNE)
    return ds.prefetch(tf.data.AUTOTUNE)
