"""RedisClusterBus: the Redis bus on a Redis Cluster (Redis 7 or newer), with sharded
pub/sub.

URL: ``redis-cluster://[user:password@]host:port,host:port/?prefix=chatapp:&lease=10``,
any nodes of the cluster as seeds (one will do; more, for a start while one is down);
``prefix`` and ``lease`` as for ``redis://`` (redis.py).

The contract, leases, node numbers and recovery are the single-Redis bus's (RedisBus);
only where keys and channels live differs. Hash tags keep each user's channel and
presence key in one slot, so the scripts on them run on one shard:

- ``{chatapp:u<id>}:user``: the user's channel (SPUBLISH / SSUBSCRIBE);
- ``{chatapp:u<id>}:online``: the user's sessions, as ``chatapp:online:<id>`` is;
- ``{chatapp:instances}:instance:<instance id>`` and ``{chatapp:instances}:node:<n>``:
  the leases and node numbers, all in one slot;
- ``{chatapp:control}``: the control channel, in a slot of its own.

An instance subscribes on every shard master (redis_shards.py); when any connection is
lost or a slot moves (a failover, a resharding), it maps the slots anew, subscribes
again, claims its sessions again and has them look for what they missed, as after a
restart of a single Redis. Publishing and the claims go through redis-py's RedisCluster,
which follows MOVED replies.
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from redis.asyncio.cluster import ClusterNode, RedisCluster
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff

from .redis import RedisBus
from .redis_cluster_claims import ClusterClaims, ClusterLease
from .redis_publisher import Publisher
from .redis_shards import ShardedSubscriber


def seeds(url: str) -> tuple[list[tuple[str, int]], dict[str, str | None]]:
    """The (host, port) seeds of a redis-cluster:// URL, and its username and password."""
    netloc = urlsplit(url).netloc
    login, _, hosts = netloc.rpartition("@")
    user, _, password = login.partition(":")
    found = []
    for seed in hosts.split(","):
        host, _, port = seed.strip().rpartition(":")
        if not host or not port.isdigit():
            raise ValueError(f"redis-cluster bus: {seed!r} is not host:port")
        found.append((host.strip("[]"), int(port)))
    credentials = {"username": unquote(user) or None, "password": unquote(password) or None}
    return found, credentials


class RedisClusterBus(RedisBus):
    """The bus on a Redis Cluster: see the module docstring for its keys and channels."""

    def _connect(self, url: str) -> None:
        nodes, credentials = seeds(url)
        self._control = f"{{{self.prefix}control}}"
        # Retried briefly, as RedisBus's commands: a sender stores what it cannot publish.
        cluster = RedisCluster(
            startup_nodes=[ClusterNode(host, port) for host, port in nodes],
            retry=Retry(ExponentialBackoff(cap=0.2, base=0.02), 2),
            socket_timeout=5,
            **credentials,  # type: ignore[arg-type]
        )
        self._clients = [cluster]
        self._lease = ClusterLease(cluster, self.prefix, self.instance_id, self.lease_seconds)
        self._claims = ClusterClaims(cluster, self._lease)
        self._subscriber = ShardedSubscriber(
            cluster, self._channels, self._dispatch, self.lease_seconds, credentials
        )
        self._publisher = Publisher(cluster, sharded=True)

    def channel(self, user_id: int) -> str:
        return f"{{{self.prefix}u{user_id}}}:user"

    def user_of(self, channel: str) -> int:
        head = f"{{{self.prefix}u"
        if not channel.startswith(head):
            raise ValueError(f"not a user's channel: {channel}")
        return int(channel[len(head) :].partition("}")[0])
