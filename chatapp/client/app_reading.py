"""ReadingApp: the part of ChatApp that moves read markers: READ as the user sees the newest
messages, RECEIPT from the server filed and drawn."""

from __future__ import annotations

from .app_part import AppPart
from .messages import ReceiptCame, SawNewest
from .reading import Reader, file_receipt
from .screens.main import MainScreen


class ReadingApp(AppPart):
    """ChatApp is made of it: these handlers, and the Reader that sends READ."""

    _main: MainScreen | None

    def __init__(self) -> None:
        super().__init__()
        self.reader = Reader()

    def on_saw_newest(self, message: SawNewest) -> None:
        if self.is_running:  # a worker made while closing never starts
            work = self.reader.saw(self.session, message.key)
            self.run_worker(work, group="read", exit_on_error=False)

    def on_receipt_came(self, message: ReceiptCame) -> None:
        conv = file_receipt(self.state, message.receipt)
        main = self._main
        if conv is None or main is None or not (main.ready and self.is_running):
            return
        main.conversation_changed(conv)  # our lines seen, or the divider gone
        main.refresh_sidebar(conv.key)  # its unread count, read elsewhere

    def watch_app_focus(self, focused: bool) -> None:
        """The terminal has the focus again: what it shows is seen now."""
        main = self._main
        if focused and main is not None and main.ready and self.is_running:
            main.check_seen()
