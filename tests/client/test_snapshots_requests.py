"""Snapshots of message requests and /settings: a stranger's notice, the list of requests
with their previews (A allows, R refuses), the settings in plain words. Fixed data, a
frozen clock."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.pilot import Pilot
from textual.widgets._toast import Toast

from chatapp.client.app import ChatApp
from chatapp.client.messages import HeardNews
from chatapp.client.net import Connection, Sendable
from chatapp.client.screens.requests import RequestList
from chatapp.client.settings import Settings
from chatapp.client.widgets.composer import Composer
from chatapp.protocol import (
    Ack,
    ChangeSettings,
    HeldPreview,
    MessageRequests,
    MsgId,
    NewMessageRequest,
    SenderInfo,
    SettingsInfo,
)

from .conftest import until
from .fakes import clock, demo_state
from .test_snapshots import RefusingConnection

SnapCompare = Callable[..., bool]
SIZES = [(120, 35), (60, 20)]


def held(mid: int, text: str) -> HeldPreview:
    return HeldPreview(mid, text, "2025-03-14 09:30:00", 1741944600000, cut=len(text) >= 200)


ZHAO = SenderInfo(
    9,
    "zhao liu",
    4,
    (
        held(1, "hello, we met at the conference"),
        held(2, "here is the document I mentioned, it is quite long " * 4),
        held(3, "are you there?"),
    ),
)
ERIN = SenderInfo(12, "erin", 1, (held(4, "hi alice, bob gave me your name"),))


class AnsweringConnection(Connection):
    """Answers SETTINGS and MESSAGE_REQUESTS as a server would for alice, and no more."""

    async def request(self, request: Sendable) -> Ack:
        if isinstance(request, ChangeSettings):
            return Ack(MsgId.SETTINGS, settings=SettingsInfo("requests", findable=False))
        if isinstance(request, MessageRequests):
            return Ack(MsgId.MESSAGE_REQUESTS, senders=(ZHAO, ERIN), more=True)
        raise AssertionError(f"not answered here: {request}")


def requests_app() -> ChatApp:
    """alice, chatting with bob, her settings and requests answered from fixed data."""
    app = ChatApp(
        Settings(user="alice"),
        state=demo_state(),
        clock=clock,
        blink=False,
        connection_factory=RefusingConnection,
    )
    app.session.connection = AnsweringConnection("127.0.0.1", 6000)
    return app


def typed(line: str) -> Callable[[Pilot[None]], object]:
    async def run(pilot: Pilot[None]) -> None:
        composer = pilot.app.screen.query_one(Composer)
        composer.value = line
        await pilot.press("enter")
        await until(lambda: len(pilot.app.screen.query(Toast)) == 1)
        await pilot.pause()

    return run


@pytest.mark.parametrize("size", SIZES)
def test_request_notice(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    async def asked(pilot: Pilot[None]) -> None:
        pilot.app.post_message(HeardNews(NewMessageRequest(ZHAO)))
        pilot.app.post_message(HeardNews(NewMessageRequest(ZHAO)))  # once per sender
        await until(lambda: len(pilot.app.screen.query(Toast)) == 1)
        await pilot.pause()

    assert snap_compare(requests_app(), terminal_size=size, run_before=asked)


@pytest.mark.parametrize("size", SIZES)
def test_request_list(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    async def listed(pilot: Pilot[None]) -> None:
        composer = pilot.app.screen.query_one(Composer)
        composer.value = "/message-requests"
        await pilot.press("enter")
        await until(lambda: isinstance(pilot.app.screen, RequestList))
        await pilot.pause()

    assert snap_compare(requests_app(), terminal_size=size, run_before=listed)


@pytest.mark.parametrize("size", SIZES)
def test_settings(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    assert snap_compare(requests_app(), terminal_size=size, run_before=typed("/settings"))
