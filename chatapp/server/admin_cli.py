"""chatapp-admin's command line: the operator's tool beside the server, on its storage.

Exit codes: 0 done; 1 refused (no such user or group, passwords that differ, ...); 2 a
usage error (argparse's, and a delete without --yes); 3 the storage is unreachable or its
schema is not this chatapp's current one.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import os
import sys
from collections.abc import Awaitable, Callable, Sequence

import orjson

from chatapp import __version__

from . import admin_commands as cmd
from .admin_commands import Refused, Shown
from .admin_table import table
from .config import Config
from .settings import options
from .storage import Storage, StorageError, StorageUnavailable, open_storage, sqlite_backup

REFUSED, USAGE, UNREACHABLE = 1, 2, 3

# The server's own settings the tool shares, from the same options and environment.
_SHARED = ("storage", "hash_cost", "max_password_chars")

END_SESSIONS_HELP = (
    "revoke every resume token of the user and close their live connections (each server "
    "looks every --ended-poll seconds, 2 by default): the next login needs the password"
)


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    for option in options(Config()):
        if option.name in _SHARED:
            common.add_argument(
                option.flag,
                dest=option.name,
                type=option.parse,
                default=argparse.SUPPRESS,
                help=f"{option.help} (env {option.env}; as chatapp-server)",
            )
    common.add_argument(
        "--json",
        action="store_true",
        default=argparse.SUPPRESS,
        help="print JSON instead of a table",
    )
    parser = argparse.ArgumentParser(
        prog="chatapp-admin",
        parents=[common],
        description="Find, inspect, disable and delete chatapp accounts and groups, on the "
        "server's storage (the same --storage or CHATAPP_STORAGE as chatapp-server). The "
        "server may be running: each instance looks every --ended-poll seconds (2) for the "
        "sessions ended and the groups deleted here, and follows. Exit codes: 0 done, "
        "1 refused, 2 usage, 3 storage unreachable or not at this chatapp's schema.",
    )
    parser.add_argument("--version", action="version", version=f"chatapp {__version__}")
    nouns = parser.add_subparsers(dest="noun", required=True)

    def verb(
        sub: argparse._SubParsersAction[argparse.ArgumentParser], name: str, help: str, *args: str
    ) -> argparse.ArgumentParser:
        p = sub.add_parser(name, parents=[common], help=help, description=help)
        for arg in args:
            p.add_argument(arg, help="an id, or else an exact name")
        return p

    users = nouns.add_parser("users", help="accounts").add_subparsers(dest="verb", required=True)
    find = verb(users, "find", "users whose name starts with TEXT (any case), or whose id it is")
    find.add_argument("text")
    find.add_argument("--limit", type=int, default=50)
    show = verb(users, "show", "an account: friends, groups, requests, settings, counts", "user")
    show.add_argument("--page", type=int, default=20, help="friends and groups listed (20)")
    verb(users, "disable", "refuse the user's logins from now on and revoke their tokens", "user")
    verb(users, "enable", "let a disabled user log in again", "user")
    reset = verb(
        users, "reset-password", "set a new password (asked twice) and revoke every token", "user"
    )
    reset.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of standard input",
    )
    verb(users, "end-sessions", END_SESSIONS_HELP, "user")
    delete = verb(
        users,
        "delete",
        "delete the account and its data; the messages it sent "
        "stay in others' history, under a row named 'deleted user  #ID'",
        "user",
    )
    delete.add_argument("--yes", action="store_true", help="really delete")

    groups = nouns.add_parser("groups", help="groups").add_subparsers(dest="verb", required=True)
    gshow = verb(groups, "show", "a group: settings, first members with roles, counts", "group")
    gshow.add_argument("--page", type=int, default=20, help="members listed (20)")
    gdelete = verb(
        groups, "delete", "delete a group with its members, invitations and messages", "group"
    )
    gdelete.add_argument("--yes", action="store_true", help="really delete")
    verb(
        groups,
        "transfer",
        "make a member the creator; the old creator becomes an admin",
        "group",
        "user",
    )
    nouns.add_parser("stats", parents=[common], help="what the database holds, counted")
    backup = nouns.add_parser(
        "backup",
        parents=[common],
        help="copy the embedded (SQLite) database to FILE, the server running or not: what "
        "was committed when the backup began, checked (MySQL: see deploy/mysql.md)",
    )
    backup.add_argument("file")
    restore = nouns.add_parser(
        "restore",
        parents=[common],
        help="put the backup FILE in place of the embedded database; the server must be "
        "stopped (the old file is kept beside it as .before-restore)",
    )
    restore.add_argument("file")
    restore.add_argument(
        "--force", action="store_true", help="skip the check that no server holds it open"
    )
    return parser


def _copy(args: argparse.Namespace, url: str) -> Shown:
    """backup and restore, on the embedded database of `url`; no storage is opened."""
    if not url.startswith("sqlite:///"):
        raise Refused("backup and restore are for the embedded database; MySQL: deploy/mysql.md")
    database = url.removeprefix("sqlite://")
    try:
        if args.noun == "backup":
            done = sqlite_backup.backup(database, args.file)
        else:
            done = sqlite_backup.restore(args.file, database, force=args.force)
    except sqlite_backup.BackupError as exc:
        raise Refused(str(exc)) from None
    return {
        "file": str(done.path),
        "schema_version": done.schema_version,
        "pages": done.pages,
        "seconds": round(done.seconds, 3),
    }


def _password(args: argparse.Namespace, limit: int) -> str:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("new password: ")
        if getpass.getpass("again: ") != password:
            raise Refused("the passwords differ")
    if not password or len(password) > limit:
        raise Refused(f"a password is 1 to {limit} characters")
    return password


def _command(args: argparse.Namespace, config: Config) -> Callable[[Storage], Awaitable[Shown]]:
    """The subcommand to run once the storage is open (a password is asked before)."""
    match args.noun, getattr(args, "verb", None):
        case "users", "find":
            return lambda s: cmd.users_find(s, args.text, args.limit)
        case "users", "show":
            return lambda s: cmd.users_show(s, args.user, args.page)
        case "users", "disable" | "enable":
            return lambda s: cmd.users_disable(s, args.user, args.verb == "disable")
        case "users", "reset-password":
            password = _password(args, config.max_password_chars)
            return lambda s: cmd.users_reset_password(s, args.user, password, config.hash_cost)
        case "users", "end-sessions":
            return lambda s: cmd.users_end_sessions(s, args.user)
        case "users", "delete":
            return lambda s: cmd.users_delete(s, args.user)
        case "groups", "show":
            return lambda s: cmd.groups_show(s, args.group, args.page)
        case "groups", "delete":
            return lambda s: cmd.groups_delete(s, args.group)
        case "groups", "transfer":
            return lambda s: cmd.groups_transfer(s, args.group, args.user)
        case _:
            return cmd.stats


async def _run(url: str, command: Callable[[Storage], Awaitable[Shown]]) -> Shown:
    storage = open_storage(url, existing=True)
    await storage.open()
    try:
        return await command(storage)
    finally:
        await storage.close()


def _config(parser: argparse.ArgumentParser, args: argparse.Namespace) -> Config:
    """The shared settings: the option, else the environment, else the server's default."""
    values = {}
    for option in options(Config()):
        if option.name not in _SHARED:
            continue
        if option.name in args:
            values[option.name] = getattr(args, option.name)
        elif option.env in os.environ:
            try:
                values[option.name] = option.parse(os.environ[option.env])
            except ValueError:
                parser.error(f"{option.env} is not a valid {option.name}")
    return Config(**values)


def main(argv: Sequence[str] | None = None) -> None:
    logging.basicConfig(level=logging.WARNING, format="chatapp-admin: %(message)s")
    parser = _parser()
    args = parser.parse_args(argv)
    config = _config(parser, args)
    if getattr(args, "yes", True) is False:
        parser.exit(USAGE, f"chatapp-admin: refusing to {args.verb} without --yes\n")
    try:
        if args.noun in ("backup", "restore"):
            shown = _copy(args, config.storage)
        else:
            shown = asyncio.run(_run(config.storage, _command(args, config)))
    except Refused as exc:
        parser.exit(REFUSED, f"chatapp-admin: {exc}\n")
    except (StorageUnavailable, OSError) as exc:
        parser.exit(UNREACHABLE, f"chatapp-admin: storage unreachable: {exc}\n")
    except StorageError as exc:  # a schema not this chatapp's current one
        parser.exit(UNREACHABLE, f"chatapp-admin: storage refused: {exc}\n")
    except (KeyboardInterrupt, EOFError):
        parser.exit(REFUSED, "chatapp-admin: interrupted\n")
    if getattr(args, "json", False):
        sys.stdout.buffer.write(orjson.dumps(shown, option=orjson.OPT_INDENT_2) + b"\n")
    else:
        sys.stdout.write(table(shown))


if __name__ == "__main__":
    main()
