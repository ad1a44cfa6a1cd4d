"""Completing one future from another: how callback-style code hands results on."""

from __future__ import annotations

from asyncio import Future
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")
U = TypeVar("U")


def pass_on(source: Future[T], target: Future[U], convert: Callable[[T], U]) -> None:
    """Once `source` is done, completes `target` with its converted result, its error or
    its cancellation (unless `target` is done already)."""

    def copy(_: Future[T]) -> None:
        if target.done():
            return
        if source.cancelled():
            target.cancel()
        elif (exc := source.exception()) is not None:
            target.set_exception(exc)
        else:
            target.set_result(convert(source.result()))

    source.add_done_callback(copy)
