"""The confirmation dialog every write on the Model page goes through."""

from __future__ import annotations

import streamlit as st

from registry import RegistryError
from registry.dashboard import actions
from registry.dashboard.feedback import flash, show_error
from registry.dashboard.keys import MODEL_COMMENT, MODEL_FLASH, MODEL_PENDING
from registry.dashboard.session import script_run


def pending() -> actions.PendingAction | None:
    return st.session_state.get(MODEL_PENDING)


def _close() -> None:
    st.session_state.pop(MODEL_PENDING, None)
    st.session_state.pop(MODEL_COMMENT, None)


def _close_and_rerun() -> None:
    """Close the dialog: a rerun of the whole page, not just of the dialog."""
    _close()
    st.rerun()


@st.dialog("Review the change", width="medium", on_dismiss=_close)
def confirm_dialog() -> None:
    """Show exactly what the pending action will change; apply it on Confirm.

    It wraps its own run in ``script_run`` because a click inside a dialog reruns only the
    dialog, not the page that opened it.
    """
    with script_run() as client:
        action = pending()
        if action is None:
            return
        try:
            plan = actions.plan(client, action)
        except RegistryError as error:
            show_error(error, retry=False)
            if st.button("Close", key="model_confirm_close"):
                _close_and_rerun()
            return
        _show_plan(plan, action)
        confirm, cancel = st.columns(2)
        if confirm.button(
            "Confirm",
            key="model_confirm_ok",
            type="primary",
            disabled=plan.blocked is not None,
            icon=":material/check:",
            width="stretch",
        ):
            _apply(client, action)
        if cancel.button("Cancel", key="model_confirm_cancel", width="stretch"):
            _close_and_rerun()


def _show_plan(plan: actions.Plan, action: actions.PendingAction) -> None:
    st.markdown(f"**{plan.title}**")
    if plan.changes:
        st.markdown("\n".join(f"- {line}" for line in plan.changes))
    for note in plan.notes:
        st.caption(f":material/info: {note}")
    if plan.blocked:
        st.warning(plan.blocked, icon=":material/block:")
    elif action.takes_comment:
        st.text_input(
            "Comment (optional)", key=MODEL_COMMENT, placeholder="Why? It is kept in the history."
        )
    else:
        st.caption("The change is recorded in the history under your name.")


def _apply(client, action: actions.PendingAction) -> None:
    try:
        message = actions.apply(client, action, st.session_state.get(MODEL_COMMENT))
    except RegistryError as error:
        show_error(error, retry=False)
        return
    flash(MODEL_FLASH, message)
    _close_and_rerun()
