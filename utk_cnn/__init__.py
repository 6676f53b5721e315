"""utk-cnn: age and gender from face photos, trained on UTKFace."""
from .predict import AgeGender, Predictor

__all__ = ["Predictor", "AgeGender"]
__version__ = "0.1.0"
