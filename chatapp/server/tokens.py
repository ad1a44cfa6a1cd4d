"""Resume tokens: random secrets a client logs in with again, stored only as a hash."""

from __future__ import annotations

import hashlib
import secrets

TOKEN_BYTES = 32


def new_token() -> tuple[str, str]:
    """A fresh token for the client and the hash to store in its place."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    return token, token_hash(token)


def token_hash(token: str) -> str:
    """SHA-256 is enough: a token is 256 random bits, not a password to guess."""
    return hashlib.sha256(token.encode()).hexdigest()
