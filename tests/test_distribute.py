"""MirroredStrategy over two logical CPU devices behaves like single-device training.

Logical devices must be configured before TensorFlow starts, so each run is its own process.
"""
import json
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent("""
    import json, sys
    import tensorflow as tf
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    import keras
    keras.utils.set_random_seed(0)
    from utk_cnn.training.config import TrainConfig
    from utk_cnn.training.optimization import get_strategy
    from utk_cnn.training.train import train
    data, out, strategy = sys.argv[1:4]
    metrics = train(TrainConfig(data=data, out=out, arch="utknet", image_size=32, epochs=2, batch_size=2,
                                val_fraction=0.2, test_fraction=0.2, precision="float32", strategy=strategy),
                    verbose=0)
    print(json.dumps({"replicas": get_strategy(strategy).num_replicas_in_sync, "mae": metrics["age_mae"]}))
""")


def _run(data, out, strategy):
    result = subprocess.run([sys.executable, "-c", SCRIPT, str(data), str(out), strategy],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_mirrored_strategy_splits_batches_over_two_devices_and_trains_alike(utk_folder, tmp_path):
    single = _run(utk_folder, tmp_path / "single", "default")
    mirrored = _run(utk_folder, tmp_path / "mirrored", "mirrored")
    assert single["replicas"] == 1 and mirrored["replicas"] == 2
    history = {name: json.loads((tmp_path / name / "history.json").read_text()) for name in ("single", "mirrored")}
    assert len(history["mirrored"]["loss"]) == len(history["single"]["loss"]) == 2
    # Same data, seed and global-batch rule: the two runs land in the same place.
    assert abs(mirrored["mae"] - single["mae"]) < 0.25 * single["mae"] + 2
    config = json.loads((tmp_path / "mirrored" / "config.json").read_text())
    assert config["strategy"] == "mirrored"
