"""Photos per second through `utk-cnn predict`'s engines: local, and Ray with 1 and 2 workers.

    python bench/bench_engines.py [--photos 1000]

The photos are generated: 640x480 JPEGs holding 1-3 copies of Grace Hopper's face (public
domain, matplotlib's sample) at 80-200 px on a textured wall. Each engine runs the whole job
as a user would (model loading, and for Ray starting a local cluster and its workers,
included, each job starting its own workers; Ray itself is started once, timed apart).
`photos_per_s_steady` leaves out each job's start-up: it is (N - 20) photos over the time a
job of N photos takes beyond one of 20.
"""
import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import cv2  # noqa: E402
import numpy as np  # noqa: E402
from photos import face_crop  # noqa: E402
from synthetic import background  # noqa: E402

from utk_cnn.engines import predict_files  # noqa: E402
from utk_cnn.engines.ray_data import start_ray  # noqa: E402


def write_photos(folder: Path, n: int, seed: int = 0) -> list[Path]:
    rng = np.random.default_rng(seed)
    paths = []
    for i in range(n):
        photo = background(rng)
        for k in range(int(rng.integers(1, 4))):
            side = int(rng.integers(80, 201))
            x, y = 20 + 210 * k, int(rng.integers(0, 480 - side))
            photo[y:y + side, x:x + side] = face_crop(side)
        path = folder / f"photo_{i:04d}.jpg"
        cv2.imwrite(str(path), cv2.cvtColor(photo, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 90])
        paths.append(path)
    return paths


def timed(paths: list[Path], warm: int = 20, **options) -> dict:
    """The whole job on `paths`, and on the first `warm` alone: the difference gives the steady rate."""
    start = time.perf_counter()
    predict_files(paths[:warm], **options)
    small = time.perf_counter() - start
    start = time.perf_counter()
    results = predict_files(paths, **options)
    seconds = time.perf_counter() - start
    n = len(results)
    return {"photos": n, "faces": sum(len(r.get("faces", [])) for r in results), "seconds": round(seconds, 1),
            "photos_per_s": round(n / seconds, 1), f"first_{warm}_photos_seconds": round(small, 1),
            "photos_per_s_steady": round((n - warm) / max(1e-9, seconds - small), 1)}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--photos", type=int, default=1000)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        paths = write_photos(Path(tmp), args.photos)
        rows.append({"engine": "local", **timed(paths, engine="local")})
        start = time.perf_counter()
        start_ray()
        ray_start = round(time.perf_counter() - start, 1)
        for workers in (1, 2):
            rows.append({"engine": "ray", "workers": workers, **timed(paths, engine="ray", workers=workers)})
    print(json.dumps({"machine_cpus": os.cpu_count(), "ray_start_seconds": ray_start, "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
