"""Paging: the part of ChatApp that loads a conversation's history, a page at a time, as
the reader scrolls up or a conversation is first opened."""

from __future__ import annotations

from chatapp.protocol import History

from .app_part import AppPart
from .conversation import ConvKey
from .messages import HistoryPage, LoadHistory
from .net import ClientError
from .wording import plain


class Paging(AppPart):
    """ChatApp is made of it (last of its bases): history asked for, and filed as it comes."""

    def on_load_history(self, message: LoadHistory) -> None:
        self._load_history(message.key)
        if main := self._view():
            main.conversation_changed(self.state.conversation(message.key))  # the banner says so

    def on_history_page(self, page: HistoryPage) -> None:
        if page.key not in self.state.conversations:
            return  # asked for before a logout: the conversation is gone
        conv = self.state.add_history(page.key, page.messages, page.more, page.error)
        if main := self._view():
            main.conversation_changed(conv)

    def _load_history(self, key: ConvKey) -> None:
        if (request := self.session.next_page(key)) is not None:
            self.run_worker(self._history(key, request), group="history", exit_on_error=False)

    async def _history(self, key: ConvKey, request: History) -> None:
        try:
            ack = await self.session.link().request(request)
        except ClientError as exc:
            self.post_message(HistoryPage(key, (), more=True, error=plain(exc)))
        else:
            self.post_message(HistoryPage(key, ack.messages or (), ack.more))
