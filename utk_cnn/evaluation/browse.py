"""Browsing a dataset split with true and predicted labels, for the app's validation tab.

Images are served from memory as thumbnails, never by path, so the app exposes no file
outside the configured dataset.
"""
from __future__ import annotations

import numpy as np

from utk_cnn.evaluation.evaluate import band_name, split_records_of, summarize_estimates
from utk_cnn.inference.predictor import Predictor
from utk_cnn.labels import AGE_BANDS, GENDERS, RACES

THUMB = 100
ALL = "all"
BANDS = [band_name(lo, hi) for lo, hi in AGE_BANDS]


class SampleBrowser:
    """Predictions for every face of a split, with sorting and filtering."""

    def __init__(self, data: str, predictor: Predictor, split: str = "test"):
        from utk_cnn.training.data import decode_records, labels  # the dataset's decoding runs on tf.data: only once asked for
        records = split_records_of(predictor.path, data, split)
        self.thumbs, records = decode_records(records, THUMB)
        self.names = [r.name.rsplit("/", 1)[-1] for r in records]
        self.labels = labels(records)
        estimates = predictor.estimate(decode_records(records, predictor.source_size)[0])
        self.age_pred, self.p_female = estimates.age, estimates.p_female
        self.metrics = summarize_estimates(self.labels, estimates)

    def __len__(self) -> int:
        return len(self.names)

    def query(self, sort: str = "largest error", band: str = ALL, gender: str = ALL, race: str = ALL,
              limit: int = 60) -> tuple[list, list[list]]:
        """(gallery items [(thumbnail, caption)], table rows) for the faces that pass the filters."""
        age, sex, eth = self.labels["age"], self.labels["gender"].astype(int), self.labels["race"]
        keep = np.ones(len(self), bool)
        if band != ALL:
            lo, hi = AGE_BANDS[BANDS.index(band)]
            keep &= (age >= lo) & (age <= hi)
        if gender != ALL:
            keep &= sex == GENDERS.index(gender)
        if race != ALL:
            keep &= eth == RACES.index(race)
        error = np.abs(self.age_pred - age)
        order = {"largest error": -error, "smallest error": error, "age": age}.get(sort, -error)
        chosen = [i for i in np.argsort(order, kind="stable") if keep[i]][:limit]
        gallery, rows = [], []
        for i in chosen:
            predicted = GENDERS[int(self.p_female[i] >= 0.5)]
            gallery.append((self.thumbs[i], f"true {age[i]:.0f} {GENDERS[sex[i]]} / pred {self.age_pred[i]:.0f} {predicted}"))
            rows.append([self.names[i], int(age[i]), round(float(self.age_pred[i]), 1), round(float(error[i]), 1),
                         GENDERS[sex[i]], predicted, RACES[eth[i]]])
        return gallery, rows
