"""SQL for the review workflow: roles, transition requests and comment threads."""

from __future__ import annotations

from typing import Any

from registry.entities import Comment, TransitionRequest
from registry.errors import InvalidStageTransitionError, NotFoundError
from registry.store.duckdb.changes import NewChange, now_ms, record
from registry.store.duckdb.versions import apply_transition, fetch_version

_REQUEST_COLUMNS = (
    "id, model_name, version, stage, archive_existing_versions, requested_by, requested_at, "
    "comment, status, decided_by, decided_at, decision_comment"
)

_COMMENT_COLUMNS = "id, model_name, version, author, created_at, text"


class WorkflowQueries:
    """Roles, requests to move a version between stages, and comments on versions. Its SQL
    runs on PostgreSQL too, which names its own transition and locks a request it decides."""

    _lease: Any
    decided_lock = ""  # after the SELECT of the request being decided
    transition = staticmethod(apply_transition)

    def get_roles(self) -> dict[str, str]:
        with self._lease.cursor() as cur:
            return dict(
                cur.execute("SELECT user_name, role FROM roles ORDER BY user_name").fetchall()
            )

    def role_of(self, user: str) -> tuple[str | None, bool]:
        """(the user's role or None, whether any role is configured)."""
        with self._lease.cursor() as cur:
            row = cur.execute(
                "SELECT (SELECT role FROM roles WHERE user_name = ?), (SELECT count(*) FROM roles)",
                [user],
            ).fetchone()
        return row[0], row[1] > 0

    def set_role(self, user: str, role: str | None, actor: str) -> None:
        ts = now_ms()
        with self._lease.transaction() as cur:
            old = cur.execute("SELECT role FROM roles WHERE user_name = ?", [user]).fetchone()
            if role is None:
                cur.execute("DELETE FROM roles WHERE user_name = ?", [user])
            else:
                cur.execute(
                    "INSERT OR REPLACE INTO roles VALUES (?, ?, ?, ?)", [user, role, actor, ts]
                )
            change = NewChange("role.changed", None, key=user, old=old and old[0], new=role)
            record(cur, actor, ts, [change])

    def create_transition_request(
        self, name: str, version: int, stage: str, archive: bool, comment: str | None, actor: str
    ) -> TransitionRequest:
        ts = now_ms()
        with self._lease.transaction() as cur:
            current = fetch_version(cur, name, version)
            row = cur.execute(
                "INSERT INTO transition_requests (model_name, version, stage, "
                "archive_existing_versions, requested_by, requested_at, comment, status) "
                f"VALUES (?, ?, ?, ?, ?, ?, ?, 'pending') RETURNING {_REQUEST_COLUMNS}",
                [name, version, stage, archive, actor, ts, comment],
            ).fetchone()
            change = NewChange(
                "model_version.transition_requested", name, version, old=current.current_stage,
                new=stage, comment=comment, payload={"request_id": row[0], "to_stage": stage},
            )  # fmt: skip
            record(cur, actor, ts, [change])
        return TransitionRequest(*row)

    def get_transition_request(self, request_id: int) -> TransitionRequest:
        with self._lease.cursor() as cur:
            return _fetch_request(cur, request_id)

    def search_transition_requests(
        self, name: str | None, status: str | None, limit: int
    ) -> list[TransitionRequest]:
        conditions, params = [], []
        if name is not None:
            conditions.append("model_name = ?")
            params.append(name)
        if status is not None:
            conditions.append("status = ?")
            params.append(status)
        where = " AND ".join(conditions) or "TRUE"
        with self._lease.cursor() as cur:
            rows = cur.execute(
                f"SELECT {_REQUEST_COLUMNS} FROM transition_requests WHERE {where} "
                "ORDER BY id DESC LIMIT ?",
                [*params, limit],
            ).fetchall()
        return [TransitionRequest(*row) for row in rows]

    def decide_transition_request(
        self,
        request_id: int,
        approve: bool,
        comment: str | None,
        actor: str,
        override: str | None = None,
    ) -> TransitionRequest:
        """Approve (performing the transition in the same transaction, through the
        Production gate unless ``override`` gives a reason) or reject a request."""
        ts = now_ms()
        with self._lease.transaction() as cur:
            request = _fetch_request(cur, request_id, self.decided_lock)
            if request.status != "pending":
                raise InvalidStageTransitionError(
                    f"Transition request {request_id} is already {request.status}"
                )
            status = "approved" if approve else "rejected"
            cur.execute(
                "UPDATE transition_requests SET status = ?, decided_by = ?, decided_at = ?, "
                "decision_comment = ? WHERE id = ?",
                [status, actor, ts, comment, request_id],
            )
            change = NewChange(
                f"model_version.transition_{status}", request.model_name, request.version,
                new=request.stage, comment=comment,
                payload={"request_id": request_id, "requested_by": request.requested_by},
            )  # fmt: skip
            record(cur, actor, ts, [change])
            if approve:
                note = comment or f"approved request {request_id} by {request.requested_by}"
                self.transition(
                    cur, request.model_name, request.version, request.stage,
                    request.archive_existing_versions, note, actor, override=override,
                )  # fmt: skip
            return _fetch_request(cur, request_id)

    def add_comment(self, name: str, version: int, text: str, actor: str) -> Comment:
        ts = now_ms()
        with self._lease.transaction() as cur:
            fetch_version(cur, name, version)
            row = cur.execute(
                "INSERT INTO version_comments (model_name, version, author, created_at, text) "
                f"VALUES (?, ?, ?, ?, ?) RETURNING {_COMMENT_COLUMNS}",
                [name, version, actor, ts, text],
            ).fetchone()
            change = NewChange(
                "model_version.comment_added", name, version, comment=text,
                payload={"comment_id": row[0]},
            )  # fmt: skip
            record(cur, actor, ts, [change])
        return Comment(*row)

    def get_comments(self, name: str, version: int) -> list[Comment]:
        with self._lease.cursor() as cur:
            rows = cur.execute(
                f"SELECT {_COMMENT_COLUMNS} FROM version_comments "
                "WHERE model_name = ? AND version = ? ORDER BY id",
                [name, version],
            ).fetchall()
        return [Comment(*row) for row in rows]


def _fetch_request(cur, request_id: int, lock: str = "") -> TransitionRequest:
    row = cur.execute(
        f"SELECT {_REQUEST_COLUMNS} FROM transition_requests WHERE id = ?{lock}", [request_id]
    ).fetchone()
    if row is None:
        raise NotFoundError(f"Transition request {request_id} not found")
    return TransitionRequest(*row)
