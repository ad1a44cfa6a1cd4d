"""Settings: the last server, user name and theme, kept as JSON in the user config directory."""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from platformdirs import user_config_dir, user_data_dir

log = logging.getLogger(__name__)

DEFAULT_THEME = "textual-dark"


@dataclass(slots=True)
class Settings:
    """What the client remembers between runs; never the password."""

    host: str = "127.0.0.1"
    port: int = 6000
    user: str = ""
    theme: str = DEFAULT_THEME
    alerts: str = "bell+title"
    """How a direct message or a mention elsewhere alerts: "bell+title", "title", "bell",
    "off" (alerts.py)."""

    @property
    def server(self) -> str:
        return f"{self.host}:{self.port}"


def settings_path(config_dir: Path | None = None) -> Path:
    """Where settings live: `config_dir` if given, else the platform's user config directory."""
    return (config_dir or Path(user_config_dir("chatapp"))) / "client.json"


def data_path(data_dir: Path | None = None) -> Path:
    """Where the client keeps its data (the chats not sent yet): `data_dir` if given, else
    the platform's user data directory."""
    return data_dir or Path(user_data_dir("chatapp"))


def load(path: Path) -> Settings:
    """Reads settings, falling back to defaults for a missing or damaged file."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Settings()
    except (OSError, ValueError) as exc:
        log.warning("ignoring unreadable settings %s: %s", path, exc)
        return Settings()
    settings = Settings()
    if isinstance(data, dict):
        for f in fields(Settings):
            value = data.get(f.name)
            if isinstance(value, type(getattr(settings, f.name))):
                setattr(settings, f.name, value)
    return settings


def save(settings: Settings, path: Path) -> None:
    """Writes settings; a failure is logged, since losing them must not stop the client."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(asdict(settings), indent=2) + "\n", encoding="utf-8")
    except OSError as exc:
        log.warning("cannot save settings to %s: %s", path, exc)


def parse_server(text: str, default_port: int = 6000) -> tuple[str, int]:
    """Splits `host[:port]`; raises ValueError for a bad port."""
    host, sep, port = text.strip().rpartition(":")
    if not sep:
        return text.strip(), default_port
    number = int(port)
    if not 0 < number < 65536:
        raise ValueError(f"port {number} is out of range")
    return host.strip("[]"), number
