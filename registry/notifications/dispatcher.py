"""The dispatcher: delivers outbox events to subscriptions, at least once.

Each pass, in one short transaction (DuckDB; PostgreSQL: one per step): record the attempts
that finished, turn new ``changes`` rows into deliveries (moving the cursor stored in the
registry, so a restart continues where the last run stopped), and claim due deliveries for
the worker threads. Workers send outside any transaction; while they wait on the network
the dispatcher lets go of the registry file. A failed attempt is retried after
``backoff_base * 2**(n-1)`` seconds (plus up to 10 % jitter) until ``max_attempts``, then
the delivery is dead-lettered; a claim whose process died expires after the attempt's time
limit plus ``claim_margin`` and the delivery is attempted again. A write never waits for a
delivery: at most for one of the dispatcher's short transactions.

Run it as ``registry dispatch`` or, inside the dashboard, ``start_background_dispatcher``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import queue
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from registry import config
from registry.clock import now_ms
from registry.errors import RegistryBusyError
from registry.notifications import channels, egress
from registry.notifications.policy import claim_until, count_outcome, decide
from registry.notifications.sender import Sender
from registry.notifications.settings import NotificationSettings
from registry.notifications.subscriptions import AttemptResult, DeliveryJob, Outcome
from registry.notifications.watch import FileWatch
from registry.store.duckdb import DuckDBStore

FORCED_LOOK = 30.0
HOLD_WAIT = 0.05  # s to wait for an attempt holding the file: a quick receiver answers by then
GATHER = 0.005  # s between looks for new events while results gather
FLUSH = 0.25  # s at most that ended attempts wait to be written
PIPELINE = 8  # attempts of one subscription a worker sends together on one connection
MAX_ROUNDS = 4  # claims ahead: up to this many groups per worker while answers are quick
FAST_MS = 200.0  # an answer this quick (ms) lets the dispatcher claim further ahead
DUE_LOOK = 1.0  # s between asking the registry when the next retry is due
log = logging.getLogger("registry.notifications.dispatcher")


class Dispatcher:
    """Delivers the events of the registry behind ``store``; see the module docstring.

    ``workers`` threads send, at most ``per_subscription`` of them for one subscription (so
    one hanging receiver cannot hold up the others), each up to PIPELINE attempts of one
    subscription pipelined on one connection (one at a time to a receiver that closes
    connections). While every answer is quick, each pass claims up to MAX_ROUNDS times
    what they can carry (queued in claim order), so one transaction logs and claims many."""

    def __init__(
        self,
        store: DuckDBStore,
        settings: NotificationSettings | None = None,
        *,
        workers: int = 16,
        per_subscription: int = 8,
        batch: int = 1000,
    ):
        self.store = store
        self.settings = settings or NotificationSettings.from_env()
        self.workers = workers
        self.per_subscription = per_subscription
        self.batch = batch
        self.stats: Counter[str] = Counter()
        self._sender: Sender | None = None
        self._rounds = 0
        self._connections = egress.Connections()
        self._rendered: dict = {}  # event bodies, by change (channels.deliver_many)
        self._done: queue.SimpleQueue[tuple[DeliveryJob, AttemptResult]] = queue.SimpleQueue()
        self._ready: list[tuple[DeliveryJob, AttemptResult]] = []
        self._in_flight: dict[int, int] = {}
        self._targets: dict[int, str] = {}  # subscription: target, of the attempts seen
        self._due = {"expire": 0.0, "prune": 0.0, "look": 0.0}
        self._next_retry_ms: int | None = None
        self._known_due: tuple[float, int | None] = (0.0, None)  # (monotonic until, next due)
        self._linger = False  # whether ended attempts may wait for the next event's pass
        self._more = False
        self._watch = FileWatch(store)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @classmethod
    def for_home(cls, home: str | os.PathLike[str] | None = None, **options) -> Dispatcher:
        """A dispatcher for the embedded registry in ``home`` (default: REGISTRY_HOME)."""
        path = config.resolve_home(home)
        return cls(DuckDBStore(path, busy_timeout=config.busy_timeout()), **options)

    # -- running ------------------------------------------------------------------------------

    def run(self, until: Callable[[], bool] | None = None) -> Counter[str]:
        """Deliver until ``stop()`` is called, or until idle and ``until()`` says so. Waits
        for the attempts under way before returning the counts of what happened."""
        self._sender = Sender(
            self._attempt,
            workers=self.workers,
            per_subscription=self.per_subscription,
            group=self._group,
        )
        self._rounds = 0
        self._linger = until is None  # a drain() writes its last results at once
        self._due = dict.fromkeys(self._due, 0.0)
        self._known_due = (0.0, None)
        self._rendered.clear()
        self._in_flight.clear()  # unrecorded attempts of a failed run: their claims expire
        try:
            while not self._stop.is_set():
                if not self._has_results() and not self._worth_a_look():
                    if self._in_flight:
                        self._wait_for_results()
                    else:
                        self._stop.wait(self._watch.pause(self.settings.poll_interval))
                    continue
                more = self._more = self._step()
                if self._in_flight:
                    self._wait_for_results()
                elif not more:
                    if until is not None and until():
                        break
                    self._idle(self._idle_wait())
        finally:
            self._finish()
        return self.stats

    def drain(self, *, settle: bool = False, timeout: float | None = None) -> Counter[str]:
        """Deliver every event so far and every due retry, then return. With ``settle``, also
        wait out retries until no delivery is pending (or ``timeout`` seconds pass)."""
        deadline = None if timeout is None else time.monotonic() + timeout

        def idle() -> bool:
            if deadline is not None and time.monotonic() > deadline:
                return True
            return not settle or not self.store.outbox_status()["pending"]

        return self.run(until=idle)

    def run_forever(self) -> Counter[str]:
        """``run()`` until ``stop()``, surviving errors: a busy registry or a failed write is
        logged and the loop starts again after a pause."""
        while not self._stop.is_set():
            try:
                self.run()
            except RegistryBusyError as error:
                log.warning("%s; retrying in %.1f s", error, self._retry_wait())
                self._stop.wait(self._retry_wait())
            except Exception:
                log.exception("the dispatcher failed; retrying in %.1f s", self._retry_wait())
                self._stop.wait(self._retry_wait())
        return self.stats

    def start(self) -> Dispatcher:
        """``run_forever()`` in a daemon thread."""
        self._thread = threading.Thread(target=self.run_forever, name="registry-dispatcher")
        self._thread.daemon = True
        self._thread.start()
        return self

    def stop(self, timeout: float | None = None) -> None:
        """Ask the loop to end and wait for it (and its attempts under way)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def is_alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # -- one pass -----------------------------------------------------------------------------

    def _worth_a_look(self) -> bool:
        """Whether the registry may hold work: its files changed since the last look, a retry
        is due, or a while has passed. A stat costs nothing and takes no lock."""
        if self._watch.changed() or self._is_due("look", FORCED_LOOK):
            return True
        return self._next_retry_ms is not None and now_ms() >= self._next_retry_ms

    def _step(self) -> bool:
        """Housekeep, then one pass in one transaction: record the attempts that ended, fan
        out, claim. Returns whether more work may be ready now (or once attempts end: a
        subscription got all it may have under way)."""
        self._watch.remember()
        self._due["look"] = time.monotonic() + FORCED_LOOK
        self._housekeep()
        self._collect(0)
        outcomes = [decide(job, result, self.settings) for job, result in self._ready]
        done = {o.job.delivery_id for o in outcomes}
        running = Counter(s for d, s in self._in_flight.items() if d not in done)
        rounds = self._next_rounds(outcomes)
        depth = PIPELINE * rounds or 1  # round 0: one attempt per thread, as it can start
        free = self.workers * depth - sum(running.values())
        deepest = self.per_subscription * depth
        for sub, target in self._targets.items():  # sent one at a time: 1/PIPELINE as deep
            if not self._connections.pipelines(target):
                running[sub] += deepest - self.per_subscription * max(1, rounds)
        now = now_ms()
        _yield()
        until = claim_until(now, self.settings, max(1, rounds))
        created, more, jobs = self.store.dispatch_pass(
            outcomes, now, fan_out=self.batch, claim_until=until, limit=max(0, free),
            per_subscription=deepest, running=dict(running),
        )  # fmt: skip
        self._watch.remember_pass()
        self._ready = []
        self._rounds = rounds
        self._settle(outcomes)
        self.stats["deliveries created"] += created
        assert self._sender is not None
        for job in jobs:
            self._in_flight[job.delivery_id] = job.subscription_id
            self._targets[job.subscription_id] = job.target
        self._sender.submit(jobs)
        self._next_retry_ms = None  # whatever was due is claimed, or waits for a free worker
        claimed = Counter(job.subscription_id for job in jobs)
        full = any(running[s] + claimed[s] >= deepest for s in running.keys() | claimed.keys())
        return more or full or (free > 0 and len(jobs) == free)

    def _housekeep(self) -> None:
        """Now and then: release expired claims, prune old delivered deliveries."""
        if self._is_due("expire", max(1.0, self.settings.claim_margin / 2)):
            expired = self.store.expire_claims(now_ms(), self.settings.max_attempts)
            if expired:
                log.warning("%s attempts were interrupted (claims expired); retrying", expired)
        if self._is_due("prune", 3600.0) and self.settings.retention_days:
            keep_ms = int(self.settings.retention_days * 86_400_000)
            self.store.prune_deliveries(now_ms() - keep_ms)

    def _is_due(self, task: str, every: float) -> bool:
        now = time.monotonic()
        if now < self._due[task]:
            return False
        self._due[task] = now + every
        return True

    def _attempt(self, jobs: list[DeliveryJob]) -> None:
        started = now_ms()  # they may have queued a while
        jobs = [dataclasses.replace(job, started_at=started) for job in jobs]
        try:
            results = channels.deliver_many(jobs, self.settings, self._connections, self._rendered)
        except Exception as error:  # a bug must not leave the deliveries claimed forever
            log.exception("deliveries %s failed unexpectedly", [j.delivery_id for j in jobs])
            failed = AttemptResult(False, error=f"internal error: {type(error).__name__}")
            results = [failed] * len(jobs)
        for job, result in zip(jobs, results, strict=True):
            self._done.put((job, result))

    def _group(self, job: DeliveryJob) -> int:
        """Attempts of one subscription a worker sends together: one until answers are quick."""
        if not self._rounds or job.kind == "email" or not self._connections.pipelines(job.target):
            return 1
        return PIPELINE

    def _has_results(self) -> bool:
        return bool(self._ready) or not self._done.empty()

    def _collect(self, wait: float) -> bool:
        """Move finished attempts to the ready list, waiting up to ``wait`` s for the first."""
        try:
            self._ready.append(self._done.get(timeout=wait) if wait else self._done.get_nowait())
        except queue.Empty:
            return False
        with contextlib.suppress(queue.Empty):
            while True:
                self._ready.append(self._done.get_nowait())
        return True

    def _record(self) -> None:
        self._collect(0)
        if not self._ready:
            return
        outcomes = [decide(job, result, self.settings) for job, result in self._ready]
        self.store.record_attempts(outcomes, now_ms())
        self._ready = []
        self._settle(outcomes)

    def _next_rounds(self, outcomes: list[Outcome]) -> int:
        """Claims ahead: 0, 1, 2, 4 after quick answers, back to 0 after a slow or failed."""
        if not outcomes:
            return self._rounds
        quick = all(o.result.ok and o.result.latency_ms <= FAST_MS for o in outcomes)
        return min(MAX_ROUNDS, self._rounds * 2 or 1) if quick else 0

    def _settle(self, outcomes: list[Outcome]) -> None:
        fresh_until, due = self._known_due
        for outcome in outcomes:
            self._in_flight.pop(outcome.job.delivery_id, None)
            count_outcome(self.stats, outcome)
            if outcome.next_attempt_at is not None:  # a retry, due then
                due = min(due or outcome.next_attempt_at, outcome.next_attempt_at)
        self._known_due = (fresh_until, due)

    def _wait_for_results(self) -> None:
        """Wait for attempts to end, gathering them into one write: until half of those under
        way have ended, new events may wait (the registry file changed since the pass), or
        FLUSH s passed. Attempts that take longer than HOLD_WAIT wait without the registry
        file (other processes may use it meanwhile)."""
        if not self._collect(0) and not self._collect(HOLD_WAIT):
            self._release()
            if not self._collect(self.settings.poll_interval):
                return
        window = time.monotonic() + FLUSH
        while self._gathering() and time.monotonic() < window:
            if self._collect(min(GATHER, max(0.001, window - time.monotonic()))):
                continue
            if self._watch.moved_since_pass():
                return

    def _gathering(self) -> bool:
        """Whether to wait for more results before a pass: until half of those under way
        ended; then, when nothing else waits (a stream of single events), for the next event,
        so its pass also writes these results (one pass per event rather than two)."""
        if len(self._ready) * 2 < len(self._in_flight):
            return True
        return self._linger and not self._more and self._nothing_due() and not self._stop.is_set()

    def _nothing_due(self) -> bool:
        """No known retry is due and every result waiting is a success (a failure may be
        retried at once)."""
        due = self._known_due[1]
        return (due is None or now_ms() < due) and all(r.ok for _job, r in self._ready)

    def _idle(self, wait: float) -> None:
        """Wait ``wait`` s, letting go of the file unless the registry changes within
        HOLD_WAIT (events that come one after another keep it open)."""
        if self._stop.wait(min(wait, HOLD_WAIT)) or self._watch.changed():
            return
        self._release()
        self._stop.wait(max(0.0, wait - HOLD_WAIT))

    def _release(self) -> None:
        self.store.release()

    def _idle_wait(self) -> float:
        """Until the next poll, or sooner when a retry falls due before it. The registry is
        asked when the next is due at most every DUE_LOOK s: the dispatcher knows its own
        retries, and other changes (a redelivery, a resumed subscription) move the file."""
        fresh_until, known = self._known_due
        if time.monotonic() >= fresh_until or (known is not None and known <= now_ms()):
            known = self.store.outbox_status()["next_due"]
            self._known_due = (time.monotonic() + DUE_LOOK, known)
        next_due = self._next_retry_ms = known
        if next_due is None:
            return self.settings.poll_interval
        return min(self.settings.poll_interval, max(0.005, (next_due - now_ms()) / 1000))

    def _finish(self) -> None:
        if self._sender is not None:
            self._sender.shutdown()
            self._sender = None
        self._connections.close()
        self._record()
        self._release()

    def _retry_wait(self) -> float:
        return max(1.0, self.settings.poll_interval)


def _yield() -> None:
    """Let a writer of this process (a promotion) that waits for the registry's write lock
    have it before the dispatcher's next transaction: Python's locks are not fair."""
    time.sleep(0.001)


_background: dict[Path, Dispatcher] = {}
_background_lock = threading.Lock()


def start_background_dispatcher(
    home: str | os.PathLike[str] | None = None, **options
) -> Dispatcher:
    """Start (once per process and registry home) a dispatcher in a daemon thread; later calls
    return the running one. ``options`` go to Dispatcher (settings, workers, ...)."""
    path = config.resolve_home(home)
    with _background_lock:
        running = _background.get(path)
        if running is not None and running.is_alive():
            return running
        _background[path] = dispatcher = Dispatcher.for_home(path, **options).start()
        return dispatcher


def stop_background_dispatchers(timeout: float = 10.0) -> None:
    """Stop every dispatcher this process started in the background (tests, shutdown)."""
    with _background_lock:
        running = list(_background.values())
        _background.clear()
    for dispatcher in running:
        dispatcher.stop(timeout)
