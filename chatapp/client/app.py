"""ChatApp: owns the connection and its receive worker, and turns network news into UI updates."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import ClassVar

from textual.app import App
from textual.binding import Binding, BindingType

from chatapp.protocol import (
    ChatMessage,
    FriendAdded,
    FriendInfo,
    GroupInfo,
    GroupMessage,
    History,
    Presence,
)

from .conversation import ConvKey, Delivery, Line
from .net import ClientError, Connection, LinkChanged, LoggedIn, LoginNeeded
from .notices import (
    DeliveryUpdate,
    HistoryPage,
    LinkUpdate,
    ServerEvent,
    SessionEnded,
    SessionStarted,
)
from .screens.help import HelpScreen
from .screens.login import LoginScreen
from .screens.main import MainScreen
from .session import ConnectionFactory, Session
from .settings import Settings, save
from .state import ChatState


class ChatApp(App[None]):
    """The chat client: a login screen, then the main screen, over one Connection."""

    TITLE = "chatapp"
    # ctrl+p belongs to conversation switching here, so the palette moves aside.
    COMMAND_PALETTE_BINDING = "ctrl+backslash"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("f1", "help", "Help")]

    def __init__(
        self,
        settings: Settings | None = None,
        settings_file: Path | None = None,
        *,
        state: ChatState | None = None,
        clock: Callable[[], datetime] = datetime.now,
        connection_factory: ConnectionFactory = Connection,
        blink: bool = True,
    ) -> None:
        super().__init__()
        self.settings = settings or Settings()
        self.settings_file = settings_file
        self.state = state or ChatState(server=self.settings.server)
        self.clock = clock
        self.blink = blink
        self.session = Session(self.state, connection_factory, self._read)

    def on_mount(self) -> None:
        if self.settings.theme in self.available_themes:
            self.theme = self.settings.theme
        self.theme_changed_signal.subscribe(self, lambda theme: self._remember(theme=theme.name))
        self.push_screen(MainScreen() if self.state.user_id else LoginScreen())

    async def on_unmount(self) -> None:
        if self.connection is not None:
            await self.connection.close()

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    @property
    def connection(self) -> Connection | None:
        return self.session.connection

    @connection.setter
    def connection(self, conn: Connection | None) -> None:
        self.session.connection = conn

    # --- Sessions -------------------------------------------------------------------------

    async def sign_in(self, host: str, port: int, user: str, password: str, register: bool) -> None:
        """Connects, optionally registers, logs in and shows the main screen."""
        login: str | int = user
        if register:
            login = await self.session.register(host, port, user, password)
            self.notify(f"Registered {user} with id {login}")
        await self.session.sign_in(host, port, login, password)
        self._remember(host=host, port=port, user=user)
        await self.switch_screen(MainScreen())

    async def sign_out(self) -> None:
        """Logs out, keeping the connection, and returns to the login screen."""
        await self.session.sign_out()
        await self.switch_screen(LoginScreen())

    def _read(self, conn: Connection) -> None:
        self.run_worker(self._receive(conn), group="receive", exit_on_error=False)

    async def _receive(self, conn: Connection) -> None:
        """The receive loop: each pushed event or state change becomes a Textual message."""
        async for item in conn.events():
            if conn is not self.connection:
                continue  # a replaced connection winding down; its news is stale
            if isinstance(item, LinkChanged):
                self.post_message(LinkUpdate(item))
            elif isinstance(item, LoggedIn):
                self.post_message(SessionStarted(item))
            elif isinstance(item, LoginNeeded):
                self.post_message(SessionEnded(item.reason))
            else:
                self.post_message(ServerEvent(item))

    def _remember(self, **changes: str | int) -> None:
        for name, value in changes.items():
            setattr(self.settings, name, value)
        if self.settings_file is not None:
            save(self.settings, self.settings_file)

    def _main(self) -> MainScreen | None:
        # A MainScreen being built or torn down must not be touched; it redraws on mount.
        # Network news goes on while the app shuts down, when screens lose their widgets.
        if not self.is_running:
            return None
        screens = [s for s in self.screen_stack if isinstance(s, MainScreen) and s.ready]
        return screens[-1] if screens else None

    # --- Network news ---------------------------------------------------------------------

    def on_link_update(self, message: LinkUpdate) -> None:
        self.state.link = message.change
        if main := self._main():
            main.refresh_status()

    def on_session_started(self, message: SessionStarted) -> None:
        arrivals = self.state.apply_login(message.login.ack)
        if main := self._main():
            main.refresh_all()
        if arrivals:
            self.notify(f"{len(arrivals)} messages arrived while you were away")
        if message.login.again:
            self.notify("Reconnected", severity="information")

    async def on_session_ended(self, message: SessionEnded) -> None:
        if self._main() is None:
            return
        while not isinstance(self.screen, MainScreen):
            await self.pop_screen()  # help, say: the login form takes the main screen's place
        await self.switch_screen(LoginScreen(f"Please log in again ({message.reason})."))

    def on_server_event(self, message: ServerEvent) -> None:
        event, main = message.event, self._main()
        if isinstance(event, ChatMessage | GroupMessage):
            arrival = self.state.receive(event)
            if arrival is not None and main is not None:
                main.message_arrived(*arrival)
            return
        if isinstance(event, Presence):
            self.state.presence(event)
        elif isinstance(event, FriendAdded):
            self.state.add_friend(event.friend)
            self.notify(f"{event.friend.name} (#{event.friend.id}) added you as a friend")
        if main is not None:
            main.refresh_sidebar()

    def on_delivery_update(self, update: DeliveryUpdate) -> None:
        settled = self.state.set_delivery(update.serial, update.delivery, update.note, update.mid)
        if settled is None or (main := self._main()) is None:
            return
        conv, line, moved = settled
        if moved:
            main.conversation_changed(conv)
        else:
            main.line_changed(line)

    def on_history_page(self, page: HistoryPage) -> None:
        if page.key not in self.state.conversations:
            return  # asked for before a logout: the conversation is gone
        conv = self.state.add_history(page.key, page.messages, page.more, page.error)
        if main := self._main():
            main.conversation_changed(conv)

    # --- Requests -------------------------------------------------------------------------

    def send_text(self, key: ConvKey, text: str) -> Line:
        """Files our message as pending and sends it in the background."""
        line = self.state.add_own(key, text, self.clock())
        self.run_worker(self._deliver(key, line), group="send", exit_on_error=False)
        return line

    async def _deliver(self, key: ConvKey, line: Line) -> None:
        try:
            ack = await self.session.send(key, line.text)
        except ClientError as exc:
            self.post_message(DeliveryUpdate(line.serial, Delivery.FAILED, f"not sent: {exc}"))
        else:
            self.post_message(DeliveryUpdate(line.serial, Delivery.SENT, mid=ack.mid or 0))

    def load_history(self, key: ConvKey) -> None:
        """Asks for the page before the oldest loaded (the newest, the first time), unless
        one is on its way or the beginning was reached."""
        if (request := self.session.next_page(key)) is not None:
            self.run_worker(self._history(key, request), group="history", exit_on_error=False)

    async def _history(self, key: ConvKey, request: History) -> None:
        try:
            ack = await self.session.link().request(request)
        except ClientError as exc:
            self.post_message(HistoryPage(key, (), more=True, error=str(exc)))
        else:
            self.post_message(HistoryPage(key, ack.messages or (), ack.more))

    async def add_friend(self, user_id: int) -> FriendInfo:
        return await self.session.add_friend(user_id)

    async def create_group(self, name: str, desc: str) -> GroupInfo:
        return await self.session.create_group(name, desc)

    async def join_group(self, group_id: int) -> GroupInfo:
        return await self.session.join_group(group_id)
