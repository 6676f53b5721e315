"""The history.json and curves.png of a GPU run, from its Keras log (verbose=2) or its history file.

    python tools/history_from_log.py --log train.log --run 2 --out runs/gpu_refit97_s0 --refit
    python tools/history_from_log.py --log refit_s0.history.json --out runs/REFIT --refit

tools/gpu_runs.sh writes one log for several runs, each after a line `== RUN`; `--run` picks one
(its name, or its place counting from 1). tools/train_on_gpu.py also writes `NAME.history.json`.
"""
from __future__ import annotations

import argparse
import re
from pathlib import Path

from utk_cnn.evaluation.plots import plot_curves
from utk_cnn.io import read_json, write_json

METRIC = re.compile(r"(\w+): (-?[\d.]+(?:e-?\d+)?)")


def read_history(lines, run: str | None = None) -> dict[str, list[float]]:
    """Every epoch line's metrics (`... - loss: 9.41 - age_out_mae: 4.19`), of one `== RUN` section."""
    history: dict[str, list[float]] = {}
    section, count = run is None, 0
    for line in lines:
        if line.startswith("== "):
            count += 1
            section = run is None or run in (line[3:].strip(), str(count))
        elif section and re.match(r"\d+/\d+ - ", line):
            for key, value in METRIC.findall(line.split(" - ", 2)[-1]):
                history.setdefault(key, []).append(float(value))
    if not history:
        raise SystemExit(f"no epoch lines found{f' for run {run}' if run else ''}")
    return history


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--log", required=True, type=Path)
    parser.add_argument("--run", help="which `== RUN` section: its name or its place from 1")
    parser.add_argument("--out", required=True, type=Path, help="the run folder")
    parser.add_argument("--refit", action="store_true", help="the run trained on its validation faces too")
    parser.add_argument("--title", default="")
    args = parser.parse_args(argv)
    if args.log.suffix == ".json":
        history = read_json(args.log)
    else:
        history = read_history(args.log.read_text().splitlines(), args.run)
    write_json(args.out / "history.json", history)
    plot_curves(history, args.out / "curves.png", title=args.title, refit=args.refit)
    print(f"{len(history['loss'])} epochs -> {args.out}/history.json, curves.png")


if __name__ == "__main__":
    main()
