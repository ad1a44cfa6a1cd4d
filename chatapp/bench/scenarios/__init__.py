"""The scenarios, by subcommand name: each adds its options and runs against a Fleet."""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import ModuleType

from ..conn import Json
from ..fleet import Fleet
from ..run import Run
from . import conns, groups, logins, mixed, pingpong, setup


@dataclass(frozen=True, slots=True)
class Scenario:
    """A subcommand: its help, its default duration, its own options and its body."""

    name: str
    help: str
    duration: float
    duration_help: str
    count_help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[Run, Fleet, argparse.Namespace], Awaitable[Json]]


def _scenario(module: ModuleType) -> Scenario:
    return Scenario(
        name=module.NAME,
        help=module.HELP,
        duration=module.DURATION,
        duration_help=module.DURATION_HELP,
        count_help=module.COUNT_HELP,
        add_arguments=module.add_arguments,
        run=module.run,
    )


SCENARIOS: dict[str, Scenario] = {
    s.name: s for s in map(_scenario, (setup, pingpong, groups, conns, logins, mixed))
}
