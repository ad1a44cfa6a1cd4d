"""The Redis bus's claims: an instance's lease, its node number, and who is online where.

A session counts only while the instance named in its field of the user's key holds its
lease, so the sessions of an instance that died without warning end with its lease.
The scripts run in Redis, so a check and its claim cannot interleave with another's.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time

from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster

from .base import BusUnavailable
from .memory import Sessions

log = logging.getLogger(__name__)

Client = Redis | RedisCluster
"""A client of one Redis, or of a Redis Cluster."""


def stop_if_cancelled() -> None:
    """Raises CancelledError if the running task is being cancelled: redis-py may turn a
    cancellation into a connection error, which a loop that retries must not swallow."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


NODES = 64  # as many as MessageIds has room for

# A user's key is a hash of device id to the instance id holding its session (followed by
# ":x" for an exclusive one); a field counts only while that instance holds its lease.
_LIVE = """
local function instance(value) return string.match(value, '^[^:]+') end
local function live(value) return redis.call('EXISTS', ARGV[2] .. instance(value)) == 1 end
"""
# On a Redis Cluster a script may touch keys of one slot only, so the caller looks the
# leases up and names the dead instances from ARGV[5] on (redis_cluster_claims.py).
DEAD = """
local function instance(value) return string.match(value, '^[^:]+') end
local dead = {}
for i = 5, #ARGV do dead[ARGV[i]] = true end
local function live(value) return not dead[instance(value)] end
"""
# ARGV: instance id, lease prefix, device id, and "1" for an exclusive session, "0" for
# another, "f" for another claimed again after Redis was lost. Drops the fields of dead
# instances; refuses an exclusive session where another live one is left, a "0" or "f"
# one where another device holds an exclusive one, and an "f" one whose device another
# live instance holds now (a session claimed again never takes what another instance
# holds); else claims the device. Returns {claimed, how many other live instances hold
# the user, whether none held it before}.
ATTACH_BODY = """
local fields = redis.call('HGETALL', KEYS[1])
local count, others, seen, blocked = 0, 0, {}, false
for i = 1, #fields, 2 do
  local device, value = fields[i], fields[i + 1]
  if not live(value) then
    redis.call('HDEL', KEYS[1], device)
  else
    count = count + 1
    local owner = instance(value)
    local mine = device == ARGV[3] and owner == ARGV[1]
    if ARGV[4] == '1' and not mine then blocked = true end
    if device ~= ARGV[3] and ARGV[4] ~= '1' and string.sub(value, -2) == ':x' then
      blocked = true
    end
    if device == ARGV[3] and ARGV[4] == 'f' and owner ~= ARGV[1] then blocked = true end
    if owner ~= ARGV[1] and not seen[owner] then
      seen[owner] = true
      others = others + 1
    end
  end
end
if blocked then return {0, others, 0} end
local value = ARGV[1]
if ARGV[4] == '1' then value = value .. ':x' end
redis.call('HSET', KEYS[1], ARGV[3], value)
return {1, others, count == 0 and 1 or 0}
"""
ATTACH = _LIVE + ATTACH_BODY
# ARGV: instance id, lease prefix, device id. Drops the device's field if it names this
# instance; returns 1 if the user still has a live session anywhere.
DETACH = (
    _LIVE
    + """
local value = redis.call('HGET', KEYS[1], ARGV[3])
if value and instance(value) == ARGV[1] then redis.call('HDEL', KEYS[1], ARGV[3]) end
local fields = redis.call('HVALS', KEYS[1])
for _, value in ipairs(fields) do
  if live(value) then return 1 end
end
return 0
"""
)
# ARGV[2]: the lease prefix. Per key, 1 if any of its fields is live.
ONLINE = (
    _LIVE
    + """
local result = {}
for i, key in ipairs(KEYS) do
  result[i] = 0
  for _, value in ipairs(redis.call('HVALS', key)) do
    if live(value) then
      result[i] = 1
      break
    end
  end
end
return result
"""
)
# ARGV[2]: the lease prefix. The devices of the user that have a live session.
DEVICES = (
    _LIVE
    + """
local fields = redis.call('HGETALL', KEYS[1])
local result = {}
for i = 1, #fields, 2 do
  if live(fields[i + 1]) then result[#result + 1] = fields[i] end
end
return result
"""
)
# ARGV: instance id, lease in ms, the instance's former id (or ""), "1" for the first
# renewal of this id. Keeps the node number while this instance holds it (under this id or
# its former one), takes it at a first renewal if nobody does; 0 if another holds it.
_RENEW_NODE = """
local owner = redis.call('GET', KEYS[1])
if owner == ARGV[1] or (owner and owner == ARGV[3]) or (not owner and ARGV[4] == '1') then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
if owner then return 0 end
return 2
"""


class Lease:
    """One instance's lease and node number.

    Only the first renewal under an instance id creates the lease; the later ones renew
    it only while Redis still holds it (SET XX), so a renewal that was on its way while
    the lease ran out, and arrives late, cannot bring a lapsed lease back to life.
    """

    def __init__(self, redis: Client, prefix: str, instance_id: str, seconds: float) -> None:
        self._redis = redis
        self.prefix = prefix
        self.instance_id = instance_id
        self.former = ""  # the id before a lapse, whose node number may still be ours
        self.seconds = seconds
        self.node = 0
        # time.monotonic() when the last renewal that Redis confirmed was sent; None until
        # the first renewal under this id.
        self.renewed_at: float | None = None

    @property
    def instance_prefix(self) -> str:
        """What an instance's lease key starts with; the instance id follows."""
        return f"{self.prefix}instance:"

    def node_key(self, node: int) -> str:
        return f"{self.prefix}node:{node}"

    def unconfirmed(self) -> float:
        """Seconds since the last confirmed renewal was sent: the lease may have run out
        once this reaches `seconds` (0 before the first renewal)."""
        return 0.0 if self.renewed_at is None else time.monotonic() - self.renewed_at

    def start_over(self) -> None:
        """Takes a new instance id after a lapse: the fields of the sessions claimed under
        the old one stay dead for good, whatever reaches Redis late."""
        self.former, self.instance_id = self.instance_id, secrets.token_hex(8)
        self.renewed_at = None

    async def claim_node(self) -> None:
        """Takes the lowest node number no live instance holds."""
        lease_ms = int(self.seconds * 1000)
        for node in range(NODES):
            if await self._redis.set(self.node_key(node), self.instance_id, nx=True, px=lease_ms):
                self.node = node
                return
        raise BusUnavailable(f"redis bus: all {NODES} node numbers are held by live instances")

    async def renew(self) -> bool:
        """Renews the lease and the node number in one round trip; False, renewing
        nothing, where Redis no longer held the lease (it ran out, or Redis lost it)."""
        lease_ms = int(self.seconds * 1000)
        key = self.instance_prefix + self.instance_id
        first = self.renewed_at is None
        sent = time.monotonic()
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.set(key, b"1", px=lease_ms, xx=not first)
            node_args: list[str | int] = [self.instance_id, lease_ms, self.former, str(int(first))]
            pipe.eval(_RENEW_NODE, 1, self.node_key(self.node), *node_args)
            held, node_kept = await pipe.execute()
        if not held:
            return False
        self.renewed_at = sent
        if not node_kept:
            log.error(
                "redis bus: node %d was taken by another instance while this one was cut "
                "off; message ids may collide until it restarts",
                self.node,
            )
        return True

    async def release(self) -> None:
        """Gives up the lease and the node number (at a clean close)."""
        await self._redis.delete(self.instance_prefix + self.instance_id, self.node_key(self.node))


class Claims:
    """The scripts on users' keys, run for one instance (callers map RedisError)."""

    def __init__(self, redis: Client, lease: Lease) -> None:
        self._prefix = lease.prefix
        self._lease = lease
        self._attach = redis.register_script(ATTACH)
        self._detach = redis.register_script(DETACH)
        self._online = redis.register_script(ONLINE)
        self._devices = redis.register_script(DEVICES)

    @property
    def _args(self) -> list[str]:
        """The instance id (it changes after a lapse) and what the scripts need besides."""
        return [self._lease.instance_id, self._lease.instance_prefix]

    def key(self, user_id: int) -> str:
        return f"{self._prefix}online:{user_id}"

    async def attach(
        self, user_id: int, device_id: int, exclusive: bool, *, again: bool = False
    ) -> tuple[bool, int, bool]:
        """Claims the device: (claimed, how many other live instances hold the user,
        whether no live session of the user existed before). A session claimed `again`
        takes nothing another live instance holds."""
        args = [*self._args, device_id, "1" if exclusive else "f" if again else "0"]
        claimed, others, first = await self._attach(keys=[self.key(user_id)], args=args)
        return bool(claimed), int(others), bool(first)

    async def reclaim(self, sessions: Sessions) -> tuple[list[tuple[int, int]], set[int]]:
        """Claims every session again, after Redis was lost: returns the (user, device) of
        those that could not be (another instance holds the device now, or an exclusive
        session of the user, or the session is exclusive and the user has another), and
        the users other instances hold too."""
        refused, shared = [], set()
        for uid, devices in list(sessions.users.items()):
            for device_id in list(devices):
                exclusive = (uid, device_id) in sessions.exclusive
                claimed, others, _ = await self.attach(uid, device_id, exclusive, again=True)
                if not claimed:
                    refused.append((uid, device_id))
                elif others:
                    shared.add(uid)
        return refused, shared

    async def detach(self, user_id: int, device_id: int) -> bool:
        """Drops the device's field if it names this instance; whether a live one is left."""
        return bool(await self._detach(keys=[self.key(user_id)], args=[*self._args, device_id]))

    async def online(self, user_ids: list[int]) -> list[bool]:
        keys = [self.key(uid) for uid in user_ids]
        return [bool(flag) for flag in await self._online(keys=keys, args=self._args)]

    async def devices(self, user_id: int) -> set[int]:
        found = await self._devices(keys=[self.key(user_id)], args=self._args)
        return {int(device) for device in found}
