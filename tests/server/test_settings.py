"""SETTINGS: privacy settings read and changed over the current protocol, kept across logins."""

from __future__ import annotations

from chatapp.protocol import Errno, MsgId
from tests.server.conftest import Users
from tests.server.steps import acked, online, relogin

DEFAULTS = {"strangers": "everyone", "findable": True, "receipts": True}


async def test_settings_are_read_changed_and_kept(users: Users) -> None:
    ann, client = await online(users, "ann")
    assert (await acked(client, MsgId.SETTINGS))["settings"] == DEFAULTS
    changed = await acked(client, MsgId.SETTINGS, strangers="requests", receipts=False)
    assert changed["settings"] == {**DEFAULTS, "strangers": "requests", "receipts": False}
    client, _ = await relogin(users, client, ann)
    kept = await acked(client, MsgId.SETTINGS, findable=False)
    assert kept["settings"] == {"strangers": "requests", "findable": False, "receipts": False}


async def test_a_setting_out_of_its_range_is_refused_and_changes_nothing(users: Users) -> None:
    _, client = await online(users, "ann")
    for fields in ({"strangers": "friends"}, {"findable": 1}, {"receipts": "no"}):
        reply = await client.request(msgid=MsgId.SETTINGS, **fields)
        assert (reply["msgid"], reply["errno"]) == (MsgId.ERROR, Errno.BAD_FIELD), reply
    assert (await acked(client, MsgId.SETTINGS))["settings"] == DEFAULTS


async def test_settings_need_a_login(users: Users) -> None:
    client = await users.connect()
    reply = await client.request(msgid=MsgId.SETTINGS)
    assert (reply["msgid"], reply["errno"]) == (MsgId.ERROR, Errno.NOT_LOGGED_IN)
