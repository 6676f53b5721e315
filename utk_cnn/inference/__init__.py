"""Inference: the Predictor (faces in, calibrated age and gender out), its calibration and its runtimes."""
