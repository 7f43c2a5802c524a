"""The dashboard's client and one script run's use of the registry.

Embedded (``REGISTRY_HOME``): ``st.cache_resource`` shares one RegistryClient per home across
sessions and threads; the acting user lives in a context variable, so sharing it is safe. A
script run attributes its writes to the signed-in user. The dashboard keeps the registry file
open for ``LINGER`` seconds after its last use, so reruns and new tabs do not pay for opening
it; a notebook or CLI in another process that wants the file waits in line and gets it within
milliseconds of the dashboard's current call ending.

Against a registry server (``REGISTRY_URI``, or MLflow's variables as the Python API reads
them), the server decides who acts, so each browser
session has a client of its own: with Streamlit's OIDC sign-in and a dashboard token made
with ``registry token create dashboard --delegate`` in ``REGISTRY_TOKEN``, the client acts for
the signed-in person; otherwise the person pastes a personal token once per browser session.
Until then the dashboard shows only the sign-in form: nothing is read or written anonymously.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import streamlit as st

from registry import AuthenticationError, RegistryClient, RegistryError, acting_as, config
from registry.config import resolve_home
from registry.dashboard import keys, markup
from registry.notifications.dispatcher import start_background_dispatcher
from registry.server.hosts import allowed_hosts, refusal
from registry.store.duckdb import DuckDBStore

LINGER = 30.0


@st.cache_resource(show_spinner=False)
def _client_for(home: str) -> RegistryClient:
    """The shared client; the first use per home also starts the notification dispatcher in a
    background thread (``REGISTRY_DISPATCHER=off`` leaves that to ``registry dispatch``)."""
    if os.environ.get("REGISTRY_DISPATCHER", "on").lower() != "off":
        start_background_dispatcher(home)
    store = DuckDBStore(Path(home), busy_timeout=config.busy_timeout(), idle_release=LINGER)
    return RegistryClient(store=store)


@st.cache_resource(show_spinner=False)
def _delegated_client(uri: str, person: str) -> RegistryClient:
    """A client acting for one signed-in person with the dashboard's delegate token."""
    from registry.client.remote import RemoteRegistryClient

    return RemoteRegistryClient(uri, token=os.environ["REGISTRY_TOKEN"], acting_for=person)


def server_uri() -> str | None:
    """The registry server the dashboard talks to, if any, chosen as the Python API chooses
    it (``REGISTRY_URI``; without ``REGISTRY_HOME``, a server's address in MLflow's variables).
    A choice the API refuses (MLflow's own store there) stops the page with its message."""
    try:
        return config.server_uri(None, None, None)
    except RegistryError as error:
        st.error(str(error), icon=":material/report:")
        st.stop()


def client() -> RegistryClient:
    """The client for this browser session; against a server with nobody signed in, the
    sign-in form is shown and the script run stops."""
    uri = server_uri()
    if uri is None:
        return _client_for(str(resolve_home()))
    person = signed_in_user()
    if person and os.environ.get("REGISTRY_TOKEN"):
        return _delegated_client(uri, person)
    personal = st.session_state.get(keys.SESSION_CLIENT)
    if personal is None:
        _sign_in_form(uri)
        st.stop()
    return personal


def signed_in_user() -> str | None:
    """The email (else name) of the user signed in through Streamlit authentication.

    None when authentication is not configured or nobody is signed in: the registry then
    falls back to ``REGISTRY_USER`` or the OS login.
    """
    info = st.user.to_dict()
    if not info.get("is_logged_in"):
        return None
    return info.get("email") or info.get("name") or None


def acting_user(the_client: RegistryClient) -> str:
    """Who this session's writes are recorded as."""
    person = signed_in_user()
    with acting_as(person, require_roles=person is not None):
        return the_client.get_acting_user()


def sign_out() -> None:
    """Forget this browser session's personal token."""
    st.session_state.pop(keys.SESSION_CLIENT, None)


def _sign_in(uri: str) -> None:
    from registry.client.remote import RemoteRegistryClient

    token = (st.session_state.get(keys.SESSION_TOKEN) or "").strip()
    st.session_state[keys.SESSION_TOKEN] = ""  # never kept in a widget
    candidate = RemoteRegistryClient(uri, token=token)
    try:
        candidate.get_acting_user()
    except AuthenticationError:
        st.session_state[keys.SESSION_ERROR] = (
            "That token is unknown or revoked. Ask an admin for one: "
            "`registry token create YOUR-NAME`."
        )
        return
    except RegistryError as error:
        st.session_state[keys.SESSION_ERROR] = str(error)
        return
    st.session_state.pop(keys.SESSION_ERROR, None)
    st.session_state[keys.SESSION_CLIENT] = candidate


def _sign_in_form(uri: str) -> None:
    st.title("Sign in to the registry")
    st.caption(f":material/dns: Registry server `{uri}`")
    st.write(
        "Paste your personal access token. It is kept for this browser session only; "
        "an admin issues one with `registry token create YOUR-NAME`."
    )
    error = st.session_state.get(keys.SESSION_ERROR)
    if error:
        st.error(error, icon=":material/lock:")
    st.text_input("Access token", type="password", key=keys.SESSION_TOKEN)
    st.button("Sign in", type="primary", key=keys.SESSION_SIGN_IN, on_click=_sign_in, args=(uri,))


@contextlib.contextmanager
def acting() -> Iterator[RegistryClient]:
    """Attribute the writes in the block to the signed-in user: for a widget callback."""
    person = signed_in_user()
    with acting_as(person, require_roles=person is not None):
        yield client()


def refuse_foreign_host() -> None:
    """Stop a script run whose page was requested under a name that is not the dashboard's
    (DNS rebinding). ``registry ui`` refuses those requests before Streamlit sees them; this
    covers ``streamlit run app.py``, whose server accepts any ``Host``."""
    host = (st.context.headers.get("Host") or "").lower()
    listen = st.get_option("server.address") or "127.0.0.1"
    if host and host not in allowed_hosts(listen, st.get_option("server.port")):
        st.error(markup.plain(refusal(host)), icon=":material/block:")
        st.stop()


@contextlib.contextmanager
def script_run() -> Iterator[RegistryClient]:
    """Wrap a script run (or a dialog's own rerun): act as the signed-in user."""
    refuse_foreign_host()
    the_client = client()
    person = signed_in_user()
    # Signed-in people have the roles granted to them: with none granted yet they are
    # viewers, not the admins a laptop's single user is.
    with acting_as(person, require_roles=person is not None):
        yield the_client
