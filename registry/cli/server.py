"""Team commands of ``registry``: run a registry server, and manage its access tokens.

``registry token create NAME`` works on the registry folder (``--home``) while no server
holds it, which is how a fresh home gets its first admin, on a server's PostgreSQL database
(``--store``), or through a running server (``--uri`` or ``REGISTRY_URI``) with an admin's
token. The secret is printed once, on its
own line, and stored only as a hash.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from registry import config
from registry.client import RegistryClient
from registry.client.roles import ROLES
from registry.entities import to_datetime
from registry.errors import PermissionDeniedError


def port_number(text: str) -> int:
    """argparse's type of --port: 0 to 65535 (0: one the system picks)."""
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port: give a number from 1 to 65535")
    return port


def add_commands(commands) -> None:
    server = commands.add_parser("server", help="serve the registry over HTTP for a team")
    server.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    server.add_argument(
        "--port",
        type=port_number,
        default=8080,
        help="port to listen on (8080; 0: a free one, printed)",
    )
    server.add_argument(
        "--no-dispatcher", action="store_true", help="do not deliver notifications here"
    )
    server.add_argument(
        "--store",
        metavar="URI",
        help="serve a PostgreSQL database (postgresql://user@host:port/db) instead of the "
        "home's DuckDB file; several servers may share one",
    )
    server.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="serve from N processes (with --store only; each has its own dispatcher)",
    )
    server.add_argument(
        "--artifacts",
        metavar="LOCATION",
        help="where model files live: s3://bucket/prefix or a folder "
        "(default: $REGISTRY_ARTIFACTS, else the home's artifacts/)",
    )
    server.add_argument(
        "--allowed-host",
        action="append",
        default=[],
        metavar="NAME",
        help="a name clients use for this server (its Host header), beside loopback; repeatable",
    )
    server.set_defaults(run=_server)

    token = commands.add_parser("token", help="personal access tokens of a registry server")
    actions = token.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create", help="issue a token (the secret is printed once)")
    create.add_argument("name", help="the user the token acts as")
    create.add_argument("--role", choices=ROLES, help="grant the user this role too")
    create.add_argument("--label", help="what the token is for (e.g. 'ci runner')")
    create.add_argument(
        "--delegate",
        action="store_true",
        help="a dashboard's token: it may act for the people signed in to the dashboard",
    )
    create.set_defaults(run=_create)
    listing = actions.add_parser("list", help="list tokens (never their secrets)")
    listing.set_defaults(run=_list)
    revoke = actions.add_parser("revoke", help="revoke a token by its id")
    revoke.add_argument("id", type=int)
    revoke.set_defaults(run=_revoke)
    for action in (create, listing, revoke):
        action.add_argument(
            "--store", metavar="URI", help="the PostgreSQL database a server serves (not --home)"
        )


def _server(args: argparse.Namespace) -> int:
    from registry.server.serve import serve

    if args.uri:
        print(
            "registry: 'registry server' serves a folder: pass --home, not --uri", file=sys.stderr
        )
        return 2
    home = Path(config.resolve_home(args.home))
    return serve(
        home,
        args.host,
        args.port,
        dispatcher=not args.no_dispatcher,
        allowed_hosts=args.allowed_host,
        artifacts=args.artifacts,
        store_uri=args.store,
        workers=args.workers,
    )


def _token_client(args: argparse.Namespace) -> RegistryClient:
    """A client on the folder (``--home``), or on the PostgreSQL store ``--store`` names."""
    if not args.store:
        return RegistryClient(args.home)
    from registry.store.opening import open_store

    home = Path(config.resolve_home(args.home))
    return RegistryClient(store=open_store(home, args.store, busy_timeout=config.busy_timeout()))


def _create(args: argparse.Namespace) -> int:
    client = _token_client(args)
    try:
        token, secret = client.create_token(
            args.name, args.role, args.label, delegate=args.delegate
        )
    except PermissionDeniedError as error:
        if client.home is None:
            raise
        raise PermissionDeniedError(
            f"{error} On a registry folder, commands act as REGISTRY_USER (else your login): "
            "set it to an admin's name, or pass --uri with an admin's token."
        ) from None
    print(
        f"Token {token.id} for {token.user} (shown once; store it somewhere safe):", file=sys.stderr
    )
    print(secret)
    return 0


def _list(args: argparse.Namespace) -> int:
    for token in _token_client(args).list_tokens():
        state = "active" if token.active else f"revoked {to_datetime(token.revoked_timestamp)}"
        created = to_datetime(token.creation_timestamp).strftime("%Y-%m-%d %H:%M")
        print(f"{token.id:>4}  {token.user:<20} {state:<8} {created}  {token.label or ''}")
    return 0


def _revoke(args: argparse.Namespace) -> int:
    token = _token_client(args).revoke_token(args.id)
    print(f"Token {token.id} of {token.user} revoked")
    return 0
