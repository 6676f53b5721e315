"""YuNet's two engines side by side: onnxruntime with our decode against cv2.FaceDetectorYN, same file, same images.

    python bench/bench_yunet.py [--threads 1 2] [--calls 100]

One pass at each input size (decode and non-maximum suppression included for both), median
ms after warm-up, on a public-domain portrait resized to the size. Also the whole `yunet`
detector (pyramid and second look) on a 640x480 photo and a 1280x720 group photo, per engine.
"""
import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import cv2  # noqa: E402
import numpy as np  # noqa: E402
from photos import grace_hopper, group_photo  # noqa: E402

from utk_cnn.faces.detectors import make_detector  # noqa: E402
from utk_cnn.faces.detectors.yunet import OnnxYunet, OpenCVYunet, check_model  # noqa: E402

SIZES = ((320, 256), (640, 480), (1280, 736))


def median_ms(fn, arg, calls: int) -> float:
    for _ in range(10):
        fn(arg)
    times = []
    for _ in range(calls):
        t = time.perf_counter()
        fn(arg)
        times.append(time.perf_counter() - t)
    return round(1000 * float(np.median(times)), 2)


def in_fresh_processes(script: str, threads: list[int], extra: list[str]) -> list[dict]:
    """Each thread count's rows, measured in a process of its own: onnxruntime keeps one thread pool per
    process, sized by its first session, so two counts cannot be timed in one."""
    import subprocess
    rows = []
    for count in threads:
        done = subprocess.run([sys.executable, script, "--threads", str(count), *extra], capture_output=True,
                              text=True, check=True)
        rows += json.loads(done.stdout)["rows"]
    return rows


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--calls", type=int, default=100)
    args = parser.parse_args()
    if len(args.threads) > 1:
        rows = in_fresh_processes(__file__, args.threads, ["--calls", str(args.calls)])
        print(json.dumps({"cpu": cpu_name(), "rows": rows}, indent=2))
        return
    path = str(check_model())
    portrait = np.ascontiguousarray(grace_hopper()[:, :, ::-1])
    photo = cv2.resize(grace_hopper(), (640, 480))
    group, _ = group_photo()
    rows = []
    for threads in args.threads:
        cv2.setNumThreads(threads)
        engines = {"onnxruntime": OnnxYunet(path, 0.6, 0.3, threads), "opencv": OpenCVYunet(path, 0.6, 0.3)}
        for width, height in SIZES:
            image = cv2.resize(portrait, (width, height))
            rows.append({"what": f"one pass {width}x{height}", "threads": threads,
                         **{f"{name}_ms": median_ms(run, image, args.calls) for name, run in engines.items()}})
        detectors = {"onnxruntime": make_detector("yunet", threads=threads), "opencv": make_detector("yunet-opencv")}
        for what, image in (("yunet detector, 640x480 photo", photo), ("yunet detector, 1280x720 group", group)):
            rows.append({"what": what, "threads": threads,
                         **{f"{name}_ms": median_ms(d.detect, image, max(10, args.calls // 4))
                            for name, d in detectors.items()}})
    for row in rows:
        row["speed-up"] = round(row["opencv_ms"] / row["onnxruntime_ms"], 2)
    print(json.dumps({"cpu": cpu_name(), "rows": rows}, indent=2))


def cpu_name() -> str:
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip() + f" ({os.cpu_count()} cores)"
    except OSError:
        pass
    return "unknown"


if __name__ == "__main__":
    main()
