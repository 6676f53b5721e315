import numpy as np

from utk_cnn.faces.drawing import draw_faces, face_label


def test_drawing_returns_an_annotated_copy():
    image = np.zeros((100, 100, 3), np.uint8)
    drawn = draw_faces(image, [{"box": [10, 30, 40, 40], "age": 33.0, "gender": "female"}])
    assert drawn.shape == image.shape and drawn.any() and not image.any()


def test_labels_give_age_range_gender_and_track_id():
    assert face_label({"id": 3, "age": 34.2, "age_range": [29.1, 40.6], "gender": "female"}) == "#3 34 (29-41), female"
