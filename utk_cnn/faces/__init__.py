"""Faces: reading photos of any format, the detector registry, alignment onto UTKFace's chip geometry, drawing."""
