"""Training throughput and peak memory: images per second, epoch time, peak resident memory.

    python bench/bench_training.py --data ../shared/data/UTKFace.tar.gz --arch seed --epochs 1

Trains into a temporary run folder (or --out) with the normal code path and prints the
figures; peak memory is the process's maximum resident set size (ru_maxrss), the same
figure `/usr/bin/time -v` reports.
"""
import argparse
import json
import resource
import tempfile
import time
from pathlib import Path

from utk_cnn.training.config import TrainConfig
from utk_cnn.training.train import train


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    parser.add_argument("--arch", default="utknet")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--limit", type=int)
    parser.add_argument("--out")
    args = parser.parse_args()
    out = Path(args.out or tempfile.mkdtemp(prefix="bench-train-")) / "run"
    start = time.time()
    metrics = train(TrainConfig(data=args.data, out=str(out), arch=args.arch, epochs=args.epochs, limit=args.limit),
                    verbose=2)
    total = time.time() - start
    state = json.loads((out / "state.json").read_text())
    config = json.loads((out / "config.json").read_text())
    peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 ** 2
    epochs = state["epoch_seconds"]
    print(json.dumps({
        "arch": args.arch, "image_size": config["image_size"], "epochs": len(epochs),
        "epoch_seconds": [round(e, 1) for e in epochs],
        "train_images_per_second": round(state["train_images"] / (sum(epochs) / len(epochs)), 1),
        "wall_seconds_total": round(total, 1), "peak_rss_gb": round(peak_gb, 2),
        "test_age_mae": round(metrics["age_mae"], 2), "test_gender_accuracy": round(metrics["gender_accuracy"], 4),
        "n_train": metrics["n_train"],
    }, indent=2))


if __name__ == "__main__":
    main()
