"""Training: UTKFace reading and split, augmentation, the networks, losses, the training loop, export.

The only sub-package that imports TensorFlow and Keras at module level (`pip install utk-cnn[train]`).
"""
