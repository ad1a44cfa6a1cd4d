"""The partition lab: Redis, MariaDB and two chat server instances, each in a network
namespace of its own (netlab.py), and the links between them:

- instance i <-> Redis, instance i <-> MariaDB: what an instance is cut off from;
- instance i <-> the root namespace: its clients (through the FaultProxy there);
- the root namespace <-> Redis and <-> MariaDB: the tests' own look, never cut.

Redis and MariaDB run for the whole session; each test starts its instances on a database
and a key prefix of its own.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from pathlib import Path

from chatapp.tools.services import wait_until_accepting

from .netlab import ROOT, Link, NetLab

REDIS_PORT, MYSQL_PORT, CHAT_PORT, METRICS_PORT = 6379, 3306, 7000, 9100
INSTANCES = 2


def stop(process: subprocess.Popen[bytes] | None, sig: int = signal.SIGTERM) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(sig)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class Lab:
    """The session's namespaces, links and services."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.net = NetLab()
        self.redis: subprocess.Popen[bytes] | None = None
        self.mariadb: subprocess.Popen[bytes] | None = None
        self.to_redis: list[Link] = []
        self.to_mysql: list[Link] = []
        self.to_clients: list[Link] = []

    def start(self) -> None:
        net = self.net
        net.open()
        for host in ("redis", "mysql", *(f"i{k}" for k in range(INSTANCES))):
            net.host(host)
        for k in range(INSTANCES):
            self.to_redis.append(net.link(f"i{k}", "redis"))
            self.to_mysql.append(net.link(f"i{k}", "mysql"))
            self.to_clients.append(net.link(f"i{k}", ROOT))
        self.admin_redis = net.link(ROOT, "redis").far.address
        self.admin_mysql = net.link(ROOT, "mysql").far.address
        self._start_redis()
        self._start_mariadb()

    def _spawn(self, host: str, argv: list[str], log: Path) -> subprocess.Popen[bytes]:
        with open(log, "ab") as out:
            return subprocess.Popen(
                self.net.exec(host, argv), stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip

    def _start_redis(self) -> None:
        workdir = self.workdir / "redis"
        workdir.mkdir(parents=True, exist_ok=True)
        argv = [
            shutil.which("redis-server") or "redis-server", "--port", str(REDIS_PORT),
            "--bind", "0.0.0.0", "--protected-mode", "no", "--save", "", "--appendonly", "no",
            "--dir", str(workdir),
        ]  # fmt: skip
        self.redis = self._spawn("redis", argv, workdir / "redis.log")
        wait_until_accepting(REDIS_PORT, self.redis, 30, self.admin_redis)

    def _start_mariadb(self) -> None:
        workdir = self.workdir / "mariadb"
        datadir, sock = workdir / "data", workdir / "mariadb.sock"
        workdir.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [shutil.which("mariadb-install-db") or "mariadb-install-db", "--no-defaults",
             f"--datadir={datadir}", "--user=root", "--auth-root-authentication-method=normal",
             "--skip-test-db"],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, timeout=120,
        )  # fmt: skip
        argv = [
            shutil.which("mariadbd") or "/usr/sbin/mariadbd", "--no-defaults",
            f"--datadir={datadir}", "--user=root", f"--port={MYSQL_PORT}",
            "--bind-address=0.0.0.0", f"--socket={sock}", f"--pid-file={workdir / 'pid'}",
            "--skip-name-resolve", "--innodb-buffer-pool-size=32M",
            "--innodb-log-file-size=16M", "--max-connections=500",
        ]  # fmt: skip
        self.mariadb = self._spawn("mysql", argv, workdir / "mariadb.log")
        wait_until_accepting(MYSQL_PORT, self.mariadb, 60, self.admin_mysql)
        client = shutil.which("mariadb") or shutil.which("mysql") or "mariadb"
        grant = "CREATE USER IF NOT EXISTS 'chat'@'%'; GRANT ALL ON *.* TO 'chat'@'%';"
        subprocess.run(
            [client, "--no-defaults", "-uroot", f"--socket={sock}", "-e", grant],
            check=True, timeout=30,
        )  # fmt: skip

    def mysql_url(self, database: str, instance: int | None = None) -> str:
        host = self.admin_mysql if instance is None else self.to_mysql[instance].far.address
        return f"mysql://chat@{host}:{MYSQL_PORT}/{database}"

    def redis_url(self, instance: int | None = None) -> str:
        host = self.admin_redis if instance is None else self.to_redis[instance].far.address
        return f"redis://{host}:{REDIS_PORT}/0"

    def close(self) -> None:
        stop(self.redis)
        stop(self.mariadb)
        self.net.close()


class Instance:
    """chatapp-server in the namespace of instance `index`."""

    def __init__(self, lab: Lab, index: int, storage: str, bus: str, workdir: Path) -> None:
        self.lab, self.index = lab, index
        self.storage, self.bus = storage, bus
        self.log = workdir / f"instance-{index}.log"
        self.address = lab.to_clients[index].near.address
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        argv = [
            sys.executable, "-m", "chatapp.server.cli", "--host", "0.0.0.0",
            "--port", str(CHAT_PORT), "--storage", self.storage, "--bus", self.bus,
            "--metrics", f"0.0.0.0:{METRICS_PORT}", "--hash-cost", "10",
            "--register-per-address", "100000", "--log-level", "INFO",
        ]  # fmt: skip
        self.process = self.lab._spawn(f"i{self.index}", argv, self.log)
        wait_until_accepting(CHAT_PORT, self.process, 30, self.address)

    def lines(self, text: str) -> list[str]:
        """The lines of its log that contain `text`."""
        return [line for line in self.log.read_text().splitlines() if text in line]

    def stop(self) -> None:
        stop(self.process)
