"""Progress: a live status line on stderr while a scenario runs (plain lines when not a tty)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from types import TracebackType

from rich.console import Console
from rich.live import Live
from rich.text import Text

Status = Callable[[], dict[str, object]]

REFRESH_SECONDS = 0.25
# A log file gets a line now and then, not four a second.
PLAIN_EVERY_SECONDS = 5.0


def _no_status() -> dict[str, object]:
    return {}


class Progress:
    """Shows the phase, the time left and the scenario's counters until the run ends."""

    def __init__(self, scenario: str, *, enabled: bool, console: Console | None = None) -> None:
        self.scenario = scenario
        self.enabled = enabled
        self.console = console or Console(stderr=True)
        self.status: Status = _no_status
        self.phase = "starting"
        self._phase_started = time.monotonic()
        self._phase_seconds: float | None = None
        self._task: asyncio.Task[None] | None = None
        self._live: Live | None = None
        self._last_plain = 0.0

    def set_phase(self, phase: str, seconds: float | None = None) -> None:
        """A new phase; `seconds` is how long it will last at most, when known."""
        self.phase = phase
        self._phase_started = time.monotonic()
        self._phase_seconds = seconds
        self._last_plain = 0.0

    def line(self) -> Text:
        elapsed = time.monotonic() - self._phase_started
        text = Text.assemble((f"{self.scenario} ", "bold"), (self.phase, "cyan"))
        if self._phase_seconds:
            text.append(f"  {elapsed:.0f}/{self._phase_seconds:.0f} s")
        else:
            text.append(f"  {elapsed:.0f} s")
        for key, value in self.status().items():
            text.append(f"  {key} ", "dim")
            text.append(f"{value:,}" if isinstance(value, int) else str(value))
        return text

    async def __aenter__(self) -> Progress:
        if self.enabled:
            if self.console.is_terminal:
                self._live = Live(console=self.console, transient=True, auto_refresh=False)
                self._live.start()
            self._task = asyncio.get_running_loop().create_task(self._refresh())
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._live is not None:
            self._live.stop()

    async def _refresh(self) -> None:
        # Refreshed from the event loop rather than rich's thread: the status reads
        # counters the loop is changing.
        while True:
            if self._live is not None:
                self._live.update(self.line(), refresh=True)
            elif time.monotonic() - self._last_plain >= PLAIN_EVERY_SECONDS:
                self._last_plain = time.monotonic()
                self.console.print(self.line(), highlight=False)
            await asyncio.sleep(REFRESH_SECONDS)
