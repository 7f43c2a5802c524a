"""The CI/CD and notification commands: output and exit codes, as a pipeline sees them."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from notify_support import ENV, Receiver, Script

from registry.cli.main import main

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def notify_env(monkeypatch):
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)


def test_promote_archives_the_previous_version_and_keeps_the_comment(client, model, capsys):
    client.transition_model_version_stage(model, 1, "Production")
    code = main(["promote", model, "2", "--stage", "production", "--archive-existing",
                 "--comment", "pipeline 418"])  # fmt: skip
    assert code == 0
    assert capsys.readouterr().out.startswith("churn v2: None -> Production")
    assert client.get_model_version(model, 1).current_stage == "Archived"
    assert client.get_history(model, 2)[0].comment == "pipeline 418"


def test_promote_through_the_validation_requirement(client, model, capsys):
    client.set_validation_policy(model, "accuracy >= 0.9")
    client.require_validation_for_production(model, 7)
    assert main(["promote", model, "1"]) == 1
    err = capsys.readouterr().err
    assert "Production requires a passing validation in the last 7 days" in err
    assert "--override-validation --comment" in err and "override_validation=True" not in err
    assert main(["promote", model, "1", "--override-validation"]) == 2
    assert "needs a comment" in capsys.readouterr().err
    assert client.get_model_version(model, 1).current_stage == "None"
    assert main(["promote", model, "1", "--override-validation", "--comment", "hotfix"]) == 0
    (row,) = client.get_history(model, 1, events=["model_version.validation_overridden"])
    assert row.comment == "hotfix"


def test_a_protected_alias_through_the_requirement(client, model, capsys):
    client.set_validation_policy(model, "accuracy >= 0.9")
    client.require_validation_for_production(model, 7)
    assert main(["alias", model, "champion", "1"]) == 1
    err = capsys.readouterr().err
    assert "@champion is protected like Production" in err
    assert "--override-validation --comment" in err and "override_validation=True" not in err
    argv = ["alias", model, "champion", "1", "--override-validation", "--comment", "hotfix"]
    assert main(argv) == 0
    assert client.get_model_version_by_alias(model, "champion").version == 1


def test_archive_and_alias(client, model, capsys):
    assert main(["archive", model, "1"]) == 0
    assert main(["alias", model, "champion", "3"]) == 0
    out = capsys.readouterr().out
    assert "churn v1: None -> Archived" in out and "churn@champion -> v3" in out
    assert client.get_model_version_by_alias(model, "champion").version == 3


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["promote", "churn", "9"], 1, "Model Version (name=churn, version=9) not found"),
        (["promote", "ghost", "1"], 1, "Model 'ghost' does not exist in "),
        (["archive", "ghost", "1"], 1, "Model 'ghost' does not exist in "),
        (["alias", "ghost", "champion", "1"], 1, "Model 'ghost' does not exist in "),
        (["promote", "churn", "1", "--stage", "Prod"], 2, "Invalid stage 'Prod'"),
        (["promote", "churn"], 2, "required: version"),
        (["alias", "churn", "latest", "1"], 2, "Alias 'latest' is reserved"),
        (["wait", "churn"], 2, "one of the arguments --stage --alias is required"),
        (["wait", "ghost", "--stage", "Production"], 1, "Model 'ghost' does not exist in "),
        (["launch"], 2, "invalid choice: 'launch'"),
    ],
)
def test_exit_codes_tell_registry_errors_from_usage_errors(model, capsys, argv, code, message):
    assert main(argv) == code
    assert message in capsys.readouterr().err


def test_wait_returns_at_once_when_the_stage_is_reached(client, model, capsys):
    client.transition_model_version_stage(model, 3, "Staging")
    assert main(["wait", model, "--stage", "staging", "--timeout", "5"]) == 0
    assert capsys.readouterr().out == "churn v3 reached stage Staging\n"


def test_wait_times_out_with_its_own_exit_code(client, model, capsys):
    client.transition_model_version_stage(model, 1, "Production")
    started = time.monotonic()
    code = main(["wait", model, "--stage", "Production", "--version", "2", "--timeout", "0.3",
                 "--interval", "0.05"])  # fmt: skip
    assert code == 3 and 0.3 <= time.monotonic() - started < 2
    err = capsys.readouterr().err
    assert "timed out after 0.3 s waiting for churn v2 to reach stage Production" in err
    assert "(v2 is in None)" in err


def test_wait_for_an_alias_sees_it_move(client, model, capsys):
    client.set_registered_model_alias(model, "champion", 1)
    mover = threading.Timer(0.2, client.set_registered_model_alias, (model, "champion", 2))
    mover.start()
    try:
        code = main(["wait", model, "--alias", "champion", "--version", "2", "--timeout", "10",
                     "--interval", "0.05"])  # fmt: skip
    finally:
        mover.join()
    assert code == 0 and "churn v2 reached alias @champion" in capsys.readouterr().out


def test_a_real_wait_process_lets_others_write_between_polls(client, model, home):
    """`registry wait` in its own process; this process promotes meanwhile (the waiter must
    release the file between polls for that to work), and the waiter exits 0."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    waiter = subprocess.Popen(
        [sys.executable, "-m", "registry.cli", "wait", model, "--stage", "Production",
         "--version", "2", "--timeout", "30", "--interval", "0.1"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        time.sleep(1.0)  # the waiter is polling by now
        assert waiter.poll() is None
        client.transition_model_version_stage(model, 2, "Production")
        client.release()
        out, err = waiter.communicate(timeout=20)
    finally:
        if waiter.poll() is None:
            waiter.kill()
            waiter.communicate()
    assert waiter.returncode == 0, err
    assert out == "churn v2 reached stage Production\n"


def test_subscriptions_commands_show_the_secret_once(client, capsys):
    with Receiver() as receiver:
        assert main(["subscriptions", "add", "webhook", receiver.url, "--event",
                     "model_version.*", "--model", "churn*"]) == 0  # fmt: skip
        added = capsys.readouterr().out
        stored = client.get_subscription(1)
        assert "Created subscription 1: webhook -> http://127.0.0.1:" in added
        assert "Signing secret (shown only now" in added and "whsec_" in added
        assert main(["subscriptions", "test", "1"]) == 0
        assert "Test event delivered to subscription 1: 200" in capsys.readouterr().out
        assert main(["subscriptions", "list"]) == 0
        listed = capsys.readouterr().out
    assert "whsec_" not in listed and stored.secret is None
    assert "model_version.*" in listed and "churn*" in listed
    assert main(["subscriptions", "disable", "1"]) == 0
    assert main(["subscriptions", "remove", "1"]) == 0
    assert main(["subscriptions", "remove", "1"]) == 1
    assert "Subscription 1 not found" in capsys.readouterr().err


def test_an_email_subscription_reminds_of_the_mail_server(client, capsys, monkeypatch):
    monkeypatch.delenv("REGISTRY_SMTP_HOST", raising=False)
    assert main(["subscriptions", "add", "email", "ops@example.com", "--event", "*"]) == 0
    out = capsys.readouterr().out
    assert "email -> ops@example.com" in out and "REGISTRY_SMTP_HOST is not set" in out
    assert "secret" not in out


def test_a_failing_test_event_exits_1(client, capsys):
    with Receiver(Script(then=500)) as receiver:
        main(["subscriptions", "add", "webhook", receiver.url])
        assert main(["subscriptions", "test", "1"]) == 1
    assert "test event to subscription 1 failed: HTTP 500" in capsys.readouterr().err


def test_dispatch_once_then_deliveries_and_redeliver(client, model, capsys, monkeypatch):
    monkeypatch.setenv("REGISTRY_NOTIFY_ATTEMPTS", "1")
    with Receiver(Script(statuses=[500])) as receiver:
        client.create_subscription("webhook", receiver.url, ["model_version.stage_*"])
        client.transition_model_version_stage(model, 1, "Staging")
        assert main(["dispatch", "--once"]) == 0
        assert "delivered 0, failed attempts 1, dead-lettered 1" in capsys.readouterr().out
        assert main(["deliveries", "--state", "dead"]) == 0
        listing = capsys.readouterr().out
        assert "model_version.stage_transitioned" in listing and "HTTP 500" in listing
        assert main(["deliveries", "redeliver", "1"]) == 0
        assert main(["dispatch", "--once", "--quiet"]) == 0
        assert "delivered 1" in capsys.readouterr().out
        assert main(["deliveries", "log", "1"]) == 0
    log = capsys.readouterr().out.splitlines()
    assert len(log) == 3 and "200" in log[1] and "HTTP 500" in log[2]
