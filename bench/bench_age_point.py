"""Which read-out to report: the mean, median or mode of the age distribution, and which
threshold on the female probability?

    python bench/bench_age_point.py --model runs/utknet_v3 --data ../shared/data/UTKFace.tar.gz --split val

Runs the model once on each face and once on its mirror image, averages the two age
distributions (`age_dist`) and prints the age MAE of each point estimate, plus the gender
accuracy, on a run's saved validation (default) or test split. The median is what the
Predictor reports: it minimises the expected absolute error, which is what MAE scores.
`gender_accuracy_by_threshold` (with the error rate on each gender) shows whether a threshold
other than 0.5 would pay. `corrected_mean` asks whether a correction of the mean read-out
fitted on half the faces (a constant shift, or a line fitted by least absolute deviations)
lowers the MAE on the other half: the average over 20 random halvings, both ways.
"""
import argparse
import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402

import utk_cnn  # noqa: E402,F401  (registers the layers our saved models use)
from utk_cnn.evaluation.evaluate import split_records_of  # noqa: E402
from utk_cnn.inference.predictor import resolve_model_path  # noqa: E402
from utk_cnn.training.data import decode_records, labels  # noqa: E402
from utk_cnn.training.model import distribution_median  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", help=".keras file or run folder (default: the shipped model)")
    parser.add_argument("--data", required=True)
    parser.add_argument("--split", choices=["val", "test"], default="val")
    args = parser.parse_args()
    path = resolve_model_path(args.model)
    model = keras.models.load_model(path, compile=False)
    if "age_dist" not in model.output_names:
        raise SystemExit(f"{path}: this model predicts no age distribution")
    images, kept = decode_records(split_records_of(path, args.data, args.split), int(model.inputs[0].shape[1]))
    truth = labels(kept)
    outputs = [model.predict(batch, batch_size=256, verbose=0) for batch in (images, images[:, :, ::-1])]
    dist = (outputs[0]["age_dist"] + outputs[1]["age_dist"]) / 2
    p_female = (outputs[0]["gender_out"][:, 0] + outputs[1]["gender_out"][:, 0]) / 2
    points = {
        "mean": dist @ np.arange(dist.shape[1]),
        "median": np.asarray(distribution_median(dist, np)).ravel(),
        "mode": dist.argmax(axis=1).astype("float32"),
    }
    print(json.dumps({
        "model": str(path), "split": args.split, "n": len(truth["age"]),
        "age_mae": {name: round(float(np.abs(age - truth["age"]).mean()), 3) for name, age in points.items()},
        "gender_accuracy": round(float(((p_female >= 0.5) == (truth["gender"] == 1)).mean()), 4),
        "gender_accuracy_by_threshold": gender_by_threshold(p_female, truth["gender"] == 1),
        "corrected_mean": corrected_mae(points["mean"], truth["age"]),
    }))


def lad_line(x, y, rounds: int = 50):
    """(intercept, slope) minimising the absolute error, by iteratively reweighted least squares."""
    design, weight = np.c_[np.ones_like(x), x], np.ones_like(x)
    for _ in range(rounds):
        beta = np.linalg.lstsq(design * np.sqrt(weight)[:, None], y * np.sqrt(weight), rcond=None)[0]
        weight = 1.0 / np.maximum(np.abs(y - design @ beta), 1.0)
    return beta


def corrected_mae(point, age, repeats: int = 20) -> dict:
    """Held-out MAE of the point as it is, shifted by the median residual, and through a fitted line."""
    scores = {"none": [], "shift": [], "line": []}
    rng = np.random.default_rng(0)
    for _ in range(repeats):
        order = rng.permutation(len(age))
        halves = order[:len(age) // 2], order[len(age) // 2:]
        for fit, held in (halves, halves[::-1]):
            shift = np.median(age[fit] - point[fit])
            intercept, slope = lad_line(point[fit], age[fit])
            scores["none"].append(np.abs(point[held] - age[held]).mean())
            scores["shift"].append(np.abs(point[held] + shift - age[held]).mean())
            scores["line"].append(np.abs(intercept + slope * point[held] - age[held]).mean())
    return {name: round(float(np.mean(values)), 3) for name, values in scores.items()}


def gender_by_threshold(p_female, female) -> dict:
    by_threshold = {}
    for threshold in (0.35, 0.4, 0.45, 0.5, 0.55, 0.6):
        said_female = p_female >= threshold
        by_threshold[threshold] = {"accuracy": round(float(np.mean(said_female == female)), 4),
                                   "male_error": round(float(np.mean(said_female[~female])), 4),
                                   "female_error": round(float(np.mean(~said_female[female])), 4)}
    return by_threshold


if __name__ == "__main__":
    main()
