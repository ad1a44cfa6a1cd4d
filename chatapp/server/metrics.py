"""The server's Prometheus metrics, read at scrape time from the counts its parts keep."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING

from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.process_collector import ProcessCollector
from prometheus_client.registry import Collector, CollectorRegistry

from chatapp.protocol import Dialect, MsgId

from .tally import Histogram

if TYPE_CHECKING:
    from .app import ChatServer

STATES = ("anonymous", "logged_in")


def registry(server: ChatServer) -> CollectorRegistry:
    """The metrics of one server, and of its process (CPU, memory, open files)."""
    found = CollectorRegistry(auto_describe=False)
    found.register(ServerCollector(server))
    ProcessCollector(registry=found)
    return found


class ServerCollector(Collector):
    """Reads the server's counts when scraped: the hot paths bump plain numbers (Tally,
    Journal, Fanout), never a labelled metric of prometheus_client, whose lock and label
    lookup would cost each chat more than the chat's own counting."""

    def __init__(self, server: ChatServer) -> None:
        self.server = server

    def describe(self) -> Iterable[Metric]:
        return []  # no check of names at registration: collect() is the only source

    def collect(self) -> Iterable[Metric]:
        yield from self._connections()
        yield from self._requests()
        yield from self._log()
        yield from self._capacity()

    def _connections(self) -> Iterable[Metric]:
        server = self.server
        held = Counter(
            (s.dialect.name.lower(), STATES[s.user is not None]) for s in server.sessions
        )
        connections = GaugeMetricFamily(
            "chatapp_connections",
            "open client connections by dialect and whether they are logged in",
            labels=["dialect", "state"],
        )
        for dialect in Dialect:
            for state in STATES:
                connections.add_metric(
                    [dialect.name.lower(), state], held[(dialect.name.lower(), state)]
                )
        yield connections
        yield GaugeMetricFamily(
            "chatapp_sessions", "logins attached to this instance", value=server.logged_in
        )

    def _requests(self) -> Iterable[Metric]:
        tally = self.server.tally
        requests = CounterMetricFamily(
            "chatapp_requests", "requests decoded, by msgid", labels=["msgid"]
        )
        for msgid, count in sorted(tally.requests.items()):
            requests.add_metric([str(msgid)], count)
        yield requests
        refusals = CounterMetricFamily(
            "chatapp_refusals",
            "requests refused (ERROR, or a LOGIN or REG ack with an errno), by msgid (0: "
            "unreadable) and errno",
            labels=["msgid", "errno"],
        )
        failures = CounterMetricFamily(
            "chatapp_login_failures", "logins refused, by errno", labels=["errno"]
        )
        for (msgid, errno), count in sorted(tally.refusals.items()):
            refusals.add_metric([str(msgid), str(errno)], count)
            if msgid == MsgId.LOGIN:
                failures.add_metric([str(errno)], count)
        yield refusals
        yield failures
        yield CounterMetricFamily("chatapp_logins", "logins that succeeded", value=tally.logins)

    def _log(self) -> Iterable[Metric]:
        journal, fanout, bus = self.server.journal, self.server.fanout, self.server.bus
        yield CounterMetricFamily(
            "chatapp_chats_logged", "chat messages committed to the log", value=journal.logged
        )
        yield CounterMetricFamily(
            "chatapp_deliveries",
            "deliveries of committed chats to their recipients, here or through the bus",
            value=fanout.deliveries,
        )
        yield _histogram(
            "chatapp_log_batch_size", "chats per transaction of the log", journal.batch_sizes
        )
        yield _histogram(
            "chatapp_log_commit_seconds",
            "time to commit a transaction of the log",
            journal.commit_seconds,
        )
        yield _histogram(
            "chatapp_bus_publish_seconds",
            "time to publish a commit's deliveries to other instances",
            fanout.publish_seconds,
        )
        yield CounterMetricFamily(
            "chatapp_bus_reconnects",
            "times the bus lost its connection and made it again",
            value=bus.reconnects,
        )

    def _capacity(self) -> Iterable[Metric]:
        server = self.server
        yield GaugeMetricFamily(
            "chatapp_outbound_queued_bytes",
            "bytes queued to clients that have not read them (an upper bound)",
            value=server.budget.total,
        )
        yield GaugeMetricFamily(
            "chatapp_outbound_limit_bytes",
            "--max-outbound-total (0: none)",
            value=server.budget.limit,
        )
        yield GaugeMetricFamily(
            "chatapp_hash_waiting",
            "password checks and registrations waiting for a hashing thread",
            value=server.hashing.waiting,
        )
        yield GaugeMetricFamily(
            "chatapp_hash_queue_limit", "--hash-queue", value=server.hashing.max_waiting
        )


def _histogram(name: str, documentation: str, histogram: Histogram) -> HistogramMetricFamily:
    return HistogramMetricFamily(
        name, documentation, buckets=histogram.buckets(), sum_value=histogram.sum
    )
