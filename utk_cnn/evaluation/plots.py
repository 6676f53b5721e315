"""Four learning curves (gender loss and accuracy, age distribution loss and MAE), as a PNG people can glance at."""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from utk_cnn.io import atomic_path  # noqa: E402

PANELS = (
    ("gender_out_loss", "Gender loss"),
    ("gender_out_accuracy", "Gender accuracy"),
    ("age_dist_loss", "Age distribution loss"),  # networks without an age distribution leave this panel blank
    ("age_out_mae", "Age MAE (years)"),
)


def series_label(prefix: str, refit: bool = False) -> str:
    """The legend name of a history series. A final refit trains on its validation faces too, so there
    that series shows faces it has seen, and says so."""
    if not prefix:
        return "training"
    return "validation faces (seen in training)" if refit else "validation"


def plot_curves(history: dict, path: str | Path, title: str = "", refit: bool = False) -> None:
    """Training vs validation for each of the four metrics; missing metrics leave a blank panel."""
    fig, axes = plt.subplots(2, 2, figsize=(10, 7))
    for ax, (key, label) in zip(axes.flat, PANELS):
        for prefix, style in (("", "-"), ("val_", "--")):
            values = history.get(prefix + key)
            if values:
                ax.plot(range(1, len(values) + 1), values, style, label=series_label(prefix, refit))
        ax.set_title(label)
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
        if ax.has_data():
            ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=100, format="png")
    plt.close(fig)


def plot_reliability(gender_true, p_female, path: str | Path, title: str = "", bins: int = 10) -> None:
    """Reliability diagram of the gender confidence: accuracy against stated confidence, per bin, with counts."""
    from utk_cnn.inference.calibration import expected_calibration_error, reliability_bins
    rows = reliability_bins(gender_true, p_female, bins)
    filled = [r for r in rows if r["count"]]
    width = 0.5 / bins * 0.9
    fig, (ax, hist) = plt.subplots(2, 1, figsize=(5.5, 6.5), gridspec_kw={"height_ratios": [3, 1]}, sharex=True)
    ax.plot([0.5, 1], [0.5, 1], ":", color="grey", label="perfect calibration")
    ax.bar([r["centre"] for r in filled], [r["accuracy"] for r in filled], width=width, alpha=0.6,
           label="accuracy in bin")
    ax.plot([r["confidence"] for r in filled], [r["accuracy"] for r in filled], "o-", color="C3",
            label="mean confidence vs accuracy")
    ax.set_ylabel("accuracy")
    ax.set_ylim(0.4, 1.0)
    ax.set_title(title or f"Gender confidence (ECE {expected_calibration_error(gender_true, p_female):.3f})")
    ax.legend(loc="upper left")
    ax.grid(alpha=0.3)
    hist.bar([r["centre"] for r in rows], [r["count"] for r in rows], width=width, color="grey")
    hist.set_xlabel("stated confidence in the predicted gender")
    hist.set_ylabel("faces")
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=100, format="png")
    plt.close(fig)
