"""UTKFace's labels, as its file names give them: what training reads and evaluation reports by."""

GENDERS = ("male", "female")  # label 0, 1
RACES = ("White", "Black", "Asian", "Indian", "Others")  # label 0..4
AGE_BANDS = ((0, 2), (3, 12), (13, 19), (20, 29), (30, 39), (40, 49), (50, 59), (60, 69), (70, 200))
