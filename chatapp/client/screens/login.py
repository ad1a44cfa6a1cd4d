"""LoginScreen: server address, name or id and password; log in or register, errors in place."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, Input, Label, Static

from ..messages import SignIn
from ..settings import parse_server


class LoginScreen(Screen[None]):
    """A centred form; Enter moves on and, from the password, asks the app to log in.

    The app answers a failed attempt through `show_error`; success replaces this screen.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+r", "submit(True)", "Register"),
        Binding("escape", "app.quit", "Quit"),
    ]
    # Short terminals get a compact form, so that the error under it stays on screen.
    VERTICAL_BREAKPOINTS = [(0, "-short"), (30, "-tall")]  # noqa: RUF012 (see main.py)

    DEFAULT_CSS = """
    LoginScreen {
        align: center middle;
        background: $background;
        #form {
            width: 56;
            height: auto;
            border: round $accent;
            border-title-align: center;
            padding: 1 2;
            background: $surface;
        }
        Label.caption { margin: 1 0 0 0; color: $text-muted; }
        #buttons { height: auto; margin-top: 1; align: center middle; }
        #buttons Button { margin: 0 1; }
        #error { color: $error; margin-top: 1; height: auto; }
        #busy { color: $text-muted; margin-top: 1; height: auto; }
        #tagline { color: $text-muted; text-align: center; width: 100%; }
        &.-short {
            #form { padding: 0 1; max-width: 100%; max-height: 100%; overflow-y: auto; }
            #tagline { display: none; }
            Label.caption { margin: 0; }
            #buttons { margin-top: 0; }
            #error, #busy { margin-top: 0; }
        }
    }
    """

    def __init__(self, server: str, user: str, *, error: str = "", blink: bool = True) -> None:
        super().__init__()
        self._server = server
        self._user = user
        self._first_error = error
        self._blink = blink

    def compose(self) -> ComposeResult:
        with Vertical(id="form") as form:
            form.border_title = "chatapp"
            yield Static("a terminal chat client", id="tagline")
            yield Label("Server (host:port)", classes="caption")
            yield Input(self._server, placeholder="127.0.0.1:6000", id="server")
            yield Label("Name or id", classes="caption")
            yield Input(self._user, placeholder="alice or 42", id="user")
            yield Label("Password", classes="caption")
            yield Input(placeholder="password", password=True, id="password")
            with Horizontal(id="buttons"):
                yield Button("Log in", variant="primary", id="login")
                yield Button("Register", id="register")
            yield Static("", id="error", markup=False)  # the server's words, names
            yield Static("", id="busy", markup=False)

    def on_mount(self) -> None:
        for field in self.query(Input):
            field.cursor_blink = self._blink
        self.query_one("#password" if self._user else "#user", Input).focus()
        if self._first_error:
            self.show_error(self._first_error)

    @on(Input.Submitted)
    def _next_field(self, event: Input.Submitted) -> None:
        if event.input.id == "password":
            self.action_submit(False)
        else:
            self.focus_next()

    @on(Button.Pressed)
    def _button(self, event: Button.Pressed) -> None:
        self.action_submit(event.button.id == "register")

    def show_error(self, text: str, fix: str = "") -> None:
        """Shows why the last attempt failed, under the form; `fix` names the field to put
        right (`server`, `user` or `password`, which is emptied), and it takes the focus."""
        self.query_one("#error", Static).update(text)
        self.query_one("#busy", Static).update("")
        if fix:
            field = self.query_one(f"#{fix}", Input)
            if fix == "password":
                field.value = ""
            field.focus()
        if text:  # on a short screen the form scrolls: the error must stay in sight
            self.call_after_refresh(self.query_one("#error").scroll_visible, animate=False)

    def action_submit(self, register: bool) -> None:
        """Checks the form and asks the app to log in (or register)."""
        server = self.query_one("#server", Input).value
        user = self.query_one("#user", Input).value.strip()
        password = self.query_one("#password", Input).value
        try:
            host, port = parse_server(server)
        except ValueError as exc:
            self.show_error(f"Server address: {exc}")
            return
        if not host or not user or not password:
            self.show_error("Server, name and password are all needed.")
            return
        if register and user.isdigit():
            self.show_error("A name cannot be only digits: those log in by id.")
            return
        self.show_error("")
        action = "Registering" if register else "Logging in"
        self.query_one("#busy", Static).update(f"{action} as {user} at {host}:{port}…")
        self.post_message(SignIn(host, port, user, password, register))
