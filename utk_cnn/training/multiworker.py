"""Training on several machines: what MultiWorkerMirroredStrategy needs beyond `model.fit`.

Every worker runs the same `utk-cnn train` command with its own TF_CONFIG and its own --out.
The chief (worker 0, or the task of type "chief") writes the run's results; the others keep
only their checkpoints. On start and on --resume every worker takes the chief's weights,
optimizer state and progress, so the cluster restarts from the chief's last checkpoint even
when another worker died before writing its own.
"""
from __future__ import annotations

import math

import keras
import tensorflow as tf

STATE_FIELDS = ("epoch", "best_epoch", "wait", "elapsed_s", "best_val_loss")


def is_multiworker(strategy: tf.distribute.Strategy) -> bool:
    return isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy)


def is_chief(strategy: tf.distribute.Strategy) -> bool:
    """Whether this process writes the run's results: always, except on a cluster's other workers."""
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or not resolver.task_type:
        return True
    if resolver.task_type == "chief":
        return True
    return resolver.task_type == "worker" and resolver.task_id == 0 and "chief" not in resolver.cluster_spec().jobs


def prepare_for_multiworker(model: keras.Model, dataset: tf.data.Dataset, strategy: tf.distribute.Strategy) -> None:
    """Work around the two places where Keras 3's `fit` breaks under MultiWorkerMirroredStrategy.

    Both are keras-team/keras#20585 ("Attempt to convert a value (PerReplica...)"):
    1. `fit` builds the losses, metrics and optimizer from the first *distributed* batch, which
       it averages across workers eagerly, outside a step, where collectives cannot run. The
       batch is only read for its shapes, so one local batch does the same job beforehand.
    2. Each step's logs are averaged across workers with `reduce("MEAN", axis=0)`, which
       fails on scalars: the steps here return each log as a one-element vector instead.
    """
    with strategy.scope():
        model._symbolic_build(data_batch=next(iter(dataset)))
    model._maybe_symbolic_build = lambda iterator=None, data_batch=None: None
    for name in ("train_step", "test_step"):
        step = getattr(model, name)
        setattr(model, name, lambda data, step=step: {k: tf.reshape(v, [-1])[:1] for k, v in step(data).items()})


def from_chief(strategy: tf.distribute.Strategy, values: list) -> list[tf.Tensor]:
    """The chief's copy of each value (tensors or variables), on every worker: a broadcast as an
    all-reduce, to which the chief contributes its values and every other worker zeros."""
    chief = is_chief(strategy)

    @tf.function
    def broadcast():
        def replica():
            context = tf.distribute.get_replica_context()
            own = [tf.cast(tf.convert_to_tensor(v), tf.float64) for v in values]
            return [context.all_reduce("sum", x if chief else tf.zeros_like(x)) for x in own]
        return strategy.run(replica)

    return [strategy.experimental_local_results(v)[0] for v in broadcast()]


def chief_decides(strategy: tf.distribute.Strategy, flag: bool) -> bool:
    """The chief's answer to a yes/no question (stop training now?), so no worker waits alone."""
    return bool(from_chief(strategy, [tf.constant(float(flag))])[0] > 0.5)


def sync_with_chief(model: keras.Model, strategy: tf.distribute.Strategy, state: dict) -> None:
    """Give every worker the chief's weights, optimizer state and progress (`state`'s STATE_FIELDS)."""
    variables = list(model.weights) + list(model.optimizer.variables)
    numbers = [tf.constant(min(float(state[k]), 1e300), tf.float64) for k in STATE_FIELDS]  # inf would not survive a sum
    values = from_chief(strategy, variables + numbers)
    for variable, value in zip(variables, values):
        variable.assign(tf.cast(value, variable.dtype))
    for key, value in zip(STATE_FIELDS, values[len(variables):]):
        value = float(value)
        state[key] = math.inf if value >= 1e300 else (int(value) if key in ("epoch", "best_epoch", "wait") else value)
