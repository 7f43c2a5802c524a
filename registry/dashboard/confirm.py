"""The confirmation dialog writes go through (Model, Validate, Inbox, Roles, Notifications).

Confirm and Cancel act in their callbacks, before the rerun draws anything: the page is drawn
once, with the change already made. A click inside a dialog reruns only the dialog, so when
it finds nothing pending it shows the outcome in its place (a short run: the browser redraws
only the dialog) and asks for a rerun of the whole page, which closes it and shows the
outcome again at the top.
"""

from __future__ import annotations

import time

import streamlit as st

from registry import RegistryError
from registry.dashboard import actions, bulk, request_decisions, role_changes
from registry.dashboard import notifications as subscriptions
from registry.dashboard.feedback import flash, show_error, show_flash
from registry.dashboard.keys import (
    MODEL_COMMENT,
    MODEL_CONFIRM_CANCEL,
    MODEL_CONFIRM_CLOSE,
    MODEL_CONFIRM_ERROR,
    MODEL_CONFIRM_OK,
    MODEL_FLASH,
    MODEL_MOVE_ALIAS,
    MODEL_PENDING,
)
from registry.dashboard.markup import plain
from registry.dashboard.session import acting, script_run


def pending() -> actions.PendingAction | None:
    return st.session_state.get(MODEL_PENDING)


def _close() -> None:
    for key in (MODEL_PENDING, MODEL_COMMENT, MODEL_CONFIRM_ERROR, MODEL_MOVE_ALIAS):
        st.session_state.pop(key, None)


def _confirm(action: actions.PendingAction, override: bool) -> None:
    """Confirm's callback: make the change as the signed-in user, then close the dialog;
    on a registry error keep it open with the message."""
    with acting() as client:
        try:
            comment = st.session_state.get(MODEL_COMMENT)
            writes = _other_writes(action)
            if writes is not None:
                message = writes.apply(client, action, comment)
            else:
                message = actions.apply(client, action, comment, override)
        except RegistryError as error:
            st.session_state[MODEL_CONFIRM_ERROR] = error
            return
        alias = st.session_state.get(MODEL_MOVE_ALIAS)
        if alias and action.kind == "stage":
            message += _move_alias(client, action, alias)
    _close()
    flash(MODEL_FLASH, message)


def _other_writes(action: actions.PendingAction):
    """The module that plans and applies ``action`` when actions does not: bulk changes of
    versions, roles, deleting a subscription, deciding on a transition request."""
    modules = (bulk, role_changes, subscriptions, request_decisions)
    return next((m for m in modules if action.kind in m.KINDS), None)


def _move_alias(client, action: actions.PendingAction, alias: str) -> str:
    """Point ``alias`` at the version just promoted; the sentence to add to the message."""
    try:
        client.set_registered_model_alias(action.model, alias, action.version)
    except RegistryError as error:  # the promotion stands: say what did not happen
        return f" @{alias} was not moved: {error}"
    return f" @{alias} points at it."


# Streamlit drops what a run has queued for the browser when a rerun of the whole page
# starts: the outcome drawn in the dialog gets this long to be sent first.
OUTCOME_SEND_SECONDS = 0.03


@st.dialog("Review the change", width="medium", on_dismiss=_close)
def confirm_dialog() -> None:
    """Show exactly what the pending action will change, with Confirm and Cancel."""
    action = pending()
    if action is None:  # confirmed or cancelled: redraw the page (the file is still open)
        if show_flash(MODEL_FLASH, keep=True):  # in place of the plan, at the dialog's top
            time.sleep(OUTCOME_SEND_SECONDS)
        st.rerun()
    with st.container():  # one block: the outcome above replaces all of it
        _review(action)


def _review(action: actions.PendingAction) -> None:
    with script_run() as client:
        try:
            plan = (_other_writes(action) or actions).plan(client, action)
        except RegistryError as error:
            show_error(error, retry=False)
            st.button("Close", key=MODEL_CONFIRM_CLOSE, on_click=_close)
            return
    _show_plan(plan, action)
    failure = st.session_state.get(MODEL_CONFIRM_ERROR)
    if failure is not None:
        show_error(failure, retry=False)
    confirm, cancel = st.columns(2)
    override = plan.override is not None
    confirm.button(
        "Override and confirm" if override else "Confirm",
        key=MODEL_CONFIRM_OK,
        type="secondary" if override else "primary",
        disabled=plan.blocked is not None,
        icon=":material/gavel:" if override else ":material/check:",
        width="stretch",
        on_click=_confirm,
        args=(action, override),
    )
    cancel.button("Cancel", key=MODEL_CONFIRM_CANCEL, on_click=_close, width="stretch")


def _show_plan(plan: actions.Plan, action: actions.PendingAction) -> None:
    st.markdown(f"**{plain(plan.title)}**")
    if plan.changes:
        st.markdown("\n".join(f"- {line}" for line in plan.changes))
    for note in plan.notes:
        st.caption(f":material/info: {note}")
    offer, ticked = plan.alias_offer, False
    if offer is not None:
        ticked = st.checkbox(
            plain(offer.label), value=offer.ticked, key=f"{MODEL_MOVE_ALIAS}_{offer.alias}"
        )
    st.session_state[MODEL_MOVE_ALIAS] = offer.alias if ticked else None
    if plan.blocked:
        st.warning(plan.blocked, icon=":material/block:")
    elif plan.override:
        st.warning(
            f"{plan.override} Confirming overrides it: that needs the reviewer role and a "
            "comment, and is recorded in the history.",
            icon=":material/gavel:",
        )
        if not plan.comment_given:
            st.text_input(
                "Override comment (required)", key=MODEL_COMMENT, placeholder="Why promote anyway?"
            )
    elif action.takes_comment:
        st.text_input(
            "Comment (optional)", key=MODEL_COMMENT, placeholder="Why? It is kept in the history."
        )
    elif action.kind not in subscriptions.UNRECORDED:
        st.caption("The change is recorded in the history under your name.")
