"""Would an int8 copy of YuNet search faster? Quantizes it here (nothing is saved) and times both side by side.

    python bench/bench_yunet_int8.py --data ../shared/data/UTKFace.tar.gz [--scenes 24]

onnxruntime's static quantization (QDQ, uint8 activations, int8 weights, per channel and per
tensor), calibrated on synthetic photos and group photos made from validation faces
(bench/synthetic.py), after raising the file's opset to 13 (per-channel needs it). Each copy
then runs at the photo pipeline's input sizes in one process (onnxruntime's shared pool, two
threads), taking turns over five rounds; the median of each is reported.
"""
import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import onnx
import onnxruntime as ort
from onnx import version_converter
from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
from onnxruntime.quantization.shape_inference import quant_pre_process
from synthetic import group_scene, photo_scene, split_chips

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from utk_cnn.faces.detectors.yunet import MODEL_PATH  # noqa: E402
from utk_cnn.faces.detectors.yunet_decode import OUTPUT_NAMES, input_blob  # noqa: E402
from utk_cnn.faces.images import downscale  # noqa: E402
from utk_cnn.inference.predictor import resolve_model_path  # noqa: E402

SIZES = ((480, 640), (128, 160), (224, 224))


class Scenes(CalibrationDataReader):
    def __init__(self, blobs):
        self.blobs = iter(blobs)

    def get_next(self):
        blob = next(self.blobs, None)
        return None if blob is None else {"input": blob}


def calibration_blobs(data: str, count: int) -> list[np.ndarray]:
    chips, _ = split_chips(SimpleNamespace(path=resolve_model_path(None)), data, "val")
    rng, blobs = np.random.default_rng(123), []
    for k in range(count):
        scene, _ = (photo_scene if k % 2 else group_scene)(rng, chips)
        blobs.append(input_blob(downscale(scene, 640)[0], "rgb"))
    return blobs


def median_ms(session, x, calls=60) -> float:
    for _ in range(10):
        session.run(OUTPUT_NAMES, {"input": x})
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        session.run(OUTPUT_NAMES, {"input": x})
        times.append(time.perf_counter() - start)
    return 1000 * float(np.median(times))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    parser.add_argument("--scenes", type=int, default=24)
    args = parser.parse_args()
    blobs = calibration_blobs(args.data, args.scenes)
    with tempfile.TemporaryDirectory() as tmp:
        prepared = f"{tmp}/prepared.onnx"
        quant_pre_process(str(MODEL_PATH), prepared, skip_symbolic_shape=True)
        onnx.save(version_converter.convert_version(onnx.load(prepared), 13), prepared)
        copies = {"float32": str(MODEL_PATH)}
        for name, per_channel in (("int8 per channel", True), ("int8 per tensor", False)):
            copies[name] = f"{tmp}/{name.replace(' ', '_')}.onnx"
            quantize_static(prepared, copies[name], Scenes(blobs), quant_format=QuantFormat.QDQ, per_channel=per_channel,
                            activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8)
        ort.capi._pybind_state.set_global_thread_pool_sizes(2, 1)
        options = ort.SessionOptions()
        options.use_per_session_threads, options.log_severity_level = False, 3
        sessions = {name: ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
                    for name, path in copies.items()}
        rows = {}
        for height, width in SIZES:
            x = np.random.default_rng(0).uniform(0, 255, (1, 3, height, width)).astype(np.float32)
            runs = {name: [] for name in sessions}
            for _ in range(5):
                for name, session in sessions.items():
                    runs[name].append(median_ms(session, x))
            rows[f"{width}x{height}"] = {name: round(float(np.median(v)), 2) for name, v in runs.items()}
    print(json.dumps({"ms_per_pass_median": rows}, indent=2))


if __name__ == "__main__":
    main()
