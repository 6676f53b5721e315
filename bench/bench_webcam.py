"""The Webcam tab, end to end: estimates drawn per second in Chromium, server CPU per estimate, and where it goes.

    python bench/bench_webcam.py [--mode device|server] [--seconds 20] [--send-side 320] [--detect-every 1]

Starts `python app.py`, opens the Webcam tab in headless Chromium whose camera plays a
640x480 scene with two faces (`tests/scenes.py`, Grace Hopper, public domain), presses
Start camera and, for `--seconds`, counts the estimates drawn (the `data-updates` attribute
of `#live-estimate`, raised once per server result drawn) and reads the app process's CPU
time from /proc: CPU per estimate is the one over the other. Then, in this process, it times
the server's share of one estimate on the same scene: decoding the frame the page sends,
and detection + alignment + model + tracking.

`--mode device` runs both networks in the page instead (`?webcam=device`): it also reports
where a frame's time goes there (detect, align, network, draw; the page's own timings), the bytes
the page uploaded while streaming (Chromium's network log), the files the page downloads and
the time from Start to the first estimate. The first visit's downloads are timed from an
empty cache.
"""
import argparse
import base64
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
from chromium import chrome, open_tab, start_app, uploaded_bytes  # noqa: E402
from scenes import bounce_period, moving_scene, write_y4m  # noqa: E402


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its threads, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def browser_run(seconds: float, send_side: int, detect_every: int, mode: str = "server") -> dict:
    from selenium.webdriver.common.by import By
    with tempfile.TemporaryDirectory() as tmp:
        feed = write_y4m(Path(tmp) / "feed.y4m", moving_scene(bounce_period(2, step=2), faces=2, step=2))
        proc, url = start_app("--webcam-detect-every", str(detect_every))
        driver = chrome(camera_feed=feed)
        try:
            driver.get(f"{url}?webcam={mode}")
            time.sleep(3)
            open_tab(driver, "Webcam")
            driver.execute_script(f"document.querySelector('#live-estimate').dataset.sendSide = '{send_side}'")
            view = driver.find_element(By.ID, "live-estimate")
            pressed = time.perf_counter()
            driver.find_element(By.CSS_SELECTOR, ".live-start").click()
            while int(view.get_attribute("data-updates")) == 0 and time.perf_counter() - pressed < 60:
                time.sleep(0.05)
            first_estimate_s = time.perf_counter() - pressed
            time.sleep(8)  # the first estimates pay for start-up
            uploaded_bytes(driver)
            updates, cpu, start = int(view.get_attribute("data-updates")), cpu_seconds(proc.pid), time.perf_counter()
            time.sleep(seconds)
            updates = int(view.get_attribute("data-updates")) - updates
            cpu, elapsed = cpu_seconds(proc.pid) - cpu, time.perf_counter() - start
            sent, _ = uploaded_bytes(driver)
            listed = driver.find_element(By.ID, "live-faces").text
            timings = json.loads(view.get_attribute("data-timings") or "{}")
            actual_mode = view.get_attribute("data-mode")
        finally:
            driver.quit()
            proc.terminate()
            proc.wait(timeout=30)
    result = {"mode": actual_mode, "send_side": send_side, "detect_every": detect_every, "seconds": round(elapsed, 1),
              "estimates_drawn": updates, "estimates_per_s": round(updates / elapsed, 1),
              "server_cpu_ms_per_estimate": round(1000 * cpu / max(1, updates), 2),
              "server_cpu_share_of_one_core": round(cpu / elapsed, 3), "uploaded_kb_while_streaming": round(sent / 1000, 1),
              "start_to_first_estimate_s": round(first_estimate_s, 2), "people_listed": listed}
    if actual_mode == "device":
        result["page_ms_last_frame"] = {key: round(value, 1) for key, value in timings.items()}
        result["download_mb"] = round(download_bytes() / 1e6, 2)
    return result


def download_bytes() -> int:
    """What device mode downloads once per visit: the runtime's three files and both networks."""
    from utk_cnn.faces.detectors.yunet import MODEL_PATH
    from utk_cnn.paths import SHIPPED_MODEL
    vendor = Path(__file__).resolve().parent.parent / "static" / "vendor" / "onnxruntime-web"
    files = [*vendor.glob("*.mjs"), *vendor.glob("*.wasm"), MODEL_PATH, SHIPPED_MODEL.with_suffix(".onnx")]
    return sum(f.stat().st_size for f in files)


def median_ms(fn, repeats=50) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return round(1000 * float(np.median(times)), 2)


def server_share(send_side: int) -> dict:
    from utk_cnn import Predictor
    from utk_cnn.live.annotator import FrameAnnotator
    from utk_cnn.live.sessions import decode_frame
    frames = [cv2.resize(f, (send_side, send_side * 3 // 4), interpolation=cv2.INTER_AREA)
              for f in moving_scene(60, faces=2)]
    sent = "data:image/jpeg;base64," + base64.b64encode(
        cv2.imencode(".jpg", cv2.cvtColor(frames[0], cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 80])[1]).decode()
    predictor = Predictor.load(detector="yunet-fast")
    annotator = FrameAnnotator(predictor, detect_every=1)
    faces, crops = predictor.faces_and_crops(frames[0])
    steps = iter(frames * 10)
    return {"send_side": send_side, "frame_bytes_base64": len(sent), "faces": len(faces),
            "decode_ms": median_ms(lambda: decode_frame(sent)),
            "detect_and_align_ms": median_ms(lambda: predictor.faces_and_crops(frames[1])),
            "model_ms": median_ms(lambda: annotator.outputs(crops)),  # one view per face (the mirror every other frame)
            "whole_estimate_ms": median_ms(lambda: annotator.step(next(steps)))}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mode", choices=["server", "device"], default="server", help="where the page's estimates run")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--send-side", type=int, default=320, help="long side of the frame the page sends")
    parser.add_argument("--detect-every", type=int, default=1, help="the app's --webcam-detect-every")
    parser.add_argument("--browser-only", action="store_true", help="skip the server-side breakdown")
    args = parser.parse_args()
    print(json.dumps({"browser": browser_run(args.seconds, args.send_side, args.detect_every, args.mode)}, indent=2),
          flush=True)
    if not args.browser_only and args.mode == "server":
        print(json.dumps({"server_per_estimate": server_share(args.send_side)}, indent=2))


if __name__ == "__main__":
    main()
