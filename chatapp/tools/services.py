"""Private Redis and MariaDB servers on free loopback ports, to stop and restart at will.

A chaos run, or a test that restarts a service, uses these and leaves the machine's own
servers alone.
"""

from __future__ import annotations

import random
import shutil
import socket
import subprocess
import time
from pathlib import Path

_GIVEN: set[int] = set()  # the ports free_port has handed out in this process


def free_port(count: int = 1) -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now (the first of `count`
    consecutive ones, where a server takes the port after its own too).

    Drawn below the kernel's ephemeral range, never twice in one process: a port the
    kernel handed out (bind to 0) is one any outgoing connection may take before the
    server starts, or while it is down between a stop and a start; CI saw both."""
    # (A kernel whose ephemeral range starts lower leaves no such room: then 10000-19999.)
    top = max(min(_ephemeral_low(), 32768), 20_000) - count
    for _ in range(1000):
        first = random.randrange(10_000, top)
        wanted = range(first, first + count)
        if _GIVEN.intersection(wanted) or not all(_bindable(port) for port in wanted):
            continue
        _GIVEN.update(wanted)
        return first
    raise RuntimeError(f"no {count} consecutive free ports between 10000 and {top}")


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _ephemeral_low() -> int:
    """The lowest of the kernel's ephemeral ports (Linux's default where it cannot be read)."""
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def wait_until_accepting(
    port: int, process: subprocess.Popen[bytes], timeout: float, host: str = "127.0.0.1"
) -> None:
    """Returns once host:port accepts; raises if the process exits or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process for {host}:{port} exited with {process.returncode}")
        with socket.socket() as sock:
            sock.settimeout(0.5)
            if sock.connect_ex((host, port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing accepted on {host}:{port} within {timeout} s")


class PrivateServer:
    """A server process of our own on a fixed free port: start, stop (SIGKILL), start again."""

    def __init__(self, workdir: Path, name: str) -> None:
        self.workdir = workdir
        self.name = name
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        workdir.mkdir(parents=True, exist_ok=True)

    def command(self) -> list[str]:
        raise NotImplementedError

    def start(self, timeout: float = 30.0) -> None:
        log = open(self.workdir / f"{self.name}.log", "ab")  # noqa: SIM115
        self.process = subprocess.Popen(self.command(), stdout=log, stderr=subprocess.STDOUT)
        log.close()
        wait_until_accepting(self.port, self.process, timeout)

    def stop(self) -> None:
        """Kills the server at once, as a crash would."""
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


class PrivateRedis(PrivateServer):
    """redis-server keeping nothing on disk, as the machine's own is set up."""

    def __init__(self, workdir: Path) -> None:
        super().__init__(workdir, "redis")

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def command(self) -> list[str]:
        return [
            shutil.which("redis-server") or "redis-server",
            "--port", str(self.port), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "no", "--dir", str(self.workdir),
        ]  # fmt: skip


class PrivateMariaDB(PrivateServer):
    """mariadbd with a data directory of its own; root has no password, on 127.0.0.1 only."""

    def __init__(self, workdir: Path) -> None:
        super().__init__(workdir, "mariadb")
        self.datadir = workdir / "data"

    def url(self, database: str) -> str:
        return f"mysql://root@127.0.0.1:{self.port}/{database}"

    def install(self) -> None:
        """Creates the data directory (once) and starts the server."""
        if not self.datadir.exists():
            subprocess.run(
                [
                    shutil.which("mariadb-install-db") or "mariadb-install-db",
                    "--no-defaults", f"--datadir={self.datadir}", "--user=root",
                    "--auth-root-authentication-method=normal", "--skip-test-db",
                ],
                check=True, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
            )  # fmt: skip
        self.start()

    def command(self) -> list[str]:
        return [
            shutil.which("mariadbd") or "/usr/sbin/mariadbd",
            "--no-defaults", f"--datadir={self.datadir}", "--user=root",
            f"--port={self.port}", "--bind-address=127.0.0.1",
            f"--socket={self.workdir / 'mariadb.sock'}",
            f"--pid-file={self.workdir / 'mariadb.pid'}",
            "--skip-name-resolve", "--innodb-buffer-pool-size=32M",
            "--innodb-log-file-size=16M", "--max-connections=500",
        ]  # fmt: skip

    def create_database(self, name: str) -> None:
        client = shutil.which("mariadb") or shutil.which("mysql") or "mariadb"
        sql = f"CREATE DATABASE IF NOT EXISTS `{name}` CHARACTER SET utf8mb4"
        subprocess.run(
            [client, "--no-defaults", "-uroot", "-h127.0.0.1", f"-P{self.port}",
             "--protocol=tcp", "-e", sql],
            check=True,
        )  # fmt: skip
