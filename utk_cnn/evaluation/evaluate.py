"""Metrics with the breakdowns people ask for: by age band, gender and race, plus a confusion matrix."""
from __future__ import annotations

import numpy as np

from utk_cnn.inference.calibration import expected_calibration_error, interval_coverage
from utk_cnn.labels import AGE_BANDS, GENDERS, RACES


def band_name(low: int, high: int) -> str:
    return f"{low}+" if high >= 200 else f"{low}-{high}"


def _group(mask, age_true, age_pred, gender_true, gender_pred, age_low=None, age_high=None) -> dict:
    n = int(mask.sum())
    if n == 0:
        return {"n": 0, "age_mae": None, "gender_accuracy": None}
    group = {
        "n": n,
        "age_mae": float(np.abs(age_true[mask] - age_pred[mask]).mean()),
        "gender_accuracy": float((gender_true[mask] == gender_pred[mask]).mean()),
    }
    if age_low is not None and not np.isnan(age_low).any():
        group["age_range_coverage"] = interval_coverage(age_true[mask], age_low[mask], age_high[mask])
        group["age_range_median_width"] = float(np.median(age_high[mask] - age_low[mask]))
    return group


def summarize(age_true, gender_true, race, age_pred, p_female, age_low=None, age_high=None) -> dict:
    """All figures for one set of predictions; gender accuracy is a fraction from 0 to 1.

    With each face's 80% age interval (`age_low`, `age_high`), also the share of true ages
    inside it and its median width, overall and by age band.
    """
    age_true, age_pred = np.asarray(age_true, float), np.asarray(age_pred, float)
    gender_true, race = np.asarray(gender_true).astype(int), np.asarray(race).astype(int)
    gender_pred = (np.asarray(p_female) >= 0.5).astype(int)
    ranges = (None, None) if age_low is None else (np.asarray(age_low, float), np.asarray(age_high, float))
    args = (age_true, age_pred, gender_true, gender_pred, *ranges)
    overall = _group(np.ones_like(age_true, bool), *args)
    confusion = [[int(((gender_true == t) & (gender_pred == p)).sum()) for p in (0, 1)] for t in (0, 1)]
    return {
        **overall,
        "gender_ece": expected_calibration_error(gender_true, p_female) if len(age_true) else None,
        "by_age_band": {band_name(lo, hi): _group((age_true >= lo) & (age_true <= hi), *args) for lo, hi in AGE_BANDS},
        "by_gender": {name: _group(gender_true == i, *args) for i, name in enumerate(GENDERS)},
        "by_race": {name: _group(race == i, *args) for i, name in enumerate(RACES)},
        "gender_confusion": {"rows": "true male, true female", "columns": "predicted male, predicted female",
                             "matrix": confusion},
    }


def summarize_estimates(labels: dict, estimates) -> dict:
    """`summarize` for a split's labels and a Predictor's `Estimates`."""
    return summarize(labels["age"], labels["gender"], labels["race"], estimates.age, estimates.p_female,
                     estimates.age_low, estimates.age_high)


def format_report(metrics: dict) -> str:
    """A plain-text table for the terminal."""
    lines = [f"faces {metrics['n']}   age MAE {metrics['age_mae']:.2f} years   "
             f"gender accuracy {100 * metrics['gender_accuracy']:.1f}%"]
    if "age_range_coverage" in metrics:
        lines.append(f"80% age range: holds {100 * metrics['age_range_coverage']:.1f}% of true ages, "
                     f"median width {metrics['age_range_median_width']:.1f} years")
    if metrics.get("gender_ece") is not None:
        lines.append(f"gender confidence: expected calibration error {metrics['gender_ece']:.3f}")
    lines.append("")
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
    from utk_cnn.io import read_json
    config = model_path.parent / "config.json"
    if not config.exists():
        raise FileNotFoundError(f"{config}: no saved split beside the model; use --split all")
    names = read_json(config).get("split", {}).get(split)
    if not names:
        raise ValueError(f"{config} holds no {split} split; use --split all")
    return {n.rsplit("/", 1)[-1] for n in names}


def split_records_of(model_path, data, split: str = "test"):
    """The records of `data` in a run's saved test or validation split, or all of them (`all`)."""
    from utk_cnn.training.data import DataError, read_records
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


def shared_split(paths: list, split: str) -> None:
    """Raise unless every run saved the same `split` (val or test) beside its model, as scoring them together needs."""
    if split == "all" or len(paths) < 2:
        return
    first = split_names(paths[0], split)
    for path in paths[1:]:
        if split_names(path, split) != first:
            raise ValueError(f"{path}: its {split} split is not {paths[0]}'s; an ensemble is scored on a split its "
                             "members share")


def model_predictor(model=None, split: str = "test", tta: str = "flip"):
    """(Predictor, the path whose saved split is used, its name in reports) for one model or several averaged.

    `model`: a .keras file or run folder (default: the shipped model), or a list of them, which are
    scored as one ensemble (`utk_cnn.inference.ensemble`) on the split they share.
    """
    from utk_cnn.inference.ensemble import load_ensemble
    from utk_cnn.inference.predictor import resolve_model_path
    models = list(model) if isinstance(model, (list, tuple)) else [model]
    paths = [resolve_model_path(m) for m in models]
    shared_split(paths, split)
    return load_ensemble(paths, tta=tta), paths[0], " + ".join(map(str, paths))


def evaluate_model(model=None, data=None, split: str = "test", tta: str = "flip", reliability=None) -> dict:
    """Metrics of a saved model (default: the shipped one), or of several averaged, on a dataset folder or archive.

    `reliability`: a PNG path for the reliability diagram of the gender confidence.
    """
    from utk_cnn.training.data import decode_records, labels
    predictor, path, name = model_predictor(model, split, tta)
    records = split_records_of(path, data, split)
    images, records = decode_records(records, predictor.source_size)
    lab, estimates = labels(records), predictor.estimate(images)
    metrics = summarize_estimates(lab, estimates)
    metrics.update(split=split, model=name, tta=tta)
    if reliability:
        from utk_cnn.evaluation.plots import plot_reliability
        plot_reliability(lab["gender"], estimates.p_female, reliability,
                         title=f"Gender confidence, {split} split ({len(images)} faces): "
                               f"ECE {metrics['gender_ece']:.3f}")
    return metrics


def evaluate_corrupted(model=None, data=None, split: str = "test", tta: str = "flip", corruptions: str = "all",
                       seed: int = 0) -> dict:
    """Clean metrics and, per condition (utk_cnn.evaluation.corruptions), age MAE, gender accuracy and range coverage.

    Conditions are applied to the 200x200 chips, as a camera would, before the model's own resizing.
    """
    from utk_cnn.evaluation.corruptions import corrupt, corruption_names
    from utk_cnn.faces.alignment import CHIP_SIZE
    from utk_cnn.training.data import decode_records, labels
    names = corruption_names(corruptions)
    predictor, path, name = model_predictor(model, split, tta)
    images, records = decode_records(split_records_of(path, data, split), CHIP_SIZE)
    lab = labels(records)
    keys = ("n", "age_mae", "gender_accuracy", "age_range_coverage")
    clean = summarize_estimates(lab, predictor.estimate(images))
    result = {"split": split, "model": name, "tta": tta, "clean": {k: clean.get(k) for k in keys},
              "corrupted": {}}
    for name in names:
        metrics = summarize_estimates(lab, predictor.estimate(corrupt(images, name, seed)))
        result["corrupted"][name] = {k: metrics.get(k) for k in keys}
    rows = result["corrupted"].values()
    result["mean_corrupted"] = {k: float(np.mean([r[k] for r in rows])) for k in keys[1:] if all(r.get(k) is not None
                                                                                             for r in rows)}
    result["worst_age_mae"] = max(rows, key=lambda r: r["age_mae"])["age_mae"]
    return result


def format_corruption_report(result: dict) -> str:
    lines = [f"{'condition':<15} {'age MAE':>8} {'gender acc':>11} {'80% range holds':>16}"]
    for name, r in [("clean", result["clean"]), *result["corrupted"].items(), ("mean corrupted", result["mean_corrupted"])]:
        coverage = f"{100 * r['age_range_coverage']:.1f}%" if r.get("age_range_coverage") is not None else ""
        lines.append(f"{name:<15} {r['age_mae']:>8.2f} {100 * r['gender_accuracy']:>10.1f}% {coverage:>16}")
    return "\n".join(lines)


def calibrate_model(model=None, data=None, split: str = "val", tta: str = "flip", into=None):
    """Fit the age and gender temperatures on a run's validation faces; save them beside `into` (default: the model).

    `into` lets a final refit (which has trained on its validation images) take the temperatures
    of a run of the same recipe that has not.
    """
    from utk_cnn.inference.calibration import fit_calibration, save_calibration
    from utk_cnn.inference.predictor import Predictor, resolve_model_path
    from utk_cnn.training.data import decode_records, labels
    path = resolve_model_path(model)
    predictor = Predictor.load(path, tta=tta)
    images, records = decode_records(split_records_of(path, data, split), predictor.source_size)
    lab = labels(records)
    outputs = predictor.averaged_outputs(images)
    calibration = fit_calibration(outputs.get("age_dist"), outputs["gender_out"].reshape(-1), lab["age"],
                                  lab["gender"], fitted_on=f"{path.parent.name}/{path.name}, {split} split, tta {tta}")
    target = resolve_model_path(into) if into else path
    return calibration, save_calibration(calibration, target)
