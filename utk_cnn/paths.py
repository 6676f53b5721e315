"""Where the shipped files live: `assets/` in a checkout, `utk_cnn/assets/` inside an installed wheel."""
from __future__ import annotations

from importlib import resources
from pathlib import Path


def assets_dir() -> Path:
    """The shipped model, its calibration, metrics and card, and the face detector's weights."""
    installed = Path(str(resources.files("utk_cnn"))) / "assets"
    return installed if installed.is_dir() else Path(__file__).resolve().parent.parent / "assets"


ASSETS = assets_dir()
SHIPPED_MODEL = ASSETS / "model.keras"
DETECTOR_WEIGHTS = ASSETS / "detectors"
