"""Devices: the device a login opens or resumes, the session list, ending devices, and
telling the account's other sessions of each."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

from chatapp.protocol import (
    Ack,
    DeviceEvent,
    DeviceInfo,
    Dialect,
    EndDevice,
    Errno,
    Event,
    ListDevices,
    Login,
    MsgId,
)

from ..bus import Attached, BusUnavailable, Deliver, Delivery, Echo, EndSession
from ..errors import ChatError
from ..storage import Device, Opened, User
from . import checks

if TYPE_CHECKING:
    from ..app import ChatServer
    from ..session import Session

log = logging.getLogger(__name__)

UNNAMED = "unnamed device"
LEGACY_NAME = "console (legacy protocol)"
ENDED_ELSEWHERE = "this device was ended from another of your devices"
TAKEN_OVER = "this device logged in again from elsewhere"
CONSOLE_TAKEN = "the account logged in on another device"
TOO_MANY = "this device was ended: the account logged in on more devices than it may keep"
LOGGED_OUT = "logged out everywhere from another of your devices"
# Seconds between a console told to end and each look whether it has gone (1.55 s in all).
CONSOLE_WAITS = (0.02, 0.03, 0.1, 0.2, 0.4, 0.8)


def device_name(session: Session, req: Login) -> str:
    """The name a password login gives its device: as asked (checked), or a default."""
    if req.dialect is not Dialect.V2:
        return LEGACY_NAME
    if req.device is None:
        return UNNAMED
    return checks.name(req.device, session.server.config.max_device_name_chars, "device name")


async def open_device(session: Session, user: User, req: Login) -> Opened:
    """The device a password login opens: the account's legacy device for the original
    protocol; the device of the name asked for, where the account has one (a client that
    lost its token, or one reinstalled, keeps its place); a new device otherwise (ending
    the stalest over the limit)."""
    server = session.server
    opened = await server.storage.open_device(
        user.id,
        device_name(session, req),
        legacy=req.dialect is not Dialect.V2,
        now_ms=server.now_ms(),
        address=session.host,
        max_devices=server.config.max_devices,
        named=req.device is not None,
    )
    if not opened.new and not opened.device.legacy:  # its session elsewhere, if any, ends
        await take_over(server, user.id, opened.device)
    return opened


async def take_over(server: ChatServer, user_id: int, device: Device) -> None:
    """A resumed device still connected elsewhere (a connection that died unnoticed, or
    the same device logged in twice): that session ends, this one goes on."""
    try:
        if device.id in await server.bus.online_devices(user_id):
            await server.bus.publish(user_id, EndSession(device.id, TAKEN_OVER))
    except BusUnavailable as exc:
        log.warning("device %d of user %d not told to end: %s", device.id, user_id, exc)


async def take_over_console(
    server: ChatServer, user_id: int, device: Device, deliver: Deliver
) -> Attached:
    """A current-protocol login while a legacy console holds the account alone: the console
    is ended (wherever it is) and the login attaches once it has gone, or is refused if it
    does not go within about a second and a half (its instance is unreachable)."""
    consoles = [d.id for d in await server.storage.devices(user_id) if d.legacy]
    attached = Attached(False)
    for pause in CONSOLE_WAITS:
        # Told again each time: another console may have got in as the first one left.
        with contextlib.suppress(BusUnavailable):
            ending = ((user_id, EndSession(d, CONSOLE_TAKEN)) for d in consoles)
            await server.bus.publish_many(ending)
        await asyncio.sleep(pause)
        attached = await server.bus.attach(user_id, device.id, deliver)
        if attached.claimed:
            break
    return attached


def info(device: Device, *, online: bool = False, current: bool = False) -> DeviceInfo:
    return DeviceInfo(
        id=device.id,
        name=device.name,
        since=device.created_ms,
        seen=device.seen_ms,
        address=device.address,
        online=online,
        current=current,
        legacy=device.legacy,
    )


async def opened(session: Session, user: User, device: Device, opened: Opened) -> None:
    """A password login opened a device: the account's other sessions hear of it, if it is
    new, and of the devices it ended (theirs close)."""
    notices: list[Delivery] = []
    if opened.new and not device.legacy:  # a console is the only session while it lasts
        notices.append(Echo(DeviceEvent("added", info(device)), device.id))
    notices += _ending(opened.ended, TOO_MANY, device.id)
    await _tell(session.server, user.id, notices)


async def echo(session: Session, event: Event) -> None:
    """Tells the account's other sessions what this one did (it has the answer itself)."""
    if len(session.devices) < 2 or session.user is None or session.device is None:
        return  # no other device: nobody to tell, and no round trip
    try:
        await session.server.bus.publish(session.user.id, Echo(event, session.device.id))
    except BusUnavailable as exc:  # a notice: the others read the state when they ask
        log.warning("the other devices of user %d not told: %s", session.user.id, exc)


async def list_devices(session: Session, req: ListDevices) -> Event:
    me = checks.me(session, None)
    assert session.device is not None  # made by the login
    server = session.server
    known = await server.storage.devices(me.id)
    try:
        online = await server.bus.online_devices(me.id)
    except BusUnavailable:  # this one is online, whatever else is
        online = {session.device.id}
    items = tuple(info(d, online=d.id in online, current=d.id == session.device.id) for d in known)
    return Ack(MsgId.DEVICES, rid=req.rid, devices=items)


async def end_device(session: Session, req: EndDevice) -> Event:
    me = checks.me(session, None)
    assert session.device is not None  # made by the login
    storage, here = session.server.storage, session.device.id
    if req.others:
        ended = await storage.end_devices(me.id, keep=here)
    elif req.device == here:
        raise ChatError(Errno.INVALID_ARGUMENT, "this is the device asking: LOGOUT ends it")
    elif req.device is not None and await storage.end_device(me.id, req.device):
        ended = [req.device]
    else:
        raise ChatError(Errno.INVALID_ARGUMENT, f"you have no device {req.device}")
    session.devices.difference_update(ended)
    await _tell(session.server, me.id, _ending(ended, ENDED_ELSEWHERE, here))
    return Ack(MsgId.END_DEVICE, rid=req.rid)


async def end_everywhere(session: Session, user: User) -> None:
    """LOGOUT with `all`: every device of the account ends, this one with them."""
    assert session.device is not None  # made by the login
    here = session.device.id
    ended = [d for d in await session.server.storage.end_devices(user.id) if d != here]
    await _tell(session.server, user.id, _ending(ended, LOGGED_OUT, here))


def _ending(device_ids: Iterable[int], why: str, origin: int) -> list[Delivery]:
    """What tells the account's sessions that these devices ended: each one's own session
    closes, and the rest hear of it."""
    notices: list[Delivery] = []
    for device_id in device_ids:
        notices.append(EndSession(device_id, why))
        notices.append(Echo(DeviceEvent("ended", DeviceInfo(device_id, "")), origin))
    return notices


async def _tell(server: ChatServer, user_id: int, notices: list[Delivery]) -> None:
    if not notices:
        return
    try:
        await server.bus.publish_many((user_id, notice) for notice in notices)
    except BusUnavailable as exc:
        # A session that did not hear finds its token revoked at its next login.
        log.warning("the sessions of user %d not told of their devices: %s", user_id, exc)
