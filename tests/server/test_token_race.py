"""A resume token resumes one login at most: two logins sent with it at once, and a login
whose token is revoked while it is under way."""

from __future__ import annotations

import asyncio

from chatapp.protocol import Errno, MsgId
from tests.server.conftest import Users
from tests.server.test_devices import device, resume


async def test_two_logins_with_one_token_at_once_resume_one_session(users: Users) -> None:
    ann = await users.register("ann")
    first, ack = await device(users, ann, "phone")
    await first.close()
    a, b = await users.connect(), await users.connect()
    ra, rb = a.next_rid(), b.next_rid()
    await a.send(msgid=MsgId.LOGIN, token=ack["token"], v=2, rid=ra)
    await b.send(msgid=MsgId.LOGIN, token=ack["token"], v=2, rid=rb)
    replies = await asyncio.gather(a.reply_to(ra), b.reply_to(rb))
    won = [r for r in replies if r["errno"] == 0]
    assert len(won) == 1, replies
    (lost,) = [r for r in replies if r["errno"] != 0]
    assert lost["errno"] in (Errno.BUSY, Errno.BAD_CREDENTIALS)
    # The token is spent once: the winner's next one resumes, the spent one does not.
    again, _ = await resume(users, won[0]["token"])
    stale = await users.connect()
    refused = await stale.request(msgid=MsgId.LOGIN, token=ack["token"], v=2)
    assert refused["errno"] == Errno.BAD_CREDENTIALS
    for client in (a, b, again, stale):
        await client.close()
