"""HTTP/1.1 for the dispatcher: POSTs to one receiver pipelined on one kept-alive connection
(written together, answered in order), so a batch costs one write and a few reads instead
of a round trip and a response parse through ``http.client`` each.

The connection goes to the address ``egress`` checked; the Host header and the TLS name stay
the URL's host. A small reader parses each response: the status line, headers (capped), a
body by Content-Length, chunked, or up to the close, read up to a cap. A request left
unanswered because the receiver closed the connection (an idle one it dropped,
``Connection: close``, HTTP/1.0) is sent again on a fresh connection, but only after that
connection answered something or was a reused one, so each request goes out at most twice
for want of a connection and a receiver that answers nothing fails the attempt.
"""

from __future__ import annotations

import re
import socket
import ssl
import time
from dataclasses import dataclass

MAX_RESPONSE_READ = 64 * 1024
MAX_HEAD = 64 * 1024  # bytes of status line and headers together
MAX_HEADERS = 100
_UNSAFE = re.compile(r"[\r\n\x00]")


class WireError(Exception):
    """No usable HTTP response (timed out, TLS, malformed); the message says which."""


class Closed(WireError):
    """The connection ended before the next response began."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    location: str | None
    at: float  # time.perf_counter() when it was read


class Wire:
    """One connection (plain or TLS) and its buffered reader; ``key`` names what it reaches."""

    def __init__(self, key: tuple, sock: socket.socket):
        self.key = key
        self.sock = sock
        self.reader = sock.makefile("rb")

    def close(self) -> None:
        self.reader.close()
        self.sock.close()


def connect(key: tuple, timeout: float) -> Wire:
    """A connection to ``key`` = (scheme, host, port, checked address)."""
    scheme, host, port, address = key
    sock = socket.create_connection((address, port), timeout)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if scheme == "https":
        sock = ssl.create_default_context().wrap_socket(sock, server_hostname=host)
    return Wire(key, sock)


def request(host: str, port: int, scheme: str, path: str, body: bytes, headers: dict) -> bytes:
    """A POST as bytes; raises WireError for a header or path that would break the framing."""
    default = 443 if scheme == "https" else 80
    name = f"[{host}]" if ":" in host else host
    if not name.isascii():
        name = name.encode("idna").decode()
    lines = [f"POST {path} HTTP/1.1", f"Host: {name}" + ("" if port == default else f":{port}")]
    lines += ["Accept-Encoding: identity", f"Content-Length: {len(body)}"]
    for key, value in headers.items():
        if _UNSAFE.search(key) or _UNSAFE.search(value):
            raise WireError(f"header {key!r} holds a line break")
        lines.append(f"{key}: {value}")
    try:
        return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii") + body
    except UnicodeEncodeError:
        raise WireError("the URL path or a header is not ASCII (percent-encode it)") from None


def exchange(
    wire: Wire, requests: list[bytes], deadline: float
) -> tuple[list[Answer], bool, WireError | None]:
    """Write ``requests`` at once and read their answers in order. Returns the answers, whether
    the connection may carry more, and why the rest went unanswered (None: the receiver
    closed the connection after its last answer; ``Closed``: it ended before the next)."""
    answers: list[Answer] = []
    try:
        _remaining(wire, deadline)
        wire.sock.sendall(b"".join(requests))
        while len(answers) < len(requests):
            answer, keep = _read_answer(wire, deadline)
            answers.append(answer)
            if not keep:
                return answers, False, None
    except (OSError, WireError) as error:
        return answers, False, _as_wire_error(error)
    return answers, True, None


def _as_wire_error(error: BaseException) -> WireError:
    if isinstance(error, WireError):
        return error
    if isinstance(error, TimeoutError):
        return WireError("timed out")
    if isinstance(error, ssl.SSLError):
        return WireError(f"TLS error: {error.reason or error}")
    if isinstance(error, BrokenPipeError | ConnectionResetError | ConnectionAbortedError):
        return Closed(f"{type(error).__name__}: the receiver closed the connection")
    return WireError(f"{type(error).__name__}: {getattr(error, 'strerror', None) or error}")


def _remaining(wire: Wire, deadline: float) -> None:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError
    wire.sock.settimeout(left)


def _read_answer(wire: Wire, deadline: float) -> tuple[Answer, bool]:
    """One response (interim 1xx ones skipped) and whether the connection stays usable."""
    while True:
        _remaining(wire, deadline)
        line = wire.reader.readline(MAX_HEAD)
        if not line:
            raise Closed("the receiver closed the connection without an answer")
        version, status = _status_line(line)
        headers = _headers(wire)
        if not 100 <= status < 200:
            break
    close = "close" in headers.get("connection", "").lower()
    if version == "HTTP/1.0" and "keep-alive" not in headers.get("connection", "").lower():
        close = True
    if status in (204, 304):
        body, complete = b"", True
    elif "chunked" in headers.get("transfer-encoding", "").lower():
        body, complete = _chunked(wire, deadline)
    elif "content-length" in headers:
        body, complete = _sized(wire, deadline, headers["content-length"])
    else:
        body, complete, close = _until_close(wire, deadline), False, True
    answer = Answer(status, body, headers.get("location"), time.perf_counter())
    return answer, complete and not close


def _status_line(line: bytes) -> tuple[str, int]:
    parts = line.decode("latin-1").split(None, 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
        raise WireError(f"bad HTTP response: status line {line[:80]!r}")
    return parts[0], int(parts[1])


def _headers(wire: Wire) -> dict[str, str]:
    headers: dict[str, str] = {}
    size = 0
    for _ in range(MAX_HEADERS + 1):
        line = wire.reader.readline(MAX_HEAD)
        size += len(line)
        if line in (b"\r\n", b"\n"):
            return headers
        if not line or size > MAX_HEAD or b":" not in line:
            break
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    raise WireError("bad HTTP response: malformed or too many headers")


def _sized(wire: Wire, deadline: float, length: str) -> tuple[bytes, bool]:
    if not length.isdigit():
        raise WireError(f"bad HTTP response: Content-Length {length[:20]!r}")
    size = int(length)
    body = _read(wire, deadline, min(size, MAX_RESPONSE_READ))
    return body, size <= MAX_RESPONSE_READ


def _chunked(wire: Wire, deadline: float) -> tuple[bytes, bool]:
    chunks, size = [], 0
    while size < MAX_RESPONSE_READ:
        _remaining(wire, deadline)
        line = wire.reader.readline(1024).split(b";", 1)[0].strip()
        try:
            length = int(line, 16)
        except ValueError:
            raise WireError(f"bad HTTP response: chunk size {line[:20]!r}") from None
        if length == 0:
            while wire.reader.readline(MAX_HEAD) not in (b"\r\n", b"\n", b""):
                pass  # trailers
            return b"".join(chunks), True
        take = min(length, MAX_RESPONSE_READ - size)
        chunks.append(_read(wire, deadline, take))
        size += take
        if take < length:
            break
        _read(wire, deadline, 2)  # the chunk's CRLF
    return b"".join(chunks), False


def _until_close(wire: Wire, deadline: float) -> bytes:
    chunks, size = [], 0
    while size < MAX_RESPONSE_READ:
        _remaining(wire, deadline)
        chunk = wire.reader.read1(MAX_RESPONSE_READ - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _read(wire: Wire, deadline: float, size: int) -> bytes:
    chunks = []
    while size > 0:
        _remaining(wire, deadline)
        chunk = wire.reader.read1(size)
        if not chunk:
            raise WireError("bad HTTP response: the body ended early")
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)
