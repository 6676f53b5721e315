"""utk-cnn: age and gender from face photos, videos and webcams, trained on UTKFace.

    from utk_cnn import Predictor, read_image
    predictor = Predictor.load()                      # the shipped model
    predictor.predict_image(read_image("photo.jpg"))  # one dict per face

The sub-packages, by role: `faces` (reading photos, detectors, alignment, drawing),
`inference` (the Predictor, calibration, runtimes), `live` (tracking, video, webcam
sessions), `engines` (many files, here or on Ray), `evaluation` and `training` (which alone
import TensorFlow). Importing the package is cheap: names below load on first use.
"""
import importlib
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's start-up chatter off stderr, if it comes

__version__ = "0.14.0"

PUBLIC = {  # name -> the module that defines it
    "Predictor": "utk_cnn.inference.predictor",
    "AgeGender": "utk_cnn.inference.predictor",
    "read_image": "utk_cnn.faces.images",
    "draw_faces": "utk_cnn.faces.drawing",
    "make_detector": "utk_cnn.faces.detectors",
    "FrameAnnotator": "utk_cnn.live.annotator",
    "predict_video": "utk_cnn.live.video",
}
__all__ = [*PUBLIC, "__version__"]


def __getattr__(name):
    if name in PUBLIC:
        return getattr(importlib.import_module(PUBLIC[name]), name)
    raise AttributeError(f"module 'utk_cnn' has no attribute {name!r}")
