"""UTKFace reading: labels from file names, folders or archives, a seeded split and tf.data pipelines.

File names are `AGE_GENDER_RACE_DATETIME.jpg[.chip.jpg]`. A source is a folder (searched
recursively) or a .tar.gz/.tgz/.tar/.zip archive read in place. Encoded bytes are held in
memory (about 100 MB for UTKFace); images are decoded once, in the graph, and kept as uint8.
"""
from __future__ import annotations

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

from utk_cnn.training.augment import augmenter
from utk_cnn.training.config import CONDITION_SHARE

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


def make_dataset(images: np.ndarray, label_arrays: dict, output_names, batch_size: int,
                 training: bool = False, augment: str = "flip", seed: int = 0, condition_share: float = CONDITION_SHARE,
                 drop_remainder: bool | None = None, soft_targets: dict | None = None) -> tf.data.Dataset:
    """Batches of (uint8 images, targets keyed by model output); shuffled and augmented when training.

    `soft_targets` (a distilled run's, `training.distill`) replace the age-distribution and gender
    targets: "age_dist" (N, bins) and "gender" (N,).

    Training drops the last partial batch, as must every split under tf.distribute (Keras cannot
    split an uneven batch over replicas).
    """
    age = label_arrays["age"].reshape(-1, 1)
    targets = {"gender_out": label_arrays["gender"].reshape(-1, 1), "age_out": age}
    if "age_dist" in output_names:
        targets["age_dist"] = age
    if "race_out" in output_names:
        targets["race_out"] = label_arrays["race"].reshape(-1, 1)
    if soft_targets is not None:
        targets["gender_out"] = soft_targets["gender"].reshape(-1, 1)
        if "age_dist" in output_names:
            targets["age_dist"] = soft_targets["age_dist"]
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
        ds = tf.data.Dataset.zip(ds, seeds).map(augmenter(augment, condition_share),
                                                num_parallel_calls=tf.data.AUTOTUNE)
    return ds.prefetch(tf.data.AUTOTUNE)
