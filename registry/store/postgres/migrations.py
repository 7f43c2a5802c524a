"""The schema on PostgreSQL: the registry's one ordered list of migrations, in this dialect.

The list (numbers and names) is ``registry.store.duckdb.migrations.MIGRATIONS``; this module
gives each number its PostgreSQL SQL, and refuses to import if one is missing, so a
migration cannot be added for one backend only. The differences are the dialect's: JSONB
where DuckDB has MAP columns, ``xid8`` transaction ids on history rows (the outbox reads
only committed ones in commit order, see ``notifications.py``), a few indexes DuckDB does
not need.

Whoever opens the database first migrates it: under a session advisory lock, so several
server processes starting together migrate once, each migration in one transaction with
the row that records it (PostgreSQL's DDL is transactional: a failed migration leaves
nothing behind).
"""

from __future__ import annotations

import time

from registry.errors import RegistryError
from registry.store.duckdb.migrations import MIGRATIONS, Migration

MIGRATION_LOCK = 0x5245_4749_0001  # pg_advisory_lock key: "REGI" + 1

_INITIAL = """
CREATE TABLE registered_models (
    name VARCHAR COLLATE "C" PRIMARY KEY,
    description VARCHAR,
    creation_timestamp BIGINT NOT NULL,
    last_updated_timestamp BIGINT NOT NULL,
    next_version INTEGER NOT NULL DEFAULT 1,
    tags JSONB NOT NULL DEFAULT '{}',
    aliases JSONB NOT NULL DEFAULT '{}'
);
CREATE TABLE model_versions (
    name VARCHAR COLLATE "C" NOT NULL,
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
    tags JSONB NOT NULL DEFAULT '{}',
    aliases VARCHAR[] NOT NULL DEFAULT '{}',
    deleted BOOLEAN NOT NULL DEFAULT false,
    PRIMARY KEY (name, version)
);
CREATE INDEX model_versions_run_idx ON model_versions (run_id);
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
    payload VARCHAR,
    xid xid8 NOT NULL DEFAULT pg_current_xact_id()
);
CREATE INDEX changes_model_idx ON changes (model_name, id);
CREATE INDEX changes_xid_idx ON changes (xid, id)
"""

_RUNS_AND_MODEL_FILES = """
ALTER TABLE runs ADD COLUMN source_name VARCHAR;
ALTER TABLE runs ADD COLUMN source_type VARCHAR;
ALTER TABLE runs ADD COLUMN git_commit VARCHAR;
ALTER TABLE runs ADD COLUMN git_dirty BOOLEAN;
CREATE TABLE run_params (
    run_id VARCHAR NOT NULL, key VARCHAR NOT NULL, value VARCHAR, PRIMARY KEY (run_id, key)
);
CREATE TABLE run_metrics (
    run_id VARCHAR NOT NULL,
    key VARCHAR NOT NULL,
    value DOUBLE PRECISION,
    step BIGINT NOT NULL,
    timestamp BIGINT NOT NULL
);
CREATE INDEX run_metrics_run_idx ON run_metrics (run_id, key);
CREATE TABLE run_tags (
    run_id VARCHAR NOT NULL, key VARCHAR NOT NULL, value VARCHAR, PRIMARY KEY (run_id, key)
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
CREATE INDEX run_inputs_run_idx ON run_inputs (run_id);
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
    last_latency_ms DOUBLE PRECISION,
    last_error VARCHAR,
    UNIQUE (subscription_id, change_id)
);
CREATE INDEX deliveries_due_idx ON deliveries (state, next_attempt_at);
CREATE TABLE delivery_attempts (
    delivery_id BIGINT NOT NULL,
    attempt INTEGER NOT NULL,
    started_at BIGINT NOT NULL,
    finished_at BIGINT,
    status_code INTEGER,
    latency_ms DOUBLE PRECISION,
    error VARCHAR,
    response_excerpt VARCHAR,
    PRIMARY KEY (delivery_id, attempt)
);
CREATE TABLE outbox_cursors (
    name VARCHAR PRIMARY KEY,
    last_change_id BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    last_xid xid8 NOT NULL DEFAULT '0'
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
CREATE INDEX validation_records_model_idx ON validation_records (model_name, version);
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

# A version search's first page walks an index in the default order (newest change first)
# and stops after a page; a model's versions the same within the model. Tag equality is
# JSONB containment, which the GIN index answers when few versions match. A model's newest
# version in each stage (every model of a search page) is one probe per stage.
_SEARCH_INDEXES = """
CREATE INDEX model_versions_updated_idx ON model_versions
    (last_updated_timestamp DESC, name, version DESC) WHERE NOT deleted;
CREATE INDEX model_versions_name_updated_idx ON model_versions
    (name, last_updated_timestamp DESC, version DESC) WHERE NOT deleted;
CREATE INDEX model_versions_stage_idx ON model_versions
    (name, current_stage, version DESC) WHERE NOT deleted;
CREATE INDEX model_versions_tags_idx ON model_versions USING gin (tags jsonb_path_ops);
CREATE INDEX registered_models_updated_idx ON registered_models (last_updated_timestamp DESC, name)
"""

SQL: dict[int, str] = {
    1: _INITIAL,
    2: _RUNS_AND_MODEL_FILES,
    3: _NOTIFICATIONS,
    4: _REVIEW_WORKFLOW,
    5: _VALIDATIONS,
    6: "ALTER TABLE validation_policies ADD COLUMN production_within_days INTEGER",
    7: _TOKENS,
    8: "ALTER TABLE access_tokens ADD COLUMN delegate BOOLEAN NOT NULL DEFAULT false",
    9: "ALTER TABLE validation_policies ADD COLUMN protected_aliases VARCHAR",
    10: _SEARCH_INDEXES,
    11: "",  # DuckDB's name index; PostgreSQL's (name, ...) indexes of 10 serve already
}

_missing = [m.version for m in MIGRATIONS if m.version not in SQL]
if _missing:
    raise ImportError(f"migrations {_missing} have no PostgreSQL SQL in {__name__}")


def _apply_sql(sql: str):
    def apply(cur) -> None:
        for statement in sql.split(";"):
            if statement.strip():
                cur.execute(statement)

    return apply


POSTGRES_MIGRATIONS: list[Migration] = [
    Migration(m.version, m.name, _apply_sql(SQL[m.version])) for m in MIGRATIONS
]


def current_version(con) -> int:
    """The newest migration recorded in the database (0 for an empty one)."""
    row = con.execute(
        "SELECT CASE WHEN to_regclass('schema_migrations') IS NULL THEN 0 "
        "ELSE (SELECT coalesce(max(version), 0) FROM schema_migrations) END"
    ).fetchone()
    return row[0]


def apply_pending(con, migrations: list[Migration] = POSTGRES_MIGRATIONS) -> int:
    """Apply every migration newer than the database on ``con`` (a psycopg connection in
    autocommit mode), holding the migration lock; return how many ran."""
    con.execute("SELECT pg_advisory_lock(%s)", [MIGRATION_LOCK])
    try:
        return _apply_locked(con, migrations)
    finally:
        con.execute("SELECT pg_advisory_unlock(%s)", [MIGRATION_LOCK])


def _apply_locked(con, migrations: list[Migration]) -> int:
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations "
        "(version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at BIGINT NOT NULL)"
    )
    current = current_version(con)
    known = migrations[-1].version if migrations else 0
    if current > known:
        raise RegistryError(
            f"This registry was written by a newer release (schema {current}; this release "
            f"knows up to {known}). Upgrade the registry package to use it."
        )
    applied = 0
    for migration in migrations:
        if migration.version <= current:
            continue
        with con.transaction(), con.cursor() as cur:
            migration.apply(cur)
            cur.execute(
                "INSERT INTO schema_migrations VALUES (%s, %s, %s)",
                [migration.version, migration.name, int(time.time() * 1000)],
            )
        applied += 1
    return applied
