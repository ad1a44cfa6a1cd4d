"""Password hashing with scrypt (memory-hard, in the standard library); hashing.py runs it."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

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
