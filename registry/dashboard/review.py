"""The reviewer inbox and the roles page: tables and the writes their buttons make.

Session-state keys of the Inbox and Admin pages live here (``INBOX_*``, ``ADMIN_*``).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from registry import RegistryClient, RegistryError
from registry.client import roles
from registry.dashboard.evidence import Evidence
from registry.dashboard.feedback import flash
from registry.dashboard.links import Target, model_target, version_target
from registry.dashboard.session import acting
from registry.dashboard.style import format_time, version_number
from registry.dashboard.version_table import VALIDATION_LABELS, VALIDATION_TAG
from registry.validation.records import ProductionGate

INBOX_FLASH = "inbox_flash"
INBOX_ERROR = "inbox_error"
INBOX_PICK = "inbox_pick"
INBOX_TABLE = "inbox_table"
INBOX_DECISION_COMMENT = "inbox_decision_comment"
INBOX_APPROVE = "inbox_approve"
INBOX_REJECT = "inbox_reject"
INBOX_REQUEST_FORM = "inbox_request_form"
INBOX_REQUEST_MODEL = "inbox_request_model"
INBOX_REQUEST_VERSION = "inbox_request_version"
INBOX_REQUEST_STAGE = "inbox_request_stage"
INBOX_REQUEST_COMMENT = "inbox_request_comment"
ADMIN_USER = "admin_user"
ADMIN_ROLE = "admin_role"
ADMIN_GRANT = "admin_grant"
ADMIN_REMOVE_USER = "admin_remove_user"
ADMIN_REMOVE = "admin_remove"

REQUEST_STAGES = ("Staging", "Production", "Archived", "None")
ROLES = roles.ROLES
ROLES_EXPLAINED = roles.__doc__ or ""


REQUEST_COLUMNS = [
    "Request", "Model", "Version", "Change", "Validation", "vs Production", "Requested by",
    "When", "Comment",
]  # fmt: skip


def requests_frame(
    client: RegistryClient, requests: list, evidence: Evidence | None = None
) -> pd.DataFrame:
    """Pending requests as the inbox table (from: the version's stage now), with each
    version's validation and its metrics' changes from the version in Production."""
    evidence = evidence or Evidence(client, requests)
    rows = []
    for r in requests:
        version = evidence.version(r)
        rows.append(
            {
                "Request": r.id,
                "Model": r.model_name,
                "Version": r.version,
                "Change": f"{version.current_stage if version else '?'} → {r.stage}",
                "Validation": validation_status(client, r, version),
                "vs Production": evidence.deltas_text(r),
                "Requested by": r.requested_by,
                "When": format_time(r.requested_at),
                "Comment": r.comment or "",
            }
        )
    return pd.DataFrame(rows, columns=REQUEST_COLUMNS)


def request_target(request, column: str) -> Target | None:
    """What a click on a request's row opens: its model from the Model column, its version
    from the Version column (other cells pick the request to decide on)."""
    if column == "Model":
        return model_target(request.model_name)
    if column == "Version":
        return version_target(request.model_name, request.version)
    return None


def production_gate(client: RegistryClient, request) -> ProductionGate | None:
    """The gate a request to Production must pass; None for other stages or a lost version."""
    if request.stage != "Production":
        return None
    try:
        return client.get_production_gate(request.model_name, request.version)
    except RegistryError:
        return None


def override_reason(gate: ProductionGate) -> str:
    """What approving or promoting to Production would go against, in one sentence that
    agrees with the requirement: an unmet requirement, or (with none, or one met by an
    older pass) a newest validation that failed."""
    if gate.required and not gate.satisfied:
        return gate.explain()
    label = f"{gate.model_name} v{gate.version}"
    if not gate.required:
        return (
            f"The model does not require a validation for Production, but the newest "
            f"validation of {label} {gate.latest_text}."
        )
    return f"The newest validation of {label} {gate.latest_text}."


def validation_status(client: RegistryClient, request, version=None) -> str:
    """The version's newest validation, and for a request to Production whether Production's
    requirement is met."""
    gate = production_gate(client, request)
    if gate is None:
        status = version.tags.get(VALIDATION_TAG) if version is not None else None
        return VALIDATION_LABELS.get(status, status or "not validated")
    if not gate.required:
        return gate.latest_text
    return f"{gate.latest_text} · required: {'met' if gate.satisfied else 'NOT met'}"


def request_label(request) -> str:
    return f"#{request.id}: {request.model_name} v{request.version} → {request.stage}"


def roles_frame(granted: dict[str, str]) -> pd.DataFrame:
    rows = sorted(granted.items())
    return pd.DataFrame(rows, columns=["User", "Role"])


def is_at_least(role: str, needed: str) -> bool:
    return ROLES.index(role) >= ROLES.index(needed)


def _run(error_key: str, flash_key: str, write, message: str) -> bool:
    """A button's callback: make the write as the signed-in user; remember an error to show.
    Returns whether the write was made."""
    st.session_state.pop(error_key, None)
    with acting() as client:
        try:
            write(client)
        except RegistryError as error:
            st.session_state[error_key] = str(error)
            return False
    flash(flash_key, message)
    return True


def request_transition() -> None:
    state = st.session_state
    name = state.get(INBOX_REQUEST_MODEL)
    version = version_number(state.get(INBOX_REQUEST_VERSION))
    stage = state.get(INBOX_REQUEST_STAGE)
    comment = (state.get(INBOX_REQUEST_COMMENT) or "").strip() or None
    if not name or version is None:
        state[INBOX_ERROR] = "Choose a model and a version to request a transition."
        return
    _run(
        INBOX_ERROR,
        INBOX_FLASH,
        lambda c: c.request_transition(name, version, stage, comment),
        f"Requested moving {name} v{version} to {stage}.",
    )
