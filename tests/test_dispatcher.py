"""The dispatcher: retries with backoff, dead letters, timeouts, restarts, SIGKILL."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from notify_support import ENV, Receiver, Script

from registry import RegistryClient
from registry.notifications.dispatcher import (
    Dispatcher,
    start_background_dispatcher,
    stop_background_dispatchers,
)

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def notify_env(monkeypatch):
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    yield
    stop_background_dispatchers()


def _drain(client, **options) -> dict:
    return Dispatcher(client._store, **options).drain(settle=True, timeout=15)


def test_a_failing_receiver_is_retried_with_growing_backoff(client, model, monkeypatch):
    monkeypatch.setenv("REGISTRY_NOTIFY_BACKOFF", "0.1")
    with Receiver(Script(statuses=[500, 502, 503], reply=b"busy")) as receiver:
        client.create_subscription("webhook", receiver.url, ["model_version.stage_*"])
        client.transition_model_version_stage(model, 1, "Production")
        stats = _drain(client)
    assert stats["delivered"] == 1 and stats["failed attempts"] == 3
    log = sorted(client.get_delivery_log(), key=lambda a: a.attempt)
    assert [a.status_code for a in log] == [500, 502, 503, 200]
    assert [a.error for a in log] == ["HTTP 500", "HTTP 502", "HTTP 503", None]
    gaps = [b.started_at - a.started_at for a, b in itertools.pairwise(log)]
    assert [gap >= 100 * 2**i for i, gap in enumerate(gaps)] == [True] * 3  # 0.1, 0.2, 0.4 s
    times = [r.at for r in receiver.requests]
    assert times[3] - times[0] >= 0.7
    [delivery] = client.list_deliveries()
    assert delivery.state == "delivered" and delivery.attempts == 4


def test_exhausted_deliveries_are_dead_lettered_then_redelivered(client, model, monkeypatch):
    monkeypatch.setenv("REGISTRY_NOTIFY_ATTEMPTS", "3")
    with Receiver(Script(statuses=[500, 500, 500])) as receiver:
        client.create_subscription("webhook", receiver.url, ["model_version.stage_*"])
        client.transition_model_version_stage(model, 1, "Staging")
        stats = _drain(client)
        [dead] = client.list_deliveries(state="dead")
        assert stats["dead"] == 1 and dead.attempts == 3 and dead.last_error == "HTTP 500"
        assert client.get_notification_status()["dead"] == 1
        client.redeliver(dead.id)
        _drain(client)
    assert len(receiver.requests) == 4
    assert len({r.json["id"] for r in receiver.requests}) == 1
    delivered = client.get_delivery(dead.id)
    assert delivered.state == "delivered" and delivered.attempts == 4


def test_a_hanging_receiver_times_out_and_is_logged(client, model, monkeypatch):
    monkeypatch.setenv("REGISTRY_NOTIFY_TIMEOUT", "0.3")
    with Receiver(Script(hang=5, hang_first=1)) as receiver:
        client.create_subscription("webhook", receiver.url, ["model_version.stage_*"])
        client.transition_model_version_stage(model, 1, "Staging")
        started = time.monotonic()
        _drain(client)
        took = time.monotonic() - started
    first, second = sorted(client.get_delivery_log(), key=lambda a: a.attempt)
    assert first.error == "timed out after 0.3 s" and 290 <= first.latency_ms < 1500
    assert second.status_code == 200 and took < 3
    assert len(receiver.requests) == 2


def test_a_restart_continues_after_the_last_event_processed(client, model):
    with Receiver() as receiver:
        client.create_subscription("webhook", receiver.url, ["model_version.stage_*"])
        client.transition_model_version_stage(model, 1, "Staging")
        _drain(client)
        client.transition_model_version_stage(model, 2, "Staging")  # while "stopped"
        _drain(client)  # a new dispatcher: only the new event
        _drain(client)
    assert [r.json["version"] for r in receiver.requests] == [1, 2]
    status = client.get_notification_status()
    assert status["cursor"] == status["latest_change"] and status["waiting_events"] == 0


def test_disabled_subscriptions_skip_events_and_hold_pending_ones(client, model):
    with Receiver() as receiver:
        sub = client.create_subscription("webhook", receiver.url, ["model_version.stage_*"])
        client.transition_model_version_stage(model, 1, "Staging")
        client._store.fan_out_events(int(time.time() * 1000))  # a pending delivery
        client.disable_subscription(sub.id)
        client.transition_model_version_stage(model, 2, "Staging")  # skipped
        _drain(client)
        assert receiver.requests == []
        client.enable_subscription(sub.id)
        _drain(client)
    assert [r.json["version"] for r in receiver.requests] == [1]


def test_a_promotion_never_waits_on_delivery(client, model, monkeypatch):
    monkeypatch.setenv("REGISTRY_NOTIFY_TIMEOUT", "2")
    with Receiver(Script(hang=3, hang_first=100)) as receiver:
        for _ in range(10):
            client.create_subscription("webhook", receiver.url)
        dispatcher = start_background_dispatcher(client.home)
        assert start_background_dispatcher(str(client.home)) is dispatcher
        client.transition_model_version_stage(model, 1, "Staging")
        receiver.wait_for(8, timeout=5)  # deliveries are hanging now
        started = time.perf_counter()
        client.transition_model_version_stage(model, 1, "Production")
        took = time.perf_counter() - started
        receiver.release.set()
        stop_background_dispatchers()
    assert len(receiver.requests) >= 8
    # The deliveries hang for 2 s: a promotion that waited on one would take at least that.
    assert took < 1.0, f"a promotion took {took:.3f} s while deliveries hung"


def test_the_file_is_free_while_a_delivery_waits_on_the_network(client, model, home, monkeypatch):
    monkeypatch.setenv("REGISTRY_NOTIFY_TIMEOUT", "10")
    with Receiver(Script(hang=10, hang_first=1)) as receiver:
        client.create_subscription("webhook", receiver.url, ["model_version.stage_*"])
        client.transition_model_version_stage(model, 1, "Staging")
        client.release()
        start_background_dispatcher(home)
        assert receiver.arrived.wait(10)
        lease = client._store.lease
        deadline, opens = time.monotonic() + 10, -1
        while opens != lease.opens and time.monotonic() < deadline:
            opens = lease.opens  # until the dispatcher's looks after claiming are over
            time.sleep(0.3)
        time.sleep(0.5)  # the delivery hangs: the dispatcher leaves the file alone meanwhile
        assert lease.opens == opens and not lease.is_open
        env = {**os.environ, "PYTHONPATH": str(ROOT), "REGISTRY_BUSY_TIMEOUT": "1"}
        subprocess.run(
            [sys.executable, "-m", "registry.cli", "archive", model, "3"],
            env=env, check=True, capture_output=True, timeout=30,
        )  # fmt: skip
        # Another process's write is noticed and delivered while the first still hangs.
        hung, archived = receiver.wait_for(2, timeout=5)
        assert not receiver.release.is_set()
        receiver.release.set()
    assert (hung.json["version"], archived.json["version"]) == (1, 3)
    assert archived.json["payload"]["to_stage"] == "Archived"


def test_the_background_dispatcher_delivers(client, model):
    with Receiver() as receiver:
        client.create_subscription("webhook", receiver.url, ["model_version.stage_*"])
        start_background_dispatcher(client.home)
        client.transition_model_version_stage(model, 3, "Production")
        [request] = receiver.wait_for(1)
    assert request.json["payload"]["to_stage"] == "Production"


def test_an_idle_dispatcher_leaves_the_file_alone_and_sees_other_writers(client, model, home):
    with Receiver() as receiver:
        client.create_subscription("webhook", receiver.url, ["model_version.stage_*"])
        start_background_dispatcher(home)
        time.sleep(1.0)  # first looks done; the lease went idle and closed
        lease = client._store.lease
        opens = lease.opens
        time.sleep(1.0)  # 20 polls: a stat each, no open
        assert lease.opens == opens and not lease.is_open
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        subprocess.run(
            [sys.executable, "-m", "registry.cli", "promote", model, "2", "--stage", "Staging"],
            env=env, check=True, capture_output=True, timeout=30,
        )  # fmt: skip
        [request] = receiver.wait_for(1)
    assert request.json["version"] == 2 and request.json["actor"] == "tester"


HOLDER = """
import sys, time
from registry import RegistryClient
client = RegistryClient(sys.argv[1])
with client.batch():
    print("holding", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def test_the_background_dispatcher_outlives_a_busy_registry(client, model, home, monkeypatch,
                                                            caplog):  # fmt: skip
    monkeypatch.setenv("REGISTRY_BUSY_TIMEOUT", "0.3")
    with Receiver() as receiver:
        client.create_subscription("webhook", receiver.url, ["model_version.stage_*"])
        client.transition_model_version_stage(model, 1, "Staging")
        client.release()
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        holder = subprocess.Popen(
            [sys.executable, "-c", HOLDER, str(home), "1.5"], env=env, stdout=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        assert holder.stdout.readline() == "holding\n"
        dispatcher = start_background_dispatcher(home)
        time.sleep(0.8)  # its looks fail: the file is busy
        assert dispatcher.is_alive() and receiver.requests == []
        holder.communicate(timeout=10)
        [request] = receiver.wait_for(1)
    assert request.json["version"] == 1
    assert "is busy" in caplog.text and "retrying" in caplog.text


def _dispatch_process(home: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "REGISTRY_NOTIFY_TIMEOUT": "2"}
    command = [sys.executable, "-m", "registry.cli", "--home", str(home), "dispatch"]
    return subprocess.Popen(
        [*command, "--workers", "1"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )


@pytest.mark.slow
def test_sigkill_mid_delivery_loses_nothing(home):
    client = RegistryClient(home)
    client.create_registered_model("churn")
    with Receiver(Script(hang=20, hang_first=1)) as receiver:
        client.create_subscription("webhook", receiver.url, ["model_version.*"])
        for i in range(5):
            client.create_model_version("churn", source=f"runs:/r{i}/model")
        client.release()
        first = _dispatch_process(home)
        assert receiver.arrived.wait(20), first.communicate(timeout=5)
        first.send_signal(signal.SIGKILL)  # mid-delivery: the receiver has not answered
        first.communicate(timeout=10)
        assert first.returncode == -signal.SIGKILL
        claimed = [(d.id, d.state, d.attempts) for d in client.list_deliveries() if d.attempts]
        assert claimed == [(1, "sending", 1)] and client.get_delivery_log() == []
        client.release()
        second = _dispatch_process(home)
        try:
            received = receiver.wait_for(6, timeout=20)
        finally:
            second.send_signal(signal.SIGTERM)
            out, err = second.communicate(timeout=15)
    assert second.returncode == 0, err
    assert sorted({r.json["version"] for r in received}) == [1, 2, 3, 4, 5]
    assert len(received) == 6  # version 1 twice: at least once, not at most once
    deliveries = client.list_deliveries()
    assert [d.state for d in deliveries] == ["delivered"] * 5
    first, second = sorted(client.get_delivery_log(delivery_id=1), key=lambda a: a.attempt)
    assert first.error.startswith("interrupted") and second.status_code == 200
    assert b"delivered 5" in out
