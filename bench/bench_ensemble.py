"""What averaging the predictions of several trained runs would buy, on a split they share.

    python bench/bench_ensemble.py --data ../shared/data/UTKFace.tar.gz \
        runs/utknet_v3 runs/utknet_v2 runs/utknet runs/utknet_b128 runs/utknet_gw2b

Each run predicts its saved validation (default) or test split with flip averaging, as the
Predictor does; then every pair, every triple and all runs together are scored with the age
averaged over runs (mean of the per-run medians) and the female probability averaged. The
runs must share the split (same seed and fractions); a run refit on validation images must
not be scored on them. Prints one JSON line per combination and a summary per size.
"""
import argparse
import itertools
import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

from utk_cnn.evaluation.evaluate import split_names, split_records_of, summarize  # noqa: E402
from utk_cnn.inference.predictor import Predictor, resolve_model_path  # noqa: E402
from utk_cnn.training.data import decode_records, labels  # noqa: E402


def score(age, p_female, truth) -> dict:
    figures = summarize(truth["age"], truth["gender"], truth["race"], age, p_female)
    return {"age_mae": round(figures["age_mae"], 3), "gender_accuracy": round(figures["gender_accuracy"], 4)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("runs", nargs="+", help="run folders trained on the same split")
    parser.add_argument("--data", required=True)
    parser.add_argument("--split", choices=["val", "test"], default="val")
    args = parser.parse_args()
    paths = [resolve_model_path(run) for run in args.runs]
    if len({frozenset(split_names(p, args.split)) for p in paths}) != 1:
        raise SystemExit(f"the runs do not share their {args.split} split")
    predictions, truth = {}, None
    for run, path in zip(args.runs, paths):
        predictor = Predictor.load(path, tta="flip")
        images, kept = decode_records(split_records_of(path, args.data, args.split), predictor.source_size)
        run_truth = labels(kept)
        if truth is not None and not np.array_equal(run_truth["age"], truth["age"]):
            raise SystemExit(f"{run}: its faces come in another order")
        truth = run_truth
        predictions[run] = predictor.predict_arrays(images)
    for size in sorted({1, 2, 3, len(args.runs)} & set(range(1, len(args.runs) + 1))):
        scores = []
        for combo in itertools.combinations(args.runs, size):
            age = np.mean([predictions[r][0] for r in combo], axis=0)
            p_female = np.mean([predictions[r][1] for r in combo], axis=0)
            scores.append(score(age, p_female, truth))
            print(json.dumps({"runs": combo, **scores[-1]}))
        maes, accs = [s["age_mae"] for s in scores], [s["gender_accuracy"] for s in scores]
        print(json.dumps({"size": size, "combinations": len(scores), "age_mae_mean": round(float(np.mean(maes)), 3),
                          "age_mae_range": [min(maes), max(maes)], "gender_accuracy_mean": round(float(np.mean(accs)), 4),
                          "gender_accuracy_range": [min(accs), max(accs)]}))


if __name__ == "__main__":
    main()
