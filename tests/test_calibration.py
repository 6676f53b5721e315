"""Age ranges and gender confidence that mean what they say."""
import numpy as np
import pytest

from utk_cnn.evaluation.evaluate import summarize
from utk_cnn.inference.calibration import (
    Calibration,
    age_interval,
    expected_calibration_error,
    fit_age_temperature,
    fit_gender_temperature,
    interval_coverage,
    sharpen,
)

BINS = np.arange(117)


def _gaussians(centres, width):
    dist = np.exp(-0.5 * ((BINS[None] - np.asarray(centres, float)[:, None]) / width) ** 2)
    return (dist / dist.sum(1, keepdims=True)).astype("float32")


def test_age_interval_of_a_symmetric_distribution_is_centred_on_it():
    low, high = age_interval(_gaussians([40], 5))
    assert low[0] == pytest.approx(40 - 1.2816 * 5, abs=0.3) and high[0] == pytest.approx(40 + 1.2816 * 5, abs=0.3)


def test_a_higher_temperature_widens_the_interval():
    dist = _gaussians([30, 60], 4)
    narrow, wide = age_interval(dist), age_interval(sharpen(dist, 2.0))
    assert np.all(wide[1] - wide[0] > narrow[1] - narrow[0])


def test_fitted_age_temperature_makes_an_overconfident_model_cover_80_percent():
    rng = np.random.default_rng(0)
    truth = rng.integers(10, 90, 4000)
    centres = truth + rng.normal(0, 8, truth.size)         # errors of 8 years ...
    dist = _gaussians(centres, 3)                          # ... stated as 3
    assert interval_coverage(truth, *age_interval(dist)) < 0.5
    t = fit_age_temperature(dist, truth)
    assert interval_coverage(truth, *age_interval(sharpen(dist, t))) == pytest.approx(0.8, abs=0.02)


def test_fitted_gender_temperature_cuts_the_calibration_error_of_an_overconfident_model():
    rng = np.random.default_rng(1)
    truth = rng.integers(0, 2, 5000)
    true_logit = np.where(truth == 1, 1.5, -1.5) + rng.normal(0, 1.5, truth.size)
    p = 1 / (1 + np.exp(-3 * true_logit))                   # three times too sure
    t = fit_gender_temperature(truth, p)
    calibrated = Calibration(gender_temperature=t).gender(p)
    assert t > 1.5 and expected_calibration_error(truth, calibrated) < 0.5 * expected_calibration_error(truth, p)


def test_expected_calibration_error_is_zero_when_confidence_matches_accuracy():
    truth = np.array([1] * 9 + [0] + [0] * 7 + [1] * 3)   # 90% right at 0.9, 70% right at 0.7
    p = np.array([0.9] * 10 + [0.3] * 10)
    assert expected_calibration_error(truth, p) == pytest.approx(0.0, abs=1e-9)


def test_summary_reports_coverage_and_width_by_age_band():
    metrics = summarize([30, 31, 70], [0, 1, 1], [0, 0, 0], [30, 33, 60], [0.2, 0.8, 0.6],
                        age_low=[25, 32, 65], age_high=[35, 40, 75])
    assert metrics["age_range_coverage"] == pytest.approx(2 / 3)
    assert metrics["by_age_band"]["30-39"]["age_range_median_width"] == pytest.approx(9)
    assert metrics["gender_ece"] is not None


def test_calibration_keeps_the_read_out_with_the_lower_validation_error():
    from utk_cnn.inference.calibration import fit_calibration
    rng = np.random.default_rng(2)
    truth = rng.integers(20, 60, 2000).astype(float)
    skewed = 0.7 * _gaussians(truth - 6, 3) + 0.3 * _gaussians(truth + 14, 3)  # mean right, median 6 years low
    calibration = fit_calibration(skewed, np.full(truth.size, 0.5), truth, rng.integers(0, 2, truth.size), "test")
    assert calibration.age_readout == "mean"
    assert calibration.report["age_mae_by_readout"]["mean"] < calibration.report["age_mae_by_readout"]["median"]


def test_reliability_diagram_is_a_png(tmp_path):
    from utk_cnn.evaluation.plots import plot_reliability
    rng = np.random.default_rng(3)
    plot_reliability(rng.integers(0, 2, 300), rng.random(300), tmp_path / "rel.png")
    assert (tmp_path / "rel.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
