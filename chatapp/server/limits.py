"""Overload limits without I/O: a request rate per connection, failed logins and
registrations per key."""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable, Hashable

Clock = Callable[[], float]

# Keys a FailureCounter remembers at most: about 100 bytes each, so a few MiB in all
# whatever an attacker sends. Beyond it the oldest windows are forgotten first.
MAX_TRACKED_KEYS = 100_000


class TokenBucket:
    """`rate` tokens a second, holding at most `burst`; a request takes a token or is refused.

    The bucket starts full, so a client that connects may send `burst` requests at once.
    """

    __slots__ = ("_clock", "_stamp", "_tokens", "burst", "rate")

    def __init__(self, rate: float, burst: float, clock: Clock) -> None:
        if rate <= 0 or burst <= 0:
            raise ValueError("a token bucket needs a positive rate and burst")
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._tokens = burst
        self._stamp = clock()

    def _refill(self) -> float:
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now
        return self._tokens

    def take(self, cost: float = 1.0) -> bool:
        """Takes `cost` tokens if the bucket holds them; False (and nothing taken) if not."""
        if self._refill() < cost:
            return False
        self._tokens -= cost
        return True

    def wait(self, cost: float = 1.0) -> float:
        """Seconds until `cost` tokens will be there (0 if they are now)."""
        return max(0.0, (cost - self._refill()) / self.rate)


class RequestGate(TokenBucket):
    """One connection's request rate: each request takes its cost from the bucket or is
    refused; `max_strikes` refusals in a row mean the client is not listening. (A bucket
    itself, so that a connection holds one object for it: servers hold tens of thousands.)
    """

    __slots__ = ("_strikes", "max_strikes")

    def __init__(self, rate: float, burst: float, strikes: int, clock: Clock) -> None:
        super().__init__(rate, max(1.0, burst), clock)
        self.max_strikes = strikes
        self._strikes = 0

    def admit(self, cost: float) -> bool:
        """Takes the request's cost; False: it must be refused."""
        if self.take(cost):
            self._strikes = 0
            return True
        self._strikes += 1
        return False

    @property
    def exhausted(self) -> bool:
        """So many refusals in a row that the connection should be closed."""
        return 0 < self.max_strikes <= self._strikes

    def refusal(self) -> str:
        """What a refused client is told: the limit, and when to retry."""
        return f"too many requests (over {self.rate:g} a second): retry in {self.wait():.2f} s"


class FailureCounter:
    """Failures per key, counted in a window that opens at the key's first failure.

    `limit` failures within `window` seconds lock the key until that window ends; then
    the count starts again from zero. Memory stays bounded: expired windows are dropped
    as new ones open, and beyond `max_keys` the oldest window is forgotten.
    """

    __slots__ = ("_clock", "_windows", "limit", "max_keys", "window")

    def __init__(
        self, limit: int, window: float, clock: Clock, max_keys: int = MAX_TRACKED_KEYS
    ) -> None:
        self.limit = limit
        self.window = window
        self.max_keys = max_keys
        self._clock = clock
        # key -> [window start, failures]; ordered by window start, oldest first.
        self._windows: OrderedDict[Hashable, list[float]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._windows)

    @property
    def enabled(self) -> bool:
        return self.limit > 0 and self.window > 0

    def locked_for(self, key: Hashable) -> float:
        """Seconds until `key` may try again; 0.0 when it may try now."""
        entry = self._windows.get(key)
        if entry is None or not self.enabled:
            return 0.0
        left = entry[0] + self.window - self._clock()
        if left <= 0:
            del self._windows[key]
            return 0.0
        return left if entry[1] >= self.limit else 0.0

    def fail(self, key: Hashable) -> None:
        """Counts one failure of `key`."""
        if not self.enabled:
            return
        now = self._clock()
        entry = self._windows.get(key)
        if entry is not None and entry[0] + self.window > now:
            entry[1] += 1
            return
        self._windows.pop(key, None)
        self._windows[key] = [now, 1.0]
        self._evict(now)

    def forget(self, key: Hashable) -> None:
        """Clears `key`'s failures."""
        self._windows.pop(key, None)

    def pardon(self, key: Hashable) -> None:
        """Takes back one failure of `key`: one counted before it was known to succeed."""
        entry = self._windows.get(key)
        if entry is not None:
            entry[1] -= 1
            if entry[1] <= 0:
                del self._windows[key]

    def _evict(self, now: float) -> None:
        windows = self._windows
        while windows:
            start = next(iter(windows.values()))[0]
            if start + self.window > now and len(windows) <= self.max_keys:
                return
            windows.popitem(last=False)


class LoginGuard:
    """Failed logins per account and per source address; a locked login costs no hash.

    An attempt counts as failed from before its password is hashed, so that many attempts
    in parallel cannot outrun the limit; success takes that back. A successful login
    clears its account's failures but not its address's earlier ones: otherwise one valid
    account would let its owner guess other accounts' passwords without end.
    """

    __slots__ = ("accounts", "addresses")

    def __init__(
        self, account_failures: int, address_failures: int, window: float, clock: Clock
    ) -> None:
        self.accounts = FailureCounter(account_failures, window, clock)
        self.addresses = FailureCounter(address_failures, window, clock)

    def locked_for(self, address: str, account: Hashable | None = None) -> float:
        """Seconds until a login from `address` (to `account`) may be tried; 0.0: now."""
        wait = self.addresses.locked_for(address)
        if account is not None:
            wait = max(wait, self.accounts.locked_for(account))
        return wait

    def failed(self, address: str, account: Hashable | None = None) -> None:
        """Counts a failed login, or an attempt not yet known to succeed."""
        self.addresses.fail(address)
        if account is not None:
            self.accounts.fail(account)

    def succeeded(self, address: str, account: Hashable) -> None:
        """The attempt counted by `failed` succeeded after all."""
        self.addresses.pardon(address)
        self.accounts.forget(account)


class RegistrationGuard:
    """Registrations per source address: `limit` within a window, then refused until it
    ends. Each counts from before its password is hashed, so that many at once cannot
    outrun the limit; one refused before hashing (the server was busy) is taken back."""

    __slots__ = ("addresses",)

    def __init__(self, limit: int, window: float, clock: Clock) -> None:
        self.addresses = FailureCounter(limit, window, clock)

    def locked_for(self, address: str) -> float:
        """Seconds until `address` may register again; 0.0: now."""
        return self.addresses.locked_for(address)

    def counted(self, address: str) -> None:
        self.addresses.fail(address)

    def taken_back(self, address: str) -> None:
        self.addresses.pardon(address)


def retry_text(seconds: float) -> str:
    """`seconds` as a client reads it: whole seconds, rounded up, at least 1."""
    return f"{max(1, math.ceil(seconds))} s"
