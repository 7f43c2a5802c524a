"""The schema, as an ordered list of migrations.

Each migration runs in one transaction together with the row in ``schema_migrations`` that
records it, so a failed migration leaves the database as it was. Append new migrations at the
end; never edit one that has shipped.

Timestamps are integers: milliseconds since the Unix epoch, UTC (as in MLflow's entities).
Tags live on their row as a MAP, so reading a model or a version is one plain query (in
DuckDB, planning a statement costs more than running it). A model's ``aliases`` map
(alias -> version) is the truth; each version's ``aliases`` list mirrors it for reads.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import duckdb

from registry.errors import RegistryError


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    apply: Callable[[duckdb.DuckDBPyConnection], None]


def _statements(sql: str) -> Callable[[duckdb.DuckDBPyConnection], None]:
    def apply(con: duckdb.DuckDBPyConnection) -> None:
        for statement in sql.split(";"):
            if statement.strip():
                con.execute(statement)

    return apply


_INITIAL = """
CREATE TABLE registered_models (
    name VARCHAR PRIMARY KEY,
    description VARCHAR,
    creation_timestamp BIGINT NOT NULL,
    last_updated_timestamp BIGINT NOT NULL,
    next_version INTEGER NOT NULL DEFAULT 1,
    tags MAP(VARCHAR, VARCHAR) NOT NULL DEFAULT MAP {},
    aliases MAP(VARCHAR, INTEGER) NOT NULL DEFAULT MAP {}
);
CREATE TABLE model_versions (
    name VARCHAR NOT NULL,
    version INTEGER NOT NULL,
    creation_timestamp BIGINT NOT NULL,
    last_updated_timestamp BIGINT NOT NULL,
    description VARCHAR,
    user_id VARCHAR,
    current_stage VARCHAR NOT NULL DEFAULT 'None',
    source VARCHAR,
    run_id VARCHAR,
    run_link VARCHAR,
    status VARCHAR NOT NULL DEFAULT 'READY',
    status_message VARCHAR,
    tags MAP(VARCHAR, VARCHAR) NOT NULL DEFAULT MAP {},
    aliases VARCHAR[] NOT NULL DEFAULT [],
    deleted BOOLEAN NOT NULL DEFAULT false,
    PRIMARY KEY (name, version)
);
CREATE TABLE runs (
    run_id VARCHAR PRIMARY KEY,
    experiment_name VARCHAR NOT NULL DEFAULT 'Default',
    run_name VARCHAR,
    status VARCHAR NOT NULL DEFAULT 'RUNNING',
    start_time BIGINT NOT NULL,
    end_time BIGINT,
    user_id VARCHAR
);
CREATE SEQUENCE change_id_seq;
CREATE TABLE changes (
    id BIGINT PRIMARY KEY DEFAULT nextval('change_id_seq'),
    ts BIGINT NOT NULL,
    actor VARCHAR NOT NULL,
    event VARCHAR NOT NULL,
    model_name VARCHAR,
    version INTEGER,
    key VARCHAR,
    old_value VARCHAR,
    new_value VARCHAR,
    comment VARCHAR,
    payload VARCHAR
)
"""

_RUNS_AND_MODEL_FILES = """
ALTER TABLE runs ADD COLUMN source_name VARCHAR;
ALTER TABLE runs ADD COLUMN source_type VARCHAR;
ALTER TABLE runs ADD COLUMN git_commit VARCHAR;
ALTER TABLE runs ADD COLUMN git_dirty BOOLEAN;
CREATE TABLE run_params (
    run_id VARCHAR NOT NULL,
    key VARCHAR NOT NULL,
    value VARCHAR,
    PRIMARY KEY (run_id, key)
);
CREATE TABLE run_metrics (
    run_id VARCHAR NOT NULL,
    key VARCHAR NOT NULL,
    value DOUBLE,
    step BIGINT NOT NULL,
    timestamp BIGINT NOT NULL
);
CREATE TABLE run_tags (
    run_id VARCHAR NOT NULL,
    key VARCHAR NOT NULL,
    value VARCHAR,
    PRIMARY KEY (run_id, key)
);
CREATE TABLE run_inputs (
    run_id VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    context VARCHAR,
    source VARCHAR,
    digest VARCHAR,
    num_rows BIGINT,
    num_columns INTEGER,
    size_bytes BIGINT,
    schema VARCHAR
);
CREATE TABLE run_models (
    run_id VARCHAR NOT NULL,
    artifact_path VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL,
    flavor VARCHAR NOT NULL,
    manifest VARCHAR NOT NULL,
    created_timestamp BIGINT NOT NULL,
    PRIMARY KEY (run_id, artifact_path)
)
"""

_NOTIFICATIONS = """
CREATE SEQUENCE subscription_id_seq;
CREATE TABLE subscriptions (
    id BIGINT PRIMARY KEY DEFAULT nextval('subscription_id_seq'),
    kind VARCHAR NOT NULL,
    target VARCHAR NOT NULL,
    secret VARCHAR,
    events VARCHAR[] NOT NULL,
    model_pattern VARCHAR NOT NULL,
    enabled BOOLEAN NOT NULL DEFAULT true,
    description VARCHAR,
    created_by VARCHAR NOT NULL,
    creation_timestamp BIGINT NOT NULL,
    last_updated_timestamp BIGINT NOT NULL,
    start_after_change BIGINT NOT NULL
);
CREATE SEQUENCE delivery_id_seq;
CREATE TABLE deliveries (
    id BIGINT PRIMARY KEY DEFAULT nextval('delivery_id_seq'),
    subscription_id BIGINT NOT NULL,
    change_id BIGINT,
    event VARCHAR NOT NULL,
    model_name VARCHAR,
    version INTEGER,
    state VARCHAR NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    round_start INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    requested_by VARCHAR,
    last_status INTEGER,
    last_latency_ms DOUBLE,
    last_error VARCHAR,
    UNIQUE (subscription_id, change_id)
);
CREATE TABLE delivery_attempts (
    delivery_id BIGINT NOT NULL,
    attempt INTEGER NOT NULL,
    started_at BIGINT NOT NULL,
    finished_at BIGINT,
    status_code INTEGER,
    latency_ms DOUBLE,
    error VARCHAR,
    response_excerpt VARCHAR,
    PRIMARY KEY (delivery_id, attempt)
);
CREATE TABLE outbox_cursors (
    name VARCHAR PRIMARY KEY,
    last_change_id BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
)
"""

_REVIEW_WORKFLOW = """
CREATE TABLE roles (
    user_name VARCHAR PRIMARY KEY,
    role VARCHAR NOT NULL,
    granted_by VARCHAR NOT NULL,
    granted_at BIGINT NOT NULL
);
CREATE SEQUENCE transition_request_id_seq;
CREATE TABLE transition_requests (
    id BIGINT PRIMARY KEY DEFAULT nextval('transition_request_id_seq'),
    model_name VARCHAR NOT NULL,
    version INTEGER NOT NULL,
    stage VARCHAR NOT NULL,
    archive_existing_versions BOOLEAN NOT NULL,
    requested_by VARCHAR NOT NULL,
    requested_at BIGINT NOT NULL,
    comment VARCHAR,
    status VARCHAR NOT NULL,
    decided_by VARCHAR,
    decided_at BIGINT,
    decision_comment VARCHAR
);
CREATE SEQUENCE version_comment_id_seq;
CREATE TABLE version_comments (
    id BIGINT PRIMARY KEY DEFAULT nextval('version_comment_id_seq'),
    model_name VARCHAR NOT NULL,
    version INTEGER NOT NULL,
    author VARCHAR NOT NULL,
    created_at BIGINT NOT NULL,
    text VARCHAR NOT NULL
)
"""

_VALIDATIONS = """
CREATE SEQUENCE validation_record_id_seq;
CREATE TABLE validation_records (
    id BIGINT PRIMARY KEY DEFAULT nextval('validation_record_id_seq'),
    model_name VARCHAR NOT NULL,
    model_created BIGINT NOT NULL,
    version INTEGER NOT NULL,
    model_sha256 VARCHAR,
    data_name VARCHAR,
    data_sha256 VARCHAR NOT NULL,
    num_rows BIGINT NOT NULL,
    num_columns INTEGER NOT NULL,
    target VARCHAR NOT NULL,
    task VARCHAR NOT NULL,
    metrics VARCHAR NOT NULL,
    rule_results VARCHAR NOT NULL,
    passed BOOLEAN,
    details VARCHAR NOT NULL,
    created_by VARCHAR NOT NULL,
    creation_timestamp BIGINT NOT NULL,
    duration_ms BIGINT NOT NULL
);
CREATE TABLE validation_policies (
    model_name VARCHAR PRIMARY KEY,
    model_created BIGINT NOT NULL,
    rules VARCHAR NOT NULL,
    comment VARCHAR,
    updated_by VARCHAR NOT NULL,
    last_updated_timestamp BIGINT NOT NULL
)
"""

_TOKENS = """
CREATE SEQUENCE token_id_seq;
CREATE TABLE access_tokens (
    id INTEGER PRIMARY KEY DEFAULT nextval('token_id_seq'),
    token_hash VARCHAR NOT NULL UNIQUE,
    user_name VARCHAR NOT NULL,
    label VARCHAR,
    created_by VARCHAR NOT NULL,
    creation_timestamp BIGINT NOT NULL,
    revoked_timestamp BIGINT
)
"""

MIGRATIONS: list[Migration] = [
    Migration(1, "initial registry schema", _statements(_INITIAL)),
    Migration(
        2,
        "runs: params, metrics, tags, datasets and model files",
        _statements(_RUNS_AND_MODEL_FILES),
    ),
    Migration(
        3,
        "notifications: subscriptions, deliveries, delivery log, outbox cursor",
        _statements(_NOTIFICATIONS),
    ),
    Migration(
        4, "review workflow: roles, transition requests, comments", _statements(_REVIEW_WORKFLOW)
    ),
    Migration(5, "validation: records and per-model policies", _statements(_VALIDATIONS)),
    Migration(
        6,
        "validation: Production requires a recent passing validation (per model)",
        _statements("ALTER TABLE validation_policies ADD COLUMN production_within_days INTEGER"),
    ),
    Migration(7, "server: personal access tokens, stored as hashes", _statements(_TOKENS)),
    Migration(
        8,
        "server: tokens that may act for signed-in dashboard users",
        _statements("ALTER TABLE access_tokens ADD COLUMN delegate BOOLEAN NOT NULL DEFAULT false"),
    ),
    Migration(
        9,
        "validation: aliases protected like Production (JSON list; NULL is the default)",
        _statements("ALTER TABLE validation_policies ADD COLUMN protected_aliases VARCHAR"),
    ),
    # PostgreSQL's indexes for first pages at scale; DuckDB scans its columns fast without.
    Migration(10, "search: indexes for the default orders and tag filters", _statements("")),
    # A model's versions by name (read through versions.of_model, versions_of and
    # update_versions): without it every read of one model's versions scans the whole table.
    Migration(
        11,
        "versions: an index on the model's name",
        _statements("CREATE INDEX model_versions_name ON model_versions (name)"),
    ),
]


def apply_pending(con: duckdb.DuckDBPyConnection, migrations: list[Migration] = MIGRATIONS) -> int:
    """Apply every migration newer than the database; return how many ran."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations "
        "(version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at BIGINT NOT NULL)"
    )
    row = con.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()
    current = row[0] if row else 0
    known = migrations[-1].version if migrations else 0
    if current > known:
        # An older release would miss what newer schemas add (e.g. the Production gate).
        raise _newer_release(current, known)
    applied = 0
    for migration in migrations:
        if migration.version <= current:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            migration.apply(con)
            con.execute(
                "INSERT INTO schema_migrations VALUES (?, ?, ?)",
                [migration.version, migration.name, int(time.time() * 1000)],
            )
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        applied += 1
    return applied


def current_version(con: duckdb.DuckDBPyConnection) -> int:
    """The newest migration recorded in the database (0 for an empty one)."""
    row = con.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()
    return row[0] if row else 0


def refuse_outdated_schema(con: duckdb.DuckDBPyConnection, path, reason: str) -> None:
    """A read-only file cannot be migrated: refuse one whose schema is not this release's."""
    try:
        found = current_version(con)
    except duckdb.CatalogException:
        found = 0
    known = MIGRATIONS[-1].version
    if found < known:
        raise RegistryError(
            f"Registry {path} has schema {found}, older than this release's {known}, and is "
            f"read-only here ({reason}): open it once where it is writable to upgrade it"
        )
    if found > known:
        raise _newer_release(found, known)


def _newer_release(found: int, known: int) -> RegistryError:
    return RegistryError(
        f"This registry was written by a newer release (schema {found}; this release "
        f"knows up to {known}). Upgrade the registry package to use it."
    )
