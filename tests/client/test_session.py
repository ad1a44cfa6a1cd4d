"""Session against a real server: ids out of the protocol's range, people found by USERS."""

from __future__ import annotations

import pytest

from chatapp.client.conversation import ConvKey, Kind
from chatapp.client.net import ClientError
from chatapp.client.session import NoSuchUser, Session
from chatapp.client.state import ChatState
from chatapp.server.app import ChatServer

from .conftest import quick_connection


def session() -> Session:
    return Session(ChatState(), quick_connection, lambda conn: None)


@pytest.mark.parametrize("user", ["99999999999999999999999", "0"])
async def test_a_login_id_out_of_range_is_refused(server: ChatServer, user: str) -> None:
    chat = session()
    with pytest.raises(ClientError, match="no user"):
        await chat.sign_in("127.0.0.1", server.port, user, "secret")
    assert chat.connection is not None
    await chat.connection.close()


async def test_find_user_files_the_conversation_by_name_or_nothing(server: ChatServer) -> None:
    chat = session()
    carol_id = await (await chat.connect("127.0.0.1", server.port)).register("carol", "pw-carol")
    await chat.register("127.0.0.1", server.port, "alice", "pw-alice")
    await chat.sign_in("127.0.0.1", server.port, "alice", "pw-alice")
    key = await chat.find_user("carol")
    assert key.id == carol_id and chat.state.conversations[key].title == "carol"
    with pytest.raises(NoSuchUser, match="nobody is called Carol"):
        await chat.find_user("Carol")  # an exact name: case counts
    with pytest.raises(NoSuchUser, match="no user with id 999"):
        await chat.title_for(ConvKey(Kind.USER, 999))
    assert list(chat.state.conversations) == [key]
    assert chat.connection is not None
    await chat.connection.close()
