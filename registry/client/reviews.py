"""The review half of RegistryClient: roles, transition requests, comments."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from registry import arguments as check
from registry import config
from registry.client.roles import check_role, require
from registry.entities import Comment, TransitionRequest
from registry.errors import InvalidArgumentError, PermissionDeniedError

_ROLE_CACHE_SECONDS = 1.0
_role_cache: dict[Any, tuple[float, dict[str, str]]] = {}
_role_cache_lock = threading.Lock()


class WorkflowClient:
    """Mixed into RegistryClient; relies on its ``_store`` and ``_actor()``."""

    _store: Any
    _actor: Callable[[], str]

    # -- roles -------------------------------------------------------------------------------

    def get_roles(self) -> dict[str, str]:
        """Every user with a role; empty when roles are not configured (everyone is admin)."""
        key = self._store.key
        with _role_cache_lock:
            cached = _role_cache.get(key)
        if cached and time.monotonic() - cached[0] < _ROLE_CACHE_SECONDS:
            return cached[1]
        roles = self._store.get_roles()
        with _role_cache_lock:
            _role_cache[key] = (time.monotonic(), roles)
        return roles

    def get_role(self, user: str | None = None) -> str:
        """The role of ``user`` (default: the acting user)."""
        return self._role_of(user or self._actor()) or "admin"

    def _role_of(self, user: str) -> str | None:
        """The user's role; None while no role is granted, so everyone may do everything
        (unless the caller requires roles: a dashboard with sign-in does)."""
        roles = self.get_roles()
        if not roles and not config.roles_required():
            return None
        return roles.get(user, "viewer")

    def _require(self, needed: str, action: str) -> str:
        """The acting user, once checked to hold ``needed``; raises PermissionDeniedError."""
        user = self._actor()
        require(user, self._role_of(user), needed, action)
        return user

    def set_role(self, user: str, role: str | None) -> None:
        """Grant ``role`` to ``user`` (None removes it). Admins only; one admin must remain."""
        self._require("admin", "managing roles")
        user, new = check.actor(user), None if role is None else check_role(role)
        roles = dict(self.get_roles())
        if not roles and new != "admin" and user != self._actor():
            raise InvalidArgumentError(
                "Grant yourself the admin role first: once any role exists, users without one "
                "are viewers"
            )
        roles.pop(user, None)
        if new:
            roles[user] = new
        if roles and "admin" not in roles.values():
            raise InvalidArgumentError("At least one admin must remain")
        self._store.set_role(user, new, self._actor())
        with _role_cache_lock:
            _role_cache.pop(self._store.key, None)

    # -- transition requests -----------------------------------------------------------------

    def request_transition(
        self,
        name: str,
        version: int | str,
        stage: str,
        comment: str | None = None,
        archive_existing_versions: bool = True,
    ) -> TransitionRequest:
        """Ask a reviewer to move a version to ``stage``."""
        actor = self._require("editor", "requesting a transition")
        name = check.model_name(name)
        stage = check.stage(stage)
        archive = bool(archive_existing_versions) and stage in ("Staging", "Production")
        return self._store.create_transition_request(
            name, check.version_number(version, name), stage, archive, check.comment(comment),
            actor,
        )  # fmt: skip

    def get_transition_requests(
        self, name: str | None = None, status: str | None = "pending", max_results: int = 100
    ) -> list[TransitionRequest]:
        """Requests, newest first (status None: any status)."""
        if status not in (None, "pending", "approved", "rejected"):
            raise InvalidArgumentError(f"Invalid request status {status!r}")
        name = None if name is None else check.model_name(name)
        return self._store.search_transition_requests(name, status, max_results)

    def approve_transition_request(
        self, request_id: int, comment: str | None = None, *, override_validation: bool = False
    ) -> TransitionRequest:
        """Approve a pending request, which performs its transition. Reviewers only, and
        never the requester. A request to Production passes the model's validation
        requirement, or ``override_validation`` with a ``comment`` (see
        transition_model_version_stage)."""
        comment = check.comment(comment)
        return self._decide(
            request_id, True, comment, self._override_reason(override_validation, comment)
        )

    def _override_reason(self, override_validation: bool, comment: str | None) -> str | None:
        """The reason for overriding a validation (None: no override); checks the role and
        that there is a reason."""
        if not override_validation:
            return None
        self._require("reviewer", "overriding a validation requirement")
        if not comment or not comment.strip():
            raise InvalidArgumentError(
                "Overriding a validation needs a comment saying why; it is kept in the history"
            )
        return comment.strip()

    def reject_transition_request(self, request_id: int, comment: str) -> TransitionRequest:
        """Reject a pending request; say why in ``comment``."""
        reason = check.comment(comment)
        if not reason:
            raise InvalidArgumentError("Say why the request is rejected (comment is required)")
        return self._decide(request_id, False, reason)

    def _decide(
        self, request_id: int, approve: bool, comment: str | None, override: str | None = None
    ) -> TransitionRequest:
        actor = self._require("reviewer", "deciding on a transition request")
        request = self._store.get_transition_request(int(request_id))
        if override and request.stage != "Production":
            raise InvalidArgumentError(
                f"override_validation applies to Production only; request {request_id} is "
                f"for {request.stage}"
            )
        if request.requested_by == actor:
            raise PermissionDeniedError(
                f"User {actor!r} requested transition {request_id}; another reviewer must "
                "decide on it"
            )
        return self._store.decide_transition_request(request.id, approve, comment, actor, override)

    # -- comments ----------------------------------------------------------------------------

    def add_comment(self, name: str, version: int | str, text: str) -> Comment:
        actor = self._require("editor", "commenting")
        name = check.model_name(name)
        body = check.comment(text)
        if not body or not body.strip():
            raise InvalidArgumentError("A comment needs some text")
        return self._store.add_comment(name, check.version_number(version, name), body, actor)

    def get_comments(self, name: str, version: int | str) -> list[Comment]:
        name = check.model_name(name)
        return self._store.get_comments(name, check.version_number(version, name))
