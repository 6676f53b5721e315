"""Why utknet has no batch norm and trains in bfloat16: training speed of small conv stacks.

    python bench/bench_norm_precision.py

Times training steps (batch 128, 64x64 inputs, random data) of an 8-convolution net with and
without batch normalisation, in float32 and mixed bfloat16, and prints images per second.
"""
import os
import subprocess
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

CASE = """
import os, time, numpy as np, keras
from keras import layers
precision, bn = os.environ["CASE_PRECISION"], os.environ["CASE_BN"] == "1"
keras.mixed_precision.set_global_policy(precision)
x = inputs = keras.Input((64, 64, 3))
x = layers.Conv2D(32, 3, strides=2, padding="same")(x)
for i, width in enumerate((32, 64, 128, 256)):
    for j in range(2):
        x = layers.Conv2D(width, 3, strides=2 if i and not j else 1, padding="same")(x)
        if bn:
            x = layers.BatchNormalization()(x)
        x = layers.ReLU()(x)
model = keras.Model(inputs, layers.Dense(1, dtype="float32")(layers.GlobalAveragePooling2D()(x)))
model.compile("adam", "mse")
data, target = np.random.rand(1024, 64, 64, 3).astype("float32"), np.random.rand(1024, 1).astype("float32")
model.fit(data, target, batch_size=128, epochs=1, verbose=0)
start = time.time()
model.fit(data, target, batch_size=128, epochs=2, verbose=0)
print(f"{2 * 1024 / (time.time() - start):.0f}")
"""


def main():
    print(f"{'precision':<16} {'batch norm':<11} images/s")
    for precision in ("float32", "mixed_bfloat16"):
        for bn in ("1", "0"):
            env = {**os.environ, "CASE_PRECISION": precision, "CASE_BN": bn}
            out = subprocess.run([sys.executable, "-c", CASE], env=env, capture_output=True, text=True, check=True)
            print(f"{precision:<16} {'yes' if bn == '1' else 'no':<11} {out.stdout.strip().splitlines()[-1]}")


if __name__ == "__main__":
    start = time.time()
    main()
    print(f"({time.time() - start:.0f} s)")
