"""The token half of RegistryClient: personal access tokens for a registry server.

A token's secret is shown once, when it is created, and stored only as its sha256; the
server takes the acting user from the token of each request. Admins only.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from typing import Any

from registry import arguments as check
from registry.client.roles import check_role
from registry.entities import AccessToken
from registry.errors import InvalidArgumentError

TOKEN_PREFIX = "rgt_"
MAX_LABEL = 200


def hash_token(secret: str) -> str:
    """The form a token is stored and looked up in."""
    return hashlib.sha256(secret.encode()).hexdigest()


class TokenClient:
    """Mixed into RegistryClient; relies on its ``_store``, ``_require()`` and roles."""

    _store: Any
    _require: Callable[[str, str], str]
    get_roles: Callable[[], dict[str, str]]
    set_role: Callable[[str, str | None], None]

    def create_token(
        self,
        user: str,
        role: str | None = None,
        label: str | None = None,
        *,
        delegate: bool = False,
    ) -> tuple[AccessToken, str]:
        """Issue a token acting as ``user`` and return it with its secret (shown this once).
        With ``role``, ``user`` is granted that role first. A ``delegate`` token (a
        dashboard's own) may act for the people signed in to that dashboard, each with
        their own role."""
        actor = self._require("admin", "creating an access token")
        user = check.actor(user)
        if label is not None and (not isinstance(label, str) or len(label) > MAX_LABEL):
            raise InvalidArgumentError(f"A token label is text of at most {MAX_LABEL} characters")
        if role is not None:
            role = check_role(role)
            if self.get_roles().get(user) != role:
                self.set_role(user, role)
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = self._store.create_token(hash_token(secret), user, label, actor, bool(delegate))
        return token, secret

    def list_tokens(self) -> list[AccessToken]:
        """Every token (never a secret), revoked ones included."""
        self._require("admin", "listing access tokens")
        return self._store.list_tokens()

    def revoke_token(self, token_id: int) -> AccessToken:
        """Revoke a token: the server refuses it from now on. Raises NotFoundError."""
        actor = self._require("admin", "revoking an access token")
        if isinstance(token_id, bool) or not isinstance(token_id, int):
            raise InvalidArgumentError(f"A token id is a whole number, not {token_id!r}")
        return self._store.revoke_token(token_id, actor)
