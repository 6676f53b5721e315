"""The default engine: every file in turn, in this process, with a progress bar."""
from __future__ import annotations

from tqdm import tqdm

from utk_cnn.engines.files import expand_inputs, predict_path
from utk_cnn.faces.detectors import DEFAULT_DETECTOR
from utk_cnn.inference.predictor import Predictor


def predict_files(inputs, model=None, detector=DEFAULT_DETECTOR, out=None, detect_every: int = 1) -> list[dict]:
    predictor = Predictor.load(model, detector=detector)
    return [predict_path(path, predictor, out=out, detect_every=detect_every)
            for path in tqdm(expand_inputs(inputs), desc="files", unit="file", disable=None)]
