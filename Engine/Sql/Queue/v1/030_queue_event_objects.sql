-- ferry.queue_event_objects(queue_id)
--   Creates, if missing, a queue's event objects: the event id sequence ferry.event_<id>_id_seq, the event table
--   ferry.event_<id> partitioned by ev_table_no into ferry.event_<id>_0 .. _<ntables-1> (rotation truncates one
--   partition at a time), its index on ev_txid (the batch query's access path), and the capture trigger function
--   ferry.capture_<id>() that ferry.enable_capture attaches to tables (see ferry.queue_capture_function).
-- Returns: void.
-- Tables: reads ferry.queue; creates the objects above.
CREATE OR REPLACE FUNCTION ferry.queue_event_objects(p_queue_id int)
RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
    v_ntables int;
BEGIN
    SELECT queue_ntables INTO STRICT v_ntables FROM ferry.queue WHERE queue_id = p_queue_id;

    EXECUTE format('CREATE SEQUENCE IF NOT EXISTS ferry.event_%s_id_seq', p_queue_id);
    EXECUTE format($t$
        CREATE TABLE IF NOT EXISTS ferry.event_%1$s (
            ev_table_no smallint NOT NULL,
            ev_id       bigint NOT NULL DEFAULT nextval('ferry.event_%1$s_id_seq'),
            ev_txid     bigint NOT NULL,
            ev_time     timestamptz NOT NULL DEFAULT now(),
            ev_owner    int,
            ev_retry    int,
            ev_type     text NOT NULL,
            ev_table    text,
            ev_data     json,
            ev_extra    text
        ) PARTITION BY LIST (ev_table_no)$t$, p_queue_id);
    EXECUTE format('ALTER SEQUENCE ferry.event_%1$s_id_seq OWNED BY ferry.event_%1$s.ev_id', p_queue_id);
    FOR i IN 0 .. v_ntables - 1 LOOP
        EXECUTE format('CREATE TABLE IF NOT EXISTS ferry.event_%1$s_%2$s PARTITION OF ferry.event_%1$s FOR VALUES IN (%2$s)',
                       p_queue_id, i);
    END LOOP;
    EXECUTE format('CREATE INDEX IF NOT EXISTS event_%1$s_txid_idx ON ferry.event_%1$s (ev_txid)', p_queue_id);

    PERFORM ferry.queue_capture_function(p_queue_id);
END
$fn$;
