"""Workers: `--workers N` serves one port from N processes (SO_REUSEPORT, the kernel spreads
the connections), each a whole instance on the shared Redis bus and MySQL store, so that
one machine's cores are used. This process starts them, passes signals on, and starts
again a worker that dies; it serves nobody itself."""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from types import FrameType
from urllib.parse import urlsplit

from .config import Config
from .probes import split_address

log = logging.getLogger("chatapp.server.workers")

WORKER_ENV = "CHATAPP_WORKER"
"""Set by the supervisor in each worker's environment: the worker's number, from 0."""

START_GRACE = 10.0
"""A worker that ends within this many seconds of its start failed to start (a port in use,
a database that refuses it): the supervisor stops them all rather than loop."""

RESTART_PAUSE = 1.0
POLL = 0.2


def worker_index() -> int | None:
    """This process's worker number, or None where it is not a worker of a supervisor."""
    value = os.environ.get(WORKER_ENV, "")
    return int(value) if value.isdigit() else None


def check(config: Config) -> None:
    """Refuses, with what to do instead, a --workers the other settings cannot serve."""
    if config.workers < 1:
        raise ValueError(f"--workers must be at least 1, not {config.workers}")
    if config.workers == 1:
        return
    n = config.workers
    if urlsplit(config.bus).scheme == "memory":
        raise ValueError(
            f"--workers {n} needs a shared bus: on the in-process bus (memory://) each "
            "worker would be a chat server of its own whose users cannot reach the "
            "others'; use --bus redis://... with --storage mysql://..."
        )
    if urlsplit(config.storage).scheme == "sqlite":
        raise ValueError(
            f"--workers {n} needs a shared store: an SQLite file belongs to one server "
            "process; use --storage mysql://... with --bus redis://..."
        )
    if config.port == 0:
        raise ValueError(f"--workers {n} needs a --port: with 0 each worker would get its own")


def for_worker(config: Config, index: int) -> Config:
    """A worker's config: --metrics ADDRESS:PORT becomes PORT + the worker's number, as
    each worker serves its own /metrics, /healthz and /readyz."""
    if config.metrics is None:
        return config
    host, port = split_address(config.metrics)
    host = f"[{host}]" if ":" in host else host
    return replace(config, metrics=f"{host}:{port + index}")


@dataclass
class Worker:
    index: int
    process: subprocess.Popen[bytes]
    started: float


Spawn = Callable[[int], subprocess.Popen[bytes]]


def spawner(argv: Sequence[str]) -> Spawn:
    """Starts worker `index` as `python -m chatapp.server.cli <argv>`: the same options and
    environment as this process, and its number in CHATAPP_WORKER. Each worker is in a
    process group of its own, so that Ctrl+C reaches the supervisor alone (which passes it
    on once), and on Linux it is sent SIGTERM should the supervisor die."""
    command = [sys.executable, "-m", "chatapp.server.cli", *argv]

    def spawn(index: int) -> subprocess.Popen[bytes]:
        env = {**os.environ, WORKER_ENV: str(index)}
        # The supervisor runs no threads, so a preexec_fn is safe here.
        return subprocess.Popen(
            command,
            env=env,
            start_new_session=True,
            preexec_fn=_die_with_parent,  # noqa: PLW1509
        )

    return spawn


def _die_with_parent() -> None:
    """In the child before exec: SIGTERM when the parent ends (PR_SET_PDEATHSIG, Linux)."""
    if sys.platform.startswith("linux") and (name := ctypes.util.find_library("c")):
        ctypes.CDLL(name).prctl(1, signal.SIGTERM)  # 1: PR_SET_PDEATHSIG


class Supervisor:
    """Runs the workers until a signal; `run` returns the exit code."""

    def __init__(self, count: int, spawn: Spawn, clock: Callable[[], float] = time.monotonic):
        self.count = count
        self._spawn = spawn
        self._clock = clock
        self.workers: dict[int, Worker] = {}
        self._signals = 0

    def _start(self, index: int) -> None:
        process = self._spawn(index)
        self.workers[index] = Worker(index, process, self._clock())
        log.info("worker %d started (pid %d)", index, process.pid)

    def _signalled(self, signum: int, _: FrameType | None) -> None:
        self._signals += 1
        what = "stopping the workers" if self._signals == 1 else "ending their drain"
        log.info("%s received: %s", signal.Signals(signum).name, what)
        self._tell_all(signal.SIGTERM)

    def _tell_all(self, sig: signal.Signals) -> None:
        for worker in self.workers.values():
            if worker.process.poll() is None:
                worker.process.send_signal(sig)

    def run(self) -> int:
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self._signalled)
        for index in range(self.count):
            self._start(index)
        if self._signals:  # one came while they started: those after it heard nothing
            self._tell_all(signal.SIGTERM)
        failed = 0
        while self._signals == 0 and not failed:
            time.sleep(POLL)
            failed = self._look()
        if failed:
            self._tell_all(signal.SIGTERM)
        codes = [worker.process.wait() for worker in self.workers.values()]
        log.info("all %d workers stopped", self.count)
        return failed or (0 if all(code == 0 for code in codes) else 1)

    def _look(self) -> int:
        """Starts again each worker that ended; a code to exit with where one failed at
        its start, else 0."""
        for index, worker in list(self.workers.items()):
            code = worker.process.poll()
            if code is None or self._signals:
                continue
            if self._clock() - worker.started < START_GRACE:
                log.error(
                    "worker %d ended with code %d at its start: stopping (see its log above)",
                    index,
                    code,
                )
                return code or 1
            pid = worker.process.pid
            log.error("worker %d (pid %d) ended with code %d: starting it again", index, pid, code)
            time.sleep(RESTART_PAUSE)
            if self._signals:  # stopping meanwhile: no new worker would hear of it
                return 0
            self._start(index)
        return 0
