"""utk-cnn: age and gender from face photos, trained on UTKFace."""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's start-up chatter off stderr

from .io import native_stderr_silenced  # noqa: E402

with native_stderr_silenced():  # TensorFlow's C++ start-up lines ignore TF_CPP_MIN_LOG_LEVEL
    import keras  # noqa: F401
    import tensorflow

    tensorflow.config.list_physical_devices()  # probes for CUDA, which logs when there is none

from . import model  # noqa: E402,F401  registers AgeMedian: `import utk_cnn` lets keras.models.load_model read our files
from .predict import AgeGender, Predictor  # noqa: E402

__all__ = ["Predictor", "AgeGender"]
__version__ = "0.1.0"
