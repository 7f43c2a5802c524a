"""Real local receivers for the notification tests: an HTTP server and an SMTP server.

``Receiver`` answers each POST according to a script (status codes, hangs, redirects),
verifies webhook signatures when given the secret, and records what arrived.
``SmtpSink`` is an aiosmtpd server on 127.0.0.1 that keeps the messages it receives.
"""

from __future__ import annotations

import json
import shutil
import ssl
import subprocess
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from server_support import free_port

from registry.notifications import signing

ENV = {
    "REGISTRY_WEBHOOK_ALLOW": "127.0.0.1",
    "REGISTRY_NOTIFY_TIMEOUT": "1",
    "REGISTRY_NOTIFY_BACKOFF": "0.05",
    "REGISTRY_NOTIFY_POLL": "0.05",
    "REGISTRY_NOTIFY_CLAIM_MARGIN": "0.5",
}


@pytest.fixture
def notify_env(monkeypatch):
    """The notification settings of ENV, for a test module that imports this fixture."""
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float
    signature_ok: bool | None = None
    peer_port: int | None = None  # the sender's port: one per connection

    @property
    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class Script:
    """What the receiver answers: ``statuses`` in turn (then ``then``); ``hang`` seconds
    before the first ``hang_first`` answers; ``location`` for redirects; ``reply`` bytes."""

    statuses: list[int] = field(default_factory=list)
    then: int = 200
    hang: float = 0.0
    hang_first: int = 0
    location: str | None = None
    reply: bytes = b"ok"
    keep_alive: bool = False  # answer as HTTP/1.1, keeping the connection for more requests
    drop_idle: bool = False  # with keep_alive: close each connection after answering, unsaid


class Receiver:
    """An HTTP server on 127.0.0.1 in a thread; use as a context manager."""

    def __init__(
        self,
        script: Script | None = None,
        secret: str | None = None,
        tls: ssl.SSLContext | None = None,
    ):
        self.script = script or Script()
        self.secret = secret
        self.requests: list[Request] = []
        self.arrived = threading.Event()
        self.release = threading.Event()
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = False
        self._server.block_on_close = True
        if tls is not None:
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    @property
    def port(self) -> int:
        return self._server.server_port

    def __enter__(self) -> Receiver:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Request]:
        deadline = time.monotonic() + timeout
        while len(self.requests) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return list(self.requests)

    def _answer(self, request: Request) -> tuple[int, float]:
        with self._lock:
            self.requests.append(request)
            n = len(self.requests)
        self.arrived.set()
        statuses = self.script.statuses
        status = statuses[n - 1] if n <= len(statuses) else self.script.then
        hang = self.script.hang if n <= self.script.hang_first else 0.0
        return status, hang

    def _handler(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1" if receiver.script.keep_alive else "HTTP/1.0"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                headers = {k: v for k, v in self.headers.items()}
                request = Request(self.path, headers, body, time.monotonic())
                request.peer_port = self.client_address[1]
                if receiver.secret is not None:
                    request.signature_ok = signing.verify(
                        receiver.secret,
                        headers.get(signing.TIMESTAMP_HEADER, ""),
                        body,
                        headers.get(signing.SIGNATURE_HEADER, ""),
                    )
                status, hang = receiver._answer(request)
                if hang:
                    receiver.release.wait(hang)
                try:
                    self.send_response(status)
                    if receiver.script.location:
                        self.send_header("Location", receiver.script.location)
                    self.send_header("Content-Length", str(len(receiver.script.reply)))
                    self.end_headers()
                    self.wfile.write(receiver.script.reply)
                    self.close_connection = self.close_connection or receiver.script.drop_idle
                except OSError:
                    pass  # the sender gave up (timeout) or died

            def log_message(self, *args) -> None:
                pass

        return Handler


class _Server(ThreadingHTTPServer):
    request_queue_size = 64  # concurrent deliveries must not overflow the listen backlog


class _Keep:
    def __init__(self, login: tuple[str, str] | None) -> None:
        self.messages: list[tuple[str, list[str], EmailMessage]] = []
        self.login = login
        self.logins: list[str] = []

    def authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        user, password = auth_data.login.decode(), auth_data.password.decode()
        self.logins.append(user)
        return AuthResult(success=(user, password) == self.login)

    async def handle_DATA(self, server, session, envelope) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted"


class SmtpSink:
    """An SMTP server on 127.0.0.1 (aiosmtpd); use as a context manager. With ``tls`` it
    offers STARTTLS; with ``login`` it requires AUTH with that (user, password)."""

    def __init__(
        self, tls: ssl.SSLContext | None = None, login: tuple[str, str] | None = None
    ) -> None:
        self.port = free_port()
        self._keep = _Keep(login)
        options: dict = {"tls_context": tls} if tls else {}
        if login:
            options |= {"authenticator": self._keep.authenticate, "auth_required": True}
        self._controller = Controller(self._keep, hostname="127.0.0.1", port=self.port, **options)

    @property
    def logins(self) -> list[str]:
        return self._keep.logins

    @property
    def messages(self) -> list[tuple[str, list[str], EmailMessage]]:
        return self._keep.messages

    def __enter__(self) -> SmtpSink:
        self._controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self._controller.stop()


def make_certificate(folder: Path, names: list[str]) -> Path | None:
    """A self-signed certificate and key (one PEM file) for ``names`` (DNS names or IPs),
    made with the openssl command; None when it is not installed."""
    if shutil.which("openssl") is None:
        return None
    pem, key = folder / "cert.pem", folder / "key.pem"
    sans = ",".join(f"IP:{n}" if n[0].isdigit() else f"DNS:{n}" for n in names)
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(key), "-out", str(pem), "-subj", f"/CN={names[0]}",
         "-addext", f"subjectAltName={sans}"],
        check=True, capture_output=True,
    )  # fmt: skip
    pem.write_text(pem.read_text() + key.read_text())
    return pem


def server_context(pem: Path) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pem)
    return context
