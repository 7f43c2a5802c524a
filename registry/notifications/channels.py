"""Rendering and sending one event: a signed webhook, a Slack message or an email.

``deliver`` makes one attempt and always returns an AttemptResult (it never raises for a
receiver's failure), so the dispatcher can log every attempt the same way.
"""

from __future__ import annotations

import html
import json
import smtplib
import ssl
import time
from email.message import EmailMessage
from typing import Any

from registry.errors import InvalidArgumentError
from registry.notifications import egress, signing
from registry.notifications.events import Event
from registry.notifications.settings import NotificationSettings, SmtpSettings
from registry.notifications.subscriptions import AttemptResult, DeliveryJob

USER_AGENT = "registry-notifications/0.1"
MAX_BODY = 64 * 1024
_MAX_ERROR = 500


def event_of(job: DeliveryJob, settings: NotificationSettings) -> Event:
    """The event a job carries (a test event when it has no change)."""
    if job.change is None:
        return Event.test(job.created_by, settings.dashboard_url)
    return Event.from_change(job.change, settings.dashboard_url)


def deliver(
    job: DeliveryJob,
    settings: NotificationSettings,
    connections: egress.Connections | None = None,
) -> AttemptResult:
    """One attempt at ``job``; failures come back as a result with ``error`` set. HTTP
    connections are reused from (and kept in) ``connections`` when given."""
    return deliver_many([job], settings, connections)[0]


def deliver_many(
    jobs: list[DeliveryJob],
    settings: NotificationSettings,
    connections: egress.Connections | None = None,
    rendered: dict | None = None,
) -> list[AttemptResult]:
    """One attempt at each of ``jobs`` (all of one subscription): webhook and Slack requests
    pipelined on one connection, emails one by one. Never raises for a receiver's failure.
    ``rendered``: bodies already made, by event (see _request)."""
    started = time.perf_counter()
    if jobs[0].kind == "email":
        return [_email(job, settings) for job in jobs]
    try:
        requests = [_request(job, settings, rendered) for job in jobs]
        answers = egress.post_many(
            jobs[0].target,
            requests,
            timeout=settings.timeout,
            allow=settings.allow,
            connections=connections,
        )
    except (InvalidArgumentError, egress.DeliveryError, OSError) as error:
        return [AttemptResult(False, None, _ms(started), _short(_describe(error)))] * len(jobs)
    return [
        AttemptResult(False, None, _ms(started), _short(_describe(answer)))
        if isinstance(answer, egress.DeliveryError)
        else judge(answer, round((answer.at - started) * 1000, 2))
        for answer in answers
    ]


KEEP_RENDERED = 1024  # events whose bodies a dispatcher keeps


def _request(
    job: DeliveryJob, settings: NotificationSettings, rendered: dict | None
) -> tuple[bytes, dict[str, str]]:
    """render_http; with ``rendered`` (one registry's, kept by its dispatcher) each event's
    body is made once for all its subscriptions (a change never changes), only the headers
    (delivery, attempt, signature) per attempt."""
    if job.change is None or rendered is None:
        return render_http(job, event_of(job, settings))
    key = (job.change.id, job.kind, settings.dashboard_url)
    found = rendered.get(key)
    if found is None:
        if len(rendered) >= KEEP_RENDERED:
            rendered.clear()
        event = event_of(job, settings)
        found = rendered[key] = (event, _body(job.kind, event))
    return render_http(job, *found)


def _email(job: DeliveryJob, settings: NotificationSettings) -> AttemptResult:
    started = time.perf_counter()
    try:
        status = send_email(event_of(job, settings), job.target, settings.smtp, settings.timeout)
    except (InvalidArgumentError, egress.DeliveryError, smtplib.SMTPException, OSError) as error:
        status = getattr(error, "smtp_code", None)
        return AttemptResult(False, status, _ms(started), _short(_describe(error)))
    return AttemptResult(True, status, _ms(started))


def judge(response: egress.Response, latency_ms: float) -> AttemptResult:
    """2xx is success; a redirect is refused (never followed); anything else failed."""
    error = None
    if 300 <= response.status < 400:
        where = (response.location or "?")[:200]
        error = f"HTTP {response.status} redirect to {where} refused: redirects are not followed"
    elif not 200 <= response.status < 300:
        error = f"HTTP {response.status}"
    return AttemptResult(error is None, response.status, latency_ms, error, response.excerpt)


def render_http(
    job: DeliveryJob, event: Event, body: bytes | None = None
) -> tuple[bytes, dict[str, str]]:
    """The body (unless given: ``_body(job.kind, event)``) and headers of a webhook (signed)
    or Slack request."""
    if body is None:
        body = _body(job.kind, event)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Registry-Event": event.name,
        "X-Registry-Event-Id": str(event.id),
        "X-Registry-Delivery": str(job.delivery_id),
        "X-Registry-Attempt": str(job.attempt),
    }
    if job.kind == "webhook" and job.secret:
        timestamp = int(time.time())
        headers[signing.TIMESTAMP_HEADER] = str(timestamp)
        headers[signing.SIGNATURE_HEADER] = signing.sign(job.secret, timestamp, body)
    return body, headers


def _body(kind: str, event: Event) -> bytes:
    return json.dumps(slack_message(event)).encode() if kind == "slack" else webhook_body(event)


def webhook_body(event: Event) -> bytes:
    """The event as compact JSON, at most MAX_BODY bytes (else its payload is cut down)."""
    data = event.to_dict()
    body = json.dumps(data, separators=(",", ":")).encode()
    if len(body) > MAX_BODY:
        keep = ("model", "version", "url", "from_stage", "to_stage", "alias", "run_id")
        data["payload"] = {k: v for k, v in event.payload.items() if k in keep}
        data["payload"]["truncated"] = True
        body = json.dumps(data, separators=(",", ":")).encode()
    return body


def slack_message(event: Event) -> dict[str, Any]:
    """An incoming-webhook message: the summary, the comment quoted, a link."""
    lines = [_slack_escape(event.summary())]
    comment = event.payload.get("comment")
    if comment:
        lines.append("> " + _slack_escape(str(comment)).replace("\n", "\n> "))
    if event.url:
        lines.append(f"<{event.url}|Open in the model registry>")
    return {"text": "\n".join(lines), "unfurl_links": False}


def email_message(event: Event, sender: str, recipients: str) -> EmailMessage:
    """A plain-text + HTML email about ``event``."""
    message = EmailMessage()
    message["Subject"] = "[registry] " + " ".join(event.summary().split())[:200]
    message["From"] = sender
    message["To"] = recipients
    details = _details(event)
    plain = [event.summary(), ""]
    plain += [f"{key}: {value}" for key, value in details]
    plain += ["", f"Open in the model registry: {event.url}"]
    message.set_content("\n".join(plain))
    rows = "".join(
        f"<tr><th align='left'>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>"
        for k, v in details
    )
    message.add_alternative(
        f"<p>{html.escape(event.summary())}</p><table>{rows}</table>"
        f'<p><a href="{html.escape(event.url, quote=True)}">Open in the model registry</a></p>',
        subtype="html",
    )
    return message


def send_email(event: Event, recipients: str, smtp: SmtpSettings, timeout: float) -> int:
    """Send the email through the configured server; returns the SMTP reply code (250).
    Raises DeliveryError without a server, SMTPException or OSError when sending fails."""
    if not smtp.host:
        raise egress.DeliveryError("no mail server configured: set REGISTRY_SMTP_HOST")
    message = email_message(event, smtp.sender, recipients)
    if smtp.security == "tls":
        server = smtplib.SMTP_SSL(
            smtp.host, smtp.port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        server = smtplib.SMTP(smtp.host, smtp.port, timeout=timeout)
    with server:
        if smtp.security == "starttls":
            server.starttls(context=ssl.create_default_context())
        if smtp.user:
            server.login(smtp.user, smtp.password or "")
        refused = server.send_message(message)
    if refused:
        raise egress.DeliveryError(f"the mail server refused {', '.join(sorted(refused))}")
    return 250


def _details(event: Event) -> list[tuple[str, Any]]:
    rows: list[tuple[str, Any]] = [("Event", event.name), ("By", event.actor)]
    rows.append(("At", event.to_dict()["timestamp"]))
    skip = {"url", "model", "version"}
    rows += [("Model", event.model)] if event.model else []
    rows += [("Version", event.version)] if event.version is not None else []
    rows += [(k, v) for k, v in event.payload.items() if k not in skip and v not in (None, "")]
    return rows


def _describe(error: BaseException) -> str:
    if isinstance(error, smtplib.SMTPResponseException):
        text = error.smtp_error.decode(errors="replace") if error.smtp_error else ""
        return f"SMTP {error.smtp_code} {text}".strip()
    if isinstance(error, egress.DeliveryError | InvalidArgumentError):
        return str(error)
    return f"{type(error).__name__}: {error}"


def _short(text: str) -> str:
    return text if len(text) <= _MAX_ERROR else text[: _MAX_ERROR - 1] + "…"


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)
