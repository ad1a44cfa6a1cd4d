"""The chaos test: steady chat through a cluster while an instance, Redis, MariaDB and
nginx fail one after another; no acknowledged message may be lost or seen twice."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from chatapp.tools.chaos import ChaosConfig, run_chaos
from tests.services import need_service

pytestmark = [pytest.mark.mysql, pytest.mark.redis, pytest.mark.nginx]


async def test_no_acknowledged_message_is_lost(nginx_ready: None, tmp_path: Path) -> None:
    for program in ("mariadbd", "mariadb-install-db", "redis-server"):
        if shutil.which(program) is None:
            need_service(f"{program} is not installed")
    config = ChaosConfig(workdir=tmp_path, duration=24, users=6, rate=20, lease=2, grace=30)
    result = await run_chaos(config)
    print("chaos:", result)  # the figures, for the log of the run
    assert config.events == [
        "sigkill an instance", "restart Redis", "restart MariaDB", "reload nginx"
    ]  # fmt: skip
    assert result["acknowledged"] > 0.8 * result["sent"], result
    assert result["unacknowledged"] == 0, result
    assert result["lost"] == 0, result
    assert result["duplicates"] == 0, result
    assert result["received"] == result["deliveries_expected"], result
