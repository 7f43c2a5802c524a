"""Notification settings, read from the environment when needed (never at import time).

| variable | default | meaning |
|---|---|---|
| REGISTRY_DASHBOARD_URL | http://localhost:8501 | base of the links in events |
| REGISTRY_WEBHOOK_ALLOW | (none) | IPs/CIDRs webhooks may reach although not public |
| REGISTRY_NOTIFY_TIMEOUT | 10 | seconds one delivery attempt may take |
| REGISTRY_NOTIFY_ATTEMPTS | 5 | attempts before a delivery is dead-lettered |
| REGISTRY_NOTIFY_BACKOFF | 30 | seconds before the first retry; doubles each time |
| REGISTRY_NOTIFY_POLL | 0.01 | seconds between looks when idle (a look is a stat of the file) |
| REGISTRY_NOTIFY_CLAIM_MARGIN | 5 | seconds past the time limit until a dead claim expires |
| REGISTRY_NOTIFY_RETENTION_DAYS | 30 | delivered deliveries (and their log) kept this long |
| REGISTRY_SMTP_HOST / _PORT | (none) / 587 | the mail server for email subscriptions |
| REGISTRY_SMTP_SECURITY | starttls | starttls, tls or none |
| REGISTRY_SMTP_USER / _PASSWORD | (none) | SMTP credentials (never stored in the registry) |
| REGISTRY_SMTP_FROM | registry@localhost | the sender address |
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from registry.errors import InvalidArgumentError

DEFAULT_DASHBOARD_URL = "http://localhost:8501"
SMTP_SECURITY = ("starttls", "tls", "none")
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class SmtpSettings:
    host: str | None = None
    port: int = 587
    security: str = "starttls"
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    sender: str = "registry@localhost"


@dataclass(frozen=True)
class NotificationSettings:
    dashboard_url: str = DEFAULT_DASHBOARD_URL
    allow: tuple[Network, ...] = ()
    timeout: float = 10.0
    max_attempts: int = 5
    backoff_base: float = 30.0
    backoff_max: float = 3600.0
    poll_interval: float = 0.01
    claim_margin: float = 5.0
    retention_days: float = 30.0
    smtp: SmtpSettings = field(default_factory=SmtpSettings)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> NotificationSettings:
        """Settings from ``environ`` (default ``os.environ``); raises InvalidArgumentError
        naming the variable that holds a malformed value."""
        env = os.environ if environ is None else environ
        return cls(
            dashboard_url=(env.get("REGISTRY_DASHBOARD_URL") or DEFAULT_DASHBOARD_URL).rstrip("/"),
            allow=parse_allow_list(env.get("REGISTRY_WEBHOOK_ALLOW", "")),
            timeout=_number(env, "REGISTRY_NOTIFY_TIMEOUT", 10.0, 0.01, 300),
            max_attempts=int(_number(env, "REGISTRY_NOTIFY_ATTEMPTS", 5, 1, 100)),
            backoff_base=_number(env, "REGISTRY_NOTIFY_BACKOFF", 30.0, 0, 86_400),
            poll_interval=_number(env, "REGISTRY_NOTIFY_POLL", 0.01, 0.01, 3600),
            claim_margin=_number(env, "REGISTRY_NOTIFY_CLAIM_MARGIN", 5.0, 0, 3600),
            retention_days=_number(env, "REGISTRY_NOTIFY_RETENTION_DAYS", 30.0, 0, 36_500),
            smtp=SmtpSettings(
                host=env.get("REGISTRY_SMTP_HOST") or None,
                port=int(_number(env, "REGISTRY_SMTP_PORT", 587, 1, 65535)),
                security=_smtp_security(env.get("REGISTRY_SMTP_SECURITY") or "starttls"),
                user=env.get("REGISTRY_SMTP_USER") or None,
                password=env.get("REGISTRY_SMTP_PASSWORD") or None,
                sender=env.get("REGISTRY_SMTP_FROM") or "registry@localhost",
            ),
        )


def parse_allow_list(text: str) -> tuple[Network, ...]:
    """'127.0.0.1, 10.0.0.0/8' as networks; raises InvalidArgumentError on a bad entry."""
    networks = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise InvalidArgumentError(
                f"REGISTRY_WEBHOOK_ALLOW entry {item!r} is not an IP address or CIDR network "
                "(e.g. 127.0.0.1 or 10.0.0.0/8)"
            ) from None
    return tuple(networks)


def _number(env: Mapping[str, str], name: str, default: float, low: float, high: float) -> float:
    text = env.get(name)
    if not text:
        return float(default)
    try:
        value = float(text)
    except ValueError:
        raise InvalidArgumentError(f"{name}={text!r} is not a number") from None
    if not low <= value <= high:
        raise InvalidArgumentError(f"{name}={text!r} must be between {low:g} and {high:g}")
    return value


def _smtp_security(text: str) -> str:
    value = text.strip().lower()
    if value not in SMTP_SECURITY:
        raise InvalidArgumentError(
            f"REGISTRY_SMTP_SECURITY={text!r}: expected one of {', '.join(SMTP_SECURITY)}"
        )
    return value
