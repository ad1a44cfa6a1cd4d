"""USERS and CONVERSATIONS over real sockets, on both backends: finding people by exact
name, id and prefix (bounded, rate limited, findable only), and the conversation list."""

from __future__ import annotations

from typing import Any

import pytest

from chatapp.protocol import Errno, MsgId
from tests.server.conftest import Users
from tests.server.steps import acked, chat, group_chat, join, new_group, online, refused, relogin

FEW_SEARCHES = {"search_rate": 0.001, "search_burst": 2}
SMALL_PAGES = {"users_page": 2, "conversations_page": 2, "unread_cap": 3, "preview_bytes": 8}


async def test_exact_name_and_id_find_anybody(users: Users) -> None:
    ann, client = await online(users, "ann")
    zoe = await users.register("Zoë")
    hider, _ = await users.login(zoe)
    await acked(hider, MsgId.SETTINGS, findable=False)
    by_name = await acked(client, MsgId.USERS, name="Zoe\u0308")  # NFC: the same name
    assert (by_name["users"], by_name["more"]) == ([{"id": zoe, "name": "Zoë"}], False)
    assert (await acked(client, MsgId.USERS, id=zoe))["users"] == [{"id": zoe, "name": "Zoë"}]
    assert (await acked(client, MsgId.USERS, id=ann))["users"] == [{"id": ann, "name": "ann"}]
    assert (await acked(client, MsgId.USERS, name="zoë"))["users"] == []  # exact means exact
    assert (await acked(client, MsgId.USERS, id=10**9))["users"] == []


async def test_a_prefix_finds_the_findable_case_insensitively(users: Users) -> None:
    _, client = await online(users, "searcher")
    ids = {name: await users.register(name) for name in ("Anna", "ANTON", "anders", "Bea")}
    anders, _ = await users.login(ids["anders"])
    await acked(anders, MsgId.SETTINGS, findable=False)
    page = await acked(client, MsgId.USERS, prefix="aN")
    assert page["users"] == [
        {"id": ids["Anna"], "name": "Anna"},
        {"id": ids["ANTON"], "name": "ANTON"},
    ]
    assert page["more"] is False
    await acked(anders, MsgId.SETTINGS, findable=True)
    names = [u["name"] for u in (await acked(client, MsgId.USERS, prefix="AN"))["users"]]
    assert names == ["anders", "Anna", "ANTON"]


@pytest.mark.parametrize("server_options", [SMALL_PAGES])
async def test_a_prefix_page_is_bounded(users: Users, server_options: dict[str, Any]) -> None:
    _, client = await online(users, "searcher")
    for n in range(4):
        await users.register(f"bob{n}")
    page = await acked(client, MsgId.USERS, prefix="bo")
    assert ([u["name"] for u in page["users"]], page["more"]) == (["bob0", "bob1"], True)
    one = await acked(client, MsgId.USERS, prefix="bo", limit=1)
    assert ([u["name"] for u in one["users"]], one["more"]) == (["bob0"], True)
    await refused(client, MsgId.USERS, Errno.INVALID_ARGUMENT, prefix="bo", limit=3)
    await refused(client, MsgId.USERS, Errno.INVALID_ARGUMENT, prefix="bo", limit=0)


async def test_a_prefix_too_short_or_too_long_is_refused(users: Users) -> None:
    _, client = await online(users, "searcher")
    await refused(client, MsgId.USERS, Errno.INVALID_ARGUMENT, prefix="s")
    await refused(client, MsgId.USERS, Errno.INVALID_ARGUMENT, prefix="s" * 65)
    await refused(client, MsgId.USERS, Errno.BAD_FIELD, prefix="se", name="searcher")
    await refused(client, MsgId.USERS, Errno.BAD_FIELD)


@pytest.mark.parametrize("server_options", [FEW_SEARCHES])
async def test_prefix_searches_are_rate_limited_per_connection(
    users: Users, server_options: dict[str, Any]
) -> None:
    ann, client = await online(users, "ann")
    await acked(client, MsgId.USERS, prefix="an")
    await acked(client, MsgId.USERS, prefix="an")
    await refused(client, MsgId.USERS, Errno.RATE_LIMITED, prefix="an")
    await refused(client, MsgId.USERS, Errno.RATE_LIMITED, id=ann)
    await acked(client, MsgId.CONVERSATIONS)  # the connection itself is not limited
    _, other = await online(users, "bob")  # another connection has a bucket of its own
    for _ in range(8):  # an exact look-up takes a quarter of a search
        assert (await acked(other, MsgId.USERS, id=ann))["users"]
    await refused(other, MsgId.USERS, Errno.RATE_LIMITED, name="ann")


async def test_finding_people_needs_a_login(users: Users) -> None:
    client = await users.connect()
    reply = await client.request(msgid=MsgId.USERS, prefix="an")
    assert (reply["msgid"], reply["errno"]) == (MsgId.ERROR, Errno.NOT_LOGGED_IN)


async def test_conversations_list_strangers_and_groups_newest_first(users: Users) -> None:
    ann, client = await online(users, "ann")
    bob, bob_client = await online(users, "bob")
    cat, cat_client = await online(users, "cat")
    groupid = await new_group(cat_client, "club")
    await join(client, groupid)
    first = await chat(bob_client, ann, "hello from a stranger")
    second = await group_chat(cat_client, groupid, "club news")
    third = await chat(client, cat, "ann to cat")
    client, _ = await relogin(users, client, ann)  # a new client knows nothing: the server does
    page = await acked(client, MsgId.CONVERSATIONS)
    assert page["more"] is False
    [to_cat, club, from_bob] = page["conversations"]
    assert (to_cat["peer"], to_cat["read"], to_cat["unread"]) == ({"id": cat, "name": "cat"}, 0, 0)
    assert to_cat["last"]["mid"] == third and to_cat["last"]["msg"] == "ann to cat"
    assert (club["group"], club["unread"]) == ({"id": groupid, "name": "club"}, 1)
    assert club["last"]["mid"] == second and club["last"]["groupid"] == groupid
    assert (from_bob["peer"], from_bob["unread"]) == ({"id": bob, "name": "bob"}, 1)
    assert from_bob["last"]["mid"] == first and "cut" not in from_bob
    older = await acked(client, MsgId.CONVERSATIONS, before=third, limit=1)
    assert ([c["last"]["mid"] for c in older["conversations"]], older["more"]) == ([second], True)


@pytest.mark.parametrize("server_options", [SMALL_PAGES])
async def test_conversations_are_paged_capped_and_cut(
    users: Users, server_options: dict[str, Any]
) -> None:
    ann, client = await online(users, "ann")
    senders = [await online(users, f"s{n}") for n in range(3)]
    for _, sender in senders:
        for n in range(5):
            last = await chat(sender, ann, f"message {n} éééé")
    page = await acked(client, MsgId.CONVERSATIONS)
    assert (len(page["conversations"]), page["more"]) == (2, True)
    newest = page["conversations"][0]
    assert (newest["last"]["mid"], newest["unread"], newest["cut"]) == (last, 3, True)
    assert newest["last"]["msg"] == "message "  # 8 bytes, cut at a character
    rest = await acked(client, MsgId.CONVERSATIONS, before=page["conversations"][-1]["last"]["mid"])
    assert ([c["peer"]["name"] for c in rest["conversations"]], rest["more"]) == (["s0"], False)
    await refused(client, MsgId.CONVERSATIONS, Errno.INVALID_ARGUMENT, limit=3)
