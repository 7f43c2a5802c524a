"""CI/CD commands of ``registry``: promote, archive, alias, and wait for a stage or alias.

``registry wait`` polls, letting go of the registry file between polls, until the model
reaches the stage or alias; it exits 3 on timeout so a pipeline can tell "not yet" apart
from a registry error (1) or a usage error (2).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from collections.abc import Iterator

from registry import arguments as check
from registry.client import RegistryClient
from registry.entities import ModelVersion
from registry.errors import NotFoundError, RegistryBusyError, ValidationRequiredError

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_TIMEOUT = 3


def add_commands(commands: argparse._SubParsersAction) -> None:
    """Add promote, archive, alias and wait to the ``registry`` command."""
    promote = commands.add_parser("promote", help="move a model version to a stage")
    promote.add_argument("model")
    promote.add_argument("version")
    promote.add_argument("--stage", default="Production", help="target stage (Production)")
    promote.add_argument(
        "--archive-existing",
        action="store_true",
        help="archive the versions that were in the target stage",
    )
    promote.add_argument("--comment", help="why (kept in the history and sent in events)")
    _override_flag(promote, "promote")
    promote.set_defaults(run=_promote)

    archive = commands.add_parser("archive", help="move a model version to Archived")
    archive.add_argument("model")
    archive.add_argument("version")
    archive.add_argument("--comment")
    archive.set_defaults(run=_archive)

    alias = commands.add_parser("alias", help="point an alias at a model version")
    alias.add_argument("model")
    alias.add_argument("alias")
    alias.add_argument("version")
    alias.add_argument("--comment", help="why (kept in the history)")
    _override_flag(alias, "move a protected alias")
    alias.set_defaults(run=_alias)

    wait = commands.add_parser(
        "wait",
        help="block until a model version reaches a stage or alias (exit 3 on timeout)",
    )
    wait.add_argument("model")
    target = wait.add_mutually_exclusive_group(required=True)
    target.add_argument("--stage", help="wait until a version is in this stage")
    target.add_argument("--alias", help="wait until this alias exists")
    wait.add_argument("--version", help="wait for this version in particular")
    wait.add_argument("--timeout", type=float, default=600.0, help="seconds (default 600)")
    wait.add_argument("--interval", type=float, default=1.0, help="seconds between polls")
    wait.set_defaults(run=_wait)


def _override_flag(command: argparse.ArgumentParser, doing: str) -> None:
    command.add_argument(
        "--override-validation",
        action="store_true",
        help=f"{doing} although the model's validation requirement is not met "
        "(reviewer role and --comment needed; recorded)",
    )


@contextlib.contextmanager
def _in_cli_words(client: RegistryClient, model: str) -> Iterator[None]:
    """Errors as a command line user needs them: a missing model named as such (not as a
    missing version of it), and the command's flag where the message names the Python one."""
    try:
        yield
    except NotFoundError as error:
        if client.find_registered_model(check.model_name(model)) is None:
            raise NotFoundError(
                f"Model {model!r} does not exist in {client.uri}: check the name "
                "(or --home / --uri)."
            ) from error
        raise
    except ValidationRequiredError as error:
        raise ValidationRequiredError(
            str(error).replace("override_validation=True", "--override-validation --comment ...")
        ) from error


def _promote(args: argparse.Namespace) -> int:
    client = RegistryClient(args.home)
    with _in_cli_words(client, args.model):
        before = client.get_model_version(args.model, args.version).current_stage
        moved = client.transition_model_version_stage(
            args.model, args.version, args.stage, args.archive_existing, args.comment,
            override_validation=args.override_validation,
        )  # fmt: skip
    extra = f"; earlier {moved.current_stage} versions archived" if args.archive_existing else ""
    print(f"{moved.name} v{moved.version}: {before} -> {moved.current_stage}{extra}")
    return EXIT_OK


def _archive(args: argparse.Namespace) -> int:
    client = RegistryClient(args.home)
    with _in_cli_words(client, args.model):
        before = client.get_model_version(args.model, args.version).current_stage
        moved = client.transition_model_version_stage(
            args.model, args.version, "Archived", comment=args.comment
        )
    print(f"{moved.name} v{moved.version}: {before} -> Archived")
    return EXIT_OK


def _alias(args: argparse.Namespace) -> int:
    client = RegistryClient(args.home)
    with _in_cli_words(client, args.model):
        client.set_registered_model_alias(
            args.model, args.alias, args.version, comment=args.comment,
            override_validation=args.override_validation,
        )  # fmt: skip
    print(f"{args.model}@{args.alias} -> v{check.version_number(args.version, args.model)}")
    return EXIT_OK


def _wait(args: argparse.Namespace) -> int:
    """Poll until the condition holds (0) or the timeout passes (3)."""
    client = RegistryClient(args.home)
    model = check.model_name(args.model)
    stage = check.stage(args.stage) if args.stage else None
    alias = check.alias(args.alias) if args.alias else None
    version = None if args.version is None else check.version_number(args.version, model)
    if args.timeout < 0 or args.interval <= 0:
        print("registry: --timeout must be >= 0 and --interval > 0", file=sys.stderr)
        return EXIT_USAGE
    with _in_cli_words(client, model):  # a missing model is an error, not "not yet"
        client.get_registered_model(model)
    wanted = f"stage {stage}" if stage else f"alias @{alias}"
    deadline = time.monotonic() + args.timeout
    while True:
        reached, now = _look(client, model, stage, alias, version)
        client.release()
        if reached is not None:
            print(f"{model} v{reached.version} reached {wanted}")
            return EXIT_OK
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            print(
                f"registry: timed out after {args.timeout:g} s waiting for {model}"
                f"{f' v{version}' if version else ''} to reach {wanted} ({now})",
                file=sys.stderr,
            )
            return EXIT_TIMEOUT
        time.sleep(min(args.interval, remaining))


def _look(
    client: RegistryClient, model: str, stage: str | None, alias: str | None, version: int | None
) -> tuple[ModelVersion | None, str]:
    """(the version that satisfies the wait or None, a description of the current state)."""
    try:
        if alias is not None:
            found = client.get_model_version_by_alias(model, alias)
            ok = version is None or found.version == version
            return (found if ok else None), f"@{alias} is v{found.version}"
        if version is not None:
            found = client.get_model_version(model, version)
            now = f"v{version} is in {found.current_stage}"
            return (found if found.current_stage == stage else None), now
        latest = client.get_latest_versions(model, [stage])  # type: ignore[list-item]
        return (latest[-1] if latest else None), f"no version is in {stage}"
    except NotFoundError as error:
        return None, str(error)
    except RegistryBusyError:
        return None, "the registry was busy"
