"""TLS: --tls-cert/--tls-key make the server speak TLS 1.2+; bad settings stop the start."""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import ipaddress
import logging
import ssl
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from chatapp.protocol import MsgId
from chatapp.server import cli
from chatapp.server.app import ChatServer
from chatapp.server.config import Config
from tests.server.conftest import TEST_HASH_COST
from tests.wire import WireClient


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 signed by its own key; returns the PEM files' paths."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture
def pem(tmp_path: Path) -> tuple[Path, Path]:
    return self_signed(tmp_path)


@pytest.fixture
async def tls_server(tmp_path: Path, pem: tuple[Path, Path]) -> AsyncIterator[ChatServer]:
    cert, key = pem
    config = Config(
        port=0,
        storage=f"sqlite:///{tmp_path}/chat.db",
        hash_cost=TEST_HASH_COST,
        tls_cert=str(cert),
        tls_key=str(key),
    )
    server = ChatServer(config)
    await server.start()
    yield server
    await server.shutdown()


@contextlib.asynccontextmanager
async def tls_client(server: ChatServer, cert: Path) -> AsyncIterator[WireClient]:
    """A client that trusts only the test's certificate and checks the host name."""
    context = ssl.create_default_context(cafile=str(cert))
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port, ssl=context)
    client = WireClient(reader, writer, legacy=False)
    try:
        yield client
    finally:
        with contextlib.suppress(OSError, ssl.SSLError):
            await client.close()


async def test_clients_register_log_in_and_chat_over_tls(
    tls_server: ChatServer, pem: tuple[Path, Path]
) -> None:
    cert, _ = pem
    async with tls_client(tls_server, cert) as a, tls_client(tls_server, cert) as b:
        version = a.writer.get_extra_info("ssl_object").version()
        assert version in ("TLSv1.2", "TLSv1.3")
        ids = []
        for client, name in ((a, "alice"), (b, "bob")):
            reg = await client.request(msgid=MsgId.REG, name=name, password="pw", v=2)
            ack = await client.request(msgid=MsgId.LOGIN, id=reg["id"], password="pw", v=2)
            assert ack["errno"] == 0
            ids.append(reg["id"])
        assert (await a.request(msgid=MsgId.ONE_CHAT, toid=ids[1], msg="secret"))["errno"] == 0
        chat = await b.expect(MsgId.ONE_CHAT)
        assert (chat["id"], chat["msg"]) == (ids[0], "secret")


async def test_a_plaintext_client_fails_cleanly_and_the_server_goes_on(
    tls_server: ChatServer, pem: tuple[Path, Path]
) -> None:
    cert, _ = pem
    async with tls_client(tls_server, cert) as before:
        await before.quiet()
        plain = await WireClient.connect(tls_server.port)
        try:
            await plain.send(msgid=MsgId.PING, rid=1)
            with contextlib.suppress(ConnectionError):
                assert await plain.closed()  # no reply: the handshake failed
            assert plain.raw_frames == []
        finally:
            await plain.close()
        await before.quiet()
    async with tls_client(tls_server, cert) as after:
        await after.quiet()


async def test_a_client_that_does_not_trust_the_certificate_is_refused(
    tls_server: ChatServer, pem: tuple[Path, Path]
) -> None:
    with pytest.raises(ssl.SSLCertVerificationError):
        await asyncio.open_connection(
            "127.0.0.1", tls_server.port, ssl=ssl.create_default_context()
        )
    cert, _ = pem
    async with tls_client(tls_server, cert) as client:
        await client.quiet()


@pytest.mark.parametrize("which", ["tls_cert", "tls_key"])
async def test_a_certificate_without_its_key_is_refused_at_start(
    tmp_path: Path, pem: tuple[Path, Path], which: str
) -> None:
    half: dict[str, Any] = {which: str(pem[0])}
    config = Config(port=0, storage=f"sqlite:///{tmp_path}/chat.db", **half)
    with pytest.raises(ValueError, match="give both or neither"):
        await ChatServer(config).start()


async def test_an_unreadable_certificate_is_refused_at_start(
    tmp_path: Path, pem: tuple[Path, Path]
) -> None:
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a certificate")
    for cert, key in ((tmp_path / "missing.pem", pem[1]), (garbage, pem[1]), (pem[0], garbage)):
        config = Config(
            port=0, storage=f"sqlite:///{tmp_path}/chat.db", tls_cert=str(cert), tls_key=str(key)
        )
        with pytest.raises(ValueError, match="cannot load TLS certificate") as raised:
            await ChatServer(config).start()
        assert str(cert) in str(raised.value)
    assert not (tmp_path / "chat.db").exists()  # stopped before opening anything


def test_the_command_line_reports_a_bad_certificate_and_exits_1(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    missing = tmp_path / "missing.pem"
    argv = ["--port", "0", "--storage", f"sqlite:///{tmp_path}/chat.db"]
    with caplog.at_level(logging.ERROR, logger="chatapp.server"):
        assert cli.main([*argv, "--tls-cert", str(missing), "--tls-key", str(missing)]) == 1
    assert f"cannot load TLS certificate {missing}" in caplog.text


def test_tls_options_come_from_the_command_line_or_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CHATAPP_TLS_KEY", "/etc/chatapp/key.pem")
    config, _ = cli.parse_args(["--tls-cert", "/etc/chatapp/cert.pem"])
    assert (config.tls_cert, config.tls_key) == ("/etc/chatapp/cert.pem", "/etc/chatapp/key.pem")
    assert (Config().tls_cert, Config().tls_key) == (None, None)
