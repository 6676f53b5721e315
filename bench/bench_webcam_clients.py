"""Many webcam visitors at once: N simulated clients against `python app.py`, each sending what the page sends.

    python bench/bench_webcam_clients.py [--clients 1 2 4 8] [--seconds 15]

Each client is a thread that does what static/webcam.js does: it posts a 320x240 JPEG data
URL of the current frame (a 640x480 scene with two faces, tests/scenes.py, Grace Hopper,
public domain) to the app's `gradio_api/live/estimate` route (utk_cnn/live/routes.py) and,
when the answer comes back, sends the next frame. Reported per number of clients: estimates per second per client
(mean and slowest), latency p50/p95, clients told the webcam is busy, and the app process's
CPU time per estimate. The clients run on the same 2 cores as the server.
"""
import argparse
import json
import os
import sys
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import httpx  # noqa: E402
import numpy as np  # noqa: E402
from bench_webcam import cpu_seconds  # noqa: E402
from chromium import start_app  # noqa: E402
from live_client import estimate, frame_data_url, stop  # noqa: E402
from scenes import moving_scene  # noqa: E402


def frames_sent(count: int = 60) -> list[str]:
    """What the page sends: the camera frame at 320x240 as a JPEG data URL (quality 0.8)."""
    return [frame_data_url(frame) for frame in moving_scene(count, faces=2)]


def client(url, frames, seconds, out):
    visitor = uuid.uuid4().hex
    latencies, statuses = [], []
    with httpx.Client(timeout=30) as http:
        end, i = time.perf_counter() + seconds, 0
        while time.perf_counter() < end:
            start = time.perf_counter()
            result = estimate(url, visitor, frames[i % len(frames)], http)
            latencies.append(time.perf_counter() - start)
            statuses.append(result["status"])
            if result["status"] != "ok":
                break
            i += 1
        stop(url, visitor, http)
    out.append({"estimates": statuses.count("ok"), "busy": "busy" in statuses, "latencies": latencies})


def run(url, pid, frames, clients, seconds) -> dict:
    results = []
    cpu = cpu_seconds(pid)
    threads = [threading.Thread(target=client, args=(url, frames, seconds, results)) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    cpu = cpu_seconds(pid) - cpu
    served = [r for r in results if not r["busy"]]
    rates = [r["estimates"] / seconds for r in served]
    latencies = np.concatenate([r["latencies"] for r in served]) if served else np.array([np.nan])
    total = sum(r["estimates"] for r in served)
    return {"clients": clients, "served": len(served), "told_busy": clients - len(served),
            "estimates_per_s_per_client_mean": round(float(np.mean(rates)), 1) if rates else 0,
            "estimates_per_s_per_client_min": round(float(np.min(rates)), 1) if rates else 0,
            "latency_ms_p50": round(1000 * float(np.percentile(latencies, 50)), 1),
            "latency_ms_p95": round(1000 * float(np.percentile(latencies, 95)), 1),
            "server_cpu_ms_per_estimate": round(1000 * cpu / max(1, total), 1)}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument("--seconds", type=float, default=15)
    args = parser.parse_args()
    frames = frames_sent()
    proc, url = start_app()
    url = url.rstrip("/")
    try:
        run(url, proc.pid, frames, 1, 3)  # warm-up
        rows = [run(url, proc.pid, frames, n, args.seconds) for n in args.clients]
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    print(json.dumps({"machine_cpus": os.cpu_count(), "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
