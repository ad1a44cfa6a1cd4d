"""SavedChats: the chats of the outbox kept on disk, so that a restart loses none of them."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import replace
from pathlib import Path

from chatapp.protocol import GroupChat, OneChat, ProtocolError, decode_request, encode_request

log = logging.getLogger(__name__)

Chat = OneChat | GroupChat


class SavedChats:
    """The chats sent to one server and not yet answered, by user, each with its cid (which
    makes sending one again harmless), in a JSON file under `directory`. A chat is written
    before it goes out and removed once the server has answered it."""

    def __init__(self, directory: Path, host: str, port: int) -> None:
        safe = "".join(c if c.isalnum() or c in ".-" else "_" for c in host)
        self.path = directory / f"outbox-{safe}-{port}.json"
        self.user: int | None = None  # whose chats `add` keeps: the one logged in

    def chats(self, user: int) -> list[Chat]:
        """The chats `user` sent that still wait for an answer, oldest first."""
        found: list[Chat] = []
        for frame in self._read().get(str(user), []):
            try:
                request = decode_request(frame.encode())
            except (ProtocolError, ValueError) as exc:
                log.warning("dropping an unreadable saved chat: %s", exc)
                continue
            if isinstance(request, OneChat | GroupChat):
                found.append(request)
        return found

    def add(self, chat: Chat) -> None:
        """Keeps a chat of the user logged in (once per cid) until `remove`."""
        if self.user is None or chat.cid is None:
            return
        data = self._read()
        frames = data.setdefault(str(self.user), [])
        if all(_cid(frame) != chat.cid for frame in frames):
            frames.append(encode_request(replace(chat, rid=None)).decode().strip())
            self._write(data)

    def remove(self, cid: str) -> None:
        """The server answered the chat `cid`: it is no longer kept."""
        data = self._read()
        kept = {user: [f for f in frames if _cid(f) != cid] for user, frames in data.items()}
        if kept != data:
            self._write({user: frames for user, frames in kept.items() if frames})

    def _read(self) -> dict[str, list[str]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            log.warning("cannot read the saved outbox %s: %s", self.path, exc)
            return {}
        if not isinstance(data, dict):
            return {}
        return {str(k): [f for f in v if isinstance(f, str)] for k, v in data.items()}

    def _write(self, data: dict[str, list[str]]) -> None:
        """Replaces the file whole, so that a crash leaves the old one or the new one. What
        the user wrote is theirs alone, as input history is: a private directory, and a file
        readable by its owner only (0600)."""
        try:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            spare = self.path.with_suffix(".tmp")
            spare.unlink(missing_ok=True)  # one left by a crash may have another mode
            text = json.dumps(data, indent=1) + "\n"
            fd = os.open(spare, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(text)
            os.replace(spare, self.path)
        except OSError as exc:
            log.warning("cannot save the outbox to %s: %s", self.path, exc)


def _cid(frame: str) -> object:
    try:
        return json.loads(frame).get("cid")
    except (ValueError, AttributeError):
        return None
