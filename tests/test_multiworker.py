"""Two real `utk-cnn train --strategy multiworker` processes on localhost ports, joined by TF_CONFIG."""
import json
import os
import signal
import socket
import subprocess
import sys
import time

from utk_cnn.cli import main

TRAIN = ["--arch", "utknet", "--image-size", "32", "--batch-size", "2", "--precision", "float32",
         "--strategy", "multiworker"]


def free_ports(n: int) -> list[int]:
    sockets = [socket.socket() for _ in range(n)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def start_workers(data, outs, epochs: int, resume: bool = False) -> list[subprocess.Popen]:
    cluster = {"worker": [f"127.0.0.1:{port}" for port in free_ports(len(outs))]}
    workers = []
    for index, out in enumerate(outs):
        env = {**os.environ, "TF_CONFIG": json.dumps({"cluster": cluster, "task": {"type": "worker", "index": index}}),
               "TF_CPP_MIN_LOG_LEVEL": "3"}
        args = ["--out", str(out), "--epochs", str(epochs)] + (["--resume"] if resume else ["--data", str(data), *TRAIN])
        workers.append(subprocess.Popen([sys.executable, "-m", "utk_cnn", "train", *args], env=env,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True))
    return workers


def finish(workers, timeout=300) -> list[int]:
    """Each worker's exit code, once all have ended (killed after `timeout` s); their last error lines printed."""
    codes = []
    for worker in workers:
        try:
            _, err = worker.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            worker.kill()
            _, err = worker.communicate()
        codes.append(worker.returncode)
        print(err[-1500:])
    return codes


def epochs_done(out) -> int:
    try:
        return json.loads((out / "state.json").read_text())["epoch"]
    except (OSError, ValueError, KeyError):
        return 0


def test_two_workers_train_together_and_only_the_chief_writes_the_model(utk_folder, tmp_path, capsys):
    chief, other = tmp_path / "chief", tmp_path / "worker1"
    assert finish(start_workers(utk_folder, [chief, other], epochs=2)) == [0, 0]
    assert {"model.keras", "history.json", "config.json", "metrics.json"} <= {p.name for p in chief.iterdir()}
    assert not (other / "model.keras").exists() and not (other / "metrics.json").exists()
    assert len(json.loads((chief / "history.json").read_text())["loss"]) == 2
    assert json.loads((chief / "config.json").read_text())["strategy"] == "multiworker"
    capsys.readouterr()
    assert main(["evaluate", "--model", str(chief), "--data", str(utk_folder), "--json"]) == 0
    assert "age_mae" in json.loads(capsys.readouterr().out)


def test_a_killed_worker_and_the_chief_resume_from_the_last_checkpoint(utk_folder, tmp_path):
    chief, other = tmp_path / "chief", tmp_path / "worker1"
    workers = start_workers(utk_folder, [chief, other], epochs=40)
    deadline = time.time() + 240
    while epochs_done(chief) < 2 and time.time() < deadline and workers[0].poll() is None:
        time.sleep(0.2)
    workers[1].send_signal(signal.SIGKILL)  # worker 1 dies mid-run; the chief is left waiting for it
    workers[0].send_signal(signal.SIGKILL)
    finish(workers)
    done = epochs_done(chief)
    before = json.loads((chief / "history.json").read_text())["loss"]
    assert 2 <= done < 40 and len(before) == done
    assert finish(start_workers(utk_folder, [chief, other], epochs=done + 2, resume=True)) == [0, 0]
    after = json.loads((chief / "history.json").read_text())["loss"]
    assert len(after) == done + 2 and after[:done] == before  # nothing lost, nothing trained twice
    assert (chief / "model.keras").exists()
