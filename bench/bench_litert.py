"""LiteRT (`ai-edge-litert`) against the deprecated `tf.lite.Interpreter` on the same flatbuffer.

    python bench/bench_litert.py [--model assets/model.keras] [--calls 300] [--rounds 5]

Per batch size (1 face, and 2: one face with its mirror image, the default flip averaging),
the median milliseconds per call after warm-up, and the largest difference between the two
interpreters' outputs. The two are timed in alternating rounds, so a busy spell on the
machine hits both alike; the figure is the median over rounds.
"""
import argparse
import json
import os
import time
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from ai_edge_litert.interpreter import Interpreter  # noqa: E402

from utk_cnn.predict import resolve_model_path  # noqa: E402


def runner(interpreter_class, flatbuffer):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        interpreter = interpreter_class(model_content=flatbuffer, num_threads=min(4, os.cpu_count() or 1))
    run = interpreter.get_signature_runner()
    (name,) = run.get_input_details()
    return lambda images: run(**{name: images})


def median_ms(call, images, calls):
    for _ in range(20):
        call(images)
    times = []
    for _ in range(calls):
        t = time.perf_counter()
        call(images)
        times.append(time.perf_counter() - t)
    return round(1000 * float(np.median(times)), 3)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=None)
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    path = resolve_model_path(args.model)
    flatbuffer = path.with_suffix(".tflite").read_bytes()
    litert, legacy = runner(Interpreter, flatbuffer), runner(tf.lite.Interpreter, flatbuffer)
    size = int(Interpreter(model_content=flatbuffer).get_input_details()[0]["shape"][1])
    rows = []
    for batch in (1, 2):
        images = np.random.default_rng(0).integers(0, 255, (batch, size, size, 3), dtype=np.uint8)
        new_out, old_out = litert(images), legacy(images)
        diff = max(float(np.abs(np.asarray(new_out[k]) - np.asarray(old_out[k])).max()) for k in new_out)
        rounds = [(median_ms(litert, images, args.calls), median_ms(legacy, images, args.calls))
                  for _ in range(args.rounds)]
        rows.append({"batch": batch, "litert_ms": round(float(np.median([r[0] for r in rounds])), 3),
                     "tf_lite_ms": round(float(np.median([r[1] for r in rounds])), 3),
                     "max_output_difference": diff})
    print(json.dumps({"model": str(path), "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
