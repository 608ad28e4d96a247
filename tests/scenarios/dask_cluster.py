"""A Dask cluster started by hand, as on several machines: ``dask scheduler``
and ``dask worker ADDRESS --nthreads 1`` processes of this Python's
environment on localhost TCP (free ports), stopped however the test ends."""
from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

START_TIMEOUT_S = 60


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start(command: list[str], log: Path, env: dict) -> subprocess.Popen:
    # a session of its own, so that stopping it also stops the worker a nanny started
    return subprocess.Popen(command, stdout=log.open("w"), stderr=subprocess.STDOUT, env=env,
                            start_new_session=True)


def _stop(process: subprocess.Popen) -> None:
    for sent, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 10)):
        if process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sent)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(wait)


@contextlib.contextmanager
def external_cluster(workers: int, folder: Path, env: dict | None = None):
    """Yield the scheduler's address once ``workers`` workers are connected."""
    from distributed import Client

    dask = str(Path(sys.executable).with_name("dask"))
    address = f"tcp://127.0.0.1:{_free_port()}"
    environment = {**os.environ, **(env or {})}
    processes = []
    try:
        processes.append(_start([dask, "scheduler", "--host", "127.0.0.1", "--port", address.rsplit(":", 1)[1],
                                 "--no-dashboard"], folder / "scheduler.log", environment))
        for k in range(workers):
            processes.append(_start([dask, "worker", address, "--nthreads", "1", "--nworkers", "1",
                                     "--no-dashboard", "--memory-limit", "0",
                                     "--local-directory", str(folder / f"worker{k}")],
                                    folder / f"worker{k}.log", environment))
        with Client(address, timeout=START_TIMEOUT_S) as client:
            client.wait_for_workers(workers, timeout=START_TIMEOUT_S)
        yield address
    finally:
        for process in reversed(processes):
            _stop(process)
