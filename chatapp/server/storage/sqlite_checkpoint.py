"""Checkpoints of SQLiteStorage's write-ahead log, on a thread of their own.

SQLiteStorage writes on the event loop: a small transaction in WAL mode with
synchronous=NORMAL is a few page writes into the WAL, with no fsync. The fsyncs come with
checkpoints, which copy the WAL back into the database file; SQLite would run them in the
committing connection, on the loop, every thousand pages. This thread runs them instead,
on its own connection:

- every `interval` seconds a PASSIVE checkpoint, which never blocks the writer;
- when the WAL holds more than `max_frames` pages after it (checked at each round, so
  the WAL may reach that plus a round's writes; it starts afresh only when a write
  begins after a complete checkpoint, which a writer that never pauses never does), a
  TRUNCATE checkpoint, which holds the writer back while it copies the last pages and
  empties the file: milliseconds, during which SQLiteStorage's calls wait without
  blocking the loop.
"""

from __future__ import annotations

import logging
import sqlite3
import threading

log = logging.getLogger(__name__)

# Measured with 50 ping-pong pairs (docs/performance.md): checkpoints every 0.25 s and a
# truncation past 32 MiB cost a fifth of the throughput and doubled the p99 (each
# checkpoint copies the pages written since the last and fsyncs, taking CPU from the
# loop); once a second and past 128 MiB, the p99 is that of no checkpoints at all.
DEFAULT_INTERVAL = 1.0
DEFAULT_MAX_FRAMES = 32768  # 128 MiB of 4 KiB pages


class Checkpointer:
    """Runs checkpoints of the WAL of the database at `path` until `stop`."""

    def __init__(
        self,
        path: str,
        *,
        interval: float = DEFAULT_INTERVAL,
        max_frames: int = DEFAULT_MAX_FRAMES,
    ) -> None:
        self.path = path
        self.interval = interval
        self.max_frames = max_frames
        self.failures = 0
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="chatapp-checkpoint", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stops the thread (after the checkpoint it may be running)."""
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        try:
            db.execute("PRAGMA busy_timeout=5000")
            while not self._stopping.wait(self.interval):
                self.checkpoint(db)
        finally:
            db.close()

    def checkpoint(self, db: sqlite3.Connection) -> None:
        """One passive checkpoint, and a truncating one when the WAL is still long."""
        try:
            # fetchall: a statement left unfinished would hold a read lock on the WAL,
            # which is then never started afresh.
            (_, frames, _), *_ = db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            # The WAL starts afresh only when a write begins after a complete checkpoint,
            # which a writer that never pauses does not do: then truncate it.
            if frames > self.max_frames:
                db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
            self.failures = 0
        except sqlite3.Error as exc:  # the next round tries again; the WAL only grows
            self.failures = failures = self.failures + 1
            if failures in (1, 10, 100) or failures % 1000 == 0:
                log.warning("%s: checkpoint failed (%d in a row): %s", self.path, failures, exc)
