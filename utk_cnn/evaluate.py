"""Metrics with the breakdowns people ask for: by age band, gender and race, plus a confusion matrix."""
from __future__ import annotations

import numpy as np

from .config import AGE_BANDS, GENDERS, RACES


def band_name(low: int, high: int) -> str:
    return f"{low}+" if high >= 200 else f"{low}-{high}"


def _group(mask, age_true, age_pred, gender_true, gender_pred) -> dict:
    n = int(mask.sum())
    if n == 0:
        return {"n": 0, "age_mae": None, "gender_accuracy": None}
    return {
        "n": n,
        "age_mae": float(np.abs(age_true[mask] - age_pred[mask]).mean()),
        "gender_accuracy": float((gender_true[mask] == gender_pred[mask]).mean()),
    }


def summarize(age_true, gender_true, race, age_pred, p_female) -> dict:
    """All figures for one set of predictions; gender accuracy is a fraction from 0 to 1."""
    age_true, age_pred = np.asarray(age_true, float), np.asarray(age_pred, float)
    gender_true, race = np.asarray(gender_true).astype(int), np.asarray(race).astype(int)
    gender_pred = (np.asarray(p_female) >= 0.5).astype(int)
    args = (age_true, age_pred, gender_true, gender_pred)
    overall = _group(np.ones_like(age_true, bool), *args)
    confusion = [[int(((gender_true == t) & (gender_pred == p)).sum()) for p in (0, 1)] for t in (0, 1)]
    return {
        **overall,
        "by_age_band": {band_name(lo, hi): _group((age_true >= lo) & (age_true <= hi), *args) for lo, hi in AGE_BANDS},
        "by_gender": {name: _group(gender_true == i, *args) for i, name in enumerate(GENDERS)},
        "by_race": {name: _group(race == i, *args) for i, name in enumerate(RACES)},
        "gender_confusion": {"rows": "true male, true female", "columns": "predicted male, predicted female",
                             "matrix": confusion},
    }


def format_report(metrics: dict) -> str:
    """A plain-text table for the terminal."""
    lines = [f"faces {metrics['n']}   age MAE {metrics['age_mae']:.2f} years   "
             f"gender accuracy {100 * metrics['gender_accuracy']:.1f}%", ""]
    for title, key in (("age band", "by_age_band"), ("gender", "by_gender"), ("race", "by_race")):
        lines.append(f"{title:<10} {'n':>6} {'age MAE':>8} {'gender acc':>11}")
        for name, g in metrics[key].items():
            if g["n"]:
                lines.append(f"{name:<10} {g['n']:>6} {g['age_mae']:>8.2f} {100 * g['gender_accuracy']:>10.1f}%")
        lines.append("")
    (mm, mf), (fm, ff) = metrics["gender_confusion"]["matrix"]
    lines += ["gender confusion   pred male  pred female", f"true male        {mm:>10} {mf:>12}",
              f"true female      {fm:>10} {ff:>12}"]
    return "\n".join(lines)


def split_names(model_path, split: str = "test") -> set[str]:
    """File names (base names) of a split (test or val) saved beside a run's model."""
    from .io import read_json
    config = model_path.parent / "config.json"
    if not config.exists():
        raise FileNotFoundError(f"{config}: no saved split beside the model; use --split all")
    names = read_json(config).get("split", {}).get(split)
    if not names:
        raise ValueError(f"{config} holds no {split} split; use --split all")
    return {n.rsplit("/", 1)[-1] for n in names}


def split_records_of(model_path, data, split: str = "test"):
    """The records of `data` in a run's saved test or validation split, or all of them (`all`)."""
    from .data import DataError, read_records
    if split not in ("test", "val", "all"):
        raise ValueError(f"unknown split {split!r}: use test, val or all")
    records = read_records(data)
    if split == "all":
        return records
    wanted = split_names(model_path, split)
    records = [r for r in records if r.name.rsplit("/", 1)[-1] in wanted]
    if not records:
        raise DataError(f"{data}: none of the run's {split} images are in this dataset; use --split all")
    return records


def evaluate_model(model=None, data=None, split: str = "test", tta: str = "flip") -> dict:
    """Metrics of a saved model (default: the shipped one) on a dataset folder or archive."""
    from .data import decode_records, labels
    from .predict import Predictor, resolve_model_path
    path = resolve_model_path(model)
    records = split_records_of(path, data, split)
    predictor = Predictor.load(path, tta=tta)
    images, records = decode_records(records, predictor.source_size)
    lab = labels(records)
    age, p_female = predictor.predict_arrays(images)
    metrics = summarize(lab["age"], lab["gender"], lab["race"], age, p_female)
    metrics.update(split=split, model=str(path), tta=tta)
    return metrics
