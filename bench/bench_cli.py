"""What a command-line user waits for: `utk-cnn --help`, `--version` and `predict photo.jpg --json`, wall time and peak memory.

    python bench/bench_cli.py [--runs 5]

Each command runs in a fresh interpreter (as a user's shell would start it), --runs times;
the median wall time and the largest peak resident memory of the child are reported. The
photo is matplotlib's public-domain `grace_hopper.jpg`. Also whether predicting imported
TensorFlow or Keras (it should not).
"""
import argparse
import json
import resource
import subprocess
import sys
import time

import numpy as np

from utk_cnn.examples import example_photo


def run(args: list[str]) -> tuple[float, float, str]:
    """(wall seconds, peak MB of the child, stdout) of one `python -m utk_cnn ARGS`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "utk_cnn", *args], capture_output=True, text=True, check=True)
    wall = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # the largest child so far (kB)
    return wall, max(peak, before) / 1024, done.stdout


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    rows = []
    for command in (["--help"], ["--version"], ["predict", example_photo(), "--json"]):
        walls, peaks = [], []
        for _ in range(args.runs):
            wall, peak, _ = run(command)
            walls.append(wall)
            peaks.append(peak)
        rows.append({"command": "utk-cnn " + " ".join(c if not c.endswith(".jpg") else "photo.jpg" for c in command),
                     "wall_s_median": round(float(np.median(walls)), 3), "peak_mb_max": round(max(peaks), 1)})
    probe = ("import sys; from utk_cnn import Predictor, read_image; "
             f"Predictor.load().predict_image(read_image({example_photo()!r})); "
             "print(sorted({m.split('.')[0] for m in sys.modules} & {'tensorflow', 'keras'}))")
    imported = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.strip()
    print(json.dumps({"rows": rows, "predicting_imports": imported}, indent=2))


if __name__ == "__main__":
    main()
