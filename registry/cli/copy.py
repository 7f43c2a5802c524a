"""``registry copy --from SRC --to DST``: move a whole registry (``registry.store.copy``).

SRC and DST are home folders or ``postgresql://`` URIs; a PostgreSQL registry also needs
``--from-artifacts`` / ``--to-artifacts`` (a bucket or folder for its model files). A home's
model files are its ``artifacts/`` folder unless those options say otherwise.
"""

from __future__ import annotations

import argparse
import contextlib


def add_commands(commands) -> None:
    copy = commands.add_parser(
        "copy", help="copy a whole registry (history, runs, records, files) to another store"
    )
    copy.add_argument(
        "--from",
        dest="source",
        required=True,
        metavar="SRC",
        help="a registry home folder or postgresql://user@host:port/db",
    )
    copy.add_argument(
        "--to",
        dest="target",
        required=True,
        metavar="DST",
        help="an empty registry (home folder or postgresql://...), or an "
        "earlier copy of SRC to bring up to date",
    )
    copy.add_argument(
        "--from-artifacts",
        metavar="LOCATION",
        help="where SRC's model files are (s3://bucket/prefix or a folder)",
    )
    copy.add_argument(
        "--to-artifacts",
        metavar="LOCATION",
        help="where DST's model files go (s3://bucket/prefix or a folder)",
    )
    copy.add_argument(
        "--allow-missing-files",
        action="store_true",
        help="copy the rows even if SRC lacks some model files (listed)",
    )
    copy.set_defaults(run=_copy)


def _copy(args: argparse.Namespace) -> int:
    from registry.store.copy import copy_registry, open_registry

    source = open_registry(args.source, args.from_artifacts, existing=True)
    with contextlib.closing(_Closer(source)):
        target = open_registry(args.target, args.to_artifacts)
        with contextlib.closing(_Closer(target)):
            report = copy_registry(source, target, allow_missing_files=args.allow_missing_files)
    print(f"registry copy {args.source} -> {args.target}: {report.summary()}")
    for sha in report.missing_files:
        print(f"  missing in the source: model file {sha}")
    return 0


class _Closer:
    """Let go of a store at the end: DuckDB's file lease, PostgreSQL's pool."""

    def __init__(self, store):
        self.store = store

    def close(self) -> None:
        closing = getattr(self.store, "close", None) or self.store.release
        closing()
