"""Password hashing with scrypt (memory-hard, in the standard library), off the event loop."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import os
from concurrent.futures import ThreadPoolExecutor

_SCHEME = "scrypt"
_R = 8
_P = 1
_SALT_BYTES = 16
_KEY_BYTES = 32


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4))


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        password.encode(),
        salt=salt,
        n=n,
        r=r,
        p=p,
        maxmem=256 * n * r + 1024 * 1024,
        dklen=_KEY_BYTES,
    )


def hash_password(password: str, cost: int = 14) -> str:
    """`scrypt$<log2 N>$<r>$<p>$<salt>$<key>`: the parameters travel with the hash."""
    salt = os.urandom(_SALT_BYTES)
    key = _scrypt(password, salt, 1 << cost, _R, _P)
    return f"{_SCHEME}${cost}${_R}${_P}${_b64(salt)}${_b64(key)}"


def verify_password(password: str, encoded: str) -> bool:
    """True when `password` produces `encoded`; false for any malformed hash."""
    try:
        scheme, cost, r, p, salt, key = encoded.split("$")
        if scheme != _SCHEME or not 1 <= int(cost) <= 20:
            return False
        expected = _unb64(key)
        actual = _scrypt(password, _unb64(salt), 1 << int(cost), int(r), int(p))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


# Hashing gets every core but one: a burst of logins queues here instead of taking the
# CPU the event loop needs to keep chats flowing. hashlib releases the GIL in scrypt.
_HASHERS = ThreadPoolExecutor(
    max_workers=max(1, (os.cpu_count() or 2) - 1), thread_name_prefix="chatapp-scrypt"
)


async def hash_password_async(password: str, cost: int) -> str:
    """hash_password on the hashing threads."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_HASHERS, hash_password, password, cost)


async def verify_password_async(password: str, encoded: str) -> bool:
    """verify_password on the hashing threads."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_HASHERS, verify_password, password, encoded)
