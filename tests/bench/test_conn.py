"""BenchConn without a network: dispatch, replies by rid, delivery acks and their batching."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import orjson

from chatapp.bench.conn import AckPolicy, BenchConn, DeliveryStats


class FakeTransport(asyncio.Transport):
    """Records what the connection writes."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.writes.append(bytes(data))

    def close(self) -> None:
        self.closed = True

    def frames(self) -> list[dict[str, Any]]:
        return [orjson.loads(f) for w in self.writes for f in w.splitlines() if f]


def make(policy: AckPolicy | None = None) -> tuple[BenchConn, FakeTransport, DeliveryStats]:
    stats = DeliveryStats()
    conn = BenchConn(Counter(), stats, policy or AckPolicy())
    transport = FakeTransport()
    conn.connection_made(transport)
    return conn, transport, stats


def chat(seq: int | None, text: str = "x") -> bytes:
    obj: dict[str, Any] = {"msgid": 6, "id": 1, "name": "a", "toid": 2, "msg": text}
    if seq is not None:
        obj["seq"] = seq
    return orjson.dumps(obj) + b"\n"


def test_chats_go_to_the_handler_and_are_acknowledged_when_the_read_is_done() -> None:
    conn, transport, stats = make()
    seen: list[str] = []
    conn.on_chat = lambda c, obj, now: seen.append(obj["msg"])
    conn.data_received(chat(5, "a") + chat(6, "b"))
    assert seen == ["a", "b"]
    assert transport.frames() == [{"msgid": 17, "seq": 6}]
    assert (stats.chats, stats.acks_sent, conn.seq_hi) == (2, 1, 6)


def test_a_reply_written_while_reading_goes_out_with_the_ack_in_one_write() -> None:
    conn, transport, _ = make()
    conn.on_chat = lambda c, obj, now: c.write(b'{"msgid":6,"toid":1,"msg":"re"}\n')
    conn.data_received(chat(1))
    assert len(transport.writes) == 1
    assert [f["msgid"] for f in transport.frames()] == [6, 17]


def test_many_deliveries_in_one_read_are_acknowledged_every_n() -> None:
    conn, transport, _ = make(AckPolicy(every=3))
    conn.data_received(b"".join(chat(s) for s in range(1, 8)))
    assert [f["seq"] for f in transport.frames()] == [3, 6, 7]


def test_with_a_delay_the_ack_waits_for_the_timer() -> None:
    async def scenario() -> list[dict[str, Any]]:
        conn, transport, _ = make(AckPolicy(delay=0.01))
        conn.data_received(chat(1))
        conn.data_received(chat(2))
        assert transport.writes == []
        await asyncio.sleep(0.05)
        return transport.frames()

    assert asyncio.run(scenario()) == [{"msgid": 17, "seq": 2}]


def test_redeliveries_are_dropped_and_gaps_held_back() -> None:
    conn, transport, stats = make()
    seen: list[int] = []
    conn.on_chat = lambda c, obj, now: seen.append(obj["seq"])
    conn.data_received(chat(10))
    conn.data_received(chat(10))
    conn.data_received(chat(12))  # 11 is missing: "everything up to 12" would be a lie
    conn.data_received(chat(12))
    assert conn.seq_hi == 10 and conn.gaps == 1
    conn.data_received(chat(11))
    assert conn.seq_hi == 12 and conn.gaps == 0
    assert seen == [10, 12, 11]
    assert (stats.redelivered, stats.out_of_order) == (2, 1)
    assert [f["seq"] for f in transport.frames()] == [10, 12]


def test_a_chats_ack_naming_its_own_copy_fills_the_gap_it_leaves() -> None:
    conn, transport, stats = make()
    replies: list[dict[str, Any]] = []
    conn.on_reply = lambda c, obj, now: replies.append(obj)
    conn.data_received(chat(3))
    conn.data_received(chat(5))  # 4 is this connection's own chat, copied for other devices
    assert conn.seq_hi == 3
    conn.data_received(b'{"msgid":11,"re":5,"rid":9,"mid":77,"seq":4}\n')
    assert conn.seq_hi == 5 and conn.gaps == 0 and replies[0]["mid"] == 77
    conn.data_received(b'{"msgid":11,"re":5,"rid":10,"mid":78,"seq":6}\n')
    conn.data_received(chat(7))
    assert conn.seq_hi == 7
    assert [f["seq"] for f in transport.frames()] == [3, 7]  # DELIVERED goes with deliveries
    assert (stats.chats, stats.out_of_order) == (3, 1)


def test_a_reconnect_carries_the_sequence_on() -> None:
    old, _, _ = make()
    old.data_received(chat(7))
    new, transport, stats = make()
    new.resume_sequence(old)
    new.data_received(chat(7))
    new.data_received(chat(8))
    assert stats.redelivered == 1
    assert transport.frames() == [{"msgid": 17, "seq": 8}]


def test_chats_without_seq_are_not_acknowledged() -> None:
    conn, transport, stats = make()
    conn.data_received(chat(None))
    assert transport.writes == [] and stats.without_seq == 1


def test_backlog_at_login_moves_the_sequence_and_is_acknowledged() -> None:
    conn, transport, stats = make()
    conn.note_backlog([4, 3])
    conn.flush_acks()
    assert transport.frames() == [{"msgid": 17, "seq": 4}]
    assert stats.backlog == 2


def test_frames_split_across_reads_and_replies_by_rid() -> None:
    async def scenario() -> tuple[Any, list[Any]]:
        conn, transport, _ = make()
        others: list[Any] = []
        conn.on_reply = lambda c, obj, now: others.append(obj)
        pending = asyncio.ensure_future(conn.request({"msgid": 14}, 1.0))
        await asyncio.sleep(0)
        rid = transport.frames()[0]["rid"]
        reply = orjson.dumps({"msgid": 15, "rid": rid}) + b"\n"
        conn.data_received(b'{"msgid":11,"re":6,"rid":7}\n' + reply[:5])
        conn.data_received(reply[5:])
        return await pending, others

    reply, others = asyncio.run(scenario())
    assert reply["msgid"] == 15
    assert others == [{"msgid": 11, "re": 6, "rid": 7}]


def test_a_lost_connection_ends_waiting_requests_and_is_counted() -> None:
    async def scenario() -> tuple[Any, Counter[str]]:
        conn, _, _ = make()
        pending = asyncio.ensure_future(conn.request({"msgid": 14}, 5.0))
        await asyncio.sleep(0)
        conn.connection_lost(None)
        return await pending, conn.errors

    reply, errors = asyncio.run(scenario())
    assert reply is None and errors["connection_lost"] == 1


def test_garbage_from_the_server_is_counted_not_fatal() -> None:
    conn, _, _ = make()
    conn.data_received(b"not json\n[1]\n")
    assert conn.errors == Counter({"bad_json_from_server": 1, "bad_frame_from_server": 1})


def test_close_acknowledges_first() -> None:
    conn, transport, _ = make(AckPolicy(delay=10.0))

    async def scenario() -> None:
        conn.data_received(chat(3))
        conn.close()

    asyncio.run(scenario())
    assert transport.frames() == [{"msgid": 17, "seq": 3}] and transport.closed


def test_errors_that_answer_nothing_are_counted_apart() -> None:
    conn, _, _ = make()
    replies: list[Any] = []
    conn.on_reply = lambda c, obj, now: replies.append(obj)
    conn.data_received(b'{"msgid":12,"errno":20,"errmsg":"frame is not valid JSON"}\n')
    conn.data_received(b'{"msgid":12,"errno":14,"errmsg":"slow down","re":17}\n')
    conn.data_received(b'{"msgid":12,"errno":14,"errmsg":"slow down","re":6,"rid":3}\n')
    assert conn.errors == Counter({"error_errno_20": 1, "delivered_errno_14": 1})
    assert [r["rid"] for r in replies] == [3]
