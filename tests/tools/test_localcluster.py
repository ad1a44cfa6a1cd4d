"""The local cluster's --metrics: each instance serves its probes on loopback at its chat
port plus an offset, as the systemd unit does, and main() turns the flag into that offset."""

from __future__ import annotations

import urllib.request
from pathlib import Path

import pytest

from chatapp.tools import localcluster
from chatapp.tools.localcluster import METRICS_OFFSET, ClusterSpec, LocalCluster
from chatapp.tools.services import free_port, wait_until_accepting


def test_instances_get_a_metrics_port_only_when_asked(tmp_path: Path) -> None:
    spec = ClusterSpec(run_dir=tmp_path, storage="sqlite:///x.db", bus="memory://")
    assert spec.metrics_ports() == []
    assert "--metrics" not in LocalCluster(spec).command(0)
    spec.metrics_offset = METRICS_OFFSET
    assert spec.metrics_ports() == [16000, 16002, 16004]
    command = LocalCluster(spec).command(2)
    assert command[command.index("--metrics") + 1] == "127.0.0.1:16004"


def test_main_passes_the_metrics_flag_as_the_offset(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    started: list[ClusterSpec] = []
    monkeypatch.setattr(localcluster, "_create_database", lambda name: None)
    monkeypatch.setattr(LocalCluster, "start", lambda self: started.append(self.spec))
    assert localcluster.main(["start", "--metrics", "--run-dir", str(tmp_path)]) == 0
    assert started[0].metrics_ports() == [16000, 16002, 16004]
    assert "http://127.0.0.1:16002/metrics" in capsys.readouterr().out


def test_an_instance_started_with_metrics_answers_on_that_port(tmp_path: Path) -> None:
    port, metrics = free_port(), free_port()
    while metrics == port:  # an offset of 0 means no metrics
        metrics = free_port()
    spec = ClusterSpec(
        run_dir=tmp_path,
        storage=f"sqlite:///{tmp_path / 'chat.db'}",
        bus="memory://",
        ports=[port],
        metrics_offset=metrics - port,
        server_args=["--hash-cost", "10"],
    )
    cluster = LocalCluster(spec)
    try:
        cluster.start_instance(0)
        wait_until_accepting(metrics, cluster.instances[0], 10)
        with urllib.request.urlopen(f"http://127.0.0.1:{metrics}/metrics", timeout=5) as got:
            assert b"chatapp_sessions 0.0" in got.read()
    finally:
        cluster.stop()
