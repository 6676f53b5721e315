"""The Webcam tab, end to end: annotated frames per second reaching Chromium, and where a frame's time goes.

    python bench/bench_webcam.py [--model assets/model.keras] [--seconds 30] [--detect-every 2]

Starts `python app.py`, opens the Webcam tab in headless Chromium whose camera plays a
640x480 scene with two faces (`tests/scenes.py`, Grace Hopper, public domain), presses start
and counts, in the page, every new frame shown in `#live-estimate` for `--seconds`. Then,
in this process, it times the server's share of one frame on the same scene: decoding the
JPEG the browser sends, detection + alignment + model on a detection frame, a tracking-only
frame, drawing, and encoding the JPEG sent back. The rest of a frame's time is the browser's
capture and encode, the transfers and Gradio's queue.
"""
import argparse
import base64
import io
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from chromium import chrome, start_app, start_webcam  # noqa: E402
from scenes import bounce_period, moving_scene, write_y4m  # noqa: E402

COUNT_FRAMES = """
const target = document.querySelector('#live-estimate');
window.__frames = [];
let last = null;
const note = () => {
  const img = target.querySelector('img');
  if (img && img.src !== last) { last = img.src; window.__frames.push(performance.now()); }
};
new MutationObserver(note).observe(target, {subtree: true, childList: true, attributes: true});
"""


def browser_fps(model, seconds, detect_every):
    with tempfile.TemporaryDirectory() as tmp:
        feed = write_y4m(Path(tmp) / "feed.y4m", moving_scene(bounce_period(2, step=2), faces=2, step=2))
        proc, url = start_app("--webcam-detect-every", str(detect_every), *(["--model", model] if model else []))
        driver = chrome(camera_feed=feed)
        try:
            start_webcam(driver, url)
            time.sleep(8)  # the first frames pay for start-up
            driver.execute_script(COUNT_FRAMES)
            time.sleep(seconds)
            stamps = driver.execute_script("return window.__frames")
            listed = driver.execute_script("return document.querySelector('#live-faces textarea').value")
        finally:
            driver.quit()
            proc.terminate()
            proc.wait(timeout=30)
    gaps = np.diff(stamps) if len(stamps) > 1 else np.array([np.nan])
    return {"frames_shown": len(stamps), "seconds": seconds, "fps": round(len(stamps) / seconds, 1),
            "median_gap_ms": round(float(np.median(gaps)), 1), "people_listed": listed}


def median_ms(fn, repeats=30):
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return round(1000 * float(np.median(times)), 2)


def server_share(model):
    from utk_cnn import Predictor
    from utk_cnn.faces import draw_faces
    from utk_cnn.live import FrameAnnotator
    frames = moving_scene(40, faces=2)
    buf = io.BytesIO()
    Image.fromarray(frames[0]).save(buf, format="JPEG", quality=92)
    data_url = base64.b64encode(buf.getvalue())
    predictor = Predictor.load(model, detector="yunet-fast")
    annotator = FrameAnnotator(predictor, detector="yunet-fast", detect_every=1)
    annotator.step(frames[0])
    people = annotator.step(frames[1])
    tracking = FrameAnnotator(predictor, detector="yunet-fast", detect_every=10 ** 9)
    tracking.step(frames[0])

    def encode():
        Image.fromarray(frames[0]).save(io.BytesIO(), format="JPEG")
    return {
        "decode_jpeg_from_browser_ms": median_ms(lambda: np.asarray(Image.open(io.BytesIO(base64.b64decode(data_url))))),
        "detection_frame_detect_align_model_ms": median_ms(lambda: annotator.step(frames[2])),
        "tracking_only_frame_ms": median_ms(lambda: tracking.step(frames[2])),
        "draw_ms": median_ms(lambda: draw_faces(frames[2], people)),
        "encode_jpeg_back_ms": median_ms(encode),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=None)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--detect-every", type=int, default=2, help="the app's --webcam-detect-every")
    parser.add_argument("--browser-only", action="store_true", help="skip the server-side breakdown")
    args = parser.parse_args()
    browser = browser_fps(args.model, args.seconds, args.detect_every)
    print(json.dumps({"browser": {"detect_every": args.detect_every, **browser}}, indent=2), flush=True)
    if not args.browser_only:
        print(json.dumps({"server_per_frame": server_share(args.model)}, indent=2))


if __name__ == "__main__":
    main()
