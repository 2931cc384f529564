-- The queue's fixed tables. Event tables are per queue and made by ferry.create_queue.
-- Every statement is guarded so that running this file again changes nothing.

-- One row per queue. The ticker settings decide when ferry.ticker closes a tick; rotation settings decide
-- when ferry.rotate_tables switches the event table that capture writes into.
CREATE TABLE IF NOT EXISTS ferry.queue (
    queue_id                 serial PRIMARY KEY,
    queue_name               text NOT NULL UNIQUE CHECK (length(queue_name) BETWEEN 1 AND 50),
    queue_ntables            int NOT NULL DEFAULT 3 CHECK (queue_ntables BETWEEN 2 AND 32),
    queue_cur_table          int NOT NULL DEFAULT 0,
    queue_rotation_period    interval NOT NULL DEFAULT '2 hours',
    queue_switch_time        timestamptz NOT NULL DEFAULT now(),
    queue_ticker_max_count   int NOT NULL DEFAULT 500 CHECK (queue_ticker_max_count > 0),
    queue_ticker_max_lag     interval NOT NULL DEFAULT '200 milliseconds',
    queue_ticker_idle_period interval NOT NULL DEFAULT '10 seconds',
    queue_retry_delay        interval NOT NULL DEFAULT '30 seconds',
    queue_created            timestamptz NOT NULL DEFAULT now()
);

-- One row per tick: a consistent cut of the queue. The snapshot is kept as its three parts (bigint txids with
-- epoch) so that the same rule works on every major and a forwarder can write ticks it received from elsewhere.
CREATE TABLE IF NOT EXISTS ferry.tick (
    tick_queue     int NOT NULL REFERENCES ferry.queue ON DELETE CASCADE,
    tick_id        bigint NOT NULL,
    tick_time      timestamptz NOT NULL,
    tick_xmin      bigint NOT NULL,
    tick_xmax      bigint NOT NULL,
    tick_xip       bigint[] NOT NULL,
    tick_event_seq bigint NOT NULL,
    PRIMARY KEY (tick_queue, tick_id)
);

-- One row per consumer of a queue: its position (last finished tick) and its open batch, if any.
CREATE TABLE IF NOT EXISTS ferry.consumer (
    consumer_id            serial PRIMARY KEY,
    consumer_queue         int NOT NULL REFERENCES ferry.queue ON DELETE CASCADE,
    consumer_name          text NOT NULL CHECK (length(consumer_name) BETWEEN 1 AND 200),
    consumer_last_tick     bigint NOT NULL,
    consumer_batch_tick    bigint,
    consumer_batch_started timestamptz,
    consumer_registered    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (consumer_queue, consumer_name)
);

-- The tables whose changes a queue captures, and the key its delete events carry.
CREATE TABLE IF NOT EXISTS ferry.capture_table (
    ct_queue       int NOT NULL REFERENCES ferry.queue ON DELETE CASCADE,
    ct_table       regclass NOT NULL,
    ct_key_columns text[] NOT NULL,
    ct_enabled_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (ct_queue, ct_table)
);

-- Events a consumer sent back to be delivered to it again after retry_after (ferry.requeue_retries moves them
-- into the current event table, owned by that consumer only).
CREATE TABLE IF NOT EXISTS ferry.retry_event (
    retry_consumer int NOT NULL REFERENCES ferry.consumer ON DELETE CASCADE,
    retry_after    timestamptz NOT NULL,
    ev_id          bigint NOT NULL,
    ev_txid        bigint NOT NULL,
    ev_time        timestamptz NOT NULL,
    ev_retry       int NOT NULL,
    ev_type        text NOT NULL,
    ev_table       text,
    ev_data        json,
    ev_extra       text,
    PRIMARY KEY (retry_consumer, ev_id)
);
CREATE INDEX IF NOT EXISTS retry_event_after_idx ON ferry.retry_event (retry_after);
