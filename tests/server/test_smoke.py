"""A first end-to-end check: register, log in, chat both ways over real sockets."""

from chatapp.protocol import MsgId
from tests.server.conftest import Users


async def test_two_users_chat(users: Users) -> None:
    alice, a = await users.online()
    bob, b = await users.online()
    ack = await a.request(msgid=MsgId.ONE_CHAT, toid=bob, msg="hello")
    assert ack["msgid"] == MsgId.ACK and ack["re"] == MsgId.ONE_CHAT
    got = await b.expect(MsgId.ONE_CHAT)
    assert (got["id"], got["msg"], got["mid"]) == (alice, "hello", ack["mid"])
