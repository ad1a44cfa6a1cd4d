"""The client's device name: the host's, and a number for a second client running at once."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from chatapp.client import device
from chatapp.client.device import base_name, claim_device_name


def test_a_second_client_on_the_host_gets_a_device_of_its_own(tmp_path: Path) -> None:
    held = len(device._held)
    try:
        first = claim_device_name(tmp_path / "data")
        second = claim_device_name(tmp_path / "data")
        assert first == base_name()
        assert second == f"{base_name()} (2)"
        assert len(first) <= 64 and len(second) <= 64  # the server's default limit
    finally:
        for fd in device._held[held:]:  # as the processes ending would
            os.close(fd)
        del device._held[held:]
    # Both gone: the next client is the first again (a restart keeps its device).
    again = claim_device_name(tmp_path / "data")
    assert again == base_name()


@pytest.mark.usefixtures("umask_022")
def test_the_data_directory_it_makes_is_its_users_alone(tmp_path: Path) -> None:
    held = len(device._held)
    try:
        claim_device_name(tmp_path / "data")  # the client's first use of the directory
    finally:
        for fd in device._held[held:]:
            os.close(fd)
        del device._held[held:]
    assert stat.S_IMODE((tmp_path / "data").stat().st_mode) == 0o700
