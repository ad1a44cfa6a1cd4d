"""/settings: the account's privacy settings as the server keeps them (SETTINGS), shown in
plain words and changed one at a time. No Textual."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chatapp.protocol import ChangeSettings, SettingsInfo

from .command_types import CommandError, Privacy
from .net import ClientError, RequestFailed
from .wording import refused

if TYPE_CHECKING:
    from .session import Session

TITLE = "/settings <name> <value>"
USAGE = "/settings [strangers everyone|requests|friends, findable on|off, receipts on|off]"
SUMMARY = (
    "your account's privacy: who may message you (strangers: everyone, requests held for"
    " your answer, friends only), found by name prefix, read receipts; change one"
)
WHO = {"everyone": "everyone", "requests": "requests", "friends": "nobody", "nobody": "nobody"}
"""What `/settings strangers` takes, and the server's value for each: `nobody` (who is no
friend) is `friends` here, the word a user would reach for; the server's word works too."""
SWITCH = {"on": True, "off": False, "yes": True, "no": False, "true": True, "false": False}
SETTINGS = {"strangers": "everyone|requests|friends", "findable": "on|off", "receipts": "on|off"}
"""The settings /settings changes, and the values each takes."""

STRANGERS_WORDS = {
    "everyone": "everyone",
    "requests": "everyone; strangers as message requests",
    "nobody": "friends only",
}


def parse(rest: str) -> Privacy:
    """`/settings` shows the settings; `/settings <name> <value>` changes one."""
    words = rest.lower().split()
    if not words:
        return Privacy()
    setting = words[0]
    if setting not in SETTINGS:
        raise CommandError(f"/settings changes {', '.join(SETTINGS)}; usage: {USAGE}")
    values = WHO if setting == "strangers" else SWITCH
    if len(words) != 2 or words[1] not in values:
        raise CommandError(f"usage: /settings {setting} {SETTINGS[setting]}")
    return Privacy(setting, words[1])


def request(command: Privacy) -> ChangeSettings:
    """The SETTINGS request for a command: the change, or none (a read)."""
    value = command.value
    match command.setting:
        case "strangers":
            return ChangeSettings(strangers=WHO[value])
        case "findable":
            return ChangeSettings(findable=SWITCH[value])
        case "receipts":
            return ChangeSettings(receipts=SWITCH[value])
    return ChangeSettings()


def describe(settings: SettingsInfo) -> str:
    """The settings in plain words, each with its name and value as /settings takes them
    (TITLE, over them, says how to change one)."""
    strangers = STRANGERS_WORDS.get(settings.strangers, settings.strangers)
    mine = {v: k for k, v in WHO.items() if k != "nobody"}.get(settings.strangers, "")
    findable, receipts = _on(settings.findable), _on(settings.receipts)
    return "\n".join(
        (
            f"Who may message you: {strangers} (strangers {mine})",
            f"Found by the start of your name: {_yes(settings.findable)} (findable {findable})",
            f"Others see what you read: {_yes(settings.receipts)} (receipts {receipts})",
        )
    )


def _on(flag: bool) -> str:
    return "on" if flag else "off"


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


async def run(session: Session, command: Privacy) -> tuple[str, str]:
    """Reads the settings, or changes one: the settings as they now are, in plain words,
    and the title over them: what changed, or how to change one."""
    ask = request(command)
    try:
        reply = await session.link().request(ask)
    except RequestFailed as exc:
        raise ClientError(refused(ask.MSGID, exc)) from exc
    if reply.settings is None:
        raise ClientError("The server did not say what your settings are.")
    changed = f"Changed: {command.setting} {command.value}" if command.setting else TITLE
    return describe(reply.settings), changed
