"""Session against a real server: ids out of the protocol's range, people found by USERS."""

from __future__ import annotations

import pytest

from chatapp.client.net import ClientError
from chatapp.client.session import Session
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
