"""The outbox on a real PostgreSQL, where several dispatchers share one database: a change
committed after a later one is still fanned out, and a delivery is claimed by one at a time."""

from __future__ import annotations

import threading
import time

import pytest
from notify_support import ENV, Receiver
from postgres_support import empty_database

from registry import RegistryClient
from registry.artifacts.blobs import BlobStore
from registry.clock import now_ms


@pytest.fixture(autouse=True)
def notify_env(monkeypatch):
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def stores(postgres_dsn, tmp_path):
    """Two stores (two pools, as two server processes have) on an emptied database."""
    from registry.client import reviews
    from registry.store.postgres import PostgresStore

    empty_database(postgres_dsn)
    reviews._role_cache.clear()
    opened = [
        PostgresStore(postgres_dsn, blobs=BlobStore(tmp_path / "artifacts"), pool_size=3)
        for _ in range(2)
    ]
    yield opened
    for store in opened:
        store.close()


def _delivered_changes(store) -> list[int]:
    with store._lease.cursor() as cur:
        rows = cur.execute("SELECT change_id FROM deliveries ORDER BY change_id").fetchall()
    return [row[0] for row in rows]


def test_a_change_committed_after_a_later_one_is_not_skipped(stores, postgres_dsn):
    import psycopg

    store = stores[0]
    client = RegistryClient(store=store, user="ada")
    client.create_subscription("webhook", "http://127.0.0.1:9/hook", ["*"])
    slow = psycopg.connect(postgres_dsn)  # a writer whose transaction is still open
    try:
        (early,) = slow.execute(
            "INSERT INTO changes (ts, actor, event, model_name) "
            "VALUES (1, 'ada', 'registered_model.created', 'early') RETURNING id"
        ).fetchone()
        client.create_registered_model("late")  # a larger id, committed first
        late = client.get_history("late")[0].id
        assert late > early
        store.fan_out_events(now_ms())
        # An id cursor would have moved past `early` here, for good.
        assert _delivered_changes(store) == []
        slow.commit()
    finally:
        slow.close()
    store.fan_out_events(now_ms())
    assert _delivered_changes(store) == [early, late]
    assert store.outbox_status()["cursor"] == late


def test_two_dispatchers_never_claim_the_same_delivery(stores):
    client = RegistryClient(store=stores[0], user="ada")
    client.create_subscription("webhook", "http://127.0.0.1:9/hook", ["*"])
    client.create_registered_model("busy")
    for i in range(40):
        client.set_registered_model_tag("busy", "k", str(i))
    stores[0].fan_out_events(now_ms())
    start, claimed = threading.Barrier(2), []

    def claim(store):
        start.wait(10)
        for _ in range(10):
            now = now_ms()
            jobs = store.claim_deliveries(
                now=now, claim_until=now + 60_000, limit=5, per_subscription=5, busy=[]
            )
            claimed.extend(job.delivery_id for job in jobs)

    threads = [threading.Thread(target=claim, args=(store,)) for store in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(claimed) == len(set(claimed)) == 41  # every delivery once, none twice


def test_an_idle_dispatcher_watches_a_marker_and_still_delivers_at_once(stores, monkeypatch):
    from registry.notifications.dispatcher import Dispatcher

    watched, writer = stores  # the writer's pool stands for another server process
    looks = []
    fan_out = watched.fan_out_events
    monkeypatch.setattr(
        watched, "fan_out_events", lambda *a, **k: looks.append(1) or fan_out(*a, **k)
    )
    with Receiver() as receiver:
        client = RegistryClient(store=writer, user="ada")
        client.create_subscription("webhook", receiver.url, ["registered_model.created"])
        dispatcher = Dispatcher(watched).start()
        try:
            time.sleep(1.5)
            idle_looks = len(looks)
            started = time.monotonic()
            client.create_registered_model("watched")
            arrived = receiver.wait_for(1, timeout=10)
            latency = time.monotonic() - started
        finally:
            dispatcher.stop(10)
    assert idle_looks <= 3  # a look every poll (REGISTRY_NOTIFY_POLL=0.05) would be 30
    assert [r.json["model"] for r in arrived] == ["watched"]
    assert latency < 2
