"""Online backups of the embedded SQLite database while the server runs, and their restore.

`backup` copies a consistent snapshot with SQLite's online backup API: the source's read
transaction is opened first and held to the end, so the copy is the database as it was
committed at that instant, whatever is written meanwhile. (Without it, every write by
the server restarts a backup taken in steps, which then never ends under load.) In WAL
mode a reader never blocks the writer: the server goes on committing while the copy is
made, in steps with a pause between them so that it takes the disk a little at a time.

`restore` puts a backup in a database's place, once the backup is checked and nobody
holds the database open.

Run as `python -m chatapp.server.storage.sqlite_backup backup|restore ...`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import sys
import time
from collections.abc import Callable, Sequence
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from .sqlite import SCHEMA_VERSION
from .sqlite_db import create_private

# Pages per step (4 MiB of 4 KiB pages), and the pause after each: a 1 GiB database is
# copied in 256 steps with 2.5 s of pauses in all.
DEFAULT_PAGES = 1024
DEFAULT_PAUSE = 0.01
# Seconds to wait for the source's read transaction (only a WAL recovery delays it).
OPEN_TIMEOUT = 5.0


class BackupError(Exception):
    """A backup or restore that was not done, and why; nothing was replaced."""


@dataclass(frozen=True, slots=True)
class Backup:
    """A finished backup (or restore): where it is, its schema version and size."""

    path: Path
    schema_version: int
    pages: int
    seconds: float


Progress = Callable[[int, int], None]
"""Called after each step with the pages copied so far and the total."""


def backup(
    source: str | os.PathLike[str],
    destination: str | os.PathLike[str],
    *,
    pages: int = DEFAULT_PAGES,
    pause: float = DEFAULT_PAUSE,
    progress: Progress | None = None,
) -> Backup:
    """Copies the database at `source` (a server may be running on it) to `destination`.

    The copy holds what was committed when the backup began, and nothing committed
    after. It is written to a temporary file beside `destination`, checked with
    `PRAGMA integrity_check`, synced, then renamed over `destination`: a backup that
    fails or is interrupted leaves any earlier file at `destination` as it was. The copy
    is a single file (rollback journal, not WAL). Raises BackupError.
    """
    started = time.monotonic()
    src_path, dst_path = Path(source), Path(destination)
    if not src_path.is_file():
        raise BackupError(f"{src_path}: no such database")
    _distinct(src_path, dst_path)
    temporary = dst_path.with_name(f".{dst_path.name}.{os.getpid()}.tmp")
    temporary.unlink(missing_ok=True)
    create_private(temporary)  # a backup holds what the database holds
    try:
        src = sqlite3.connect(
            _uri(src_path, "rw"), uri=True, timeout=OPEN_TIMEOUT, isolation_level=None
        )
        dst = sqlite3.connect(temporary, isolation_level=None)
        try:
            src.execute("BEGIN")  # the snapshot, from the first read: held to the end
            src.execute("SELECT count(*) FROM sqlite_schema").fetchall()
            version = _schema_version(src, src_path)

            def step(status: int, remaining: int, total: int) -> None:
                if progress is not None:
                    progress(total - remaining, total)
                if remaining and pause > 0:
                    time.sleep(pause)  # Connection.backup pauses only when it is busy

            src.backup(dst, pages=pages, progress=step)
            src.execute("ROLLBACK")
            dst.execute("PRAGMA journal_mode=DELETE")
            _check(dst, temporary)
            copied = dst.execute("PRAGMA page_count").fetchone()[0]
        finally:
            dst.close()
            src.close()
        _sync(temporary)
        os.replace(temporary, dst_path)
        _sync(dst_path.parent)
    except sqlite3.Error as exc:
        raise BackupError(f"backup of {src_path} failed: {exc}") from exc
    finally:
        temporary.unlink(missing_ok=True)
    return Backup(dst_path, version, copied, time.monotonic() - started)


def restore(
    backup_file: str | os.PathLike[str],
    database: str | os.PathLike[str],
    *,
    force: bool = False,
) -> Backup:
    """Puts a copy of `backup_file` in place of `database`, which no server may hold open.

    The backup must pass `PRAGMA integrity_check` and have a schema version this chatapp
    knows (a server upgrades an older one when it opens it). An existing `database` is
    first checked to be unused (no connection may share it: an exclusive lock is tried),
    then moved aside to `<database>.before-restore`, with its WAL checkpointed into it.
    `force` skips the check, for a file system whose locks cannot be trusted: with a
    server running on it, that server's data is then lost or corrupted. The backup
    itself is left as it was. Raises BackupError, and then nothing was replaced.
    """
    started = time.monotonic()
    src_path, db_path = Path(backup_file), Path(database)
    if not src_path.is_file():
        raise BackupError(f"{src_path}: no such backup")
    _distinct(src_path, db_path)
    temporary = db_path.with_name(f".{db_path.name}.{os.getpid()}.restoring")
    temporary.unlink(missing_ok=True)
    create_private(temporary)  # as the server makes a database; copyfile keeps the mode
    try:
        with closing(sqlite3.connect(_uri(src_path, "ro"), uri=True)) as check:
            version = _schema_version(check, src_path)
            _check(check, src_path)
            copied = check.execute("PRAGMA page_count").fetchone()[0]
        shutil.copyfile(src_path, temporary)
        _sync(temporary)
        if db_path.exists():
            shutil.copymode(db_path, temporary)  # the operator's choice for the database
            if not force:
                _ensure_unused(db_path)
            os.replace(db_path, db_path.with_name(db_path.name + ".before-restore"))
        for sidecar in ("-wal", "-shm", "-journal"):  # the old database's, or stale
            db_path.with_name(db_path.name + sidecar).unlink(missing_ok=True)
        os.replace(temporary, db_path)
        _sync(db_path.parent)
    except sqlite3.Error as exc:
        raise BackupError(f"restore from {src_path} failed: {exc}") from exc
    finally:
        temporary.unlink(missing_ok=True)
    return Backup(db_path, version, copied, time.monotonic() - started)


def _schema_version(db: sqlite3.Connection, path: Path) -> int:
    """The database's schema version, if this chatapp knows it; else BackupError."""
    version = int(db.execute("PRAGMA user_version").fetchone()[0])
    if version == 0:
        raise BackupError(f"{path}: not a chatapp database (schema version 0)")
    if version > SCHEMA_VERSION:
        raise BackupError(
            f"{path} has schema version {version}; this chatapp knows up to "
            f"{SCHEMA_VERSION}: use a newer chatapp"
        )
    return version


def _check(db: sqlite3.Connection, path: Path) -> None:
    problems = [row[0] for row in db.execute("PRAGMA integrity_check").fetchall()]
    if problems != ["ok"]:
        raise BackupError(f"{path} fails its integrity check: {'; '.join(problems[:5])}")


def _ensure_unused(path: Path) -> None:
    """BackupError unless no other connection has the database open. In WAL mode
    BEGIN EXCLUSIVE alone succeeds beside idle connections; in exclusive locking mode it
    needs the file to itself. Closing then checkpoints the WAL into the file."""
    db = sqlite3.connect(_uri(path, "rw"), uri=True, timeout=0, isolation_level=None)
    try:
        db.execute("PRAGMA locking_mode=EXCLUSIVE")
        db.execute("BEGIN EXCLUSIVE")
        db.execute("ROLLBACK")
    except sqlite3.OperationalError as exc:
        raise BackupError(f"{path} is in use (a running server?): stop it first ({exc})") from None
    finally:
        db.close()


def _distinct(one: Path, other: Path) -> None:
    if other.exists() and one.samefile(other):
        raise BackupError(f"{one} and {other} are the same file")


def _uri(path: Path, mode: str) -> str:
    """A URI that opens `path` without creating it."""
    return f"{path.resolve().as_uri()}?mode={mode}"


def _sync(path: Path) -> None:
    """Makes a file's data, or a directory's entries (a rename), durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _path(text: str) -> Path:
    """A path, or the sqlite:/// URL chatapp-server's --storage takes."""
    return Path(text.removeprefix("sqlite://"))


def main(argv: Sequence[str] | None = None) -> int:
    """The command line: backup SOURCE DESTINATION, restore BACKUP DATABASE."""
    parser = argparse.ArgumentParser(
        prog="python -m chatapp.server.storage.sqlite_backup",
        description="Back up the embedded database while the server runs; restore a backup.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("backup", help="copy a consistent snapshot, the server running")
    make.add_argument("source", type=_path, help="the database (path or sqlite:/// URL)")
    make.add_argument("destination", type=_path, help="the backup file to write")
    make.add_argument("--pages", type=int, default=DEFAULT_PAGES, help="pages per step")
    make.add_argument("--pause", type=float, default=DEFAULT_PAUSE, help="seconds between steps")
    put = commands.add_parser("restore", help="put a backup in place of a stopped database")
    put.add_argument("backup", type=_path, help="the backup file")
    put.add_argument("database", type=_path, help="the database (path or sqlite:/// URL)")
    put.add_argument(
        "--force",
        action="store_true",
        help="skip the check that no server holds the database open (never with one running)",
    )
    args = parser.parse_args(argv)
    try:
        if args.command == "backup":
            done = backup(args.source, args.destination, pages=args.pages, pause=args.pause)
        else:
            done = restore(args.backup, args.database, force=args.force)
    except (BackupError, OSError) as exc:
        print(f"{args.command} failed: {exc}", file=sys.stderr)
        return 1
    print(
        f"{args.command}: {done.path} ({done.pages} pages, schema version "
        f"{done.schema_version}) in {done.seconds:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
