"""Finding faces in ordinary photos and aligning them to the UTKFace chip geometry.

The model learned from UTKFace "aligned & cropped" chips, so a face from a selfie or a group
photo is warped to look like one: a similarity transform maps its five MTCNN landmarks onto
the mean landmark positions measured on real chips (bench/measure_chip_geometry.py). Every
detector ends in MTCNN's landmark network (ONet); a face given without landmarks is mapped
by its box onto the mean MTCNN box on chips. Images are read with EXIF orientation honoured,
in any of grayscale, RGBA or 16 bits, from any format Pillow reads, phone photos included:
HEIC/HEIF through `pillow-heif`, AVIF natively (Pillow 11.3 and newer).
"""
from __future__ import annotations

import functools
import io
from dataclasses import dataclass

import cv2
import numpy as np
import pillow_heif
from PIL import Image, ImageOps, UnidentifiedImageError

CHIP_SIZE = 200  # UTKFace aligned & cropped images are 200x200
# Mean positions on 400 UTKFace chips, as fractions of the chip side
# (python bench/measure_chip_geometry.py ../shared/data/UTKFace.tar.gz --n 400).
CHIP_LANDMARKS = np.array([[0.2993, 0.2891], [0.6848, 0.2902], [0.4891, 0.5164], [0.3167, 0.6849], [0.6657, 0.6853]])
CHIP_MTCNN_BOX = (0.0788, 0.0006, 0.8187, 0.9589)
MAX_PIXELS = 120_000_000  # refuse anything larger than a 12000x10000 photo
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
pillow_heif.register_heif_opener()  # iPhone photos (HEIC) open like any other format


class ImageError(ValueError):
    """A file or array that cannot be used as an image."""


@dataclass
class Face:
    box: tuple[int, int, int, int]        # x, y, w, h in the input image's pixels
    confidence: float
    landmarks: np.ndarray | None = None   # (5, 2): left eye, right eye, nose, mouth left, mouth right


def to_rgb_uint8(image) -> np.ndarray:
    """Any grayscale, RGB or RGBA array, 8 or 16 bits or float, as uint8 RGB."""
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    if image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] not in (3, 4)) or min(image.shape[:2]) < 1:
        raise ImageError(f"expected an image array (H, W), (H, W, 3) or (H, W, 4), got shape {image.shape}")
    if image.dtype == np.uint16:
        image = (image / 257.0).round().astype(np.uint8)
    elif image.dtype.kind == "f":
        scale = 255.0 if image.max(initial=0) <= 1.0 else 1.0
        image = np.clip(image * scale, 0, 255).round().astype(np.uint8)
    elif image.dtype != np.uint8:
        image = np.clip(image, 0, 255).astype(np.uint8)
    if image.ndim == 2:
        return np.stack([image] * 3, axis=-1)
    return np.ascontiguousarray(image[:, :, :3])


def decode_image_bytes(data: bytes, name: str = "image") -> np.ndarray:
    """uint8 RGB from encoded bytes, EXIF orientation applied; ImageError says what is wrong."""
    if not data:
        raise ImageError(f"{name}: empty file")
    try:
        with Image.open(io.BytesIO(data)) as img:
            img = ImageOps.exif_transpose(img)
            img.load()
            if img.mode in ("I;16", "I;16B", "I;16L", "I"):
                array = np.asarray(img).astype(np.uint16 if img.mode != "I" else np.int64)
                if array.dtype != np.uint16:
                    array = np.clip(array, 0, 65535).astype(np.uint16)
                return to_rgb_uint8(array)
            return to_rgb_uint8(np.asarray(img.convert("RGBA" if "A" in img.mode else "RGB")))
    except Image.DecompressionBombError as err:
        raise ImageError(f"{name}: image too large (over {MAX_PIXELS:,} pixels)") from err
    except UnidentifiedImageError as err:
        raise ImageError(f"{name}: not an image file") from err
    except (OSError, SyntaxError, ValueError) as err:
        raise ImageError(f"{name}: cannot decode image ({err})") from err


def read_image(path) -> np.ndarray:
    try:
        with open(path, "rb") as f:
            data = f.read()
    except IsADirectoryError as err:
        raise ImageError(f"{path}: is a folder, not an image") from err
    except OSError as err:
        raise ImageError(f"{path}: cannot read ({err.strerror})") from err
    return decode_image_bytes(data, str(path))


def _downscale(image: np.ndarray, max_side: int) -> tuple[np.ndarray, float]:
    scale = min(1.0, max_side / max(image.shape[:2]))
    if scale < 1.0:
        size = (max(1, round(image.shape[1] * scale)), max(1, round(image.shape[0] * scale)))
        image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    return image, scale


@functools.lru_cache(maxsize=1)
def mtcnn_stages():
    """MTCNN's PNet, RNet and ONet stages (PyPI `mtcnn`, weights inside the package), built once.

    `mtcnn` calls its networks eagerly, and each eager Keras call costs milliseconds of
    overhead per pyramid level; compiled once with a shape-free signature they cost a fraction
    (a whole 640x480 frame, detection to prediction: 323 ms before, 89 ms after; docs/benchmarks.md).
    """
    import tensorflow as tf
    from mtcnn import MTCNN

    from .model import precision_policy
    with precision_policy("float32"):  # its networks must not pick up a training run's bfloat16
        stages = MTCNN().stages
    for stage in stages:
        stage._model = tf.function(stage._model, input_signature=[tf.TensorSpec((None, None, None, 3), tf.float32)])
    return tuple(stages)


def _mtcnn_input(image: np.ndarray):
    from mtcnn.utils.images import standarize_batch
    return standarize_batch([image.astype(np.float32)], normalize=True)[:2]


def _landmark_faces(image: np.ndarray, candidates: np.ndarray, min_confidence: float) -> list[Face]:
    """ONet on candidate boxes (rows [0, x1, y1, x2, y2, score] in image pixels): scored faces with landmarks."""
    import tensorflow as tf
    onet = mtcnn_stages()[2]
    normalized, shapes = _mtcnn_input(image)
    try:
        rows = onet(bboxes_batch=candidates, images_normalized=normalized, images_oshapes=shapes)
    except tf.errors.InvalidArgumentError:  # mtcnn's way of saying "no candidates left"
        return []
    height, width = image.shape[:2]
    faces = []
    for row in rows:
        if row[5] < min_confidence:
            continue
        x1, y1 = max(0.0, row[1]), max(0.0, row[2])
        x2, y2 = min(width - 1.0, row[3]), min(height - 1.0, row[4])
        marks = row[6:16].reshape(2, 5).T  # mtcnn lists the five x, then the five y
        faces.append(Face((x1, y1, x2 - x1, y2 - y1), float(row[5]), marks))
    return faces


def _in_original_pixels(faces: list[Face], scale: float) -> list[Face]:
    return [Face(tuple(int(round(v / scale)) for v in f.box), f.confidence, f.landmarks / scale) for f in faces]


class MtcnnDetector:
    """MTCNN: boxes and five landmarks, the most accurate of our detectors.

    Only the proposal stages (PNet, RNet) run on the image shrunk to `max_side`; the final
    stage (ONet), which places the landmarks the alignment depends on, sees each candidate in
    the image at up to `refine_side`, so a small proposal image costs little precision.
    Faces smaller than about `max_side / 32` of the long side are not proposed.
    """

    def __init__(self, max_side: int = 640, refine_side: int = 1280, min_confidence: float = 0.9):
        self.max_side, self.refine_side, self.min_confidence = max_side, refine_side, min_confidence
        mtcnn_stages()

    def detect(self, image: np.ndarray) -> list[Face]:
        import tensorflow as tf
        pnet, rnet, _ = mtcnn_stages()
        small, scale = _downscale(image, self.max_side)
        normalized, shapes = _mtcnn_input(small)
        try:
            boxes = pnet(bboxes_batch=None, images_normalized=normalized, images_oshapes=shapes)
            boxes = rnet(bboxes_batch=boxes, images_normalized=normalized, images_oshapes=shapes)
        except tf.errors.InvalidArgumentError:
            return []
        fine, fine_scale = _downscale(image, max(self.max_side, self.refine_side))
        boxes[:, 1:5] *= fine_scale / scale
        return _in_original_pixels(_landmark_faces(fine, boxes, self.min_confidence), fine_scale)


class HaarDetector:
    """OpenCV's frontal-face Haar cascade (ships with opencv-python < 5) proposes, MTCNN's ONet places landmarks.

    The cascade is cheap but gives boxes only, and box-only crops are badly framed; ONet
    re-scores each box (dropping the cascade's false alarms) and adds the five landmarks.
    It misses faces turned or tilted away from frontal more often than MTCNN does.
    """

    def __init__(self, max_side: int = 640, refine_side: int = 1280, min_neighbors: int = 3,
                 min_confidence: float = 0.9):
        self.max_side, self.refine_side = max_side, refine_side
        self.min_neighbors, self.min_confidence = min_neighbors, min_confidence
        self._cascade = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")
        mtcnn_stages()

    def detect(self, image: np.ndarray) -> list[Face]:
        small, scale = _downscale(image, self.max_side)
        gray = cv2.equalizeHist(cv2.cvtColor(small, cv2.COLOR_RGB2GRAY))
        boxes = self._cascade.detectMultiScale(gray, scaleFactor=1.1, minNeighbors=self.min_neighbors, minSize=(24, 24))
        if len(boxes) == 0:
            return []
        fine, fine_scale = _downscale(image, max(self.max_side, self.refine_side))
        x, y, w, h = (np.asarray(boxes, float) * fine_scale / scale).T
        candidates = np.stack([np.zeros_like(x), x, y, x + w, y + h, np.ones_like(x)], axis=1)
        return _in_original_pixels(_landmark_faces(fine, candidates, self.min_confidence), fine_scale)


DETECTORS = {
    "mtcnn": MtcnnDetector,                                    # photos: proposals on 640 px
    "mtcnn-fast": functools.partial(MtcnnDetector, max_side=320),  # webcam: proposals on 320 px
    "haar": HaarDetector,
}


def make_detector(name: str = "mtcnn"):
    if name not in DETECTORS:
        raise ValueError(f"unknown detector {name!r}: use one of {sorted(DETECTORS)}")
    return DETECTORS[name]()


def chip_transform(face: Face) -> np.ndarray:
    """2x3 similarity matrix taking image pixels to a CHIP_SIZE chip: from the landmarks, else from the box."""
    if face.landmarks is not None:
        target = CHIP_LANDMARKS * CHIP_SIZE
        matrix, _ = cv2.estimateAffinePartial2D(face.landmarks.astype(np.float32), target.astype(np.float32),
                                                method=cv2.LMEDS)
        if matrix is not None:
            return matrix
    x, y, w, h = face.box
    bx, by, bw, bh = (v * CHIP_SIZE for v in CHIP_MTCNN_BOX)
    scale = (bw / max(w, 1) + bh / max(h, 1)) / 2
    cx, cy = x + w / 2, y + h / 2
    return np.array([[scale, 0, bx + bw / 2 - scale * cx], [0, scale, by + bh / 2 - scale * cy]])


def align_face(image: np.ndarray, face: Face) -> np.ndarray:
    """A CHIP_SIZE x CHIP_SIZE uint8 crop of `face` in UTKFace geometry."""
    matrix = chip_transform(face)
    scale = float(np.sqrt(abs(np.linalg.det(matrix[:, :2]))))
    if scale < 0.5:  # shrink the face's region first (area filter) so the warp does not alias
        inverse = cv2.invertAffineTransform(matrix)
        corners = np.array([[0, 0, 1], [CHIP_SIZE, 0, 1], [0, CHIP_SIZE, 1], [CHIP_SIZE, CHIP_SIZE, 1]]) @ inverse.T
        x0, y0 = np.maximum(np.floor(corners.min(0)).astype(int) - 2, 0)
        x1, y1 = np.minimum(np.ceil(corners.max(0)).astype(int) + 2, [image.shape[1], image.shape[0]])
        if x1 > x0 and y1 > y0:
            region = image[y0:y1, x0:x1]
            factor = min(1.0, 2 * scale)
            small = cv2.resize(region, (max(1, round(region.shape[1] * factor)), max(1, round(region.shape[0] * factor))),
                               interpolation=cv2.INTER_AREA)
            shift = np.array([[1 / factor, 0, x0], [0, 1 / factor, y0], [0, 0, 1]])
            matrix = np.vstack([matrix, [0, 0, 1]]) @ shift
            matrix, image = matrix[:2], small
    return cv2.warpAffine(image, matrix, (CHIP_SIZE, CHIP_SIZE), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REPLICATE)


def draw_faces(image: np.ndarray, results: list[dict], max_side: int | None = None) -> np.ndarray:
    """A copy of `image` with a box and an '#id age (low-high), gender' label per face, sized to the image.

    `max_side` shrinks the copy first (boxes follow), so a 8000x6000 photo is not sent to a browser.
    """
    canvas, scale = _downscale(to_rgb_uint8(image), max_side) if max_side else (to_rgb_uint8(image), 1.0)
    canvas = canvas.copy()
    unit = max(canvas.shape[:2]) / 640
    thickness = max(1, round(2 * unit))
    font_scale = max(0.4, 0.6 * unit)
    for r in results:
        x, y, w, h = (int(round(v * scale)) for v in r["box"])
        color = (255, 105, 180) if r["gender"] == "female" else (30, 144, 255)
        cv2.rectangle(canvas, (x, y), (x + w, y + h), color, thickness)
        label = face_label(r)
        (tw, th), base = cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, font_scale, thickness)
        ty = y - base - 2 if y - th - base - 4 >= 0 else y + h + th + 2
        tx = max(0, min(x, canvas.shape[1] - tw - 4))  # keep the label inside the image
        cv2.rectangle(canvas, (tx, ty - th - 2), (tx + tw + 4, ty + base), color, -1)
        cv2.putText(canvas, label, (tx + 2, ty), cv2.FONT_HERSHEY_SIMPLEX, font_scale, (255, 255, 255), thickness,
                    cv2.LINE_AA)
    return canvas


def face_label(result: dict) -> str:
    """'34 (29-41), female', with '#id ' in front for a tracked person."""
    label = f"{result['age']:.0f}"
    if result.get("age_range"):
        low, high = result["age_range"]
        label += f" ({low:.0f}-{high:.0f})"
    label += f", {result['gender']}"
    return f"#{result['id']} {label}" if "id" in result else label
