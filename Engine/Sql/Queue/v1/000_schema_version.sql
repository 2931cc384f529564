-- ferry.schema_version: which version of each installed component of the ferry schema a node database holds.
-- Written by the engine's installer (Ferry.Engine.Queue.QueueSchema) only: one row per component, version raised
-- in the same transaction that applies that version's scripts.
CREATE SCHEMA IF NOT EXISTS ferry;

CREATE TABLE IF NOT EXISTS ferry.schema_version (
    component    text PRIMARY KEY,
    version      int NOT NULL,
    installed_at timestamptz NOT NULL DEFAULT now()
);
