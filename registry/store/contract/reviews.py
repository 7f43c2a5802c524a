"""Roles, transition requests and comments."""

from __future__ import annotations

from typing import Protocol

from registry.entities import Comment, TransitionRequest


class ReviewStore(Protocol):
    def get_roles(self) -> dict[str, str]:
        """Every user with a role; empty when no role was ever granted."""
        ...

    def set_role(self, user: str, role: str | None, actor: str) -> None:
        """Grant ``role`` (None removes the user's role); history: ``role.changed``."""
        ...

    def create_transition_request(
        self,
        name: str,
        version: int,
        stage: str,
        archive: bool,
        comment: str | None,
        actor: str,
    ) -> TransitionRequest:
        """A pending request to move a live version. Raises NotFoundError."""
        ...

    def get_transition_request(self, request_id: int) -> TransitionRequest:
        """Raises NotFoundError."""
        ...

    def search_transition_requests(
        self, name: str | None, status: str | None, limit: int
    ) -> list[TransitionRequest]:
        """Requests of one model (all when None) in ``status`` (any when None), newest first."""
        ...

    def decide_transition_request(
        self,
        request_id: int,
        approve: bool,
        comment: str | None,
        actor: str,
        override: str | None = None,
    ) -> TransitionRequest:
        """Approve or reject a pending request, exactly once: approving performs its
        transition in the same transaction, through the Production gate unless ``override``
        gives the reason. Raises NotFoundError, InvalidStageTransitionError (decided already),
        ValidationRequiredError."""
        ...

    def add_comment(self, name: str, version: int, text: str, actor: str) -> Comment:
        """Append a comment to the version's thread. Raises NotFoundError."""
        ...

    def get_comments(self, name: str, version: int) -> list[Comment]:
        """The version's thread, oldest first."""
        ...
