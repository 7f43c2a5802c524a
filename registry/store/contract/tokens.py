"""Personal access tokens, for a registry server: only a hash of each secret is stored."""

from __future__ import annotations

from typing import Protocol

from registry.entities import AccessToken


class TokenStore(Protocol):
    def create_token(
        self, token_hash: str, user: str, label: str | None, actor: str, delegate: bool = False
    ) -> AccessToken:
        """Store a token of ``user`` by the sha256 of its secret; a ``delegate`` token may
        act for the people signed in to a dashboard. Tokens are not history rows (those are
        events a webhook may receive): the token rows are their own record."""
        ...

    def find_token(self, token_hash: str) -> AccessToken | None:
        """The active (not revoked) token with that hash, or None."""
        ...

    def list_tokens(self) -> list[AccessToken]:
        """Every token, revoked ones included, oldest first."""
        ...

    def revoke_token(self, token_id: int, actor: str) -> AccessToken:
        """Revoke it (revoking twice keeps the first time). Raises NotFoundError."""
        ...
