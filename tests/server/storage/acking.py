"""Acknowledgements as the log takes them, from a device of each user (the tests of
cursors read them this way)."""

from __future__ import annotations

from collections.abc import Mapping

from chatapp.server.storage import Device, DeviceAck, Storage, User


async def device_of(storage: Storage, user_id: int, name: str = "phone") -> Device:
    """The user's first device; one opened at the user's cursor where they have none."""
    found = await storage.devices(user_id)
    if found:
        return found[0]
    opened = await storage.open_device(
        user_id, name, legacy=False, now_ms=0, address="", max_devices=10
    )
    return opened.device


async def acks(storage: Storage, positions: Mapping[int, int]) -> list[DeviceAck]:
    """An acknowledgement of each user's position (user id: seq) from their first device."""
    return [
        DeviceAck(uid, (await device_of(storage, uid)).id, seq) for uid, seq in positions.items()
    ]


async def user_of_token(storage: Storage, token_hash: str, now_ms: int) -> User | None:
    """The user a resume token belongs to, if it is valid (device_by_token's user)."""
    found = await storage.device_by_token(token_hash, now_ms)
    return found[0] if found else None
