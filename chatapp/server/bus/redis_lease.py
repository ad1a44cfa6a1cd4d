"""The Redis bus's claims: an instance's lease, its node number, and who is online where.

A user counts as online only while the instance named in their key holds its lease, so
the users of an instance that died without warning are free once its lease runs out.
The scripts run in Redis, so a check and its claim cannot interleave with another's.
"""

from __future__ import annotations

import asyncio
import logging

from redis.asyncio import Redis
from redis.exceptions import RedisError

from .base import BusUnavailable

log = logging.getLogger(__name__)

NODES = 64  # as many as MessageIds has room for

# Claim a user unless another instance that still holds its lease has them.
ATTACH = """
local owner = redis.call('GET', KEYS[1])
if owner and owner ~= ARGV[1] and redis.call('EXISTS', ARGV[2] .. owner) == 1 then
  return 0
end
redis.call('SET', KEYS[1], ARGV[1])
return 1
"""
DETACH = """
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1
"""
# Keep the node number while this instance holds it (or nobody does).
_RENEW_NODE = """
local owner = redis.call('GET', KEYS[1])
if owner and owner ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
"""
ONLINE = """
local result = {}
for i, key in ipairs(KEYS) do
  local owner = redis.call('GET', key)
  result[i] = (owner and redis.call('EXISTS', ARGV[1] .. owner) == 1) and 1 or 0
end
return result
"""


class Lease:
    """One instance's lease and node number, renewed every third of the lease."""

    def __init__(self, redis: Redis, prefix: str, instance_id: str, seconds: float) -> None:
        self._redis = redis
        self.prefix = prefix
        self.instance_id = instance_id
        self.seconds = seconds
        self.node = 0

    @property
    def instance_prefix(self) -> str:
        """What an instance's lease key starts with; the instance id follows."""
        return f"{self.prefix}instance:"

    def node_key(self, node: int) -> str:
        return f"{self.prefix}node:{node}"

    async def claim_node(self) -> None:
        """Takes the lowest node number no live instance holds."""
        lease_ms = int(self.seconds * 1000)
        for node in range(NODES):
            if await self._redis.set(self.node_key(node), self.instance_id, nx=True, px=lease_ms):
                self.node = node
                return
        raise BusUnavailable(f"redis bus: all {NODES} node numbers are held by live instances")

    async def renew(self) -> None:
        """Renews the lease and the node number in one round trip."""
        lease_ms = int(self.seconds * 1000)
        key = self.instance_prefix + self.instance_id
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.set(key, b"1", px=lease_ms)
            pipe.eval(_RENEW_NODE, 1, self.node_key(self.node), self.instance_id, lease_ms)
            _, node_kept = await pipe.execute()
        if not node_kept:
            log.error(
                "redis bus: node %d was taken by another instance while this one was cut "
                "off; message ids may collide until it restarts",
                self.node,
            )

    async def keep(self) -> None:
        """Renews the lease for as long as the task runs."""
        while True:
            await asyncio.sleep(self.seconds / 3)
            try:
                await self.renew()
            except RedisError as exc:
                log.warning("redis bus: lease renewal failed: %s", exc)

    async def release(self) -> None:
        """Gives up the lease and the node number (at a clean close)."""
        await self._redis.delete(self.instance_prefix + self.instance_id, self.node_key(self.node))
