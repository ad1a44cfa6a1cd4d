"""ChatApp: owns state and connection; makes screens' asks requests, and network news state."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.notifications import Notify

from chatapp.protocol import ChatMessage, GroupMessage

from .alerts import Alerting
from .app_history import Paging
from .app_reading import ReadingApp
from .app_strangers import Gatekeeping
from .attention import Attention
from .commands import Add, Close, Create, Help, Join, Logout, Msg, Quit, Social, Theme
from .conversation import ConvKey, Delivery, Line
from .history import InputHistory
from .messages import (
    DeliveryUpdate,
    LinkUpdate,
    OpenConversation,
    RunCommand,
    SendText,
    ServerEvent,
    SessionEnded,
    SessionStarted,
    SignIn,
    news,
)
from .net import ClientError, Connection
from .screens.help import HelpScreen
from .screens.login import LoginScreen
from .screens.main import MainScreen
from .screens.notices import overflow
from .session import ConnectionFactory, Session
from .settings import Settings, save
from .social import notice
from .state import ChatState
from .wording import field_to_fix, log_in_again, plain


class ChatApp(Alerting, ReadingApp, Attention, Gatekeeping, Paging):
    """The chat client: a login screen, then the main screen, over one Connection."""

    TITLE = "chatapp"
    # ctrl+p belongs to conversation switching here, so the palette moves aside.
    COMMAND_PALETTE_BINDING = "ctrl+backslash"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("f1", "help", "Help")]
    # A notice is as wide as its text, up to 60 columns: not Textual's half of the screen,
    # which at 60 columns wraps it to shreds (MainScreen is -wide from 90 columns).
    CSS = "Toast { width: auto; max-width: 100%; } .-wide Toast { max-width: 60; }"

    def __init__(
        self,
        settings: Settings | None = None,
        settings_file: Path | None = None,
        *,
        state: ChatState | None = None,
        clock: Callable[[], datetime] = datetime.now,
        connection_factory: ConnectionFactory = Connection,
        blink: bool = True,
        history: InputHistory | None = None,
    ) -> None:
        super().__init__()
        self.history = history  # what was sent, for Up; None: kept in the platform's place
        self.settings = settings or Settings()
        self.settings_file = settings_file
        self.state = state or ChatState(server=self.settings.server)
        self.clock = clock
        self.blink = blink
        self.session = Session(self.state, connection_factory, self._read)
        # The screens this app made and shows; it hands them news, they never call it.
        self._login: LoginScreen | None = None
        self._main: MainScreen | None = None

    def on_mount(self) -> None:
        if self.settings.theme in self.available_themes:
            self.theme = self.settings.theme
        self.theme_changed_signal.subscribe(self, lambda theme: self._remember(theme=theme.name))
        self.push_screen(self._main_screen() if self.state.user_id else self._login_screen())

    async def on_unmount(self) -> None:
        if self.connection is not None:
            await self.connection.close()

    def _on_notify(self, event: Notify) -> None:
        """Every notice is plain text: names, searches and the server's words are other
        people's, and markup in them would style the notice, or crash the client at `[/x]`.
        Older notices give way before App's own handler (after this one) adds `event`'s:
        a stack taller than the screen scrolls, and the newest is the one it hides."""
        event.notification.markup = False
        shown = list(self._notifications)  # Textual's: it has no public way to trim them
        for old in overflow(shown, event.notification, self.size):
            self._unnotify(old, refresh=False)

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def _login_screen(self, error: str = "") -> LoginScreen:
        self._main = None
        self._login = LoginScreen(
            self.settings.server, self.settings.user, error=error, blink=self.blink
        )
        return self._login

    def _main_screen(self) -> MainScreen:
        self._login = None
        self._main = MainScreen(self.state, blink=self.blink, history=self.history)
        return self._main

    @property
    def connection(self) -> Connection | None:
        return self.session.connection

    @connection.setter
    def connection(self, conn: Connection | None) -> None:
        self.session.connection = conn

    def _view(self) -> MainScreen | None:
        """The main screen if it can be drawn on now: not while it mounts, nor at shutdown."""
        main = self._main
        return main if main is not None and main.ready and self.is_running else None

    # --- Sessions -------------------------------------------------------------------------

    def on_sign_in(self, form: SignIn) -> None:
        # Here, not on the login screen: that goes away on success, and its workers with it.
        self.run_worker(self._sign_in(form), group="sign-in", exclusive=True, exit_on_error=False)

    async def _sign_in(self, form: SignIn) -> None:
        """Registers if asked, logs in and shows the main screen; errors go under the form."""
        login: str | int = form.user
        try:
            if form.register:
                login = await self.session.register(form.host, form.port, form.user, form.password)
                self.notify(f"Registered {form.user} with id {login}")
            await self.session.sign_in(form.host, form.port, login, form.password)
        except ClientError as exc:
            if self._login is not None:
                self._login.show_error(plain(exc), field_to_fix(exc))
            return
        self._remember(host=form.host, port=form.port, user=form.user)
        await self.switch_screen(self._main_screen())

    async def _sign_out(self, everywhere: bool = False) -> None:
        """Logs out, keeping the connection, and returns to the login screen."""
        await self.session.sign_out(everywhere)
        await self.switch_screen(self._login_screen())

    def _read(self, conn: Connection) -> None:
        self.run_worker(self._receive(conn), group="receive", exit_on_error=False)

    async def _receive(self, conn: Connection) -> None:
        """The receive loop: each pushed event or state change becomes a Textual message."""
        async for item in conn.events():
            if conn is self.connection:  # else a replaced one winding down: its news is stale
                self.post_message(news(item))

    def _remember(self, **changes: str | int) -> None:
        for name, value in changes.items():
            setattr(self.settings, name, value)
        if self.settings_file is not None:
            save(self.settings, self.settings_file)

    # --- Network news ---------------------------------------------------------------------

    def on_link_update(self, message: LinkUpdate) -> None:
        stale = self.state.set_link(message.change)  # presence is unknown while down
        if main := self._view():
            main.refresh_all() if stale else main.refresh_status()

    def on_session_started(self, message: SessionStarted) -> None:
        arrivals = self.state.apply_login(message.login.ack)
        rest = self._filed(self.session.rest_of_lists(message.login.ack))
        self.run_worker(rest, group="lists", exclusive=True, exit_on_error=False)
        if main := self._view():
            main.refresh_all()
        if arrivals:
            self.notify(f"{len(arrivals)} messages arrived while you were away")
        if message.login.again:
            self.notify("Reconnected", severity="information")

    async def on_session_ended(self, message: SessionEnded) -> None:
        if (main := self._view()) is None:
            return
        while self.screen is not main:
            await self.pop_screen()  # help, say: the login form takes the main screen's place
        await self.switch_screen(self._login_screen(log_in_again(message.reason)))

    def on_server_event(self, message: ServerEvent) -> None:
        event, main = message.event, self._view()
        if isinstance(event, ChatMessage | GroupMessage):
            arrival = self.state.receive(event)
            self.alert(arrival)  # the bell and the title, if it calls for them (alerts.py)
            if arrival is not None and main is not None:
                main.message_arrived(*arrival)
            return
        changed = self.state.pushed(event)  # a presence changes one row; the rest, lists
        if note := notice(event, self.state):
            self.notify(note, timeout=30)
        if main is not None:
            main.refresh_sidebar(changed)

    def on_delivery_update(self, update: DeliveryUpdate) -> None:
        settled = self.state.set_delivery(update.serial, update.delivery, update.note, update.mid)
        if settled is None or (main := self._view()) is None:
            return
        conv, line, moved = settled
        main.conversation_changed(conv) if moved else main.line_changed(line)

    # --- What the main screen asks for ----------------------------------------------------

    def on_open_conversation(self, message: OpenConversation) -> None:
        self._open(message.key)

    def _open(self, key: ConvKey) -> None:
        """Makes `key` the open conversation; the first time, its latest history loads."""
        conv = self.state.open(key)
        if not conv.paging.started:
            self._load_history(key)
        if self.state.title_wanted(key):  # a group's members, or who a stranger is
            self.run_worker(self._filed(self.session.title_for(key)), exit_on_error=False)
        if main := self._view():
            main.conversation_opened()

    def on_send_text(self, message: SendText) -> None:
        """Files our message as pending and sends it in the background."""
        key = message.key
        line = self.state.add_own(key, message.text, self.clock())
        self.run_worker(self._deliver(key, line), group="send", exit_on_error=False)
        if main := self._view():
            main.message_arrived(self.state.conversation(key), line)

    def on_run_command(self, message: RunCommand) -> None:
        match command := message.command:
            case Add() | Create() | Join() | Msg() | Close() | Social():
                self.run_worker(self._account(command), exit_on_error=False)
            case Theme(name):
                self._theme(name)
            case Logout(everywhere):
                self.run_worker(self._sign_out(everywhere), exit_on_error=False)
            case Quit():
                self.exit()
            case Help():
                self.action_help()

    def _theme(self, name: str) -> None:
        themes = sorted(self.available_themes)
        if name in themes:
            self.theme = name
        else:
            self.notify("Themes: " + ", ".join(themes), title="/theme <name>")

    # --- Workers --------------------------------------------------------------------------

    async def _account(self, command: Add | Create | Join | Msg | Close | Social) -> None:
        """Runs /add, /create, /join, /close or /msg to a stranger; the outcome is notified."""
        try:
            text, opened = await self.session.run(command)
        except ClientError as exc:
            self.notify(plain(exc), severity="error")
            return
        if opened is not None:
            self._open(opened)
            if isinstance(command, Msg) and command.text:
                self.post_message(SendText(opened, command.text))
        if text:  # the member pane's next page says nothing
            self.notify(text)
        if main := self._view():
            main.refresh_sidebar()

    async def _filed(self, work: Awaitable[None]) -> None:
        """Awaits a session request that files its answer in the state, then redraws."""
        try:
            await work
        except ClientError as exc:
            self.notify(f"Not loaded: {plain(exc)}", severity="warning")
        if main := self._view():
            main.refresh_sidebar()

    async def _deliver(self, key: ConvKey, line: Line) -> None:
        try:
            ack = await self.session.send(key, line.text)
        except ClientError as exc:
            self.post_message(
                DeliveryUpdate(line.serial, Delivery.FAILED, f"not sent: {plain(exc)}")
            )
        else:
            self.post_message(DeliveryUpdate(line.serial, Delivery.SENT, mid=ack.mid or 0))
