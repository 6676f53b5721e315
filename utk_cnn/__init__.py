"""utk-cnn: age and gender from face photos, videos and webcams, trained on UTKFace.

    from utk_cnn import Predictor, read_image
    predictor = Predictor.load()                      # the shipped model
    predictor.predict_image(read_image("photo.jpg"))  # one dict per face

Importing the package is cheap: predicting runs on onnxruntime, and TensorFlow is imported
only by what trains, evaluates or exports a `.keras` file.
"""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's start-up chatter off stderr, if it comes

__version__ = "0.6.0"
__all__ = ["Predictor", "AgeGender", "read_image", "__version__"]


def __getattr__(name):  # the public API, imported on first use
    if name in ("Predictor", "AgeGender"):
        from . import predict
        return getattr(predict, name)
    if name == "read_image":
        from .images import read_image
        return read_image
    raise AttributeError(f"module 'utk_cnn' has no attribute {name!r}")
