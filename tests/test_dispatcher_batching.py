"""The dispatcher at speed: kept-alive and pipelined connections, claims ahead, one
transaction per pass, fair claims, late results after expiry."""

from __future__ import annotations

import socket
import threading

import pytest
from notify_support import Receiver, Script, notify_env  # noqa: F401 (a fixture)

from registry.clock import now_ms
from registry.notifications.dispatcher import Dispatcher
from registry.notifications.subscriptions import AttemptResult, Outcome

pytestmark = pytest.mark.usefixtures("notify_env")


def _versions(client, count: int) -> None:
    client.create_registered_model("bulk")
    client.create_model_versions("bulk", [{"source": f"runs:/r{i}/m"} for i in range(count)])


def _deliver(client, script: Script, count: int, **options):
    """Dispatcher(**options).drain() of ``count`` new versions to one receiver."""
    with Receiver(script) as receiver:
        client.create_subscription("webhook", receiver.url, ["model_version.created"])
        _versions(client, count)
        stats = Dispatcher(client._store, **options).drain()
    assert stats["delivered"] == count and not stats["failed attempts"]
    assert sorted(r.json["version"] for r in receiver.requests) == list(range(1, count + 1))
    return receiver.requests


def test_deliveries_to_one_receiver_share_kept_alive_connections(client):
    requests = _deliver(client, Script(keep_alive=True), 40, workers=4, per_subscription=4)
    # One connection per delivery before; now at most one per worker thread.
    assert len({r.peer_port for r in requests}) <= 4


def test_a_connection_the_receiver_dropped_is_replaced_without_a_failed_attempt(client):
    script = Script(keep_alive=True, drop_idle=True)
    _deliver(client, script, 6, workers=1, per_subscription=1)
    assert all(a.attempt == 1 and a.status_code == 200 for a in client.get_delivery_log())


def test_a_receiver_that_answers_fast_gets_claims_ahead_all_delivered_once(client):
    _deliver(client, Script(keep_alive=True), 300, workers=2, per_subscription=2)
    log = client.get_delivery_log(max_results=1000)
    assert len(log) == 300 and {a.attempt for a in log} == {1}
    assert all(a.started_at <= a.finished_at for a in log)


def test_a_result_that_ends_after_its_claim_expired_replaces_the_interrupted_row(client):
    client.create_subscription("webhook", "http://127.0.0.1:9/in", ["model_version.created"])
    _versions(client, 2)
    store = client._store
    store.fan_out_events(now_ms(), 100)
    now = now_ms()
    jobs = store.claim_deliveries(
        now=now, claim_until=now + 10, limit=2, per_subscription=2, busy=[]
    )
    assert store.expire_claims(now + 20, max_attempts=5) == 2
    late = [Outcome(jobs[0], AttemptResult(True, 204, 3.0), "delivered", None)]
    store.record_attempts(late, now_ms())
    by_delivery = {a.delivery_id: a for a in client.get_delivery_log()}
    assert by_delivery[jobs[0].delivery_id].status_code == 204
    assert by_delivery[jobs[0].delivery_id].error is None
    assert by_delivery[jobs[1].delivery_id].error.startswith("interrupted")
    assert client.get_delivery(jobs[0].delivery_id).state == "delivered"


class _RawReceiver:
    """A receiver on a bare socket answering each request with ``answer`` (bytes, e.g.
    chunked) as soon as it is whole, noting how many whole requests it found at once
    (above 1 only from a sender that pipelines); for what http.server cannot be told."""

    def __init__(self, answer: bytes):
        self.answer = answer
        self.counts: list[int] = []  # whole requests found together before answering
        self._server = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._server.getsockname()[1]}/raw"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self._server.accept()
            except OSError:
                return
            threading.Thread(target=self._talk, args=(connection,), daemon=True).start()

    def _talk(self, connection: socket.socket) -> None:
        data = b""
        with connection:
            while True:
                connection.settimeout(5)
                try:
                    chunk = connection.recv(65536)
                except OSError:
                    return
                if not chunk:
                    return
                data += chunk
                complete = _complete_requests(data)
                if complete:
                    self.counts.append(len(complete))
                    data = data[sum(complete) :]
                    connection.sendall(self.answer * len(complete))

    def close(self) -> None:
        self._server.close()


def _complete_requests(data: bytes) -> list[int]:
    """The sizes of the whole requests at the start of ``data``."""
    sizes, at = [], 0
    while (end := data.find(b"\r\n\r\n", at)) >= 0:
        head = data[at:end].decode("latin-1").lower()
        length = int(head.split("content-length:", 1)[1].split("\r\n", 1)[0])
        if len(data) < end + 4 + length:
            break
        sizes.append(end + 4 - at + length)
        at = end + 4 + length
    return sizes


def _raw_deliver(client, receiver: _RawReceiver, count: int) -> None:
    client.create_subscription("webhook", receiver.url, ["model_version.created"])
    _versions(client, count)
    try:
        stats = Dispatcher(client._store, workers=1, per_subscription=1).drain()
    finally:
        receiver.close()
    assert stats["delivered"] == count and not stats["failed attempts"], stats


def test_attempts_of_one_subscription_are_pipelined_on_one_connection(client):
    receiver = _RawReceiver(b"HTTP/1.1 204 No Content\r\n\r\n")
    _raw_deliver(client, receiver, 30)
    # Before, each request waited for the previous answer: never two at once.
    assert max(receiver.counts) >= 3 and sum(receiver.counts) == 30
    assert {a.status_code for a in client.get_delivery_log()} == {204}


def test_chunked_answers_are_read_and_the_connection_kept(client):
    chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nyes\r\n0\r\n\r\n"
    receiver = _RawReceiver(chunked)
    _raw_deliver(client, receiver, 12)
    log = client.get_delivery_log()
    assert {(a.status_code, a.response_excerpt) for a in log} == {(200, "yes")}


def test_a_receiver_that_closes_after_each_answer_gets_each_delivery_once(client):
    # HTTP/1.0: the requests pipelined behind the first are sent again, one at a time.
    _deliver(client, Script(keep_alive=False), 20, workers=2, per_subscription=2)
    assert {a.attempt for a in client.get_delivery_log(max_results=100)} == {1}


def test_a_busy_subscriptions_backlog_does_not_hide_another_ones_due_delivery(client):
    client.create_subscription("webhook", "http://127.0.0.1:9/a", ["model_version.created"])
    _versions(client, 60)
    store = client._store
    store.fan_out_events(now_ms(), 100)
    second = client.create_subscription("webhook", "http://127.0.0.1:9/b", ["model_version.*"])
    client.create_model_version("bulk", source="runs:/late/m")
    store.fan_out_events(now_ms(), 100)
    now = now_ms()
    [busy] = {d.subscription_id for d in client.list_deliveries()} - {second.id}
    jobs = store.claim_deliveries(
        now=now, claim_until=now + 60_000, limit=5, per_subscription=5, busy=[busy]
    )
    # Before, the claim read only 4 x limit of the oldest rows: all of the busy backlog.
    assert [j.subscription_id for j in jobs] == [second.id]


def test_a_pass_logs_fans_out_and_claims_in_one_transaction(client, monkeypatch):
    client.create_subscription("webhook", "http://127.0.0.1:9/in", ["model_version.created"])
    _versions(client, 3)
    store = client._store
    now = now_ms()
    _, _, first = store.dispatch_pass(
        [], now, fan_out=100, claim_until=now + 60_000, limit=2, per_subscription=8, running={}
    )
    done = [Outcome(job, AttemptResult(True, 204, 1.0), "delivered", None) for job in first]
    transactions = []
    real = store.lease.transaction
    monkeypatch.setattr(store.lease, "transaction", lambda: transactions.append(1) or real())
    created, more, second = store.dispatch_pass(
        done, now_ms(), fan_out=100, claim_until=now + 60_000, limit=5, per_subscription=8,
        running={first[0].subscription_id: 6},
    )  # fmt: skip
    assert transactions == [1]
    assert (created, more, len(first), len(second)) == (0, False, 2, 1)  # 8 - 6 running - 1
    assert {a.status_code for a in client.get_delivery_log()} == {204}
    assert [d.state for d in client.list_deliveries()] == ["sending", "delivered", "delivered"]


def test_a_delivery_that_exists_before_its_fan_out_is_kept_and_the_pass_goes_on(client):
    # Never expected (the cursor moves with the fan-out), e.g. rows restored by hand: the
    # pass's plain INSERT fails, and it is done again skipping the existing delivery.
    client.create_subscription("webhook", "http://127.0.0.1:9/in", ["model_version.created"])
    client.create_registered_model("m")
    client.create_model_version("m", source="s")
    store = client._store
    now = now_ms()
    _, _, (job,) = store.dispatch_pass(
        [], now, fan_out=100, claim_until=now + 60_000, limit=8, per_subscription=8, running={}
    )
    for _ in range(2):
        client.create_model_version("m", source="s")
    with store.lease.transaction() as cur:
        (last,) = cur.execute("SELECT max(id) FROM changes").fetchone()
        cur.execute(
            "INSERT INTO deliveries (subscription_id, change_id, event, model_name, version, "
            "next_attempt_at, created_at, updated_at) VALUES (?, ?, 'model_version.created', "
            "'m', 3, ?, ?, ?)",
            [job.subscription_id, last, now, now, now],
        )
    done = [Outcome(job, AttemptResult(True, 204, 1.0), "delivered", None)]
    created, more, claimed = store.dispatch_pass(
        done, now_ms(), fan_out=100, claim_until=now + 60_000, limit=8, per_subscription=8,
        running={},
    )  # fmt: skip
    assert (created, more) == (1, False)
    assert sorted(j.change.version for j in claimed) == [2, 3]
    assert sorted((d.version, d.state) for d in client.list_deliveries()) == [
        (1, "delivered"), (2, "sending"), (3, "sending"),
    ]  # fmt: skip
    assert [(a.version, a.status_code) for a in client.get_delivery_log()] == [(1, 204)]
    assert store.outbox_status()["waiting_events"] == 0


def _one_at_a_time(client, count: int) -> None:
    """``count`` new versions, each after the last one's delivery, a running dispatcher
    (started and stopped here) delivering them to one receiver."""
    with Receiver(Script(keep_alive=True)) as receiver:
        client.create_subscription("webhook", receiver.url, ["model_version.created"])
        client.create_registered_model("m")
        dispatcher = Dispatcher(client._store).start()
        for n in range(1, count + 1):
            client.create_model_version("m", source="s")
            assert len(receiver.wait_for(n)) == n
        dispatcher.stop(timeout=30)
    assert not dispatcher.is_alive()


def test_a_running_dispatcher_logs_a_result_with_the_next_events_pass(client, monkeypatch):
    # Events one at a time: the answered attempt waits for the next event (FLUSH made long
    # here), so one pass per event logs the last result, fans out and claims (was two).
    monkeypatch.setattr("registry.notifications.dispatcher.FLUSH", 60.0)
    store = client._store
    passes = []  # (results logged, attempts claimed) of each pass
    real = store.dispatch_pass

    def counted(outcomes, now, **options):
        created, more, jobs = real(outcomes, now, **options)
        passes.append((len(outcomes), len(jobs)))
        return created, more, jobs

    monkeypatch.setattr(store, "dispatch_pass", counted)
    _one_at_a_time(client, 5)
    claims = [(logged, claimed) for logged, claimed in passes if claimed]
    assert claims == [(0, 1), (1, 1), (1, 1), (1, 1), (1, 1)]
    assert all(claimed for logged, claimed in passes if logged)  # no pass to log alone
    assert [a.status_code for a in client.get_delivery_log()] == [200] * 5  # the 5th: at stop


def test_an_idle_dispatcher_asks_for_the_next_retry_only_now_and_then(client, monkeypatch):
    # It knows its own retries; the registry is asked at most every DUE_LOOK s (made long
    # here), not at every idle moment (each cost a query of every delivery).
    monkeypatch.setattr("registry.notifications.dispatcher.FLUSH", 0.0)
    monkeypatch.setattr("registry.notifications.dispatcher.DUE_LOOK", 60.0)
    store = client._store
    asked = []
    real = store.outbox_status
    monkeypatch.setattr(store, "outbox_status", lambda: asked.append(1) or real())
    _one_at_a_time(client, 5)
    assert len(asked) == 1


def test_expiring_claims_writes_nothing_while_none_expired(client, monkeypatch):
    client.create_subscription("webhook", "http://127.0.0.1:9/in", ["model_version.created"])
    _versions(client, 1)
    store = client._store
    now = now_ms()
    store.dispatch_pass(
        [], now, fan_out=100, claim_until=now + 10, limit=1, per_subscription=1, running={}
    )
    transactions = []
    real = store.lease.transaction
    monkeypatch.setattr(store.lease, "transaction", lambda: transactions.append(1) or real())
    assert store.expire_claims(now + 5, max_attempts=5) == 0
    assert transactions == []  # a look, no transaction (it ran every 2.5 s, for nothing)
    assert store.expire_claims(now + 20, max_attempts=5) == 1
    assert transactions == [1]
    assert client.get_delivery_log()[0].error.startswith("interrupted")


def test_an_events_body_is_made_once_for_all_its_subscriptions(client, monkeypatch):
    from registry.notifications import channels

    made = []
    real = channels.webhook_body
    monkeypatch.setattr(
        channels, "webhook_body", lambda event: made.append(event.id) or real(event)
    )
    receivers = [Receiver(secret=None) for _ in range(3)]
    for receiver in receivers:
        receiver.__enter__()
    try:
        secrets = [
            client.create_subscription("webhook", r.url, ["model_version.created"]).secret
            for r in receivers
        ]
        for receiver, secret in zip(receivers, secrets, strict=True):
            receiver.secret = secret
        _versions(client, 2)
        stats = Dispatcher(client._store).drain()
    finally:
        for receiver in receivers:
            receiver.__exit__(None, None, None)
    assert stats["delivered"] == 6
    assert sorted(made) == sorted(set(made)) and len(made) == 2  # was 6: one per delivery
    bodies = [sorted(r.body for r in receiver.requests) for receiver in receivers]
    assert bodies[0] == bodies[1] == bodies[2]
    assert all(r.signature_ok for receiver in receivers for r in receiver.requests)
    ids = {r.headers["X-Registry-Delivery"] for receiver in receivers for r in receiver.requests}
    assert len(ids) == 6
