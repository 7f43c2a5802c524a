"""The ``registry`` command.

Exit codes, for CI/CD scripts: 0 success; 1 a registry error (the message is on stderr: a
missing model, a refused transition, a busy registry...); 2 a usage error (unknown option,
malformed name, stage or alias); 3 ``registry wait`` timed out.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from registry.cli import cicd as cli_cicd
from registry.cli import copy as cli_copy
from registry.cli import notifications as cli_notifications
from registry.cli import server as cli_server
from registry.errors import InvalidArgumentError, RegistryError
from registry.server.hosts import configured_hosts
from registry.server.serve import LOOPBACK, listen_on

APP = Path(__file__).resolve().parents[2] / "app.py"


def dashboard_command(
    port: int, *, headless: bool, host: str = "127.0.0.1", watch: bool = True
) -> list[str]:
    """The command line serving ``app.py`` (``streamlit run``'s flags, through the launcher
    that refuses foreign ``Host`` headers), listening on ``host`` only; ``watch=False`` turns
    off the file watcher (tests and benchmarks)."""
    command = [sys.executable, "-m", "registry.dashboard.launcher", str(APP)]
    command += ["--server.port", str(port)]
    command += ["--server.address", host, "--browser.gatherUsageStats", "false"]
    if headless:
        command += ["--server.headless", "true"]
    if not watch:
        command += ["--server.fileWatcherType", "none"]
    return command


def _ui(args: argparse.Namespace) -> int:
    """Start the dashboard on the registry home or server, on 127.0.0.1 unless told."""
    if not APP.exists():
        print(
            f"registry: dashboard not found at {APP}; run from a source checkout", file=sys.stderr
        )
        return 2
    env = {**os.environ}
    if args.uri:
        env["REGISTRY_URI"] = args.uri
    elif args.home:
        env["REGISTRY_HOME"] = str(Path(args.home).resolve())
    if args.host not in LOOPBACK and not env.get("REGISTRY_URI") and not args.open_to_anyone:
        print(
            f"registry: not serving the dashboard on {args.host}: on an embedded registry every "
            "visitor would act as you, unchecked. Run 'registry server' and start the dashboard "
            "with REGISTRY_URI set (people then sign in with their tokens), or pass "
            "--open-to-anyone if everyone who can reach this address may do anything.",
            file=sys.stderr,
        )
        return 2
    if args.allowed_host:
        env["REGISTRY_ALLOWED_HOSTS"] = ",".join([*configured_hosts(), *args.allowed_host])
    if args.port:  # say what is wrong with the address in our words, not Streamlit's
        listen_on(args.host, args.port).close()
    command = dashboard_command(args.port, headless=args.headless, host=args.host)
    return _become(command, env)


def _become(command: list[str], env: dict[str, str]) -> int:
    """Run ``command`` as this very process where the OS allows (POSIX), so a supervisor's
    SIGTERM or Ctrl-C reaches the dashboard itself instead of orphaning it; else wait for it."""
    if os.name != "posix":
        return subprocess.call(command, env=env)
    os.execve(command[0], command, env)
    return 0  # not reached: execve replaces the process


def _demo(args: argparse.Namespace) -> int:
    """Fill the registry with the sample models (only when it is empty, unless --force)."""
    from registry.client import RegistryClient
    from registry.demo import seed_demo

    client = RegistryClient(args.home)
    if not args.force and len(client.search_registered_models(max_results=1)):
        print(f"registry: {client.home} already has models; pass --force to add the demo anyway")
        return 0
    summary = seed_demo(client, Path(args.data_dir))
    print(summary)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="registry", description="A fast, safe model registry.")
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--home", help="registry home folder (default: $REGISTRY_HOME or ./mlregistry)"
    )
    where.add_argument(
        "--uri", help="a registry server, http(s)://host:port (default: $REGISTRY_URI)"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    ui = commands.add_parser("ui", help="start the dashboard")
    ui.add_argument("--port", type=cli_server.port_number, default=8501)
    ui.add_argument("--headless", action="store_true", help="do not open a browser")
    ui.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    ui.add_argument(
        "--open-to-anyone",
        action="store_true",
        help="serve an embedded registry beyond this machine with no sign-in (unsafe)",
    )
    ui.add_argument(
        "--allowed-host",
        action="append",
        metavar="NAME",
        help="another name browsers may use for the dashboard (its Host header); repeatable",
    )
    ui.set_defaults(run=_ui)
    demo = commands.add_parser("demo", help="seed the registry with sample models and test data")
    demo.add_argument("--force", action="store_true", help="seed even if models exist")
    demo.add_argument(
        "--data-dir", default=str(APP.parent / "sample_data"), help="where to write test CSVs"
    )
    demo.set_defaults(run=_demo)
    cli_cicd.add_commands(commands)
    cli_notifications.add_commands(commands)
    cli_server.add_commands(commands)
    cli_copy.add_commands(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command; returns its exit code (see the module docstring)."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exit_:  # argparse: --help (0) or a usage error (2)
        return exit_.code if isinstance(exit_.code, int) else cli_cicd.EXIT_USAGE
    if args.uri and args.command != "ui":
        args.home = args.uri  # RegistryClient("http://...") is a server's client
    try:
        return args.run(args)
    except InvalidArgumentError as error:
        print(f"registry: {error}", file=sys.stderr)
        return cli_cicd.EXIT_USAGE
    except RegistryError as error:
        print(f"registry: {error}", file=sys.stderr)
        return cli_cicd.EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
