"""Notification commands of ``registry``: subscriptions, deliveries and the dispatcher."""

from __future__ import annotations

import argparse
import contextlib
import logging
import signal
import sys
import threading
from collections.abc import Iterator, Sequence

from registry.client import RegistryClient
from registry.entities import to_datetime
from registry.errors import InvalidArgumentError
from registry.notifications.dispatcher import Dispatcher
from registry.notifications.settings import NotificationSettings
from registry.notifications.subscriptions import KINDS, STATES


def add_commands(commands: argparse._SubParsersAction) -> None:
    """Add ``subscriptions``, ``deliveries`` and ``dispatch`` to the ``registry`` command."""
    subs = commands.add_parser("subscriptions", help="manage notification subscriptions")
    actions = subs.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="subscribe a webhook, Slack channel or email")
    add.add_argument("kind", choices=KINDS)
    add.add_argument("target", help="URL, or email addresses separated by commas")
    add.add_argument(
        "--event",
        action="append",
        dest="events",
        help="event-name glob, repeatable (default: every event), e.g. 'model_version.*'",
    )
    add.add_argument("--model", default="*", help="model-name glob (default: every model)")
    add.add_argument("--description")
    add.set_defaults(run=_add)
    actions.add_parser("list", help="list subscriptions").set_defaults(run=_list)
    for name, run, text in (
        ("remove", _remove, "delete a subscription and its delivery log"),
        ("test", _test, "send a test event now (exit 1 if it fails)"),
        ("enable", _enable, "resume a subscription"),
        ("disable", _disable, "pause a subscription"),
    ):
        action = actions.add_parser(name, help=text)
        action.add_argument("id")
        action.set_defaults(run=run)

    deliveries = commands.add_parser("deliveries", help="list deliveries; log; redeliver")
    deliveries.add_argument("--subscription", help="only this subscription's")
    deliveries.add_argument("--state", choices=STATES)
    deliveries.add_argument("--limit", type=int, default=50)
    deliveries.set_defaults(run=_deliveries)
    more = deliveries.add_subparsers(dest="action")
    log = more.add_parser("log", help="the attempts of one delivery (or all, newest first)")
    log.add_argument("delivery", nargs="?")
    log.set_defaults(run=_log)
    again = more.add_parser("redeliver", help="queue a delivery again now")
    again.add_argument("delivery")
    again.set_defaults(run=_redeliver)

    dispatch = commands.add_parser("dispatch", help="deliver events to subscriptions")
    dispatch.add_argument("--once", action="store_true", help="deliver what is due, then exit")
    dispatch.add_argument("--workers", type=int, default=8)
    dispatch.add_argument("-q", "--quiet", action="store_true", help="log failures only")
    dispatch.set_defaults(run=_dispatch)


def _add(args: argparse.Namespace) -> int:
    client = RegistryClient(args.home)
    created = client.create_subscription(
        args.kind, args.target, args.events, args.model, description=args.description
    )
    print(f"Created subscription {created.id}: {created.kind} -> {created.display_target}")
    print(f"  events {', '.join(created.events)} of models {created.model_pattern}")
    if created.secret:
        print(f"Signing secret (shown only now; store it with the receiver): {created.secret}")
    if created.kind == "email" and not NotificationSettings.from_env().smtp.host:
        print("Note: REGISTRY_SMTP_HOST is not set here; the dispatcher's environment needs it")
    return 0


def _list(args: argparse.Namespace) -> int:
    rows = [
        (s.id, s.kind, "enabled" if s.enabled else "disabled", ",".join(s.events),
         s.model_pattern, s.display_target, s.delivered, s.pending, s.dead, s.last_error or "")
        for s in RegistryClient(args.home).list_subscriptions()
    ]  # fmt: skip
    headers = ("id", "kind", "state", "events", "models", "target", "delivered", "pending")
    _table([*headers, "dead", "last error"], rows)
    return 0


def _remove(args: argparse.Namespace) -> int:
    RegistryClient(args.home).delete_subscription(args.id)
    print(f"Removed subscription {args.id}")
    return 0


def _enable(args: argparse.Namespace) -> int:
    RegistryClient(args.home).enable_subscription(args.id)
    print(f"Enabled subscription {args.id}")
    return 0


def _disable(args: argparse.Namespace) -> int:
    RegistryClient(args.home).disable_subscription(args.id)
    print(f"Disabled subscription {args.id}")
    return 0


def _test(args: argparse.Namespace) -> int:
    delivery = RegistryClient(args.home).send_test_event(args.id)
    if delivery.state == "delivered":
        print(
            f"Test event delivered to subscription {args.id}: {delivery.last_status} "
            f"in {delivery.last_latency_ms:.0f} ms (delivery {delivery.id})"
        )
        return 0
    print(
        f"registry: test event to subscription {args.id} failed: {delivery.last_error}",
        file=sys.stderr,
    )
    return 1


def _deliveries(args: argparse.Namespace) -> int:
    found = RegistryClient(args.home).list_deliveries(args.subscription, args.state, args.limit)
    rows = [
        (d.id, d.subscription_id, d.event, _subject(d.model, d.version), d.state, d.attempts,
         d.last_status or "", _when(d.next_attempt_at), d.last_error or "")
        for d in found
    ]  # fmt: skip
    headers = ("id", "subscription", "event", "model", "state", "attempts", "status")
    _table([*headers, "next attempt", "last error"], rows)
    return 0


def _log(args: argparse.Namespace) -> int:
    client = RegistryClient(args.home)
    attempts = client.get_delivery_log(args.delivery, args.subscription, args.limit)
    rows = [
        (a.delivery_id, a.attempt, _when(a.started_at), a.event, a.status_code or "",
         "" if a.latency_ms is None else f"{a.latency_ms:.0f} ms", a.error or "",
         (a.response_excerpt or "")[:60].replace("\n", " "))
        for a in attempts
    ]  # fmt: skip
    headers = ("delivery", "attempt", "started", "event", "status", "latency", "error")
    _table([*headers, "response"], rows)
    return 0


def _redeliver(args: argparse.Namespace) -> int:
    delivery = RegistryClient(args.home).redeliver(args.delivery)
    print(f"Delivery {delivery.id} queued again ({delivery.state})")
    return 0


def _dispatch(args: argparse.Namespace) -> int:
    """Deliver until interrupted (SIGINT/SIGTERM finish the attempts under way), or with
    --once until nothing is due."""
    client = RegistryClient(args.home)
    if client.home is None:
        raise InvalidArgumentError(
            f"{client.uri} is a registry server, and it delivers its own notifications; "
            "'registry dispatch' runs beside an embedded registry (--home)"
        )
    settings = NotificationSettings.from_env()
    dispatcher = Dispatcher.for_home(client.home, settings=settings, workers=args.workers)
    with _logging(logging.WARNING if args.quiet else logging.INFO), _stop_on_signals(dispatcher):
        stats = dispatcher.drain() if args.once else dispatcher.run_forever()
    waiting = client.get_notification_status()["pending"]
    print(
        f"delivered {stats['delivered']}, failed attempts {stats['failed attempts']}, "
        f"dead-lettered {stats['dead']}; {waiting} deliveries pending"
    )
    return 0


@contextlib.contextmanager
def _logging(level: int) -> Iterator[None]:
    logger = logging.getLogger("registry.notifications.dispatcher")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    previous = logger.level
    logger.addHandler(handler)
    logger.setLevel(level)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)


@contextlib.contextmanager
def _stop_on_signals(dispatcher: Dispatcher) -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    for sig in previous:
        signal.signal(sig, lambda *_: dispatcher.stop())
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    if not rows:
        print("(none)")
        return
    cells = [[str(c) for c in row] for row in [headers, *rows]]
    widths = [min(48, max(len(row[i]) for row in cells)) for i in range(len(headers))]
    for row in cells:
        print("  ".join(c[:48].ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def _subject(model: str | None, version: int | None) -> str:
    if model is None:
        return ""
    return model if version is None else f"{model} v{version}"


def _when(ms: int | None) -> str:
    moment = to_datetime(ms)
    return "" if moment is None else moment.strftime("%Y-%m-%d %H:%M:%S")
