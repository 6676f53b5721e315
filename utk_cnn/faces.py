"""The face pipeline's public names in one import: reading photos, detectors, alignment, drawing.

Each lives in its own module (images, detectors, alignment, drawing); this one keeps
`from utk_cnn.faces import read_image, draw_faces` working as the README has always shown.
"""
from .alignment import CHIP_SIZE, align_face, chip_transform  # noqa: F401
from .detectors import DEFAULT_DETECTOR, DETECTORS, LANDMARK_NAMES, Face, make_detector  # noqa: F401
from .drawing import draw_faces, face_label  # noqa: F401
from .images import ImageError, decode_image_bytes, read_image, to_rgb_uint8  # noqa: F401
