"""The dispatcher's worker threads: claimed attempts run in claim order, each worker taking
up to ``group(job)`` queued attempts of one subscription together (the dispatcher pipelines
them on one connection), and at most ``per_subscription`` workers on one subscription at a
time, so a receiver that hangs holds up only its own deliveries while the others' queue past.
"""

from __future__ import annotations

import threading
from collections import Counter, deque
from collections.abc import Callable

from registry.notifications.subscriptions import DeliveryJob


class Sender:
    """``workers`` threads running ``attempt(jobs)`` for the jobs submitted, a few of one
    subscription at a time (``group(job)``: 1 unless said otherwise)."""

    def __init__(
        self,
        attempt: Callable[[list[DeliveryJob]], None],
        *,
        workers: int,
        per_subscription: int,
        group: Callable[[DeliveryJob], int] = lambda job: 1,
    ):
        self._attempt = attempt
        self._group = group
        self._per_subscription = per_subscription
        self._queues: dict[int, deque[DeliveryJob]] = {}
        self._running: Counter[int] = Counter()
        self._changed = threading.Condition()
        self._closing = False
        self._threads = [
            threading.Thread(target=self._work, name=f"registry-delivery-{n}", daemon=True)
            for n in range(workers)
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, jobs: list[DeliveryJob]) -> None:
        with self._changed:
            for job in jobs:
                self._queues.setdefault(job.subscription_id, deque()).append(job)
            self._changed.notify(len(jobs))

    def shutdown(self) -> None:
        """Run what is queued, then stop the threads and wait for them."""
        with self._changed:
            self._closing = True
            self._changed.notify_all()
        for thread in self._threads:
            thread.join()

    def _next(self) -> list[DeliveryJob]:
        """The oldest queued jobs of the first subscription (in turn) below its limit."""
        for subscription, queue in self._queues.items():
            if self._running[subscription] < self._per_subscription:
                take = max(1, min(len(queue), self._group(queue[0])))
                jobs = [queue.popleft() for _ in range(take)]
                del self._queues[subscription]  # the next pick starts with another one
                if queue:
                    self._queues[subscription] = queue
                self._running[subscription] += 1
                return jobs
        return []

    def _work(self) -> None:
        while True:
            with self._changed:
                jobs = self._next()
                while not jobs:
                    if self._closing and not self._queues:
                        self._changed.notify_all()  # the others may stop too
                        return
                    self._changed.wait()
                    jobs = self._next()
            try:
                self._attempt(jobs)
            finally:
                with self._changed:
                    self._running[jobs[0].subscription_id] -= 1
                    self._changed.notify()  # a job of that subscription may start now
