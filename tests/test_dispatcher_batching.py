"""The dispatcher at speed: kept-alive connections, claims ahead, late results after expiry."""

from __future__ import annotations

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
