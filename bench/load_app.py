"""Load test of the app's `predict` endpoint: N concurrent gradio_client calls on loopback.

    python bench/load_app.py --calls 20

Starts app.py on a free local port (shipped model), sends the calls at once from N threads
with matplotlib's public-domain grace_hopper.jpg, and prints success count, p50 and p95
latency. Bounded: N calls, one each, then it stops the app.
"""
import argparse
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import matplotlib.cbook
import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=20)
    args = parser.parse_args()
    from gradio_client import Client, handle_file
    port = free_port()
    env = {**os.environ, "GRADIO_SERVER_PORT": str(port), "GRADIO_ANALYTICS_ENABLED": "False"}
    app = subprocess.Popen([sys.executable, str(ROOT / "app.py")], env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(180):
            try:
                urllib.request.urlopen(url, timeout=2)
                break
            except OSError:
                time.sleep(1)
        photo = matplotlib.cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)
        Client(url, verbose=False, httpx_kwargs={"timeout": 300}).predict(handle_file(str(photo)), api_name="/predict")  # warm-up

        def one_call(_):
            client = Client(url, verbose=False, httpx_kwargs={"timeout": 300})
            start = time.perf_counter()
            image, faces = client.predict(handle_file(str(photo)), api_name="/predict")
            return time.perf_counter() - start, len(faces) == 1

        start = time.perf_counter()
        with ThreadPoolExecutor(args.calls) as pool:
            results = list(pool.map(one_call, range(args.calls)))
        wall = time.perf_counter() - start
        latencies = np.array([r[0] for r in results])
        print(json.dumps({"calls": args.calls, "succeeded": int(sum(r[1] for r in results)),
                          "p50_s": round(float(np.percentile(latencies, 50)), 2),
                          "p95_s": round(float(np.percentile(latencies, 95)), 2),
                          "wall_s": round(wall, 2)}, indent=2))
    finally:
        app.terminate()
        app.wait(timeout=30)


if __name__ == "__main__":
    main()
