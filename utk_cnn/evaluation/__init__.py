"""Evaluation: metrics by age band, gender and race, webcam- and phone-like conditions, plots, the sample browser."""
