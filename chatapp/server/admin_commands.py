"""chatapp-admin's subcommands: each runs on open storage and returns what it shows, as
plain data (dicts and lists) that admin_cli prints as a table or as JSON."""

from __future__ import annotations

import asyncio
from dataclasses import asdict
from typing import Any

from .passwords import hash_password
from .storage import (
    NoSuchGroup,
    NoSuchUser,
    NotAMember,
    Storage,
    User,
    tombstone_name,
)

Shown = dict[str, Any] | list[dict[str, Any]]


class Refused(Exception):
    """A command that cannot be done as asked: its one-line reason."""


async def find_user(storage: Storage, key: str) -> User:
    """The user `key` names: an id when it is all digits and such an account exists, else an
    exact name."""
    user = await storage.user_by_id(int(key)) if key.isdigit() else None
    user = user or await storage.user_by_name(key)
    if user is None:
        raise Refused(f"no user {key!r}")
    return user


async def find_group(storage: Storage, key: str) -> int:
    """The id of the group `key` names: an id when it is all digits and such a group exists,
    else an exact name."""
    if key.isdigit() and await storage.group_profile(int(key)) is not None:
        return int(key)
    group_id = await storage.group_id_by_name(key)
    if group_id is None:
        raise Refused(f"no group {key!r}")
    return group_id


async def live_user(storage: Storage, key: str) -> User:
    """The user `key` names, unless it is a deleted account's tombstone."""
    user = await find_user(storage, key)
    if user.name == tombstone_name(user.id):
        raise Refused(f"user {user.id} was deleted")
    return user


def _user(user: User) -> dict[str, Any]:
    return {"id": user.id, "name": user.name, "disabled": user.disabled}


async def users_find(storage: Storage, text: str, limit: int) -> Shown:
    return [_user(user) for user in await storage.find_users(text, limit)]


async def users_show(storage: Storage, key: str, page: int) -> Shown:
    user = await find_user(storage, key)
    report = await storage.user_report(user.id, page)
    if report is None:
        raise Refused(f"no user {key!r}")
    return {
        **_user(report.user),
        "friends": report.friends,
        "first_friends": [asdict(c) for c in report.first_friends],
        "groups": [asdict(g) for g in report.groups],
        "requests_in": report.requests.incoming,
        "requests_out": report.requests.outgoing,
        "settings": asdict(report.settings),
        "blocks": report.blocks,
        "deliveries_waiting": report.deliveries,
        "resume_tokens": report.tokens,
    }


async def users_disable(storage: Storage, key: str, disabled: bool) -> Shown:
    user = await live_user(storage, key)
    revoked = await storage.set_disabled(user.id, disabled)
    return {**_user(user), "disabled": disabled, "tokens_revoked": revoked}


async def users_reset_password(storage: Storage, key: str, password: str, cost: int) -> Shown:
    user = await live_user(storage, key)
    password_hash = await asyncio.to_thread(hash_password, password, cost)
    await storage.set_password(user.id, password_hash)  # and forgets every token
    return {**_user(user), "password": "reset", "tokens_revoked": "all"}


async def users_end_sessions(storage: Storage, key: str) -> Shown:
    user = await live_user(storage, key)
    return {**_user(user), "tokens_revoked": await storage.end_sessions(user.id)}


async def users_delete(storage: Storage, key: str) -> Shown:
    user = await live_user(storage, key)
    try:
        tombstone = await storage.delete_user(user.id)
    except NoSuchUser:
        raise Refused(f"no user {key!r}") from None
    return {"id": user.id, "name": user.name, "deleted": True, "now_named": tombstone}


async def groups_show(storage: Storage, key: str, page: int) -> Shown:
    group_id = await find_group(storage, key)
    report = await storage.group_report(group_id, page)
    if report is None:
        raise Refused(f"no group {key!r}")
    p = report.profile
    return {
        "id": p.id,
        "name": p.name,
        "description": p.desc,
        "public": p.public,
        "history": p.history,
        "members": p.count,
        "first_members": [asdict(m) for m in report.members],
        "invitations_waiting": report.invitations,
        "messages": report.messages,
    }


async def groups_delete(storage: Storage, key: str) -> Shown:
    group_id = await find_group(storage, key)
    try:
        await storage.delete_group(group_id)
    except NoSuchGroup:
        raise Refused(f"no group {key!r}") from None
    return {"id": group_id, "deleted": True}


async def groups_transfer(storage: Storage, key: str, user_key: str) -> Shown:
    group_id = await find_group(storage, key)
    user = await find_user(storage, user_key)
    try:
        await storage.transfer_group(group_id, user.id)
    except NoSuchGroup:
        raise Refused(f"no group {key!r}") from None
    except NotAMember:
        raise Refused(f"user {user.id} ({user.name}) is not a member of group {group_id}") from None
    return {"id": group_id, "creator": _user(user)}


async def stats(storage: Storage) -> Shown:
    return asdict(await storage.stats())
