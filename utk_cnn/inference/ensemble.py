"""Several trained models as one: their outputs averaged per face, to evaluate them together or teach a student.

Members may take different input sizes: each gets the faces resized to its own. Age
distributions are averaged (so the age is read out of the ensemble's distribution), as are the
female probabilities. The ensemble carries no calibration of its own.
"""
from __future__ import annotations

import numpy as np

from utk_cnn.inference.predictor import Predictor, check_tta, resize_faces, resolve_model_path
from utk_cnn.inference.runtimes import load_runner


class EnsembleRunner:
    """A runner (see `utk_cnn.inference.runtimes`) whose outputs are the mean of its members'."""

    def __init__(self, runners):
        if not runners:
            raise ValueError("an ensemble needs at least one model")
        self.runners = list(runners)
        self.image_size = self.runners[0].image_size
        self.output_names = [n for n in self.runners[0].output_names if all(n in r.output_names for r in self.runners)]
        if "gender_out" not in self.output_names:
            raise ValueError("the models share no gender output; they cannot be averaged")

    def __call__(self, images: np.ndarray) -> dict[str, np.ndarray]:
        outputs = [runner(resize_faces(images, runner.image_size)) for runner in self.runners]
        return {name: np.mean([out[name] for out in outputs], axis=0) for name in self.output_names}


def load_ensemble(paths, tta: str = "flip", threads: int | None = None) -> Predictor:
    """A Predictor over the average of several models (.keras, .onnx or run folders); one model loads as itself."""
    paths = [resolve_model_path(p) for p in paths]
    check_tta(tta)
    if len(paths) == 1:
        return Predictor.load(paths[0], tta=tta, threads=threads)
    runner = EnsembleRunner([load_runner(path, threads=threads) for path in paths])
    return Predictor(runner, paths[0], tta=tta, threads=threads)

