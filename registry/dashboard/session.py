"""The dashboard's client and one script run's use of the registry.

``st.cache_resource`` shares one RegistryClient per registry home across sessions and threads:
the client holds no connection between calls (the process-wide lease does, briefly), and the
acting user lives in a context variable, so sharing it is safe. A script run attributes its
writes to the signed-in user and lets go of the registry file when it ends, so a notebook in
another process can write between two reruns.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

import streamlit as st

from registry import RegistryClient, acting_as
from registry.config import resolve_home
from registry.notifications.dispatcher import start_background_dispatcher


@st.cache_resource(show_spinner=False)
def _client_for(home: str) -> RegistryClient:
    """The shared client; the first use per home also starts the notification dispatcher in a
    background thread (``REGISTRY_DISPATCHER=off`` leaves that to ``registry dispatch``)."""
    if os.environ.get("REGISTRY_DISPATCHER", "on").lower() != "off":
        start_background_dispatcher(home)
    return RegistryClient(home)


def client() -> RegistryClient:
    """The shared client for the registry home in effect now (``REGISTRY_HOME`` read lazily)."""
    return _client_for(str(resolve_home()))


def signed_in_user() -> str | None:
    """The email (else name) of the user signed in through Streamlit authentication.

    None when authentication is not configured or nobody is signed in: the registry then
    falls back to ``REGISTRY_USER`` or the OS login.
    """
    info = st.user.to_dict()
    if not info.get("is_logged_in"):
        return None
    return info.get("email") or info.get("name") or None


@contextlib.contextmanager
def acting() -> Iterator[RegistryClient]:
    """Attribute the writes in the block to the signed-in user, keeping the registry file
    open: for a widget callback, whose script run follows at once and releases it."""
    with acting_as(signed_in_user()):
        yield client()


@contextlib.contextmanager
def script_run() -> Iterator[RegistryClient]:
    """Wrap a script run (or a dialog's own rerun): act as the signed-in user, and release
    the registry file at the end whatever happens."""
    try:
        with acting() as the_client:
            yield the_client
    finally:
        client().release()
