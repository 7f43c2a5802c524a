"""Subscriptions and deliveries: frozen entities (no I/O) and the checks on what users type.

A subscription sends the events whose name matches one of its ``events`` patterns and whose
model matches ``model_pattern`` (shell-style globs: ``*``, ``?``, ``[abc]``) to a target: a
webhook URL, a Slack incoming-webhook URL, or email addresses. A delivery is one event for
one subscription: ``pending`` (waiting for its first attempt or a retry), ``sending`` (an
attempt is under way), ``delivered`` or ``dead`` (attempts exhausted); each attempt at it is
a row of the delivery log.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from registry.entities import Change, to_datetime
from registry.errors import InvalidArgumentError

KINDS = ("webhook", "slack", "email")
STATES = ("pending", "sending", "delivered", "dead")
MAX_PATTERNS = 20
MAX_PATTERN = 200
MAX_RECIPIENTS = 20
MAX_DESCRIPTION = 500
_EVENT_PATTERN = re.compile(r"[A-Za-z0-9_.*?-]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?")


@dataclass(frozen=True)
class Subscription:
    """A subscription with its delivery counts. ``secret`` (webhooks only) is set solely on
    the value ``create_subscription`` returns: it is never shown again."""

    id: int
    kind: str
    target: str
    events: list[str]
    model_pattern: str
    enabled: bool
    description: str | None
    created_by: str
    creation_timestamp: int
    last_updated_timestamp: int
    pending: int = 0
    delivered: int = 0
    dead: int = 0
    last_attempt_at: int | None = None
    last_error: str | None = None
    secret: str | None = field(default=None, repr=False)

    @property
    def display_target(self) -> str:
        """The target with URL paths and queries masked (a Slack URL is a credential)."""
        return mask_target(self.kind, self.target)

    @property
    def created_at(self):
        return to_datetime(self.creation_timestamp)


@dataclass(frozen=True)
class Delivery:
    """One event for one subscription. ``event_id`` is None for a test event."""

    id: int
    subscription_id: int
    event_id: int | None
    event: str
    model: str | None
    version: int | None
    state: str
    attempts: int
    next_attempt_at: int | None
    created_at: int
    updated_at: int
    last_status: int | None = None
    last_latency_ms: float | None = None
    last_error: str | None = None


@dataclass(frozen=True)
class DeliveryAttempt:
    """One row of the delivery log (written when the attempt ended, or when its claim expired:
    then ``error`` says it was interrupted)."""

    delivery_id: int
    attempt: int
    started_at: int
    finished_at: int
    status_code: int | None
    latency_ms: float | None
    error: str | None
    response_excerpt: str | None
    subscription_id: int
    event: str
    model: str | None = None
    version: int | None = None
    state: str = "pending"


@dataclass(frozen=True)
class DeliveryJob:
    """A claimed attempt, as the dispatcher sends it (holds the target and secret)."""

    delivery_id: int
    attempt: int
    subscription_id: int
    kind: str
    target: str = field(repr=False)
    secret: str | None = field(repr=False)
    change: Change | None
    created_by: str
    attempts_this_round: int = 1
    started_at: int = 0


@dataclass(frozen=True)
class AttemptResult:
    """What one attempt produced: ``ok`` when the receiver accepted the event."""

    ok: bool
    status_code: int | None = None
    latency_ms: float = 0.0
    error: str | None = None
    response_excerpt: str | None = None


@dataclass(frozen=True)
class Outcome:
    """An attempt's result and what the dispatcher decided: the delivery's next state."""

    job: DeliveryJob
    result: AttemptResult
    state: str
    next_attempt_at: int | None


def kind(value: object) -> str:
    if not isinstance(value, str) or value.strip().lower() not in KINDS:
        raise InvalidArgumentError(
            f"Invalid subscription kind {value!r}; expected one of {', '.join(KINDS)}"
        )
    return value.strip().lower()


def event_patterns(value: object) -> list[str]:
    """Event-name globs such as ``model_version.*`` (default: every event, ``*``)."""
    if value is None:
        return ["*"]
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not items:
        raise InvalidArgumentError("events must be a non-empty list of patterns, e.g. ['*']")
    if len(items) > MAX_PATTERNS:
        raise InvalidArgumentError(f"At most {MAX_PATTERNS} event patterns, got {len(items)}")
    patterns = []
    for item in items:
        if not isinstance(item, str) or not _EVENT_PATTERN.fullmatch(item.strip()):
            raise InvalidArgumentError(
                f"Invalid event pattern {item!r}: use event names with '*' or '?' "
                "(e.g. 'model_version.*' or 'registered_model.alias_*')"
            )
        if len(item) > MAX_PATTERN:
            raise InvalidArgumentError(f"Event pattern {item[:40]!r}… is over {MAX_PATTERN} chars")
        patterns.append(item.strip())
    return list(dict.fromkeys(patterns))


def model_pattern(value: object) -> str:
    """A model-name glob such as ``churn*`` (default ``*``: every model)."""
    if value is None or value == "":
        return "*"
    if not isinstance(value, str) or not value.strip() or _CONTROL.search(value):
        raise InvalidArgumentError(
            f"Invalid model pattern {value!r}: a model name with '*', '?' or '[...]' "
            "(e.g. 'churn*')"
        )
    if len(value) > MAX_PATTERN:
        raise InvalidArgumentError(f"Model pattern is over {MAX_PATTERN} characters")
    return value.strip()


def recipients(value: object) -> str:
    """Email addresses (a list, or one string separated by commas) as 'a@x.org, b@y.org'."""
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        raise InvalidArgumentError("Email target must be addresses separated by commas")
    addresses = [str(item).strip() for item in items if str(item).strip()]
    if not addresses:
        raise InvalidArgumentError("Email target must name at least one address")
    if len(addresses) > MAX_RECIPIENTS:
        raise InvalidArgumentError(f"At most {MAX_RECIPIENTS} email recipients")
    for address in addresses:
        if len(address) > 254 or not _EMAIL.fullmatch(address):
            raise InvalidArgumentError(
                f"Invalid email address {address!r}: expected name@domain (e.g. ops@example.com)"
            )
    return ", ".join(dict.fromkeys(addresses))


def description(value: object) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > MAX_DESCRIPTION or _CONTROL.search(value):
        raise InvalidArgumentError(
            f"Subscription description must be text of at most {MAX_DESCRIPTION} characters "
            "without control characters"
        )
    return value


def subscription_id(value: object) -> int:
    return _positive_id(value, "subscription")


def delivery_id(value: object) -> int:
    return _positive_id(value, "delivery")


def _positive_id(value: object, what: str) -> int:
    text = str(value).strip() if isinstance(value, int | str) else ""
    if isinstance(value, bool) or not text.isdigit() or not 0 < int(text) < 2**63:
        raise InvalidArgumentError(f"Invalid {what} id {value!r}: expected a positive whole number")
    return int(text)


def state(value: object) -> str:
    if value not in STATES:
        raise InvalidArgumentError(
            f"Invalid delivery state {value!r}; expected one of {', '.join(STATES)}"
        )
    return str(value)


def mask_target(kind_: str, target: str) -> str:
    """'https://hooks.slack.com/services/…': keep scheme, host and first path segment."""
    if kind_ == "email":
        return target
    parts = urlsplit(target)
    segments = [s for s in parts.path.split("/") if s]
    path = "/" + segments[0] if segments else ""
    if len(segments) > 1:
        path += "/…"
    query = "?…" if parts.query else ""
    return f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1]}{path}{query}"
