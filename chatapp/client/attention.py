"""Attention: ChatApp's part in what happens around the user: their typing sent (throttled),
others' typing shown, their other devices' logins and ends told as notices."""

from __future__ import annotations

import contextlib

from chatapp.protocol import ChatMessage, DeviceEvent, GroupMessage, TypingNotice

from .app_part import AppPart
from .messages import HeardNews, ServerEvent, Typed
from .net import ClientError, LinkState
from .typists import Throttle, request
from .widgets.typing_line import TypingLine


def device_notice(event: DeviceEvent) -> str:
    """The notice of a DEVICE_EVENT, in plain words."""
    device = event.device
    if event.event == "added":
        where = f" ({device.address})" if device.address else ""
        return f"Your account logged in on {device.name}{where}"
    return f"Device {device.name or device.id} was logged out"  # the server names none


class Attention(AppPart):
    """Handlers ChatApp inherits: Textual calls each class's handler of a message in turn,
    so `on_server_event` here runs after ChatApp's own."""

    def __init__(self) -> None:
        super().__init__()
        self.throttle = Throttle()

    def _typing_line(self) -> TypingLine | None:
        main = self._view()
        return main.query_one(TypingLine) if main is not None else None

    def on_typed(self, message: Typed) -> None:
        if message.stopped:
            self.throttle.stopped(message.key)
        elif self.throttle.due(message.key):
            self.run_worker(self._send_typing(message), group="typing", exit_on_error=False)

    async def _send_typing(self, message: Typed) -> None:
        conn = self.session.connection
        if conn is None or conn.state is not LinkState.ONLINE:
            return  # news of typing is stale by the time a link is back: never queued
        with contextlib.suppress(ClientError):  # refused or lost: the next one may pass
            await conn.request(request(message.key))

    def on_heard_news(self, message: HeardNews) -> None:
        event = message.event
        if isinstance(event, DeviceEvent):
            self.notify(device_notice(event), timeout=30)
        elif isinstance(event, TypingNotice) and (line := self._typing_line()) is not None:
            line.heard(event, self.session.state.user_id)

    def on_server_event(self, message: ServerEvent) -> None:
        """A chat from somebody shown typing: they are done typing it."""
        chat = message.event
        if isinstance(chat, ChatMessage | GroupMessage) and (line := self._typing_line()):
            line.stopped(self.session.state.key_of(chat), chat.id)
