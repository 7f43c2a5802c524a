"""SQL for personal access tokens: only their sha256 is stored.

Tokens stay out of the ``changes`` table: it is also the event outbox, and a token's
creation must never reach a webhook. The token rows are their own record (who created each,
when, when it was revoked).
"""

from __future__ import annotations

from typing import Any

from registry.entities import AccessToken
from registry.errors import NotFoundError
from registry.store.duckdb.changes import now_ms

_COLUMNS = "id, user_name, label, created_by, creation_timestamp, revoked_timestamp, delegate"


class TokenQueries:
    """Issue, look up, list and revoke tokens."""

    _lease: Any

    def create_token(
        self, token_hash: str, user: str, label: str | None, actor: str, delegate: bool = False
    ) -> AccessToken:
        ts = now_ms()
        with self._lease.transaction() as cur:
            row = cur.execute(
                "INSERT INTO access_tokens (token_hash, user_name, label, created_by, "
                f"creation_timestamp, delegate) VALUES (?, ?, ?, ?, ?, ?) RETURNING {_COLUMNS}",
                [token_hash, user, label, actor, ts, delegate],
            ).fetchone()
        return AccessToken(*row)

    def find_token(self, token_hash: str) -> AccessToken | None:
        with self._lease.cursor() as cur:
            row = cur.execute(
                f"SELECT {_COLUMNS} FROM access_tokens WHERE token_hash = ? "
                "AND revoked_timestamp IS NULL",
                [token_hash],
            ).fetchone()
        return None if row is None else AccessToken(*row)

    def list_tokens(self) -> list[AccessToken]:
        with self._lease.cursor() as cur:
            rows = cur.execute(f"SELECT {_COLUMNS} FROM access_tokens ORDER BY id").fetchall()
        return [AccessToken(*row) for row in rows]

    def revoke_token(self, token_id: int, actor: str) -> AccessToken:
        ts = now_ms()
        with self._lease.transaction() as cur:
            row = cur.execute(
                "UPDATE access_tokens SET revoked_timestamp = coalesce(revoked_timestamp, ?) "
                f"WHERE id = ? RETURNING {_COLUMNS}",
                [ts, token_id],
            ).fetchone()
            if row is None:
                raise NotFoundError(f"Access token {token_id} not found")
        return AccessToken(*row)
