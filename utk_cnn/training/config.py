"""All knobs in one place: a training run is fully described by a `TrainConfig`."""
from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path

from utk_cnn.labels import AGE_BANDS, GENDERS, RACES  # noqa: F401  (kept importable from the config)

DEFAULT_ARCH = "utkres"
# flip: the write-up's; full: flip, shift, zoom, rotation, brightness, contrast; photo: full, with half
# the uncovered borders filled flat rather than mirrored; crop: flip, pad and random crop, brightness;
# robust: photo with rotations up to 20 degrees, then webcam and phone conditions (augment.random_conditions);
# robust_wide: robust with zoom-outs to 80% of the face's size (looser detector crops) and masks twice as often.
AUGMENT_MODES = ("none", "flip", "full", "photo", "crop", "robust", "robust_wide")
CONDITION_SHARE = 0.25  # robust: the share of each batch put under a condition (chosen on validation)
DISTILL_WEIGHT = 0.5  # with teachers: their share of the age-distribution and gender targets
CONFIG_VERSION = 4  # the run-config format; runs saved in earlier formats still resume (`upgraded`)
# Options a resumed run may change: where the data lives and how long to train, not what is trained.
RESUME_OVERRIDES = ("data", "epochs", "time_limit_min")

# Per-architecture defaults. `writeup` is the original write-up's two-branch CNN, reproduced as
# written; `utknet` a norm-free CNN at 64 px; `utkres` (the default) a batch-normalised ResNet at
# 96 px, trained with webcam and phone conditions on a quarter of each batch, looser crops and more
# masks (`robust_wide`), a moving average of its weights and an auxiliary race head.
_COMMON = dict(warmup_steps=None, min_lr_fraction=0.01, age_mae_weight=1.0, age_dist_weight=0.0,
               dedupe_train=True, ema_momentum=0.0, race_weight=0.0)
ARCH_DEFAULTS = {
    "writeup": dict(_COMMON, image_size=128, epochs=50, batch_size=32, learning_rate=1e-3, optimizer="adam",
                 patience=20, augment="flip", precision="float32", weight_decay=0.0, gender_weight=1.0),
    "utknet": dict(_COMMON, image_size=64, epochs=45, batch_size=64, learning_rate=2e-3, optimizer="adamw",
                   patience=45, augment="photo", precision="auto", weight_decay=5e-4,
                   gender_weight=1.0, age_mae_weight=0.1, age_dist_weight=1.0),
    "utkres": dict(_COMMON, image_size=96, epochs=40, batch_size=64, learning_rate=2e-3, optimizer="adamw",
                   patience=40, augment="robust_wide", precision="float32", weight_decay=1e-4,
                   gender_weight=10.0, warmup_steps=300, min_lr_fraction=0.0, dedupe_train=False,
                   age_dist_weight=1.0, ema_momentum=0.999, race_weight=1.0),
}
# The ResNet-18 baseline (model.build_resnet18) trains on utkres' recipe, so only the trunk differs,
# but without the weight average: it fits a quarter of utkres' epochs in the hour, and an average of
# the last thousand steps would reach back into its first epochs.
ARCH_DEFAULTS["resnet18"] = dict(ARCH_DEFAULTS["utkres"], ema_momentum=0.0)
ARCH_ALIASES = {"seed": "writeup"}  # the write-up's network was first called `seed`; old runs still resume


@dataclass
class TrainConfig:
    data: str
    out: str
    arch: str = DEFAULT_ARCH
    image_size: int | None = None
    epochs: int | None = None
    batch_size: int | None = None
    learning_rate: float | None = None
    optimizer: str | None = None          # "adam" (write-up) or "adamw" (warm-up + cosine decay)
    weight_decay: float | None = None
    gender_weight: float | None = None    # weight of the gender loss against the age losses
    age_mae_weight: float | None = None   # weight of the MAE of the expected age, in years
    age_dist_weight: float | None = None  # weight of the label-distribution loss on the age bins (0: none)
    ema_momentum: float | None = None     # keep a moving average of the weights (e.g. 0.999) and ship it (0: off)
    race_weight: float | None = None      # weight of an auxiliary race head's loss (0: no head); never shipped
    warmup_steps: int | None = None       # AdamW's linear warm-up from 0 (None: two epochs)
    min_lr_fraction: float | None = None  # the cosine decay ends at this fraction of the peak rate
    patience: int | None = None           # EarlyStopping on val_loss, best weights restored
    augment: str | None = None            # "flip" (write-up), "full" (flip, shift, zoom, rotate, colour),
                                          # "photo" (full, half the uncovered borders flat-filled) or
                                          # "crop" (flip, pad 10% and random crop, brightness) or
                                          # "robust" (photo, tilts to 20 degrees, webcam/phone conditions)
                                          # or "robust_wide" (robust, zoom-outs to 80%, masks twice as often)
    condition_share: float = CONDITION_SHARE  # robust: the share of each batch put under a webcam/phone condition
    precision: str | None = None          # "float32", "mixed_bfloat16", "mixed_float16" or "auto"
    seed: int = 0                         # weight initialisation, shuffling and augmentation
    split_seed: int = 0                   # the train/val/test split: keep it to compare runs on one test split
    val_fraction: float = 0.1
    test_fraction: float = 0.1
    limit: int | None = None              # use only N images (quick runs)
    time_limit_min: float | None = None   # no epoch starts that would end past this wall-clock budget (0: none)
    dedupe_train: bool | None = None      # byte-identical training images: keep one, drop conflicting genders
    train_on_val: bool = False            # final refit: train on train + validation, keep the last epoch
                                          # (validation curves then show seen images; test stays unseen)
    teachers: list = field(default_factory=list)  # runs (or .keras files) to distil from (training.distill)
    distill_weight: float = DISTILL_WEIGHT  # the teachers' share of the age-distribution and gender targets
    init_from: str | None = None          # a trained run (or .keras file) whose weights this run starts from
    strategy: str = "default"             # tf.distribute: "default", "mirrored" or "multiworker"
    split: dict = field(default_factory=dict)  # filled in by training: the file names of val and test
    config_version: int = CONFIG_VERSION  # the format this config was saved in

    def resolved(self) -> "TrainConfig":
        """Fill every option left as None from the architecture's defaults."""
        arch = ARCH_ALIASES.get(self.arch, self.arch)
        if arch not in ARCH_DEFAULTS:
            raise ValueError(f"unknown architecture {self.arch!r}; choose one of {sorted(ARCH_DEFAULTS)}")
        defaults = ARCH_DEFAULTS[arch]
        filled = {k: (defaults[k] if getattr(self, k) is None and k in defaults else getattr(self, k))
                  for k in (f.name for f in dataclasses.fields(self))}
        return TrainConfig(**{**filled, "arch": arch})

    def to_json(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> "TrainConfig":
        data = upgraded(data)
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    @classmethod
    def load(cls, path: str | Path) -> "TrainConfig":
        return cls.from_json(json.loads(Path(path).read_text()))


def upgraded(data: dict) -> dict:
    """A run config of any earlier format in today's, each missing option set to what that run trained with."""
    version = data.get("config_version") or _format_without_version(data)
    if version < 2:  # format 1: `seed` also chose the split
        data = {**data, "split_seed": data.get("seed", 0)}
    if version < 3:  # format 2: `robust` put half of each batch under a condition
        data = {**data, "condition_share": 0.5}
    if version < 4:  # format 3 may lack the weight average and the race head: neither was used then
        data = {"ema_momentum": 0.0, "race_weight": 0.0, **data}
    return {**data, "config_version": CONFIG_VERSION}


def _format_without_version(data: dict) -> int:
    """The format of a config saved before configs carried their version, told by the options it has."""
    if "split_seed" not in data:
        return 1
    return 2 if "condition_share" not in data else 3
