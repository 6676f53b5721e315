"""The `ray` engine: `predict_path` over many files as a Ray Data job, on one machine or a cluster.

The files' paths become a dataset; `map_batches` hands them to a pool of actors (`FileWorker`),
each of which loads the model once and keeps it. The same code runs on a laptop (a local Ray
is started) and on a cluster (`address`): there every worker must reach the input files and
`out` under the same paths (shared storage) and have utk-cnn installed. Ray is an optional
extra: `pip install -e .[ray]`.
"""
from __future__ import annotations

import json
import logging
import os
import warnings

from tqdm import tqdm

from utk_cnn.engines.files import expand_inputs
from utk_cnn.faces.detectors import DEFAULT_DETECTOR


class FileWorker:
    """One Ray actor: a Predictor loaded once, run on batches of file paths."""

    def __init__(self, model, detector, out, detect_every, threads):
        import cv2
        import tensorflow as tf
        tf.config.threading.set_intra_op_parallelism_threads(threads)  # one core each: workers share the machine
        tf.config.threading.set_inter_op_parallelism_threads(threads)
        cv2.setNumThreads(threads)
        from utk_cnn.inference.predictor import Predictor
        self.predictor = Predictor.load(model, detector=detector)
        self.out, self.detect_every = out, detect_every

    def __call__(self, batch: dict) -> dict:
        from utk_cnn.engines.files import predict_path
        results = [predict_path(path, self.predictor, out=self.out, detect_every=self.detect_every)
                   for path in batch["path"]]
        return {"index": batch["index"], "result": [json.dumps(r) for r in results]}


def start_ray(address: str | None = None):
    """Join the cluster at `address`, or start a local Ray on this machine."""
    try:
        import ray
    except ImportError as err:
        raise ValueError("the ray engine needs Ray: pip install -e .[ray]") from err
    import ray.data
    for name in ("ray", "ray.data"):  # Ray's own start-up and progress notes, not ours
        logging.getLogger(name).setLevel(logging.ERROR)
    if not ray.is_initialized():
        ray.init(address=address, include_dashboard=False, log_to_driver=False, configure_logging=False,
                 runtime_env={"env_vars": {"TF_CPP_MIN_LOG_LEVEL": "3"}})
    return ray


def predict_files(inputs, model=None, detector=DEFAULT_DETECTOR, out=None, detect_every: int = 1,
                  address: str | None = None, workers: int | None = None, threads: int = 1,
                  batch_size: int = 16) -> list[dict]:
    """`local.predict_files`'s results, computed by `workers` actors (default: one per CPU of the cluster)."""
    paths = expand_inputs(inputs)
    if not paths:
        return []
    ray = start_ray(address)
    workers = workers or max(1, int(ray.cluster_resources().get("CPU", 1)) // threads)
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False  # one bar below, counting files, instead of Ray's per-operator bars
    model = os.path.abspath(model) if model else None
    items = [{"index": i, "path": os.path.abspath(p)} for i, p in enumerate(paths)]
    settings = {"model": model, "detector": detector, "out": out, "detect_every": detect_every, "threads": threads}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Ray calls max_restarts a deprecated "remote arg"; it has no other way in
        dataset = ray.data.from_items(items).map_batches(
            FileWorker, fn_constructor_kwargs=settings, batch_size=batch_size, num_cpus=threads,
            compute=ray.data.ActorPoolStrategy(size=min(workers, len(paths))),
            max_restarts=0)  # a worker that dies fails the job with its error, rather than restarting quietly
    results = [None] * len(paths)
    with tqdm(total=len(paths), desc="files", unit="file", disable=None) as bar:
        for row in dataset.iter_rows():
            result = json.loads(row["result"])
            result["path"] = str(paths[row["index"]])  # as the user gave it, like the local engine
            results[row["index"]] = result
            bar.update(1)
    return results
