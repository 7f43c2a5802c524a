"""Webhook signatures: HMAC-SHA256 over ``timestamp + "." + body`` with the subscription's
secret, sent as ``X-Registry-Signature: sha256=<hex>`` next to ``X-Registry-Timestamp``
(seconds since the epoch). Receivers recompute it, compare in constant time, and refuse
timestamps older than a few minutes so a captured request cannot be replayed.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

SIGNATURE_HEADER = "X-Registry-Signature"
TIMESTAMP_HEADER = "X-Registry-Timestamp"
SECRET_PREFIX = "whsec_"
DEFAULT_TOLERANCE = 300


def new_secret() -> str:
    """A fresh signing secret (256 random bits)."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header value for ``body`` sent at ``timestamp``."""
    message = str(int(timestamp)).encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify(
    secret: str,
    timestamp: str | int,
    body: bytes,
    signature: str,
    *,
    tolerance: float = DEFAULT_TOLERANCE,
    now: float | None = None,
) -> bool:
    """Whether ``signature`` signs ``body`` at ``timestamp`` and that timestamp is within
    ``tolerance`` seconds of ``now``. Never raises on malformed input: returns False."""
    try:
        sent = int(timestamp)
    except (TypeError, ValueError):
        return False
    current = time.time() if now is None else now
    if abs(current - sent) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, sent, body), str(signature))
