"""Several statements of a transaction sent to MySQL in one round trip.

Each statement sent alone costs a send and a wake-up of the server, then another of this
process: on this project's 2-core machine a fifth of the server's time on the MySQL path
went to `StreamWriter.write` under aiomysql, at about nine statements per batch of the log.
A Round joins statements whose parameters do not depend on each other's results with `;`
(aiomysql always opens its connections with CLIENT_MULTI_STATEMENTS) and reads their
results in order. Parameters are escaped by the driver, as `execute` escapes them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pymysql.cursors import RE_INSERT_VALUES

Cursor = Any  # aiomysql ships no types
Rows = list[tuple[Any, ...]]

MAX_ROUND = 1_024_000
"""Characters of SQL sent in one round trip at most (aiomysql's own max_stmt_length): a
larger round goes in several, and a multi-row INSERT past it in several statements."""


class Round:
    """Statements gathered for one round trip (or a few, where they are long)."""

    def __init__(self, cur: Cursor) -> None:
        self._cur = cur
        self._statements: list[str] = []
        self.failed_at: int | None = None
        """The index of the statement that failed run(), where one did."""

    def __len__(self) -> int:
        return len(self._statements)

    def add(self, sql: str, params: Sequence[object] = ()) -> int:
        """Adds a statement; its index in run()'s results."""
        self._statements.append(self._cur.mogrify(sql, tuple(params)) if params else sql)
        return len(self._statements) - 1

    def add_rows(self, insert: str, rows: Sequence[Sequence[object]]) -> None:
        """Adds an `INSERT ... VALUES (%s, ...)` [ON DUPLICATE KEY ...] of many rows, as
        executemany would send it: as few multi-row statements as fit MAX_ROUND."""
        if not rows:
            return
        match = RE_INSERT_VALUES.match(insert)
        if match is None:
            raise ValueError(f"not an INSERT ... VALUES of one row: {insert!r}")
        prefix, values, postfix = match.group(1), match.group(2).rstrip(), match.group(3) or ""
        mogrify = self._cur.mogrify
        chunk: list[str] = []
        size = len(prefix) + len(postfix)
        for row in rows:
            value = mogrify(values, tuple(row))
            if chunk and size + len(value) + 1 > MAX_ROUND:
                self._statements.append(prefix + ",".join(chunk) + postfix)
                chunk, size = [], len(prefix) + len(postfix)
            chunk.append(value)
            size += len(value) + 1
        self._statements.append(prefix + ",".join(chunk) + postfix)

    async def run(self) -> list[Rows]:
        """Sends the statements and returns the rows of each (none for one that returns
        none), in order. The first failure is raised as the driver raised it: the
        statements after it in its round trip did not run."""
        results: list[Rows] = []
        group: list[str] = []
        size = 0
        for statement in self._statements:
            if group and size + len(statement) + 2 > MAX_ROUND:
                await self._send(group, results)
                group, size = [], 0
            group.append(statement)
            size += len(statement) + 2
        if group:
            await self._send(group, results)
        return results

    async def _send(self, group: list[str], results: list[Rows]) -> None:
        cur = self._cur
        first = len(results)
        try:
            await cur.execute(";\n".join(group))
            results.append(list(await cur.fetchall()))
            while len(results) - first < len(group):
                await cur.nextset()  # raises the statement's error, if it failed
                results.append(list(await cur.fetchall()))
        except Exception:
            self.failed_at = len(results)
            raise
