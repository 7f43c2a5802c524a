"""Granting, changing and removing roles through the confirmation every write goes through:
the dialog says whose role changes from what to what before anything is written."""

from __future__ import annotations

import streamlit as st

from registry import RegistryClient
from registry.dashboard.actions import PendingAction, Plan
from registry.dashboard.keys import MODEL_PENDING
from registry.dashboard.markup import plain
from registry.dashboard.review import ADMIN_REMOVE_USER, ADMIN_ROLE, ADMIN_USER

KINDS = ("role",)


def request_grant() -> None:
    """The Grant button's callback: ask to confirm giving the typed user the chosen role."""
    user = (st.session_state.get(ADMIN_USER) or "").strip()
    role = st.session_state.get(ADMIN_ROLE)
    st.session_state[MODEL_PENDING] = PendingAction("role", "", key=user, value=role)


def request_removal() -> None:
    """The Remove button's callback: ask to confirm taking the chosen user's role away."""
    user = st.session_state.get(ADMIN_REMOVE_USER)
    st.session_state[MODEL_PENDING] = PendingAction("role", "", key=user, value=None)


def plan(client: RegistryClient, a: PendingAction) -> Plan:
    if not a.key:
        return Plan("Grant a role", [], "Enter the user (email or login) to grant a role to.")
    old = client.get_roles().get(a.key)
    title = f"Remove {a.key}'s role" if a.value is None else f"Give {a.key} the {a.value} role"
    change = f"**{plain(a.key)}**: {old or 'no role'} → **{a.value or 'no role'}**"
    blocked = f"{a.key} already has this role." if old == a.value else None
    notes = ()
    if a.value is None:
        notes = ("With no role granted, a user is a viewer once any role is configured.",)
    return Plan(title, [change], blocked, notes)


def apply(client: RegistryClient, a: PendingAction, comment: str | None) -> str:
    client.set_role(a.key, a.value)
    return f"Removed {a.key}'s role." if a.value is None else f"{a.key} is now {a.value}."
