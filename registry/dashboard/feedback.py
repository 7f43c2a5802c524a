"""What the user sees when something goes wrong, when there is nothing yet, or after a change."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

import streamlit as st

from registry import FilterSyntaxError, RegistryBusyError, RegistryClient, RegistryError
from registry.dashboard.keys import FEEDBACK_RETRY
from registry.dashboard.markup import plain

logger = logging.getLogger(__name__)
UNEXPECTED = "Something went wrong while drawing this page."
_REGISTER_SNIPPET = """\
import registry

client = registry.RegistryClient()          # REGISTRY_HOME or ./mlregistry
client.create_registered_model("churn", tags={"team": "growth"})
client.create_model_version("churn", source="models/churn.skops")
"""


@contextlib.contextmanager
def page_guard() -> Iterator[None]:
    """Show an error raised in the block as a message instead of a traceback: a registry
    error as its text, anything else (a bug) as an apology, its traceback in the log."""
    try:
        yield
    except RegistryError as error:
        show_error(error)
    except Exception:
        logger.exception("dashboard page failed")
        st.error(
            f"{UNEXPECTED} The details are in the dashboard's log. Reload the page, or go back "
            "to the Models page.",
            icon=":material/report:",
        )


def show_error(error: RegistryError, *, retry: bool = True) -> None:
    """A busy registry as guidance to retry (with a Retry button unless ``retry`` is False);
    any other registry error as its message."""
    if isinstance(error, RegistryBusyError):
        holder = error.holder or "another process"
        st.warning(
            f"Registry busy, retrying… {holder} is holding the registry file. The dashboard "
            "waits for it on every click; press **Retry** in a moment, or raise "
            "`REGISTRY_BUSY_TIMEOUT` if long bulk imports are running.",
            icon=":material/hourglass_top:",
        )
        if retry:
            st.button("Retry", key=FEEDBACK_RETRY, icon=":material/refresh:")
    else:
        st.error(plain(error), icon=":material/error:")  # messages quote user text


ECHO_CHARACTERS = 40  # of an offending token, and of the search either side of it


def show_filter_error(text: str, error: FilterSyntaxError) -> None:
    """The parser's message, with a caret under the offending token; a long token or search
    is shown in part, around the place the message names."""
    message = str(error)
    token = error.token or ""
    if len(token) > ECHO_CHARACTERS:
        message = message.replace(token, token[:ECHO_CHARACTERS] + "…")
    st.error(plain(message), icon=":material/search_off:")
    if error.position is not None:
        st.code(caret_under(text, error.position), language=None)


def caret_under(text: str, position: int) -> str:
    """``text`` (at most ECHO_CHARACTERS either side of ``position``) and a caret under it."""
    start = max(0, position - ECHO_CHARACTERS)
    end = position + ECHO_CHARACTERS
    shown = ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")
    return f"{shown}\n{' ' * (position - start + (1 if start else 0))}^"


def empty_registry() -> None:
    """Explain how to put the first model in an empty registry."""
    st.info(
        "The registry is empty. Register a model from Python, or seed a demo registry with "
        "`registry demo`; then rerun this page.",
        icon=":material/inventory_2:",
    )
    st.code(_REGISTER_SNIPPET, language="python")


def stop_if_empty(client: RegistryClient) -> None:
    """On an empty registry, explain how to fill it and end the page here."""
    if client.count_registered_models() == 0:
        empty_registry()
        st.stop()


class Failed(str):
    """A change's outcome that is a failure (a test event that did not get through): shown
    as an error instead of a success."""


def flash(key: str, message: str) -> None:
    """Remember the outcome of a change (a ``Failed`` one too) for the next run of the page."""
    st.session_state[key] = message


def show_flash(key: str, *, keep: bool = False) -> bool:
    """The outcome, once, where the page calls this (near the top): one message, never a
    banner and a toast saying the same thing. ``keep`` shows it and leaves it for the page's
    next run (the dialog shows it first). True when there was one."""
    message = st.session_state.get(key) if keep else st.session_state.pop(key, None)
    if isinstance(message, Failed):
        st.error(plain(message), icon=":material/error:")  # quotes a receiver's answer
    elif message:
        st.success(message, icon=":material/check_circle:")
    return bool(message)
