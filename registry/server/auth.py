"""Who is calling: the owner of the request's personal access token.

A request never names its own actor, with one exception an admin grants: a dashboard's
*delegate* token may name the person signed in to the dashboard in ``X-Registry-Acting-For``,
and the server then acts as that person, with that person's role. Tokens are looked up by
their sha256 (the only form stored); an answer is kept for a few seconds: a token revoked
through this server stops working at once, one revoked on the folder within
``CACHE_SECONDS``.
"""

from __future__ import annotations

import threading
import time

from fastapi import Request

from registry import arguments as check
from registry.client.tokens import TOKEN_PREFIX, hash_token
from registry.entities import AccessToken
from registry.errors import AuthenticationError, PermissionDeniedError

ACTING_FOR = "x-registry-acting-for"

CACHE_SECONDS = 5.0
_HOW = (
    "send 'Authorization: Bearer <token>'; an admin creates one with "
    "'registry token create NAME' (set REGISTRY_TOKEN for the Python client)"
)


class TokenCheck:
    """Resolves bearer tokens to user names against the server's store."""

    def __init__(self, store):
        self._store = store
        self._cache: dict[str, tuple[float, AccessToken | None]] = {}
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
        token = self._lookup(hash_token(secret))
        if token is None:
            raise AuthenticationError(f"The token is unknown or revoked: {_HOW}")
        user = token.user
        person = request.headers.get(ACTING_FOR)
        if person is not None:
            if not token.delegate:
                raise PermissionDeniedError(
                    f"Token {token.id} of {token.user!r} may not act for others; an admin "
                    "makes a dashboard's token with 'registry token create NAME --delegate'"
                )
            user = check.actor(person)
        request.state.user = user
        return user

    def forget(self) -> None:
        """Drop every remembered lookup (after a revocation through this server)."""
        with self._lock:
            self._cache.clear()

    def _lookup(self, token_hash: str) -> AccessToken | None:
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(token_hash)
        if cached and now - cached[0] < CACHE_SECONDS:
            return cached[1]
        token = self._store.find_token(token_hash)
        with self._lock:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[token_hash] = (now, token)
        return token
