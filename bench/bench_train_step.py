"""Where a training epoch's time goes: the model's step (with and without XLA) and the input pipeline.

    python bench/bench_train_step.py [--arch utkres] [--augment robust] [--batches 40]

Each case runs in its own process on random uint8 faces at the architecture's size:
- `step`: fit on images already in memory, no augmentation, `jit_compile` off (Keras' default on
  CPUs) and on (XLA);
- `pipeline`: only the tf.data input pipeline of training (gather, shuffle, augmentation), no model;
- `fit`: the two together, as training runs them.
Prints training images per second for each; the pipeline's share of an epoch is what `fit` loses
against `step`.
"""
import argparse
import os
import subprocess
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

CASE = """
import sys, time
import numpy as np
from utk_cnn.training.config import TrainConfig
from utk_cnn.training.data import make_dataset
from utk_cnn.training.model import build_model
from utk_cnn.training.optimization import compile_model
case, arch, augment, batches, jit = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5] == "1"
cfg = TrainConfig(data="", out="", arch=arch, augment=augment).resolved()
n = cfg.batch_size * batches
rng = np.random.default_rng(0)
images = rng.integers(0, 256, (n, cfg.image_size, cfg.image_size, 3), dtype=np.uint8)
lab = {"age": rng.integers(1, 90, n).astype("float32"), "gender": rng.integers(0, 2, n).astype("float32"),
       "race": rng.integers(0, 5, n).astype("int32")}
model = build_model(arch, cfg.image_size)
compile_model(model, cfg)
model.jit_compile = jit
ds = make_dataset(images, lab, model.output_names, cfg.batch_size, training=True,
                    augment="none" if case == "step" else cfg.augment,
                    condition_share=cfg.condition_share)
if case == "pipeline":
    for _ in ds: pass
    start = time.time()
    for _ in range(2):
        for _ in ds: pass
else:
    if case == "step":
        ds = ds.cache()  # batches computed once: the timed epochs are the model's steps alone
    model.fit(ds, epochs=1, verbose=0)
    start = time.time()
    model.fit(ds, epochs=2, verbose=0)
print(f"{2 * n / (time.time() - start):.0f}")
"""


def run_case(case: str, args, jit: bool) -> str:
    out = subprocess.run([sys.executable, "-c", CASE, case, args.arch, args.augment, str(args.batches), "1" if jit else "0"],
                         capture_output=True, text=True)
    if out.returncode:
        return "failed: " + (out.stderr.strip().splitlines() or ["?"])[-1][:120]
    return out.stdout.strip().splitlines()[-1]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--arch", default="utkres")
    parser.add_argument("--augment", default="robust")
    parser.add_argument("--batches", type=int, default=40)
    parser.add_argument("--cases", default="step,step-xla,pipeline,fit,fit-xla")
    args = parser.parse_args()
    print(f"{args.arch}, augment {args.augment}, {args.batches} batches, {os.cpu_count()} CPUs")
    print(f"{'case':<10} images/s")
    for name in args.cases.split(","):
        case, _, xla = name.partition("-")
        print(f"{name:<10} {run_case(case, args, jit=xla == 'xla')}", flush=True)


if __name__ == "__main__":
    start = time.time()
    main()
    print(f"({time.time() - start:.0f} s)")
