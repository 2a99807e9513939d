"""Two worker processes on localhost train a kit model compiled with the kit's loss and
metric and get the same history as one process on the same global batches:
``tf.distribute.MultiWorkerMirroredStrategy`` on TensorFlow, ``jax.distributed`` with
``keras.distribution.DataParallel`` on JAX (CPU collectives over gloo)."""

from __future__ import annotations

import json
import os
import pathlib
import socket
import subprocess
import sys
import time

import keras
import pytest

SCRIPT = pathlib.Path(__file__).with_name("multi_worker_histories.py")
TIMEOUT_S = 420


def _free_loopback_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def _run_processes(commands):
    """Runs the commands side by side; returns each one's last stdout line as JSON.

    Every process is killed when the time is up or one fails, and always reaped.
    """
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "CUDA_VISIBLE_DEVICES": ""}
    env.pop("XLA_FLAGS", None)  # one CPU device per process, whatever the parent set
    processes = [
        subprocess.Popen(
            [sys.executable, str(SCRIPT), *command],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for command in commands
    ]
    try:
        deadline = time.monotonic() + TIMEOUT_S
        outputs = []
        for process in processes:
            stdout, stderr = process.communicate(timeout=max(deadline - time.monotonic(), 1))
            assert process.returncode == 0, stderr[-3000:]
            outputs.append(json.loads(stdout.strip().splitlines()[-1]))
        return outputs
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
            process.communicate()


@pytest.mark.slow
def test_two_workers_match_one_process(assert_close):
    backend = keras.backend.backend()
    if backend == "tensorflow":
        cluster = {"worker": [f"127.0.0.1:{port}" for port in _free_loopback_ports(2)]}
        configs = [
            json.dumps({"cluster": cluster, "task": {"type": "worker", "index": i}}) for i in (0, 1)
        ]
    elif backend == "jax":
        (port,) = _free_loopback_ports(1)
        configs = [f"127.0.0.1:{port}"] * 2  # the coordinator's address, run by process 0
    else:
        pytest.skip(f"Keras has no multi-process training engine for the {backend} backend")
    start = time.monotonic()
    *workers, single = _run_processes(
        [["worker", "0", configs[0]], ["worker", "1", configs[1]], ["single"]]
    )
    elapsed = time.monotonic() - start
    assert [worker["replicas"] for worker in workers] == [2, 2]
    expected = single["history"]
    assert {"loss", "value_loss", "scores_accuracy"} <= expected.keys()
    print(f"\nmulti-worker wall time {elapsed:.1f} s (two workers and the single run)")
    for key in sorted(expected):
        print(
            f"{key:<16} 1 process {expected[key]}\n{'':<16} 2 workers {workers[0]['history'][key]}"
        )
    for index, worker in enumerate(workers):
        assert worker["history"].keys() == expected.keys()
        for key in expected:
            label = f"{backend} 2 worker processes, worker {index} '{key}' vs one process"
            assert_close(label, worker["history"][key], expected[key])
