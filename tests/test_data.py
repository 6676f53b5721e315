import logging

import numpy as np
import pytest
import tensorflow as tf
from conftest import CORRUPT, synthetic_face

from utk_cnn.evaluation.corruptions import lower_face_cover
from utk_cnn.training.augment import (
    CONDITIONS,
    random_affine_colour,
    random_conditions,
    random_crop_brightness,
    random_flip,
    random_photo_conditions,
)
from utk_cnn.training.data import DataError, Record, decode_records, dedupe, make_dataset, parse_name, read_records, split_records


def test_parse_name_reads_age_gender_race():
    assert parse_name("25_1_3_20170116174525125.jpg.chip.jpg") == (25, 1, 3)


def test_parse_name_accepts_plain_jpg_and_folders():
    assert parse_name("UTKFace/7_0_2_20170116174525125.jpg") == (7, 0, 2)


@pytest.mark.parametrize("name", [
    "39_1_20170116174525125.jpg.chip.jpg",      # race missing
    "55_0_0_20170116232725357jpg.chip.jpg",     # dot missing
    "24_0_1_20170116220224657 .jpg.chip.jpg",   # stray space
    "30_2_0_20170116220224657.jpg.chip.jpg",    # gender out of range
    "30_0_5_20170116220224657.jpg.chip.jpg",    # race out of range
])
def test_parse_name_rejects_malformed_names(name):
    with pytest.raises(ValueError, match="malformed"):
        parse_name(name)


def test_folder_skips_malformed_names_with_one_summary_line(utk_folder, caplog):
    with caplog.at_level(logging.WARNING, logger="utk_cnn"):
        records = read_records(utk_folder)
    assert len(records) == 41  # 40 good + the corrupt one, which only decoding catches
    summary = [r.message for r in caplog.records if "malformed" in r.message]
    assert len(summary) == 1 and "2 file(s)" in summary[0]


def test_archives_read_the_same_records_as_the_folder(utk_folder, utk_tarball, utk_zip):
    def key(records):
        return [(r.name.rsplit("/", 1)[-1], r.age, r.gender, r.race, r.data) for r in records]
    folder = key(read_records(utk_folder))
    assert key(read_records(utk_tarball)) == folder
    assert key(read_records(utk_zip)) == folder


def test_empty_folder_is_a_clear_error(empty_folder):
    with pytest.raises(DataError, match="no UTKFace images"):
        read_records(empty_folder)


def test_missing_source_is_a_clear_error(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        read_records(tmp_path / "nope.tar.gz")


def test_corrupt_archive_is_a_clear_error(tmp_path):
    bad = tmp_path / "UTKFace.tar.gz"
    bad.write_bytes(b"not gzip at all")
    with pytest.raises(DataError, match="cannot read archive"):
        read_records(bad)


def test_decoding_skips_files_that_are_not_images(utk_folder, caplog):
    records = read_records(utk_folder)
    with caplog.at_level(logging.WARNING, logger="utk_cnn"):
        images, kept = decode_records(records, 32)
    assert len(kept) == 40 and CORRUPT not in [r.name for r in kept]
    assert images.shape == (40, 32, 32, 3) and images.dtype == np.uint8
    assert any("do not decode" in r.message for r in caplog.records)


def test_split_is_deterministic_and_seeded(utk_folder):
    records = read_records(utk_folder)
    first = {k: [r.name for r in v] for k, v in split_records(records, seed=0).items()}
    again = {k: [r.name for r in v] for k, v in split_records(list(reversed(records)), seed=0).items()}
    other = {k: [r.name for r in v] for k, v in split_records(records, seed=1).items()}
    assert {k: sorted(v) for k, v in first.items()} == {k: sorted(v) for k, v in again.items()}
    assert first != other
    assert sum(len(v) for v in first.values()) == len(records)


def test_split_keeps_byte_identical_images_together():
    blob = synthetic_face(3)
    twins = [Record(f"{age}_0_0_2017011700000000{age}.jpg", age, 0, 0, blob) for age in (20, 30, 40)]
    others = [Record(f"{i}_0_0_20170118{i:08d}.jpg", i, 0, 0, synthetic_face(100 + i)) for i in range(50)]
    for seed in range(5):
        parts = split_records(twins + others, seed=seed, val_fraction=0.3, test_fraction=0.3)
        assert [sum(t in recs for t in twins) for recs in parts.values()].count(3) == 1


def test_dedupe_keeps_median_age_and_drops_gender_conflicts():
    same, conflict = synthetic_face(1), synthetic_face(2)
    records = [Record("a", 20, 0, 0, same), Record("b", 30, 0, 0, same), Record("c", 40, 0, 0, same),
               Record("d", 20, 0, 0, conflict), Record("e", 20, 1, 0, conflict)]
    kept = dedupe(records)
    assert [(r.name, r.age) for r in kept] == [("a", 30)]


def test_pipeline_batches_uint8_images_and_named_targets():
    images = np.zeros((10, 32, 32, 3), np.uint8)
    lab = {"age": np.arange(10, dtype="float32"), "gender": np.ones(10, "float32"), "race": np.zeros(10, "int32")}
    ds = make_dataset(images, lab, ["gender_out", "age_out", "age_dist"], batch_size=4, training=True, augment="full")
    x, y = next(iter(ds))
    assert x.shape == (4, 32, 32, 3) and x.dtype.name == "uint8"
    assert set(y) == {"gender_out", "age_out", "age_dist"} and y["age_out"].shape == (4, 1)


def test_augmentation_at_zero_strength_leaves_an_unflipped_face_unchanged():
    images = np.random.default_rng(0).integers(0, 255, (8, 16, 16, 3), dtype=np.uint8)
    out = random_affine_colour(images, tf.constant([1, 2], tf.int64), max_shift=0, max_zoom=0, max_degrees=0,
                                 brightness=0, contrast=0).numpy()
    for image, result in zip(images, out):  # each one is either itself or its mirror image
        assert np.array_equal(result, image) or np.array_equal(result, image[:, ::-1])


def test_flat_fill_paints_uncovered_borders_one_colour():
    images = np.random.default_rng(2).integers(0, 255, (6, 32, 32, 3), dtype=np.uint8)
    out = random_affine_colour(images, tf.constant([5, 6], tf.int64), max_shift=0.2, max_zoom=0, max_degrees=0,
                                 brightness=0, contrast=0, flat_fill=1.0).numpy()
    for result in out:  # shifted by up to 6 px: some edge column or row is uncovered, hence one flat colour
        edges = [result[:, 0], result[:, -1], result[0], result[-1]]
        assert any((edge == edge[0]).all() for edge in edges)


def test_crop_augmentation_moves_each_face_by_at_most_a_tenth_and_pads_with_black():
    images = np.full((16, 30, 30, 3), 200, np.uint8)
    out = random_crop_brightness(images, tf.constant([7, 8], tf.int64), brightness=0).numpy()
    assert out.shape == images.shape and out.dtype == np.uint8
    for result in out:  # 3 px of padding: at most 3 black rows and 3 black columns
        black = (result == 0).all(-1)
        assert black.all(0).sum() <= 3 and black.all(1).sum() <= 3 and (result[3:27, 3:27] == 200).all()
    assert (out == 0).any()  # some faces were moved


def test_crop_augmentation_shifts_brightness_within_its_limit():
    images = np.full((64, 10, 10, 3), 100, np.uint8)
    out = random_crop_brightness(images, tf.constant([1, 1], tf.int64), pad=0.0, brightness=25).numpy()
    assert out.min() >= 75 and out.max() <= 125 and len(np.unique(out[:, 5, 5, 0])) > 10


def test_augmentation_flips_about_half_of_a_batch():
    images = np.tile(np.arange(16, dtype=np.uint8)[None, None, :, None], (200, 16, 1, 3))
    out = random_flip(images, tf.constant([3, 4], tf.int64)).numpy()
    flipped = np.array([np.array_equal(o, images[0][:, ::-1]) for o in out])
    assert all(np.array_equal(o, images[0]) for o in out[~flipped])
    assert 60 < flipped.sum() < 140


def test_augmentation_differs_from_batch_to_batch():
    images = np.random.default_rng(1).integers(0, 255, (4, 16, 16, 3), dtype=np.uint8)
    lab = {"age": np.arange(4, dtype="float32"), "gender": np.zeros(4, "float32"), "race": np.zeros(4, "int32")}
    ds = make_dataset(images, lab, ["gender_out", "age_out"], batch_size=4, training=True, augment="full").repeat(2)
    first, second = [np.sort(x.numpy().reshape(4, -1), axis=0) for x, _ in ds.take(2)]
    assert not np.array_equal(first, second)


def test_validation_pipeline_is_neither_shuffled_nor_augmented():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 255, (6, 16, 16, 3), dtype=np.uint8)
    lab = {"age": np.arange(6, dtype="float32"), "gender": np.zeros(6, "float32"), "race": np.zeros(6, "int32")}
    x, y = next(iter(make_dataset(images, lab, ["gender_out", "age_out"], batch_size=6)))
    np.testing.assert_array_equal(x.numpy(), images)
    np.testing.assert_array_equal(y["age_out"].numpy().ravel(), np.arange(6))


@pytest.mark.parametrize("share, low, high", [(0.5, 60, 140), (0.25, 25, 80)])
def test_robust_augmentation_puts_its_share_of_a_batch_under_one_condition(share, low, high):
    images = np.random.default_rng(2).integers(40, 200, (200, 32, 32, 3), dtype=np.uint8)
    out = random_conditions(tf.constant(images), tf.constant([5, 6], tf.int64), share).numpy()
    changed = np.array([not np.array_equal(o, i) for o, i in zip(out, images)])
    assert out.shape == images.shape and out.dtype == np.uint8 and low < changed.sum() < high


@pytest.mark.parametrize("seed", range(len(CONDITIONS)))
def test_robust_augmentation_is_the_same_for_the_same_seed(seed):
    images = np.random.default_rng(3).integers(0, 255, (8, 32, 32, 3), dtype=np.uint8)
    first, again = (random_photo_conditions(tf.constant(images), tf.constant([seed, 1], tf.int64)).numpy()
                    for _ in range(2))
    assert np.array_equal(first, again)


def test_wide_zoom_outs_shrink_faces_further_than_zoom_ins_enlarge_them():
    images = np.zeros((64, 32, 32, 3), np.uint8)
    images[:, 4:28, 4:28] = 255  # a bright square: its area measures the face's scale
    out = random_affine_colour(images, tf.constant([3, 4], tf.int64), max_shift=0, max_zoom=0.0, max_degrees=0,
                                 brightness=0, contrast=0, max_zoom_out=0.25).numpy()
    area = (out[..., 0] > 127).sum(axis=(1, 2)) / (24 * 24)
    assert area.min() < 0.7 and area.max() <= 1.01  # down to 80% a side, never larger


def test_extra_masks_put_the_mask_on_more_batches():
    images = np.full((4, 32, 32, 3), 128, np.uint8)
    cover = lower_face_cover(32)[..., 0] > 0
    near_cover = np.any([np.roll(cover, shift, 0) for shift in range(-2, 3)], axis=0)  # the mask moves a pixel or so

    def masked(extra):  # batches whose conditioned faces changed only under the mask's outline
        hits = 0
        for seed in range(60):
            out = random_conditions(tf.constant(images), tf.constant([seed, 9], tf.int64), 1.0, extra).numpy()
            changed = (out != images).any(axis=(0, 3))
            hits += bool(changed.any()) and not changed[~near_cover].any()
        return hits
    assert masked(extra=7) > 2 * masked(extra=0)


def test_pipeline_adds_race_targets_for_a_race_head():
    images = np.zeros((4, 16, 16, 3), np.uint8)
    lab = {"age": np.arange(4, dtype="float32"), "gender": np.zeros(4, "float32"), "race": np.arange(4, dtype="int32")}
    _, y = next(iter(make_dataset(images, lab, ["gender_out", "age_out", "race_out"], batch_size=4)))
    np.testing.assert_array_equal(y["race_out"].numpy().ravel(), np.arange(4))
