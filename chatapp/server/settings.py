"""What a Config field says of itself: its help, how its text is parsed, its Limits row."""

from __future__ import annotations

import enum
import types
from collections.abc import Callable
from dataclasses import MISSING, dataclass, field, fields
from typing import TYPE_CHECKING, Any, TypeVar, get_args, get_origin, get_type_hints, overload

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

T = TypeVar("T")

_KEY = "chatapp.setting"


@dataclass(frozen=True, slots=True)
class Limit:
    """A field's row in the Limits table of docs/protocol.md."""

    what: str
    """What is limited, as the row names it."""
    default: str
    """The default as a person reads it: a template that names one of {bytes},
    {characters}, {seconds} or {count}, filled in from the field's default
    (`chatapp.server.settings_doc`), so that the number is written only once."""


@dataclass(frozen=True, slots=True)
class Setting:
    """A field's description: its line in `chatapp-server --help`, and its Limits row."""

    help: str
    limit: Limit | None = None


@overload
def setting(default: T, *, help: str, limit: Limit | None = None) -> T: ...


@overload
def setting(*, factory: Callable[[], T], help: str, limit: Limit | None = None) -> T: ...


def setting(
    default: Any = MISSING,
    *,
    factory: Any = MISSING,
    help: str,
    limit: Limit | None = None,
) -> Any:
    """A dataclass field with `default` (or `factory()`) that carries its Setting."""
    metadata = {_KEY: Setting(help, limit)}
    if factory is not MISSING:
        return field(default_factory=factory, metadata=metadata)
    return field(default=default, metadata=metadata)


def switch(text: str) -> bool:
    """on/off, yes/no, true/false, 1/0."""
    value = text.strip().lower()
    if value in ("1", "on", "yes", "true"):
        return True
    if value in ("0", "off", "no", "false"):
        return False
    raise ValueError(f"{text!r} is not on or off")


# How the text of an option or environment variable becomes a field's value, by its type.
PARSERS: dict[type, Callable[[str], Any]] = {int: int, float: float, str: str, bool: switch}


@dataclass(frozen=True, slots=True)
class Option:
    """One field as the command line and the environment see it."""

    name: str
    flag: str
    env: str
    parse: Callable[[str], Any]
    default: Any
    help: str
    limit: Limit | None


def options(defaults: DataclassInstance) -> list[Option]:
    """The options of each field of `defaults`' class, in field order, with its defaults.

    `max_frame` is `--max-frame` and `CHATAPP_MAX_FRAME`; the type parses (`str | None`
    as `str`, a StrEnum by its values). A field declared without `setting()` is a
    mistake, and raises TypeError.
    """
    hints = get_type_hints(type(defaults))
    found = []
    for f in fields(defaults):
        described = f.metadata.get(_KEY)
        if not isinstance(described, Setting):
            raise TypeError(f"{f.name} is not declared with setting()")
        found.append(
            Option(
                name=f.name,
                flag="--" + f.name.replace("_", "-"),
                env="CHATAPP_" + f.name.upper(),
                parse=_parser(f.name, hints[f.name]),
                default=getattr(defaults, f.name),
                help=described.help,
                limit=described.limit,
            )
        )
    return found


def _parser(name: str, hint: Any) -> Callable[[str], Any]:
    kinds = [hint]
    if get_origin(hint) is types.UnionType:
        kinds = [kind for kind in get_args(hint) if kind is not type(None)]
    if len(kinds) == 1 and isinstance(kinds[0], type) and issubclass(kinds[0], enum.StrEnum):
        return kinds[0]  # a closed set: its values are the only text accepted
    if len(kinds) != 1 or kinds[0] not in PARSERS:
        raise TypeError(f"no parser for {name}: {hint}")
    return PARSERS[kinds[0]]
