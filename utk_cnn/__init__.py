"""utk-cnn: age and gender from face photos, trained on UTKFace."""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's start-up chatter off stderr

from .predict import AgeGender, Predictor

__all__ = ["Predictor", "AgeGender"]
__version__ = "0.1.0"
