"""The sans-I/O connections: the server's side owns the dialect, the client's side decodes."""

import orjson

from chatapp.protocol import (
    Ack,
    ChatMessage,
    ClientConnection,
    Dialect,
    Errno,
    Error,
    FriendAdded,
    FriendInfo,
    Login,
    LoginAck,
    Logout,
    MsgId,
    OneChat,
    Ping,
    Pong,
    Presence,
    ProtocolError,
    RegAck,
    Register,
    ServerConnection,
)

CHAT = ChatMessage(13, "zhang san", 15, "hello", "2020-02-22 00:43:59", 42, 1582332239000, 3)
BAD = LoginAck(errno=Errno.BAD_CREDENTIALS, errmsg="no", rid=1)


def test_a_new_connection_speaks_the_legacy_dialect() -> None:
    conn = ServerConnection()
    assert conn.dialect is Dialect.LEGACY
    assert conn.push(Presence(1, "a", "online")) is None
    pushed = conn.push(CHAT)
    assert pushed is not None and b'"mid"' not in pushed


def test_login_and_reg_answer_in_the_dialect_they_ask_for_before_login() -> None:
    conn = ServerConnection()
    refused = conn.reply(Login(password="x", id=1, v=2, rid=1), BAD)
    assert refused is not None and orjson.loads(refused)["rid"] == 1
    assert conn.dialect is Dialect.LEGACY  # a refused login chooses nothing
    registered = conn.reply(Register("a", "pw", v=2, rid=2), RegAck(id=5, rid=2))
    assert orjson.loads(registered or b"") == {"msgid": 5, "errno": 0, "id": 5, "rid": 2}
    legacy = conn.reply(Register("a", "pw", rid=3), RegAck(errno=Errno.NAME_TAKEN, errmsg="x"))
    assert orjson.loads(legacy or b"") == {"errno": 1, "msgid": 5}


def test_a_successful_login_switches_the_connection_to_its_dialect() -> None:
    conn = ServerConnection()
    ack = conn.reply(Login(password="x", id=13, v=2, rid=1), LoginAck(id=13, name="z", rid=1))
    assert ack is not None and orjson.loads(ack)["offlinemsg"] == []
    assert conn.dialect is Dialect.V2
    assert conn.push(Presence(1, "a", "online")) is not None
    pushed = conn.push(CHAT)
    assert pushed is not None and orjson.loads(pushed)["seq"] == 3
    # Logged in, a LOGIN is answered in the connection's dialect whatever its `v`.
    again = conn.reply(Login(password="x", id=13, v=1), BAD)
    assert again is not None and b'"rid"' in again


def test_logout_ends_the_login_and_the_next_login_chooses_again() -> None:
    conn = ServerConnection()
    conn.reply(Login(password="x", id=13, v=2), LoginAck(id=13, name="z"))
    assert conn.reply(Logout(rid=4), Ack(MsgId.LOGOUT, rid=4)) is not None
    assert conn.dialect is Dialect.V2  # what follows the logout stays in its dialect
    legacy = conn.reply(Login(password="x", id=13), LoginAck(id=13, name="z"))
    assert orjson.loads(legacy or b"") == {"errno": 0, "id": 13, "msgid": 2, "name": "z"}
    assert b'"mid"' not in (conn.push(CHAT) or b"")  # legacy again
    assert conn.reply(OneChat(toid=1, msg="x"), Ack(MsgId.ONE_CHAT, mid=1)) is None


def test_an_oversized_frame_stops_reading_and_names_the_limit() -> None:
    conn = ServerConnection(max_frame=10)
    assert conn.receive(b'{"msgid":14}\n') == []  # 12 bytes: over the limit
    assert conn.overflowed
    assert conn.receive(b'{"msgid":14}\n') == []
    assert conn.too_large() == Error(Errno.FRAME_TOO_LARGE, "frame longer than 10 bytes")


def test_frames_become_requests_or_protocol_errors() -> None:
    conn = ServerConnection()
    frames = conn.receive(b'{"msgid":14,"rid":"p"}\0{"msgid":99}\n{"msgid"')
    assert len(frames) == 2
    assert conn.request(frames[0]) == Ping(rid="p")
    try:
        conn.request(frames[1])
    except ProtocolError as exc:
        assert exc.errno is Errno.UNKNOWN_MSGID
    else:
        raise AssertionError("msgid 99 decoded")


def test_the_client_side_sends_requests_and_reads_events_in_order() -> None:
    client = ClientConnection()
    assert client.send(OneChat(toid=1, msg="hi", rid=2)).endswith(b"\n")
    data = b'{"msgid":15,"rid":1}\n{"msgid":16,"id":2,"name":"b","state":"online"}\n{"msgid":'
    events = client.receive(data)
    assert events == [Pong(rid=1), FriendAdded(FriendInfo(2, "b", "online"))]
    rest = client.receive(b'99}\n{"msgid":15}\n')
    assert isinstance(rest[0], ProtocolError) and rest[1] == Pong()
    assert not client.overflowed
