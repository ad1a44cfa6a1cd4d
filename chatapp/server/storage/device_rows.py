"""The rows of devices: each session an account keeps, with its own delivery position."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Device:
    """One of an account's devices (a session it can resume): named by its user, with its
    own resume tokens and delivery position (`acked_seq`: what it acknowledged); `legacy`
    marks the one device the legacy dialect logs in as. Times are epoch milliseconds;
    `address` is where it last logged in from."""

    id: int
    user_id: int
    name: str
    acked_seq: int
    created_ms: int
    seen_ms: int
    address: str = ""
    legacy: bool = False


@dataclass(frozen=True, slots=True)
class Opened:
    """What opening a device made: the device (`new`, or one the account had), and the
    devices of the account ended to keep it within its limit (least recently seen first),
    whose sessions must close."""

    device: Device
    ended: tuple[int, ...] = ()
    new: bool = True


@dataclass(frozen=True, slots=True)
class DeviceAck:
    """An acknowledgement a device made: everything up to `seq` of its user's sequence."""

    user_id: int
    device_id: int
    seq: int


def reopened(mine: list[Device], name: str, *, legacy: bool, named: bool) -> Device | None:
    """Of the user's devices, the one open_device opens again: the legacy device for a
    legacy login, the first of this name for a named one; None where a new one is made."""
    if legacy:
        return next((d for d in mine if d.legacy), None)
    if named:
        return next((d for d in mine if not d.legacy and d.name == name), None)
    return None
