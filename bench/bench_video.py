"""Throughput of `utk-cnn predict` on a video: 640x480 frames per second, start-up aside.

    python bench/bench_video.py [--model assets/model.keras] [--frames 150] [--faces 2]

The clip is generated (Grace Hopper, public domain, moving on a wall; `tests/scenes.py`).
Rows: detecting on every frame and on every 2nd and 3rd, each without and with writing the
annotated WebM copy. The model and detector are loaded and warmed up before timing.
"""
import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from scenes import moving_scene, write_clip  # noqa: E402

from utk_cnn import Predictor  # noqa: E402
from utk_cnn.faces.detectors import DEFAULT_DETECTOR  # noqa: E402
from utk_cnn.live.video import predict_video  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=None)
    parser.add_argument("--frames", type=int, default=150)
    parser.add_argument("--faces", type=int, default=2)
    parser.add_argument("--detector", default=DEFAULT_DETECTOR)
    args = parser.parse_args()
    predictor = Predictor.load(args.model, detector=args.detector)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        clip = write_clip(Path(tmp) / "clip.mp4", moving_scene(args.frames, faces=args.faces), fps=30)
        predict_video(write_clip(Path(tmp) / "warm.mp4", moving_scene(5, faces=args.faces)), predictor,
                      out=tmp, progress=False)
        for every in (1, 2, 3):
            for out in (None, tmp):
                t = time.perf_counter()
                result = predict_video(clip, predictor, out=out, detect_every=every, progress=False)
                seconds = time.perf_counter() - t
                rows.append({"detect_every": every, "annotated_copy": bool(out), "frames": result["frames"],
                             "people": len(result["tracks"]), "fps": round(result["frames"] / seconds, 1)})
    print(json.dumps({"model": str(predictor.path), "detector": args.detector, "size": "640x480", "rows": rows},
                     indent=2))


if __name__ == "__main__":
    main()
