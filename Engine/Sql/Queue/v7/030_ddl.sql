-- Version 7: DDL through the queue (docs/decisions/ADR-020-ddl-and-sequences-in-the-stream.md). An operator's script runs
-- on the root in the transaction that queues it as an event (type DDL, the script with its placeholders in ev_extra);
-- each subscriber runs it at that point of the stream. ferry.ddl_script keeps every script queued, for the portal and for
-- ferry.ddl_pending.
CREATE TABLE IF NOT EXISTS ferry.ddl_script (
    ds_id     bigserial PRIMARY KEY,
    ds_queue  int NOT NULL REFERENCES ferry.queue ON DELETE CASCADE,
    ds_ev_id  bigint NOT NULL,
    ds_txid   bigint NOT NULL,
    ds_script text NOT NULL,
    ds_by     text NOT NULL,
    ds_time   timestamptz NOT NULL DEFAULT now()
);

-- ferry.queue_ddl(queue, script, by, tables)
--   Queues a DDL event for the script in the current transaction, after locking the tables it names (ACCESS EXCLUSIVE,
--   in the order given): a transaction writing them either committed before the event's id was taken, or waits for this
--   transaction and writes after it, so events of those tables stand on the right side of the script in id order. The
--   caller runs the script after this, in the same transaction.
-- Returns: the script's id and its event's id.
-- Tables: ferry.event_<queue id>, ferry.ddl_script; locks the named tables.
CREATE OR REPLACE FUNCTION ferry.queue_ddl(p_queue text, p_script text, p_by text, p_tables regclass[],
    OUT ddl_id bigint, OUT ev_id bigint)
LANGUAGE plpgsql AS $fn$
DECLARE
    v_id    int := ferry.queue_id(p_queue);
    v_table regclass;
BEGIN
    FOREACH v_table IN ARRAY coalesce(p_tables, '{}') LOOP
        EXECUTE format('LOCK TABLE %s IN ACCESS EXCLUSIVE MODE', v_table);
    END LOOP;
    ev_id := ferry.insert_event(p_queue, 'DDL', NULL, NULL, p_script);
    INSERT INTO ferry.ddl_script (ds_queue, ds_ev_id, ds_txid, ds_script, ds_by)
    VALUES (v_id, ev_id, ferry.current_txid(), p_script, p_by)
    RETURNING ds_id INTO ddl_id;
END
$fn$;

-- ferry.ddl_pending(queue, consumer)
--   Whether a DDL script committed that the consumer has not passed yet (its transaction is not visible in the snapshot
--   of the consumer's last finished tick). The apply side then lets a table's rule differ from the source's columns
--   until the script has run on its target (the drift check, docs/decisions/ADR-014-exact-row-encoding.md).
-- Returns: boolean.
-- Tables: reads ferry.ddl_script, ferry.consumer, ferry.tick.
CREATE OR REPLACE FUNCTION ferry.ddl_pending(p_queue text, p_consumer text)
RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (
        SELECT 1 FROM ferry.ddl_script d
          JOIN ferry.consumer c ON c.consumer_queue = d.ds_queue
          JOIN ferry.tick t ON t.tick_queue = c.consumer_queue AND t.tick_id = c.consumer_last_tick
         WHERE c.consumer_queue = ferry.queue_id(p_queue) AND c.consumer_name = p_consumer
           AND NOT ferry.txid_visible(d.ds_txid, t.tick_xmin, t.tick_xmax, t.tick_xip))
$$;

-- A script a subscriber passes over: the operator skipped it there after it failed (audited in the control database).
CREATE TABLE IF NOT EXISTS ferry.ddl_skip (
    dk_queue    int NOT NULL REFERENCES ferry.queue ON DELETE CASCADE,
    dk_ev_id    bigint NOT NULL,
    dk_consumer text NOT NULL,
    dk_by       text NOT NULL,
    dk_time     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (dk_queue, dk_ev_id, dk_consumer)
);

-- ferry.skip_ddl(queue, ev_id, consumer, by)
--   Marks the DDL event as skipped for the consumer: its subscriber passes over it.
-- Returns: true when the event is a DDL script of the queue.
-- Tables: ferry.ddl_skip, reads ferry.ddl_script.
CREATE OR REPLACE FUNCTION ferry.skip_ddl(p_queue text, p_ev_id bigint, p_consumer text, p_by text)
RETURNS boolean
LANGUAGE plpgsql AS $fn$
DECLARE
    v_id int := ferry.queue_id(p_queue);
BEGIN
    IF NOT EXISTS (SELECT 1 FROM ferry.ddl_script WHERE ds_queue = v_id AND ds_ev_id = p_ev_id) THEN
        RETURN false;
    END IF;
    INSERT INTO ferry.ddl_skip (dk_queue, dk_ev_id, dk_consumer, dk_by) VALUES (v_id, p_ev_id, p_consumer, p_by)
    ON CONFLICT DO NOTHING;
    RETURN true;
END
$fn$;

-- ferry.ddl_skipped(queue, ev_id, consumer)
-- Returns: whether the consumer's subscriber passes over the DDL event.
-- Tables: reads ferry.ddl_skip.
CREATE OR REPLACE FUNCTION ferry.ddl_skipped(p_queue text, p_ev_id bigint, p_consumer text)
RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM ferry.ddl_skip
                    WHERE dk_queue = ferry.queue_id(p_queue) AND dk_ev_id = p_ev_id AND dk_consumer = p_consumer)
$$;
