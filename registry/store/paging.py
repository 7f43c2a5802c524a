"""Opaque page tokens and result-size limits shared by every search."""

from __future__ import annotations

import base64
import binascii
import json

from registry.errors import InvalidArgumentError


def encode_token(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"offset": offset}).encode()).decode()


def decode_token(token: str | None) -> int:
    """The offset a token stands for (0 for no token)."""
    if not token:
        return 0
    try:
        offset = json.loads(base64.urlsafe_b64decode(token.encode()))["offset"]
    except (binascii.Error, ValueError, TypeError, KeyError, UnicodeError):
        offset = None
    if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
        raise InvalidArgumentError(
            f"Invalid page_token {token[:40]!r}: pass the token of a previous result page"
        )
    return offset


def check_max_results(max_results: object, limit: int, what: str) -> int:
    if isinstance(max_results, bool) or not isinstance(max_results, int) or max_results < 1:
        raise InvalidArgumentError(
            f"Invalid max_results {max_results!r} for {what}: it must be a whole number >= 1"
        )
    if max_results > limit:
        raise InvalidArgumentError(
            f"Invalid max_results {max_results} for {what}: it must be at most {limit}"
        )
    return max_results
