-- Ferry's state on a TARGET database: the last tick applied per subscription, each table's copy state, and the events
-- kept for tables whose copy is running. Runs as-is in psql; re-running it is a no-op (IF NOT EXISTS everywhere).
-- Read and written through Engine/Target/TargetStateStore (by the apply loop and the copies); will move into the versioned
-- node installer.
CREATE SCHEMA IF NOT EXISTS ferry;

-- One row per subscription applying into this database. last_tick is written in the same transaction as the batch
-- it belongs to (exactly-once apply: docs/architecture.md).
CREATE TABLE IF NOT EXISTS ferry.subscription (
    name         text PRIMARY KEY,
    last_tick    bigint,
    state        text NOT NULL DEFAULT 'active',
    error        text,
    failed_event text,
    updated_at   timestamptz NOT NULL DEFAULT now()
);

-- One row per table of a subscription; state is one of new, copying, catching-up, ok, paused, error.
-- copy_snapshot is the source's txid snapshot of the copy (xmin:xmax:xip).
CREATE TABLE IF NOT EXISTS ferry.table_state (
    subscription  text NOT NULL REFERENCES ferry.subscription (name) ON DELETE CASCADE,
    source_table  text NOT NULL,
    target_table  text NOT NULL,
    state         text NOT NULL,
    copy_snapshot text,
    rows_copied   bigint,
    error         text,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (subscription, source_table)
);

-- Events of tables in state copying, kept until the copy knows its snapshot and replays those it did not see.
CREATE TABLE IF NOT EXISTS ferry.pending_event (
    subscription text NOT NULL,
    source_table text NOT NULL,
    event_id     bigint NOT NULL,
    txid         bigint NOT NULL,
    type         text NOT NULL,
    data         text,
    in_filter    boolean NOT NULL,
    PRIMARY KEY (subscription, source_table, event_id)
);
