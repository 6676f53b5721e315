"""Confidence people can trust: temperatures fitted on validation faces, saved beside the model.

The model predicts a distribution over ages and a probability of "female". Two numbers make
them honest: an age temperature that widens or narrows the distribution until its central 80%
interval holds 80% of true ages, and a gender temperature on the logit that brings the stated
confidence in line with the accuracy (expected calibration error). Both act after test-time
averaging, so the model file itself is untouched; they live in `<model>.calibration.json`.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from utk_cnn.inference.distribution import distribution_median, distribution_quantile
from utk_cnn.io import read_json, write_json

AGE_RANGE_SHARE = 0.8  # the central interval reported as a face's age range
ECE_BINS = 10


@dataclass
class Calibration:
    age_temperature: float = 1.0     # > 1 widens the age distribution, < 1 sharpens it
    gender_temperature: float = 1.0  # divides the logit of P(female)
    age_readout: str = "median"      # the point estimate: "median" or "mean" of the age distribution
    fitted_on: str = ""              # where the temperatures were fitted, for the record
    report: dict = field(default_factory=dict)

    def age(self, dist: np.ndarray) -> np.ndarray:
        if self.age_temperature == 1.0:
            return dist
        return sharpen(dist, self.age_temperature)

    def point_age(self, dist: np.ndarray) -> np.ndarray:
        """The reported age of each (calibrated) distribution, by the read-out chosen on validation."""
        return point_age(dist, self.age_readout)

    def gender(self, p_female: np.ndarray) -> np.ndarray:
        if self.gender_temperature == 1.0:
            return p_female
        return 1.0 / (1.0 + np.exp(-logit(p_female) / self.gender_temperature))


def calibration_path(model_path: str | Path) -> Path:
    return Path(model_path).with_suffix(".calibration.json")


def load_calibration(model_path: str | Path | None) -> Calibration:
    """The temperatures saved beside a model; none saved means none applied."""
    if model_path is None or not calibration_path(model_path).exists():
        return Calibration()
    return Calibration(**read_json(calibration_path(model_path)))


def save_calibration(calibration: Calibration, model_path: str | Path) -> Path:
    path = calibration_path(model_path)
    write_json(path, asdict(calibration))
    return path


def point_age(dist: np.ndarray, readout: str = "median") -> np.ndarray:
    """The median minimises the expected absolute error when the distribution is shaped by a
    distribution loss; a model trained only through its expectation may score better on its mean."""
    if readout == "median":
        return distribution_median(dist, np).reshape(-1).astype("float32")
    if readout == "mean":
        return (dist @ np.arange(dist.shape[-1], dtype="float32")).reshape(-1).astype("float32")
    raise ValueError(f"unknown age read-out {readout!r}: use median or mean")


def logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(p, "float64"), 1e-6, 1 - 1e-6)
    return np.log(p) - np.log1p(-p)


def sharpen(dist: np.ndarray, temperature: float) -> np.ndarray:
    """A softmax distribution as if its logits were divided by `temperature`."""
    logp = np.log(np.clip(np.asarray(dist, "float64"), 1e-12, None)) / temperature
    logp -= logp.max(axis=-1, keepdims=True)
    out = np.exp(logp)
    return (out / out.sum(axis=-1, keepdims=True)).astype("float32")


def age_interval(dist: np.ndarray, share: float = AGE_RANGE_SHARE) -> tuple[np.ndarray, np.ndarray]:
    """The central `share` interval of each age distribution (N, bins): (low, high) in years."""
    tail = (1 - share) / 2
    low = distribution_quantile(dist, tail, np).reshape(-1)
    high = distribution_quantile(dist, 1 - tail, np).reshape(-1)
    return np.maximum(low, 0.0).astype("float32"), high.astype("float32")


def interval_coverage(age_true, low, high) -> float:
    age_true = np.asarray(age_true, float)
    return float(((age_true >= low) & (age_true <= high)).mean()) if len(age_true) else float("nan")


def reliability_bins(gender_true, p_female, bins: int = ECE_BINS) -> list[dict]:
    """Per equal-width bin of stated confidence (0.5 to 1): its centre, face count, mean confidence and accuracy."""
    confidence, correct = gender_confidence(gender_true, p_female)
    edges = np.linspace(0.5, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    rows = []
    for b in range(bins):
        mask = which == b
        rows.append({"centre": (edges[b] + edges[b + 1]) / 2, "count": int(mask.sum()),
                     "confidence": float(confidence[mask].mean()) if mask.any() else None,
                     "accuracy": float(correct[mask].mean()) if mask.any() else None})
    return rows


def expected_calibration_error(gender_true, p_female, bins: int = ECE_BINS) -> float:
    """Mean gap between stated confidence and accuracy, over equal-width confidence bins, weighted by count."""
    rows = reliability_bins(gender_true, p_female, bins)
    total = sum(r["count"] for r in rows)
    return float(sum(r["count"] / total * abs(r["accuracy"] - r["confidence"]) for r in rows if r["count"]))


def gender_confidence(gender_true, p_female) -> tuple[np.ndarray, np.ndarray]:
    """(confidence in the predicted gender, whether the prediction is right) per face."""
    p = np.asarray(p_female, float)
    predicted = p >= 0.5
    return np.where(predicted, p, 1 - p), (predicted == np.asarray(gender_true).astype(bool)).astype(float)


def fit_age_temperature(dist: np.ndarray, age_true, share: float = AGE_RANGE_SHARE) -> float:
    """The temperature whose central interval covers `share` of the true ages (coverage grows with it)."""
    lo, hi = np.log(0.05), np.log(20.0)
    for _ in range(30):  # bisection on log T
        mid = (lo + hi) / 2
        low, high = age_interval(sharpen(dist, np.exp(mid)), share)
        if interval_coverage(age_true, low, high) < share:
            lo = mid
        else:
            hi = mid
    return float(np.exp((lo + hi) / 2))


def fit_gender_temperature(gender_true, p_female) -> float:
    """The temperature on the logit that minimises the validation log loss."""
    z, y = logit(p_female), np.asarray(gender_true, float)
    grid = np.exp(np.linspace(np.log(0.1), np.log(10.0), 400))

    def nll(t):
        p = np.clip(1 / (1 + np.exp(-z / t)), 1e-7, 1 - 1e-7)
        return -(y * np.log(p) + (1 - y) * np.log(1 - p)).mean()
    return float(grid[np.argmin([nll(t) for t in grid])])


def fit_calibration(dist: np.ndarray | None, p_female: np.ndarray, age_true, gender_true, fitted_on: str) -> Calibration:
    """Both temperatures, and the age read-out, from uncalibrated view-averaged predictions on validation faces.

    The age temperature is fitted first (coverage of the 80% range), then the read-out (median
    or mean) with the lower MAE on the calibrated distributions is kept. The report holds the
    before/after figures.
    """
    age_true = np.asarray(age_true, float)
    calibration = Calibration(gender_temperature=round(fit_gender_temperature(gender_true, p_female), 4),
                              fitted_on=fitted_on)
    report = {"n": int(len(p_female)),
              "gender_ece_before": expected_calibration_error(gender_true, p_female),
              "gender_ece_after": expected_calibration_error(gender_true, calibration.gender(p_female))}
    if dist is not None:
        calibration.age_temperature = round(fit_age_temperature(dist, age_true), 4)
        calibrated = calibration.age(dist)
        maes = {readout: float(np.abs(point_age(calibrated, readout) - age_true).mean())
                for readout in ("median", "mean")}
        calibration.age_readout = min(maes, key=maes.get)
        report.update(age_range_coverage_before=interval_coverage(age_true, *age_interval(dist)),
                      age_range_coverage_after=interval_coverage(age_true, *age_interval(calibrated)),
                      age_mae_by_readout=maes)
    calibration.report = report
    return calibration
