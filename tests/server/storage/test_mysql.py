"""MySQL only: the URL, the schema's versions and files, the pool, and recovery from lost links."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from chatapp.server.storage import (
    DeviceAck,
    Kind,
    Logged,
    NewMessage,
    Pending,
    StorageError,
    StorageUnavailable,
    StoredMessage,
    User,
    mysql_log,
    open_storage,
    schema_dump,
)
from chatapp.server.storage.log_rows import message_row
from chatapp.server.storage.migrations import (
    INIT_DB,
    Migration,
    load_migrations,
    pending,
    split_statements,
)
from chatapp.server.storage.mysql import MySQLStorage
from chatapp.server.storage.mysql_config import MySQLConfig
from chatapp.server.storage.schema_dump import COMMAND, operators_schema
from tests.server.storage.acking import acks, device_of
from tests.server.storage.numbered import deliveries_given
from tests.server.storage.offline_v1 import OFFLINE_INSERT, expected_pending, offline_row, waiting
from tests.services import mysql_admin, mysql_query

OPERATORS_SCHEMA = Path(__file__).resolve().parents[3] / "sql" / "schema.sql"
MIGRATIONS = load_migrations()
LATEST = MIGRATIONS[-1].version
TABLES = {
    "schema_version",
    "users",
    "friends",
    "chat_groups",
    "group_members",
    "group_invitations",
    "messages",
    "deliveries",
    "delivery_counters",
    "name_skeletons",
    "user_settings",
    "ended_groups",
    "friend_requests",
    "conversation_heads",
    "read_markers",
    "delivery_cursors",
    "resume_tokens",
    "devices",
    "blocks",
    "accepted_senders",
    "held_messages",
}


def with_options(url: str, options: str) -> str:
    parts = urlsplit(url)
    return parts._replace(query="&".join(filter(None, [parts.query, options]))).geturl()


def pool_connections(url: str) -> list[int]:
    """The ids of the server's connections to the URL's database, other than our own."""
    rows = mysql_query(
        url,
        "SELECT id FROM information_schema.processlist"
        " WHERE db = DATABASE() AND id <> CONNECTION_ID() AND command <> 'Killed'",
    )
    return [int(str(row[0])) for row in rows]


def schema_version(url: str) -> object:
    return mysql_query(url, "SELECT version FROM schema_version")[0][0]


def bump(version: int, *statements: str) -> Migration:
    """A migration to test upgrades with."""
    return Migration(
        version,
        f"{version:03}_test.sql",
        (*statements, f"UPDATE schema_version SET version = {version}"),
    )


# --- the URL -------------------------------------------------------------------------


def test_the_url_gives_the_server_credentials_and_pool_options() -> None:
    url = "mysql://bob:p%40ss%2Fw@db.example:3307/chat?pool_min=2&pool_max=5&connect_timeout=2.5&pool_recycle=60"
    assert MySQLConfig.from_url(url) == MySQLConfig(
        "chat", "db.example", 3307, "bob", "p@ss/w", 2, 5, 2.5, 60
    )


def test_the_url_needs_only_host_and_database() -> None:
    assert MySQLConfig.from_url("mysql://127.0.0.1/chat") == MySQLConfig("chat")
    assert isinstance(open_storage("mysql://127.0.0.1/chat"), MySQLStorage)


@pytest.mark.parametrize(
    "url",
    [
        "mysql://127.0.0.1",
        "mysql://127.0.0.1/",
        "mysql://127.0.0.1/chat/extra",
        "mysql://127.0.0.1/chat?pool_size=3",
        "mysql://127.0.0.1/chat?pool_min=x",
        "mysql://127.0.0.1/chat?pool_min=5&pool_max=2",
        "mysql://127.0.0.1/chat?pool_max=0",
        "mysql://127.0.0.1/chat?connect_timeout=0",
        "mysql://127.0.0.1:port/chat",
        "mariadb://127.0.0.1/chat",
    ],
)
def test_a_wrong_url_is_refused(url: str) -> None:
    with pytest.raises(ValueError):
        MySQLConfig.from_url(url)


async def test_an_unreachable_server_is_unavailable_and_the_password_stays_secret() -> None:
    storage = MySQLStorage.from_url("mysql://root:sekret@127.0.0.1:1/chat?connect_timeout=2")
    with pytest.raises(StorageUnavailable, match=r"127\.0\.0\.1:1/chat") as info:
        await storage.open()
    assert "sekret" not in str(info.value)


# --- the schema files ----------------------------------------------------------------


def test_the_operators_schema_is_generated_from_the_current_migrations() -> None:
    text = OPERATORS_SCHEMA.read_text(encoding="utf-8")
    assert text == operators_schema(), f"sql/schema.sql is not current: run `{COMMAND}`"
    assert split_statements(text) == [s for m in MIGRATIONS for s in m.statements]


def test_the_generator_writes_the_operators_schema(tmp_path: Path) -> None:
    schema_dump.main([str(tmp_path / "schema.sql")])
    assert (tmp_path / "schema.sql").read_text(encoding="utf-8") == operators_schema()


def test_each_migration_ends_by_setting_its_version() -> None:
    assert [m.version for m in MIGRATIONS] == list(range(1, LATEST + 1))
    for migration in MIGRATIONS:
        assert "schema_version" in migration.statements[-1]
        assert str(migration.version) in migration.statements[-1]


def test_migrations_must_be_numbered_without_gaps(tmp_path: Path) -> None:
    for name in ("001_first.sql", "003_third.sql"):
        (tmp_path / name).write_text("SELECT 1;\n")
    with pytest.raises(RuntimeError, match="numbered"):
        load_migrations(tmp_path)


def test_a_statement_must_end_with_a_semicolon() -> None:
    assert split_statements("-- note\nSELECT 1;\n\nSELECT\n  2;\n") == ["SELECT 1", "SELECT\n  2"]
    with pytest.raises(ValueError):
        split_statements("SELECT 1;\nSELECT 2\n")


def test_which_migrations_a_database_needs() -> None:
    one, two, three = bump(1), bump(2), bump(3)
    every = [one, two, three]
    assert pending(every, None, 0, upgrade=False, where="db") == every
    assert pending(every, 3, 6, upgrade=False, where="db") == []
    assert pending(every, 1, 6, upgrade=True, where="db") == [two, three]
    with pytest.raises(StorageError, match=f"version 1; this chatapp needs 3.*`{INIT_DB}`"):
        pending(every, 1, 6, upgrade=False, where="db")
    with pytest.raises(StorageError, match="version 4, newer than the 3"):
        pending(every, 4, 6, upgrade=True, where="db")
    with pytest.raises(StorageError, match="not empty"):
        pending(every, None, 1, upgrade=True, where="db")


# --- the schema in a database --------------------------------------------------------


@pytest.mark.mysql
async def test_open_creates_the_schema_in_an_empty_database(mysql_url: str) -> None:
    storage = MySQLStorage.from_url(mysql_url)
    await storage.open()
    await storage.close()
    tables = mysql_query(
        mysql_url,
        "SELECT table_name, engine, table_collation FROM information_schema.tables"
        " WHERE table_schema = DATABASE()",
    )
    assert {t[0] for t in tables} == TABLES
    assert {(t[1], t[2]) for t in tables} == {("InnoDB", "utf8mb4_bin")}
    assert schema_version(mysql_url) == LATEST
    columns = mysql_query(
        mysql_url,
        "SELECT table_name, column_name, data_type, collation_name FROM information_schema.columns"
        " WHERE table_schema = DATABASE()"
        " AND column_name IN ('name', 'body', 'sender_name', 'cid', 'cid_key')",
    )
    assert sorted(columns) == [
        ("chat_groups", "name", "varchar", "utf8mb4_bin"),
        ("devices", "name", "varchar", "utf8mb4_bin"),
        ("held_messages", "body", "mediumtext", "utf8mb4_bin"),
        ("held_messages", "cid", "varchar", "utf8mb4_bin"),
        ("held_messages", "cid_key", "varbinary", None),
        ("held_messages", "sender_name", "varchar", "utf8mb4_bin"),
        ("messages", "body", "mediumtext", "utf8mb4_bin"),
        ("messages", "cid", "varchar", "utf8mb4_bin"),
        ("messages", "cid_key", "varbinary", None),
        ("messages", "sender_name", "varchar", "utf8mb4_bin"),
        ("users", "name", "varchar", "utf8mb4_bin"),
    ]


@pytest.mark.mysql
async def test_reopening_keeps_the_data(mysql_url: str) -> None:
    storage = MySQLStorage.from_url(mysql_url)
    await storage.open()
    alice = await storage.create_user("alice", "hash")
    await storage.close()
    again = MySQLStorage.from_url(mysql_url)
    await again.open()
    try:
        assert await again.user_by_name("alice") == alice
    finally:
        await again.close()


@pytest.mark.mysql
async def test_a_newer_schema_is_refused_even_when_upgrading(mysql_url: str) -> None:
    storage = MySQLStorage.from_url(mysql_url)
    await storage.open()
    await storage.close()
    mysql_query(mysql_url, "UPDATE schema_version SET version = %s", LATEST + 1)
    with pytest.raises(StorageError, match=f"version {LATEST + 1}, newer .*upgrade chatapp"):
        await storage.open(upgrade=True)
    assert schema_version(mysql_url) == LATEST + 1


@pytest.mark.mysql
async def test_an_older_schema_is_upgraded_only_when_asked(mysql_url: str) -> None:
    old = MySQLStorage.from_url(mysql_url)
    await old.open()
    alice = await old.create_user("alice", "hash")
    await old.close()
    newer = (*MIGRATIONS, bump(LATEST + 1, "ALTER TABLE users ADD COLUMN nickname VARCHAR(64)"))
    new = MySQLStorage(MySQLConfig.from_url(mysql_url), migrations=newer)
    with pytest.raises(StorageError, match=f"version {LATEST}; .*`chatapp-server --init-db`"):
        await new.open()
    assert schema_version(mysql_url) == LATEST

    await new.open(upgrade=True)
    try:
        assert await new.user_by_name("alice") == alice
    finally:
        await new.close()
    assert schema_version(mysql_url) == LATEST + 1
    assert mysql_query(mysql_url, "SELECT nickname FROM users") == [(None,)]
    with pytest.raises(StorageError, match="newer"):
        await old.open()


@pytest.mark.mysql
async def test_a_migration_that_forgets_its_version_stops_the_server(mysql_url: str) -> None:
    broken = Migration(LATEST + 1, "999_broken.sql", ("CREATE TABLE extra (x INT)",))
    storage = MySQLStorage(MySQLConfig.from_url(mysql_url), migrations=(*MIGRATIONS, broken))
    with pytest.raises(StorageError, match=r"999_broken\.sql did not set schema_version"):
        await storage.open(upgrade=True)


@pytest.mark.mysql
async def test_a_database_of_another_application_is_left_alone(mysql_url: str) -> None:
    mysql_query(mysql_url, "CREATE TABLE users (login TEXT)")
    with pytest.raises(StorageError, match="not empty"):
        await MySQLStorage.from_url(mysql_url).open(upgrade=True)
    assert mysql_query(mysql_url, "SHOW TABLES") == [("users",)]


@pytest.mark.mysql
async def test_a_database_made_from_the_operators_schema_is_accepted(mysql_url: str) -> None:
    for statement in split_statements(OPERATORS_SCHEMA.read_text(encoding="utf-8")):
        mysql_query(mysql_url, statement)
    storage = MySQLStorage.from_url(mysql_url)
    await storage.open()
    try:
        assert (await storage.create_user("alice", "hash")).name == "alice"
    finally:
        await storage.close()


@pytest.mark.mysql
async def test_a_value_too_long_for_its_column_is_an_error_not_an_outage(mysql_url: str) -> None:
    storage = MySQLStorage.from_url(mysql_url)
    await storage.open()
    try:
        longest = "😀" * 255
        assert await storage.user_by_name(longest) is None
        assert (await storage.create_user(longest, "hash")).name == longest
        with pytest.raises(StorageError, match="too long") as info:
            await storage.create_user("x" * 256, "hash")
        assert not isinstance(info.value, StorageUnavailable)
    finally:
        await storage.close()


# --- the pool and recovery -----------------------------------------------------------


@pytest.mark.mysql
async def test_the_pool_sizes_come_from_the_url(mysql_url: str) -> None:
    storage = MySQLStorage.from_url(with_options(mysql_url, "pool_min=2&pool_max=3"))
    await storage.open()
    try:
        assert len(pool_connections(mysql_url)) == 2
        user = await storage.create_user("alice", "hash")
        await asyncio.gather(*(storage.pending(user.id, None, 10) for _ in range(20)))
        assert len(pool_connections(mysql_url)) == 3
    finally:
        await storage.close()


def kill_pool(url: str) -> list[int]:
    """Kills every connection to the URL's database, as a server restart would.

    pymysql blocks, so the event loop does not run until the storage is called next: the
    pool cannot notice the closed sockets before a call runs into one.
    """
    killed = pool_connections(url)
    for connection_id in killed:
        mysql_query(url, "KILL %s", connection_id)
    return killed


@pytest.mark.mysql
@pytest.mark.parametrize("first", ["read", "write"])
async def test_calls_succeed_after_the_server_kills_every_connection(
    mysql_url: str, first: str, caplog: pytest.LogCaptureFixture
) -> None:
    storage = MySQLStorage.from_url(with_options(mysql_url, "pool_min=3"))
    await storage.open()
    try:
        alice = await storage.create_user("alice", "hash")
        assert len(kill_pool(mysql_url)) == 3
        with caplog.at_level(logging.WARNING, logger="chatapp.server.storage.mysql"):
            if first == "read":
                assert await storage.user_by_name("alice") == alice
            else:
                bob = await storage.create_user("bob", "hash")
                assert await storage.user_by_id(bob.id) == bob
        assert "trying once more on a fresh connection" in caplog.text
        carol = await storage.create_user("carol", "hash")
        await storage.add_friendship(alice.id, carol.id)
        assert [c.id for c in await storage.friends(carol.id, None, 10)] == [alice.id]
        assert [u.name for u in await _users(storage, "alice", "bob", "carol")] == (
            ["alice", "bob", "carol"] if first == "write" else ["alice", "carol"]
        )
    finally:
        await storage.close()


@pytest.mark.mysql
async def test_concurrent_calls_succeed_after_the_server_kills_every_connection(
    mysql_url: str,
) -> None:
    storage = MySQLStorage.from_url(with_options(mysql_url, "pool_min=3&pool_max=4"))
    await storage.open()
    try:
        alice = await storage.create_user("alice", "hash")
        kill_pool(mysql_url)
        found = await asyncio.gather(*(storage.user_by_id(alice.id) for _ in range(8)))
        assert found == [alice] * 8
        names = [f"user{n}" for n in range(6)]
        made = await asyncio.gather(*(storage.create_user(name, "hash") for name in names))
        assert [u.name for u in made] == names
    finally:
        await storage.close()


async def _users(storage: MySQLStorage, *names: str) -> list[User]:
    found = [await storage.user_by_name(name) for name in names]
    return [user for user in found if user is not None]


# --- the message log -----------------------------------------------------------------


def chat(sender: int, toid: int, n: int) -> StoredMessage:
    return StoredMessage((1 << 40) + n, Kind.DIRECT, sender, "x", toid, f"message {n}", "t", n)


@pytest.mark.mysql
async def test_a_version_1_database_with_waiting_messages_is_upgraded_when_asked(
    mysql_url: str,
) -> None:
    old = MySQLStorage(MySQLConfig.from_url(mysql_url), migrations=MIGRATIONS[:1])
    await old.open()
    await old.close()
    # As version 1 made users (the code of today also gives them delivery counters).
    for name in "abc":
        mysql_query(mysql_url, "INSERT INTO users (name, password_hash) VALUES (%s, 'hash')", name)
    ids = mysql_query(mysql_url, "SELECT id FROM users ORDER BY id")
    a, b, c = [int(str(row[0])) for row in ids]
    rows = waiting(a, b, c)
    for uid, message in rows:
        mysql_query(mysql_url, OFFLINE_INSERT.format("%s"), *offline_row(uid, message))

    storage = MySQLStorage.from_url(mysql_url)
    with pytest.raises(StorageError, match=f"version 1; this chatapp needs {LATEST}"):
        await storage.open()
    assert schema_version(mysql_url) == 1
    assert mysql_query(mysql_url, "SELECT COUNT(*) FROM offline_messages") == [(len(rows),)]

    await storage.open(upgrade=True)
    try:
        for uid in (a, b, c):
            assert await storage.pending(uid, None, 10) == Pending(0, expected_pending(rows, uid))
        group = rows[1][1]
        assert await storage.history(group.conversation, None, 10) == [group]
        later = chat(a, b, 100)
        assert await storage.log_messages([NewMessage(later, (b, c))]) == [
            Logged(later.mid, ((b, 4), (c, 3)))
        ]
    finally:
        await storage.close()
    assert schema_version(mysql_url) == LATEST
    assert {row[0] for row in mysql_query(mysql_url, "SHOW TABLES")} == TABLES


@pytest.mark.mysql
async def test_instances_logging_at_once_number_deliveries_in_order_without_deadlock(
    mysql_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    options = "pool_min=1&pool_max=4"
    instances = [MySQLStorage.from_url(with_options(mysql_url, options)) for _ in range(2)]
    for instance in instances:
        await instance.open()
    try:
        users = [(await instances[0].create_user(f"u{n}", "hash")).id for n in range(8)]
        rng = random.Random(11)
        devices = {uid: (await device_of(instances[0], uid)).id for uid in users}
        batches: list[tuple[MySQLStorage, list[NewMessage], dict[int, int]]] = []
        for b in range(24):
            batch = [
                NewMessage(
                    chat(rng.choice(users), 0, b * 100 + n),
                    tuple(rng.sample(users, rng.randint(1, 5))),
                    f"{n % 4}",
                )
                for n in range(rng.randint(1, 30))
            ]
            acks = {uid: rng.randint(0, 3) for uid in rng.sample(users, rng.randint(0, 4))}
            batches.append((instances[b % 2], batch, acks))
        with caplog.at_level(logging.WARNING, logger="chatapp.server.storage.mysql"):
            results = await asyncio.gather(
                *(
                    s.log_messages(bt, [DeviceAck(u, devices[u], n) for u, n in ak.items()])
                    for s, bt, ak in batches
                )
            )
        assert caplog.text == ""  # not even a deadlock retried
        given = deliveries_given(results, users)
        acked = {uid: max((a.get(uid, 0) for _, _, a in batches), default=0) for uid in users}
        for uid in users:
            numbered = sorted(given[uid])
            assert [seq for seq, _ in numbered] == list(range(1, len(numbered) + 1))
            pending = await instances[1].pending(uid, None, 1000)
            assert pending.after == acked[uid]
            assert [(seq, m.mid) for seq, m in pending.deliveries] == numbered[acked[uid] :]
        found = mysql_query(
            mysql_url,
            "SELECT u.id, n.last_seq, c.acked_seq FROM users u"
            " JOIN delivery_counters n ON n.user_id = u.id"
            " JOIN delivery_cursors c ON c.user_id = u.id ORDER BY u.id",
        )
        assert found == [(uid, len(given[uid]), acked[uid]) for uid in users]
    finally:
        for instance in instances:
            await instance.close()


@pytest.mark.mysql
async def test_a_batch_waits_only_for_the_users_it_touches(mysql_url: str) -> None:
    storage = MySQLStorage.from_url(mysql_url)
    await storage.open()
    admin = mysql_admin(mysql_url)
    try:
        a, b, c, d = [(await storage.create_user(name, "hash")).id for name in "abcd"]
        with admin.cursor() as cur:
            cur.execute("BEGIN")
            cur.execute("SELECT user_id FROM delivery_counters WHERE user_id = %s FOR UPDATE", (b,))
            cur.execute("SELECT user_id FROM delivery_cursors WHERE user_id = %s FOR UPDATE", (a,))
            # Another instance is logging for b and acknowledging for a: a batch for others,
            # one from b, and acks of others go ahead (opening devices does too)...
            batch = [NewMessage(chat(a, c, 1), (c,), "1"), NewMessage(chat(b, c, 2), (c,), "2")]
            ack_d_b = await asyncio.wait_for(acks(storage, {d: 1, b: 1}), 5)
            ack_a = await asyncio.wait_for(acks(storage, {a: 1}), 5)
            logged = await asyncio.wait_for(storage.log_messages(batch, ack_d_b), 5)
            assert logged == [
                Logged((1 << 40) + 1, ((c, 1),)),
                Logged((1 << 40) + 2, ((c, 2),)),
            ]
            # ... one for b waits for it, and acks of a too.
            for new, given in ((NewMessage(chat(a, b, 3), (b,)), []), (None, ack_a)):
                with pytest.raises(TimeoutError):
                    await asyncio.wait_for(storage.log_messages([new] if new else [], given), 0.5)
            cur.execute("ROLLBACK")
        third = NewMessage(chat(a, b, 4), (b,))
        assert await asyncio.wait_for(storage.log_messages([third], ack_a), 30) == [
            Logged((1 << 40) + 4, ((b, 1),))
        ]
    finally:
        admin.close()
        await storage.close()


@pytest.mark.mysql
async def test_a_cid_another_transaction_is_logging_makes_a_duplicate_once_committed(
    mysql_url: str,
) -> None:
    storage = MySQLStorage.from_url(mysql_url)
    await storage.open()
    admin = mysql_admin(mysql_url)
    try:
        a, b, c = [(await storage.create_user(name, "hash")).id for name in "abc"]
        first, retry, other = chat(a, b, 1), chat(a, b, 2), chat(a, c, 3)
        with admin.cursor() as cur:
            cur.execute("BEGIN")
            cur.execute(mysql_log.INSERT_MESSAGE, message_row(first, "x"))
            # Another instance is logging a's message "x": a's retry of it waits...
            batch = [NewMessage(other, (c,), "y"), NewMessage(retry, (b,), "x")]
            logging_it = asyncio.create_task(storage.log_messages(batch))
            await asyncio.sleep(0.5)
            assert not logging_it.done()
            cur.execute("COMMIT")
        # ... and is a duplicate once the first is saved; the rest of its batch is logged.
        assert await asyncio.wait_for(logging_it, 5) == [
            Logged(other.mid, ((c, 1),)),
            Logged(first.mid, (), first),  # the first has no deliveries here
        ]
        assert await storage.pending(b, None, 10) == Pending(0, [])
        assert await storage.pending(c, None, 10) == Pending(0, [(1, other)])
    finally:
        admin.close()
        await storage.close()


@pytest.mark.mysql
async def test_a_duplicate_leaves_out_deliveries_below_the_cursor(mysql_url: str) -> None:
    """Rows an acknowledgement passed may be left (forget_acknowledged runs on its own):
    they are no longer in the log, and a retry does not carry them."""
    storage = MySQLStorage.from_url(mysql_url)
    await storage.open()
    try:
        a, b, c = [(await storage.create_user(name, "hash")).id for name in "abc"]
        first = chat(a, b, 1)
        await storage.log_messages([NewMessage(first, (b, c), "x")])
        mysql_query(mysql_url, "UPDATE delivery_cursors SET acked_seq = 1 WHERE user_id = %s", b)
        retry = NewMessage(chat(a, b, 2), (b, c), "x")
        assert await storage.log_messages([retry]) == [Logged(first.mid, ((c, 1),), first)]
    finally:
        await storage.close()


@pytest.mark.mysql
async def test_a_batch_is_logged_once_after_the_server_kills_every_connection(
    mysql_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    storage = MySQLStorage.from_url(with_options(mysql_url, "pool_min=2"))
    await storage.open()
    try:
        a, b = [(await storage.create_user(name, "hash")).id for name in "ab"]
        await storage.log_messages([NewMessage(chat(a, b, 1), (b,), "one")])
        kill_pool(mysql_url)
        with caplog.at_level(logging.WARNING, logger="chatapp.server.storage.mysql"):
            logged = await storage.log_messages(
                [NewMessage(chat(a, b, 2), (b,), "two")], await acks(storage, {b: 1})
            )
        assert "trying once more on a fresh connection" in caplog.text
        assert logged == [Logged((1 << 40) + 2, ((b, 2),))]
        assert await storage.pending(b, None, 10) == Pending(1, [(2, chat(a, b, 2))])
    finally:
        await storage.close()


@pytest.mark.mysql
async def test_a_call_waiting_for_a_connection_gets_one_when_the_busy_one_is_lost(
    mysql_url: str,
) -> None:
    storage = MySQLStorage.from_url(with_options(mysql_url, "pool_min=1&pool_max=1"))
    await storage.open()
    admin = mysql_admin(mysql_url)
    try:
        a, b = [(await storage.create_user(name, "hash")).id for name in "ab"]
        with admin.cursor() as cur:
            cur.execute("BEGIN")
            cur.execute("SELECT id FROM users WHERE id = %s FOR UPDATE", (b,))
            busy = asyncio.create_task(storage.log_messages([NewMessage(chat(a, b, 1), (b,))]))
            await asyncio.sleep(0.2)  # it holds the only connection, waiting for the lock
            waiting = asyncio.create_task(storage.user_by_id(a))
            await asyncio.sleep(0.2)
            busy.cancel()  # its connection is closed: the state of the transaction is unknown
            found = await asyncio.wait_for(waiting, 5)
            assert found is not None and found.id == a
            with contextlib.suppress(asyncio.CancelledError):
                await busy
            cur.execute("ROLLBACK")
    finally:
        admin.close()
        await asyncio.wait_for(storage.close(), 5)
