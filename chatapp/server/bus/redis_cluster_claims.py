"""The Redis Cluster bus's claims: the single-Redis scripts, with every key of a script
in one slot.

A user's sessions are in ``{<prefix>u<id>}:online``, in the slot of their channel; the
leases and node numbers of all instances share the slot of ``{<prefix>instances}``. A
script cannot look at a lease in another slot, so the caller reads the instances named
in the user's key, looks their leases up, and hands the script the dead ones. An
instance that dies in between still counts for that one claim; one that starts in
between is not named, so it counts.
"""

from __future__ import annotations

from collections.abc import Iterable

from redis.asyncio.cluster import RedisCluster

from .redis_lease import ATTACH_BODY, DEAD, Claims, Lease

# ARGV: instance id, "", device id. Drops the device's field if it names this instance;
# returns the values left, for the caller to tell the live ones.
DETACH = """
local value = redis.call('HGET', KEYS[1], ARGV[3])
if value and string.match(value, '^[^:]+') == ARGV[1] then
  redis.call('HDEL', KEYS[1], ARGV[3])
end
return redis.call('HVALS', KEYS[1])
"""


Value = bytes | str


def _owner(value: Value) -> str:
    text = value.decode() if isinstance(value, bytes) else value
    return text.split(":", 1)[0]


class ClusterLease(Lease):
    """The lease and node number, keyed in one slot for every instance."""

    @property
    def instance_prefix(self) -> str:
        return f"{{{self.prefix}instances}}:instance:"

    def node_key(self, node: int) -> str:
        return f"{{{self.prefix}instances}}:node:{node}"


class ClusterClaims(Claims):
    """Claims whose scripts are told which instances are dead."""

    def __init__(self, redis: RedisCluster, lease: Lease) -> None:
        super().__init__(redis, lease)
        self._cluster = redis
        self._attach = redis.register_script(DEAD + ATTACH_BODY)
        self._detach = redis.register_script(DETACH)

    @property
    def _args(self) -> list[str]:
        return [self._lease.instance_id, ""]  # the scripts are told the dead instances

    def key(self, user_id: int) -> str:
        return f"{{{self._prefix}u{user_id}}}:online"

    async def _dead(self, values: Iterable[Value]) -> set[str]:
        """Which of the instances named in these values hold no lease."""
        owners = sorted({_owner(value) for value in values} - {self._lease.instance_id})
        if not owners:
            return set()
        prefix = self._lease.instance_prefix
        leases = await self._cluster.mget([prefix + owner for owner in owners])
        return {owner for owner, lease in zip(owners, leases, strict=True) if lease is None}

    async def _live(self, values: list[Value]) -> list[Value]:
        dead = await self._dead(values)
        return [value for value in values if _owner(value) not in dead]

    async def attach(
        self, user_id: int, device_id: int, exclusive: bool, *, again: bool = False
    ) -> tuple[bool, int, bool]:
        key = self.key(user_id)
        dead = await self._dead(await self._cluster.hvals(key))
        mode = "1" if exclusive else "f" if again else "0"
        args: list[str | int] = [*self._args, device_id, mode, *sorted(dead)]
        claimed, others, first = await self._attach(keys=[key], args=args)
        return bool(claimed), int(others), bool(first)

    async def detach(self, user_id: int, device_id: int) -> bool:
        args: list[str | int] = [*self._args, device_id]
        left = await self._detach(keys=[self.key(user_id)], args=args)
        return bool(await self._live(left))

    async def online(self, user_ids: list[int]) -> list[bool]:
        async with self._cluster.pipeline(transaction=False) as pipe:
            for uid in user_ids:
                pipe.hvals(self.key(uid))
            each: list[list[Value]] = await pipe.execute()
        dead = await self._dead(value for values in each for value in values)
        return [any(_owner(value) not in dead for value in values) for values in each]

    async def devices(self, user_id: int) -> set[int]:
        fields = await self._cluster.hgetall(self.key(user_id))
        dead = await self._dead(fields.values())
        return {int(device) for device, value in fields.items() if _owner(value) not in dead}
