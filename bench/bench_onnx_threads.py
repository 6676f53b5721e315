"""How onnxruntime's threads should be set up for a photo: the process-wide pool against pools of each session's own.

    python bench/bench_onnx_threads.py [--rounds 12] [--calls 20]

A photo alternates between two networks (YuNet's 640 and 160 px passes and a second look at
a 224 px crop, then ours on a face and its mirror image). Three set-ups, each in a process of
its own, kept alive side by side and asked in turn for --calls of each step, round after round,
so that a machine whose speed drifts treats them alike:

- `global`: one pool for the process, shared by both networks (what utk_cnn/onnx_sessions.py does);
- `own-pools`: each session its own two-thread pool, spinning while it runs, stopping after
  (`session.force_spinning_stop`; without it the two pools spin against each other);
- `small-alone`: as `own-pools`, but the small inputs (160 px pass, second look) on a
  one-thread session, with no pool to wake.

Reports each step's median and 10th percentile over all rounds.
"""
import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
MODES = ("global", "own-pools", "small-alone")
STEPS = {"pass_640": (480, 640), "pass_160": (128, 160), "second_look_224": (224, 224), "network_2_views": None}


def worker(mode: str) -> None:
    import onnxruntime as ort

    sys.path.insert(0, str(ROOT))
    from utk_cnn.faces.detectors.yunet import MODEL_PATH
    from utk_cnn.faces.detectors.yunet_decode import OUTPUT_NAMES
    from utk_cnn.paths import ASSETS

    def make(path, threads):
        options = ort.SessionOptions()
        options.log_severity_level = 3
        if mode == "global":
            options.use_per_session_threads = False
        else:
            options.intra_op_num_threads, options.inter_op_num_threads = threads, 1
            options.add_session_config_entry("session.force_spinning_stop", "1")
        return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    if mode == "global":
        ort.capi._pybind_state.set_global_thread_pool_sizes(2, 1)
    yunet = make(MODEL_PATH, 2)
    small = make(MODEL_PATH, 1) if mode == "small-alone" else yunet
    network = make(ASSETS / "model.onnx", 2)
    faces = np.random.default_rng(0).integers(0, 255, (2, *network.get_inputs()[0].shape[1:]), dtype=np.uint8)
    inputs = {name: np.random.default_rng(1).uniform(0, 255, (1, 3, *size)).astype(np.float32)
              for name, size in STEPS.items() if size}
    steps = {name: (lambda s=(small if size[0] < 400 else yunet), x=inputs[name]: s.run(OUTPUT_NAMES, {"input": x}))
             for name, size in STEPS.items() if size}
    steps["network_2_views"] = lambda: network.run(None, {network.get_inputs()[0].name: faces})
    for step in steps.values():
        for _ in range(10):
            step()
    print("ready", flush=True)
    for line in sys.stdin:
        name, calls = line.split()
        times = []
        for _ in range(int(calls)):
            start = time.perf_counter()
            steps[name]()
            times.append(time.perf_counter() - start)
        print(json.dumps(times), flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--worker", choices=MODES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args.worker)
    procs = {mode: subprocess.Popen([sys.executable, __file__, "--worker", mode], stdin=subprocess.PIPE,
                                    stdout=subprocess.PIPE, text=True) for mode in MODES}
    for proc in procs.values():
        assert proc.stdout.readline().strip() == "ready"
    times = {(mode, step): [] for mode in MODES for step in STEPS}
    for round_ in range(args.rounds):
        for step in STEPS:
            for mode in (MODES if round_ % 2 == 0 else MODES[::-1]):
                procs[mode].stdin.write(f"{step} {args.calls}\n")
                procs[mode].stdin.flush()
                times[mode, step] += json.loads(procs[mode].stdout.readline())
    for proc in procs.values():
        proc.stdin.close()
        proc.wait()
    print(json.dumps({mode: {step: {"median_ms": round(1000 * float(np.median(times[mode, step])), 2),
                                    "p10_ms": round(1000 * float(np.percentile(times[mode, step], 10)), 2)}
                             for step in STEPS} for mode in MODES}, indent=2))


if __name__ == "__main__":
    main()
