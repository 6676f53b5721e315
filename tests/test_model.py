import keras
import numpy as np
import pytest

from utk_cnn.training.model import ARCHITECTURES, MAX_AGE, AgeMedian, build_model


def _layers_of(model, kind):
    return [layer for layer in model.layers if isinstance(layer, kind)]


def test_seed_matches_the_write_up_structure():
    model = build_model("writeup", 128)
    assert model.inputs[0].shape[1:] == (128, 128, 3)
    convs = _layers_of(model, keras.layers.Conv2D)
    age_branch = [c.filters for c in convs if c.kernel_regularizer is None]
    gender_branch = [c for c in convs if c.kernel_regularizer is not None]
    assert age_branch == [32, 64, 64, 64, 128, 256, 512]  # shared block, then the five age blocks
    assert [c.filters for c in gender_branch] == [64, 128, 256]
    assert all(float(c.kernel_regularizer.l2) == pytest.approx(0.001) for c in gender_branch)
    assert len(_layers_of(model, keras.layers.BatchNormalization)) == 10
    assert len(_layers_of(model, keras.layers.MaxPooling2D)) == 9
    assert [d.rate for d in _layers_of(model, keras.layers.Dropout)] == [0.3, 0.3]
    assert model.get_layer("gender_out").activation.__name__ == "sigmoid"
    assert model.get_layer("age_out").activation.__name__ == "relu"


def test_seed_parameter_count():
    assert build_model("writeup", 128).count_params() == 4_414_466


def test_models_take_raw_uint8_and_name_their_outputs():
    for arch, size in (("writeup", 64), ("utknet", 32), ("utkres", 32)):
        model = build_model(arch, size)
        assert model.inputs[0].dtype == "uint8"
        out = model(np.full((2, size, size, 3), 255, np.uint8))
        assert {"gender_out", "age_out"} <= set(out)
        p = np.asarray(out["gender_out"])
        assert p.shape == (2, 1) and ((p >= 0) & (p <= 1)).all()


def test_utknet_trains_on_the_expectation_of_its_age_bins():
    model = build_model("utknet", 32)
    out = model(np.random.default_rng(0).integers(0, 255, (3, 32, 32, 3), dtype=np.uint8))
    dist = np.asarray(out["age_dist"])
    assert dist.shape == (3, MAX_AGE + 1)
    np.testing.assert_allclose(dist.sum(1), 1, atol=1e-5)
    np.testing.assert_allclose(np.asarray(out["age_out"]).ravel(), dist @ np.arange(MAX_AGE + 1), rtol=1e-4)


def test_age_median_interpolates_within_the_median_bin():
    probs = np.zeros((3, MAX_AGE + 1), "float32")
    probs[0, 30] = 1                    # all mass on 30: the median is 30
    probs[1, 20:30] = 0.1               # uniform over 20..29, that is over (19.5, 29.5]
    probs[2, [10, 40]] = [0.25, 0.75]   # a quarter at 10: the median sits a third into bin 40
    np.testing.assert_allclose(np.asarray(AgeMedian()(probs)).ravel(), [30, 24.5, 39.5 + 1 / 3], atol=1e-4)


def test_saved_utknet_reports_the_median_age_and_keeps_the_mean():
    trained, saved = build_model("utknet", 32), build_model("utknet", 32, inference=True)
    saved.set_weights(trained.get_weights())
    images = np.random.default_rng(1).integers(0, 255, (2, 32, 32, 3), dtype=np.uint8)
    before, after = trained(images), saved(images)
    np.testing.assert_allclose(np.asarray(after["age_mean"]), np.asarray(before["age_out"]), rtol=1e-5)
    np.testing.assert_allclose(np.asarray(after["age_out"]), np.asarray(AgeMedian()(before["age_dist"])), rtol=1e-5)


def test_utkres_is_a_batch_normalised_resnet_at_96_px():
    model = build_model("utkres", 96)
    assert model.count_params() == 1_801_099  # 1.80M
    assert len(_layers_of(model, keras.layers.BatchNormalization)) == 1 + 4 * 3  # stem, then 3 per block
    assert all(not conv.use_bias for conv in _layers_of(model, keras.layers.Conv2D))  # batch norm has the bias


def test_resnet18_baseline_is_the_standard_trunk_with_utkres_heads():
    model = build_model("resnet18", 96)
    assert model.count_params() == 11_246_763  # ResNet-18's 11.2M, with utkres' three heads
    assert len(_layers_of(model, keras.layers.BatchNormalization)) == 1 + 8 * 2 + 3  # stem, 2 per block, 3 projections
    assert set(build_model("resnet18", 32, race_head=True).output) == {"gender_out", "age_dist", "age_out", "race_out"}


def test_utkres_scales_its_input_to_minus_one_to_one():
    scale = build_model("utkres", 32).get_layer("scale")
    np.testing.assert_allclose(np.asarray(scale(np.array([0.0, 255.0]))), [-1.0, 1.0])


def test_architectures_are_registered_by_name():
    assert {"writeup", "utknet", "utkres", "resnet18"} == set(ARCHITECTURES)
    with pytest.raises(ValueError, match="unknown architecture"):
        build_model("nope", 64)


def test_a_race_head_is_refused_where_the_builder_has_none():
    from utk_cnn.training.model import race_head_architectures
    assert race_head_architectures() == ["resnet18", "utkres"]
    with pytest.raises(ValueError, match="race head is only built for resnet18, utkres"):
        build_model("utknet", 32, race_head=True)


def test_seed_is_an_alias_of_the_writeups_network():
    assert build_model("seed", 64).count_params() == build_model("writeup", 64).count_params()


def test_the_cli_offers_exactly_the_registered_architectures():
    from utk_cnn.training.config import ARCH_DEFAULTS
    assert set(ARCH_DEFAULTS) == set(ARCHITECTURES)
