"""deploy/grafana's dashboard and deploy/prometheus's alert rules name only metrics that a
real server exports: a server with --metrics is scraped after a login, a refused login and
a chat, and every `chatapp_*` or `process_*` name of every expression must be in it. The
files are checked as files too: valid JSON with unique panel ids, rules each complete, and
a scrape config that matches the local cluster's metrics ports."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from chatapp.protocol import Errno, MsgId
from chatapp.server.app import ChatServer
from chatapp.tools.localcluster import METRICS_OFFSET, ClusterSpec
from tests.server.conftest import Users
from tests.server.steps import chat, online
from tests.server.test_metrics import get

DEPLOY = Path(__file__).resolve().parent.parent.parent / "deploy"
DASHBOARD = DEPLOY / "grafana" / "chatapp.json"
ALERTS = DEPLOY / "prometheus" / "alerts.yml"
SCRAPE = DEPLOY / "prometheus" / "prometheus.yml"

ON = pytest.mark.parametrize("server_options", [{"metrics": "127.0.0.1:0"}])
# Metric names, loosely: PromQL functions, labels and variables never start this way.
NAME = re.compile(r"(?<![\w$])(?:chatapp|process)_[A-Za-z0-9_]*")
HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")


class Exported:
    """The names a scrape holds: every sample's, and each histogram's own."""

    def __init__(self, text: str) -> None:
        self.samples: set[str] = set()
        self.histograms: set[str] = set()
        for family in text_string_to_metric_families(text):
            self.samples |= {sample.name for sample in family.samples}
            if family.type == "histogram":
                self.histograms.add(family.name)

    def missing(self, expressions: list[str]) -> set[str]:
        return {name for expr in expressions for name in NAME.findall(expr)} - self.samples

    def histogram_of(self, name: str) -> str | None:
        for suffix in HISTOGRAM_SUFFIXES:
            if name.endswith(suffix) and name.removesuffix(suffix) in self.histograms:
                return name.removesuffix(suffix)
        return None


@pytest.fixture
async def exported(server: ChatServer, users: Users) -> Exported:
    """A scrape after a login, a chat and a refused login, so labelled series exist."""
    alice, a = await online(users, "alice")
    bob, b = await online(users, "bob")
    await chat(a, bob, "hello")
    assert (await b.expect(MsgId.ONE_CHAT))["msg"] == "hello"
    wrong = await users.connect()
    ack = await wrong.request(msgid=MsgId.LOGIN, id=alice, password="nope", v=2)
    assert ack["errno"] == Errno.BAD_CREDENTIALS
    status, text = await get(server.probes.port, "/metrics")
    assert status == 200
    return Exported(text)


def dashboard() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(DASHBOARD.read_text())
    return loaded


def panels(board: dict[str, Any]) -> list[dict[str, Any]]:
    """Every panel, those inside collapsed rows too."""
    found: list[dict[str, Any]] = []
    for panel in board["panels"]:
        found += [panel, *panel.get("panels", [])]
    return found


def panel_expressions() -> list[str]:
    """Every target's expression, and the template variables' queries."""
    board = dashboard()
    targets = [t["expr"] for p in panels(board) for t in p.get("targets", [])]
    variables = [v["definition"] for v in board["templating"]["list"] if "definition" in v]
    return targets + variables


def alert_rules() -> dict[str, list[str]]:
    """Each rule's lines by its name: a tiny reader of alerts.yml (PyYAML is not a
    dependency), which is why the file keeps each `expr:` on one line."""
    rules: dict[str, list[str]] = {}
    current: list[str] = []
    for line in ALERTS.read_text().splitlines():
        if found := re.match(r"\s*- alert: (\w+)$", line):
            assert found[1] not in rules, f"alert {found[1]} twice"
            current = rules[found[1]] = []
        elif re.match(r"\s*- name: ", line):
            current = []
        elif line.strip() and not line.lstrip().startswith("#"):
            current.append(line.strip())
    return rules


def rule_expressions() -> list[str]:
    lines = [line for rule in alert_rules().values() for line in rule]
    return [line.removeprefix("expr: ") for line in lines if line.startswith("expr: ")]


@ON
async def test_the_dashboard_names_only_exported_metrics(exported: Exported) -> None:
    expressions = panel_expressions()
    assert len(expressions) >= 20
    missing = exported.missing(expressions)
    assert not missing, f"the dashboard names metrics the server does not export: {missing}"
    quantiles = {name for e in expressions if "histogram_quantile" in e for name in NAME.findall(e)}
    assert {exported.histogram_of(name) for name in quantiles} == {
        "chatapp_log_batch_size", "chatapp_log_commit_seconds", "chatapp_bus_publish_seconds"
    }  # fmt: skip


@ON
async def test_the_alert_rules_name_only_exported_metrics(exported: Exported) -> None:
    expressions = rule_expressions()
    assert len(expressions) == len(alert_rules())
    missing = exported.missing(expressions)
    assert not missing, f"alerts.yml names metrics the server does not export: {missing}"


def test_the_dashboard_is_an_importable_model_with_unique_panel_ids() -> None:
    board = dashboard()
    assert board["schemaVersion"] == 39
    ids = [panel["id"] for panel in panels(board)]
    assert len(ids) == len(set(ids)), "panel ids repeat"
    variables = {v["name"]: v for v in board["templating"]["list"]}
    assert variables["DS_PROMETHEUS"]["type"] == "datasource"
    assert variables["instance"]["type"] == "query"
    for panel in panels(board):
        if panel["type"] == "row":
            continue
        assert panel["datasource"]["uid"] == "${DS_PROMETHEUS}", panel["title"]
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            assert 'instance=~"$instance"' in target["expr"], target["expr"]
        grid = panel["gridPos"]
        assert grid["x"] + grid["w"] <= 24, panel["title"]


def test_every_alert_rule_has_an_expression_a_severity_and_a_summary() -> None:
    rules = alert_rules()
    assert len(rules) >= 9
    for name, lines in rules.items():
        keys = [line.split(":")[0] for line in lines]
        assert keys.count("expr") == 1, name
        assert "severity" in keys and "summary" in keys, name
        assert all(re.fullmatch(r"[a-z_]+", key) for key in keys), (name, keys)
    assert "\t" not in ALERTS.read_text()


def test_the_scrape_config_targets_the_local_clusters_metrics_ports(tmp_path: Path) -> None:
    spec = ClusterSpec(run_dir=tmp_path, storage="", bus="", metrics_offset=METRICS_OFFSET)
    chatapp_job = SCRAPE.read_text().split("- job_name:")[1]
    targets = [int(port) for port in re.findall(r"- 127\.0\.0\.1:(\d+)$", chatapp_job, re.M)]
    assert chatapp_job.startswith(" chatapp\n")
    assert targets == spec.metrics_ports()
    assert "- alerts.yml" in SCRAPE.read_text()
