"""The dispatcher's policy: when a claim expires, how long a retry waits, what an attempt's
result makes of its delivery (delivered, retried later or dead), and how it is counted."""

from __future__ import annotations

import logging
import random
from collections import Counter

from registry.clock import now_ms
from registry.notifications.settings import NotificationSettings
from registry.notifications.subscriptions import AttemptResult, DeliveryJob, Outcome

log = logging.getLogger("registry.notifications.dispatcher")


def claim_until(now: int, settings: NotificationSettings, rounds: int = 1) -> int:
    """When a claim made at ``now`` (ms) expires: the time limit of ``rounds`` attempts one
    after the other (a claim may wait for those claimed before it) plus a margin."""
    return now + int((rounds * settings.timeout + settings.claim_margin) * 1000)


def backoff_seconds(attempt: int, settings: NotificationSettings) -> float:
    """Seconds to wait after failed attempt number ``attempt`` (1-based) of a round."""
    delay = min(settings.backoff_max, settings.backoff_base * 2 ** (attempt - 1))
    return delay * (1 + random.uniform(0, 0.1))


def decide(job: DeliveryJob, result: AttemptResult, settings: NotificationSettings) -> Outcome:
    """Delivered, retried later, or dead (test events get a single attempt)."""
    if result.ok:
        return Outcome(job, result, "delivered", None)
    if job.change is None or job.attempts_this_round >= settings.max_attempts:
        return Outcome(job, result, "dead", None)
    wait_ms = int(backoff_seconds(job.attempts_this_round, settings) * 1000)
    return Outcome(job, result, "pending", now_ms() + wait_ms)


def count_outcome(stats: Counter[str], outcome: Outcome) -> None:
    """Count and log one attempt's outcome."""
    job, result = outcome.job, outcome.result
    what = job.change.event if job.change else "registry.test"
    if result.ok:
        stats["delivered"] += 1
        log.info(
            "delivered %s (delivery %s, attempt %s): %s in %.0f ms",
            *(what, job.delivery_id, job.attempt, result.status_code, result.latency_ms),
        )
        return
    stats["failed attempts"] += 1
    stats["dead"] += outcome.state == "dead"
    dead = " (dead-lettered)" if outcome.state == "dead" else ""
    log.warning(
        "attempt %s at delivery %s (%s) failed: %s%s",
        *(job.attempt, job.delivery_id, what, result.error, dead),
    )
