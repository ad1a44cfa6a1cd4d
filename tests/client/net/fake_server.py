"""FakeServer: a tiny asyncio server with just enough protocol to test drops and reconnection."""

from __future__ import annotations

import asyncio
import contextlib

from chatapp.protocol import (
    Ack,
    Chat,
    Errno,
    Error,
    Event,
    FrameSplitter,
    Login,
    LoginAck,
    MsgId,
    OneChat,
    Ping,
    Pong,
    Request,
    Sync,
    decode_request,
    encode,
)


class FakeServer:
    """Answers LOGIN (with a resume token), ONE_CHAT, SYNC and PING; can go down, stay
    silent, refuse logins, and push chats of its choosing after each login ack."""

    def __init__(self) -> None:
        self.received: list[Request] = []
        self.offline: tuple[Chat, ...] = ()  # the login ack's offlinemsg
        self.pushed: list[Chat] = []  # sent right after each login ack
        self.log: list[Chat] = []  # what SYNC answers from, by seq
        self.down = False  # accept, then hang up at once: the client sees a dead server
        self.answer_pings = True
        self.answer_chats = True
        self.unavailable = 0  # how many chats to refuse with errno 51 (storage unavailable)
        self.login_errno = Errno.OK
        self.logins = 0
        self._writers: list[asyncio.StreamWriter] = []
        self._server: asyncio.Server | None = None
        self.port = 0

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        self.drop_all()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    def drop_all(self) -> None:
        """Closes every client connection, as a crashing server would."""
        for writer in self._writers:
            writer.close()
        self._writers.clear()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.down:
            writer.close()
            return
        self._writers.append(writer)
        splitter = FrameSplitter()
        with contextlib.suppress(OSError):
            while data := await reader.read(65536):
                for frame in splitter.feed(data):
                    request = decode_request(frame)
                    self.received.append(request)
                    reply = self._reply(request)
                    if reply is not None:
                        writer.write(encode(reply) or b"")
                    if isinstance(reply, LoginAck) and not reply.errno:
                        for chat in self.pushed:
                            writer.write(encode(chat) or b"")
        writer.close()

    def _reply(self, request: Request) -> Event | None:
        if isinstance(request, Login):
            self.logins += 1
            if self.login_errno:
                return LoginAck(errno=self.login_errno, errmsg="refused", rid=request.rid)
            token = f"token-{self.logins}"
            return LoginAck(
                id=1, name="alice", offlinemsg=self.offline, token=token, rid=request.rid
            )
        if isinstance(request, OneChat):
            if request.toid == 404:
                return Error(Errno.NO_SUCH_USER, "no such user", re=6, rid=request.rid)
            if self.unavailable:
                self.unavailable -= 1
                return Error(Errno.UNAVAILABLE, "try again", re=6, rid=request.rid)
            return (
                Ack(re=MsgId.ONE_CHAT, rid=request.rid, mid=len(self.received))
                if self.answer_chats
                else None
            )
        if isinstance(request, Sync):
            found = tuple(m for m in self.log if m.seq > request.last)
            return Ack(re=MsgId.SYNC, rid=request.rid, messages=found, more=False)
        if isinstance(request, Ping):
            return Pong(rid=request.rid) if self.answer_pings else None
        return None
