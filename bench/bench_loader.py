"""Our tf.data input pipeline against the write-up's loader, on the same images.

    python bench/bench_loader.py --data ../shared/data/UTKFace.tar.gz --n 5000 --size 128

The first N well-named images of the archive are written to a scratch folder (the write-up
reads a folder). Each loader then runs in a fresh process, so its peak resident memory is its
own, and reports:
  - load: seconds (and images per second) from files on disk to a dataset ready to iterate;
  - iterate: images per second over two epochs of shuffled batches of 32, as `model.fit` reads them;
  - peak RSS of the whole process.

The write-up's loader is copied faithfully (seed/age-gender-cnn.md, "Data processing"): cv2.imread
per file, pixels divided by 255.0 into Python lists of float64 arrays, then
`tf.data.Dataset.from_tensor_slices`. The write-up feeds 128x128 inputs without showing a resize,
so a cv2.resize to --size is added after imread. Ours: `utk_cnn.training.data` (bytes read once,
decoded and resized in parallel in the graph, uint8 images gathered by index).
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

BATCH = 32


def writeup_loader(folder: str, size: int):
    """The write-up's code, with only the resize added."""
    import cv2
    import tensorflow as tf
    filenames = sorted(f for f in os.listdir(folder) if f.lower().endswith(".jpg"))
    images, age_labels, gender_labels = [], [], []
    for current_file_name in filenames:
        img = cv2.imread(os.path.join(folder, current_file_name))
        img = cv2.resize(img, (size, size))
        img = img / 255.0  # Normalize pixel values
        labels = current_file_name.split("_")
        age_labels.append(int(labels[0]))
        gender_labels.append(int(labels[1]))
        images.append(img)
    ds = tf.data.Dataset.from_tensor_slices((images, {"gender_out": gender_labels, "age_out": age_labels}))
    return ds.shuffle(len(images)).batch(BATCH), len(images)


def our_loader(folder: str, size: int):
    from utk_cnn.training import data as utk_data
    records = utk_data.read_records(folder)
    images, kept = utk_data.decode_records(records, size)
    ds = utk_data.make_dataset(images, utk_data.labels(kept), ["gender_out", "age_out"], BATCH, training=True, augment="none")
    return ds, len(images)


def run_child(name: str, folder: str, size: int) -> dict:
    t = time.perf_counter()
    ds, n = {"write-up": writeup_loader, "utk_cnn": our_loader}[name](folder, size)
    load_s = time.perf_counter() - t
    seen, t = 0, time.perf_counter()
    for _ in range(2):
        for images, _targets in ds:
            seen += int(images.shape[0])
    iterate_s = time.perf_counter() - t
    return {"loader": name, "images": n, "load_s": round(load_s, 1), "load_images_per_s": round(n / load_s),
            "iterate_images_per_s": round(seen / iterate_s),
            "peak_rss_gb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 2)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", help="UTKFace folder or archive")
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_child(args.child, args.folder, args.size)))
        return
    from utk_cnn.training.data import read_records
    with tempfile.TemporaryDirectory() as folder:
        for record in read_records(args.data, limit=args.n):
            (Path(folder) / Path(record.name).name).write_bytes(record.data)
        rows = []
        for name in ("write-up", "utk_cnn"):
            out = subprocess.run([sys.executable, __file__, "--child", name, "--folder", folder,
                                  "--size", str(args.size)], capture_output=True, text=True, check=True)
            rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
            print(json.dumps(rows[-1]), flush=True)


if __name__ == "__main__":
    main()
