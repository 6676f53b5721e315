"""The write-up's four learning curves, as a PNG people can glance at."""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from .io import atomic_path  # noqa: E402

PANELS = (
    ("gender_out_loss", "Gender loss"),
    ("gender_out_accuracy", "Gender accuracy"),
    ("age_out_loss", "Age loss"),
    ("age_out_mae", "Age MAE (years)"),
)


def plot_curves(history: dict, path: str | Path, title: str = "") -> None:
    """Training vs validation for each of the four metrics; missing metrics leave a blank panel."""
    fig, axes = plt.subplots(2, 2, figsize=(10, 7))
    for ax, (key, label) in zip(axes.flat, PANELS):
        for prefix, style in (("", "-"), ("val_", "--")):
            values = history.get(prefix + key)
            if values:
                ax.plot(range(1, len(values) + 1), values, style, label="validation" if prefix else "training")
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
