"""The name this client gives its device: the host's name, kept across restarts, and a
number for a second client running at once on the same host, so that neither takes the
other's device (and session) over."""

from __future__ import annotations

import os
import socket
from pathlib import Path

try:
    import fcntl
except ImportError:  # not POSIX: every client on the host shares the one name
    fcntl = None  # type: ignore[assignment]

MOST_AT_ONCE = 32
"""Clients on one host, each with a device of its own; more share the last name."""
_held: list[int] = []  # the lock of the slot this process claimed, held until it exits


def base_name() -> str:
    """`chatapp-client on <host>`, with the host's name in plain letters, digits, . and -."""
    host = "".join(c for c in socket.gethostname() if c.isascii() and (c.isalnum() or c in ".-"))
    return f"chatapp-client on {host}"[:56] if host else "chatapp-client"


def claim_device_name(data_dir: Path) -> str:
    """The device name for this process: the first of the host's slots that no running
    client holds (a lock file per slot in `data_dir`, released when the process ends)."""
    base = base_name()
    if fcntl is None:
        return base
    try:
        data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)  # as history and outbox make it
    except OSError:
        return base
    for slot in range(1, MOST_AT_ONCE + 1):
        try:
            fd = os.open(data_dir / f"device-{slot}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        except OSError:
            return base
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            continue
        _held.append(fd)
        return base if slot == 1 else f"{base} ({slot})"
    return f"{base} ({MOST_AT_ONCE})"
