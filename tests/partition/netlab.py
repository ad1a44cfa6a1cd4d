"""NetLab: hosts in network namespaces of their own, joined by veth pairs, one pair per two
hosts that talk, so that any one link can be cut (taken down) and healed.

The namespaces are named after the test run's pid and removed at the end, with whatever
runs in them; the root namespace (the tests themselves, their clients) is a host too,
named ROOT, whose end of a link is the only trace the lab leaves there while it runs.
Each link is a /30 of 10.<net>.<n>.0, with <net> one that no address of the root
namespace is in yet.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass

ROOT = "root"


class LabUnavailable(Exception):
    """Namespaces or veth pairs cannot be made here (not root, no iproute2, no kernel
    support)."""


def ip(*args: str, ns: str | None = None) -> str:
    """Runs `ip` (in namespace `ns`), raising with its message if it fails."""
    argv = ["ip", *(["-n", ns] if ns else []), *args]
    done = subprocess.run(argv, check=False, capture_output=True, text=True, timeout=30)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)}: {done.stderr.strip()}")
    return done.stdout


@dataclass(frozen=True)
class End:
    """One end of a link: its host, device and address."""

    host: str
    device: str
    address: str


@dataclass(frozen=True)
class Link:
    """A veth pair between two hosts; `far` is the end that `cut` takes down."""

    near: End
    far: End


class NetLab:
    """The hosts and links of one test run."""

    def __init__(self) -> None:
        self.tag = f"cpt{os.getpid()}"
        self.namespaces: dict[str, str] = {}  # host name -> namespace name
        self.links: list[Link] = []
        self.net = 0

    def open(self) -> None:
        """Checks that namespaces can be made, and picks the lab's 10.<net>/16."""
        if os.geteuid() != 0:
            raise LabUnavailable("network namespaces need root")
        try:
            taken = ip("-4", "-o", "addr", "show")
            probe = f"{self.tag}probe"
            ip("netns", "add", probe)
            ip("netns", "del", probe)
        except (OSError, RuntimeError, subprocess.TimeoutExpired) as exc:
            raise LabUnavailable(f"cannot make network namespaces: {exc}") from exc
        used = {int(n) for n in re.findall(r"inet 10\.(\d+)\.", taken)}
        start = 100 + os.getpid() % 100
        free = [n for n in (*range(start, 200), *range(100, start)) if n not in used]
        if not free:
            raise LabUnavailable("no free 10.x/16 for the lab's links")
        self.net = free[0]

    def host(self, name: str) -> str:
        """Makes a host (a namespace, its loopback up); returns the namespace's name."""
        ns = f"{self.tag}-{name}"
        ip("netns", "add", ns)
        self.namespaces[name] = ns
        ip("link", "set", "lo", "up", ns=ns)
        return ns

    def ns(self, host: str) -> str | None:
        return None if host == ROOT else self.namespaces[host]

    def link(self, near: str, far: str) -> Link:
        """Joins two hosts (ROOT for the root namespace) with a veth pair of their own."""
        n = len(self.links)
        if n > 250:
            raise LabUnavailable("too many links")
        ends = []
        for side, host in enumerate((near, far)):
            device = f"{self.tag[3:]}l{n}{'ab'[side]}"[-15:]
            ends.append(End(host, device, f"10.{self.net}.{n}.{side + 1}"))
        a, b = ends
        argv = ["link", "add", a.device]
        if (ns_a := self.ns(near)) is not None:
            argv += ["netns", ns_a]
        argv += ["type", "veth", "peer", "name", b.device]
        if (ns_b := self.ns(far)) is not None:
            argv += ["netns", ns_b]
        ip(*argv)
        for end in (a, b):
            ip("addr", "add", f"{end.address}/30", "dev", end.device, ns=self.ns(end.host))
            ip("link", "set", end.device, "up", ns=self.ns(end.host))
        link = Link(a, b)
        self.links.append(link)
        return link

    def cut(self, link: Link) -> None:
        """Takes the far end down: the near host's packets vanish without an error (its
        route stays, the carrier is gone), as in a partition."""
        ip("link", "set", link.far.device, "down", ns=self.ns(link.far.host))

    def heal(self, link: Link) -> None:
        ip("link", "set", link.far.device, "up", ns=self.ns(link.far.host))

    def heal_all(self) -> None:
        for link in self.links:
            self.heal(link)

    def exec(self, host: str, argv: list[str]) -> list[str]:
        """`argv` run inside the host's namespace."""
        ns = self.ns(host)
        return argv if ns is None else ["ip", "netns", "exec", ns, *argv]

    def close(self) -> None:
        """Removes every namespace (their veth pairs go with them). What runs inside must
        have been stopped first: a process keeps its namespace alive."""
        for ns in self.namespaces.values():
            subprocess.run(["ip", "netns", "del", ns], check=False, capture_output=True, timeout=30)
        self.namespaces.clear()
        for link in self.links:  # a root end whose peer's namespace is gone is gone too
            if ROOT in (link.near.host, link.far.host):
                end = link.near if link.near.host == ROOT else link.far
                argv = ["ip", "link", "del", end.device]
                subprocess.run(argv, check=False, capture_output=True, timeout=30)
        self.links.clear()
