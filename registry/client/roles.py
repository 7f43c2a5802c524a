"""Roles and what each may do. Enforced in the client, whatever calls it.

    viewer < editor < reviewer < admin

- viewer: read everything.
- editor: register models and versions, edit descriptions, tags and aliases, move versions to
  None or Staging, request a transition, comment.
- reviewer: also move versions to Production or Archived, approve or reject requests,
  override a failed validation (with a comment).
- admin: also delete models and versions, manage roles and per-model rules.

With no roles configured at all, every user is admin: the two-command start stays simple.
Once any role is granted, users without one are viewers.
"""

from __future__ import annotations

from registry.errors import InvalidArgumentError, PermissionDeniedError

ROLES: tuple[str, ...] = ("viewer", "editor", "reviewer", "admin")
DEFAULT_ROLE = "viewer"
_RANK = {role: rank for rank, role in enumerate(ROLES)}

# The least role each stage needs to move a version into it directly.
STAGE_ROLE = {
    "None": "editor",
    "Staging": "editor",
    "Production": "reviewer",
    "Archived": "reviewer",
}


def check_role(value: object) -> str:
    if not isinstance(value, str) or value.strip().lower() not in _RANK:
        raise InvalidArgumentError(f"Invalid role {value!r}; expected one of {', '.join(ROLES)}")
    return value.strip().lower()


def suffices(role: str | None, needed: str) -> bool:
    """Whether ``role`` (None: no roles configured) may do what ``needed`` may."""
    return role is None or _RANK[role] >= _RANK[needed]


def require(user: str, role: str | None, needed: str, action: str) -> None:
    """Raise PermissionDeniedError unless ``role`` (None: no roles configured) is enough."""
    if suffices(role, needed):
        return
    raise PermissionDeniedError(
        f"User {user!r} has role {role!r}; {action} needs the {needed} role or higher. "
        "Ask an admin to grant it."
    )
