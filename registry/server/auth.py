"""Who is calling: the owner of the request's personal access token.

A request never names its own actor. Tokens are looked up by their sha256 (the only form
stored); an answer is kept for a few seconds, so a revoked token stops working within
``CACHE_SECONDS``.
"""

from __future__ import annotations

import threading
import time

from fastapi import Request

from registry.client.tokens import TOKEN_PREFIX, hash_token
from registry.errors import AuthenticationError

CACHE_SECONDS = 5.0
_HOW = (
    "send 'Authorization: Bearer <token>'; an admin creates one with "
    "'registry token create NAME' (set REGISTRY_TOKEN for the Python client)"
)


class TokenCheck:
    """Resolves bearer tokens to user names against the server's store."""

    def __init__(self, store):
        self._store = store
        self._cache: dict[str, tuple[float, str | None]] = {}
        self._lock = threading.Lock()

    def user_of(self, request: Request) -> str:
        """The token owner's name; raises AuthenticationError (401)."""
        header = request.headers.get("authorization", "")
        scheme, _, secret = header.partition(" ")
        secret = secret.strip()
        if scheme.lower() != "bearer" or not secret:
            raise AuthenticationError(f"This registry server needs a token: {_HOW}")
        if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
            raise AuthenticationError(f"That is not a registry token: {_HOW}")
        user = self._lookup(hash_token(secret))
        if user is None:
            raise AuthenticationError(f"The token is unknown or revoked: {_HOW}")
        request.state.user = user
        return user

    def _lookup(self, token_hash: str) -> str | None:
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(token_hash)
        if cached and now - cached[0] < CACHE_SECONDS:
            return cached[1]
        token = self._store.find_token(token_hash)
        user = token.user if token else None
        with self._lock:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[token_hash] = (now, user)
        return user
