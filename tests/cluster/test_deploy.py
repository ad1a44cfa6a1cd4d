"""The deployment files shipped in deploy/ are valid for the tools that read them."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from chatapp.tools.localcluster import STREAM_MODULE

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


@pytest.mark.nginx
def test_the_nginx_configuration_passes_nginx_t(nginx_ready: None, tmp_path: Path) -> None:
    main = tmp_path / "nginx.conf"
    main.write_text(
        f"load_module {STREAM_MODULE};\n"
        f"pid {tmp_path}/nginx.pid;\n"
        f"error_log {tmp_path}/error.log;\n"
        "events {}\n"
        f"include {DEPLOY / 'nginx' / 'chatapp.conf'};\n"
    )
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    result = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-c", str(main)],
        check=False,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


def test_the_systemd_unit_names_every_setting_it_documents() -> None:
    unit = (DEPLOY / "systemd" / "chatapp@.service").read_text()
    assert "Environment=CHATAPP_PORT=%i" in unit
    assert "EnvironmentFile=/etc/chatapp/chatapp.env" in unit
    assert "KillSignal=SIGTERM" in unit
