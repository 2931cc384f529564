-- Version 7: sequence values travel with the ticks (docs/decisions/ADR-020-ddl-and-sequences-in-the-stream.md). The
-- sequences a queue's subscriptions carry are registered here; every tick records their positions, so the apply of a batch
-- sets the target sequences in its own transaction to the values the source had when the batch's tick was made.
CREATE TABLE IF NOT EXISTS ferry.queue_sequence (
    qs_queue    int NOT NULL REFERENCES ferry.queue ON DELETE CASCADE,
    qs_sequence regclass NOT NULL,
    PRIMARY KEY (qs_queue, qs_sequence)
);

-- One row per registered sequence per tick; goes with its tick (ferry.remove_ticks).
CREATE TABLE IF NOT EXISTS ferry.tick_sequence (
    ts_queue      int NOT NULL,
    ts_tick       bigint NOT NULL,
    ts_sequence   text NOT NULL,
    ts_last_value bigint NOT NULL,
    ts_is_called  boolean NOT NULL,
    PRIMARY KEY (ts_queue, ts_tick, ts_sequence),
    FOREIGN KEY (ts_queue, ts_tick) REFERENCES ferry.tick (tick_queue, tick_id) ON DELETE CASCADE
);

-- ferry.register_sequence(queue, sequence)
--   Records the sequence's position with every tick of the queue from now on. Registering twice changes nothing.
-- Returns: true when it was not registered before.
-- Tables: ferry.queue_sequence.
CREATE OR REPLACE FUNCTION ferry.register_sequence(p_queue text, p_sequence regclass)
RETURNS boolean
LANGUAGE plpgsql AS $fn$
DECLARE
    v_id int := ferry.queue_id(p_queue);
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_class WHERE oid = p_sequence AND relkind = 'S') THEN
        RAISE EXCEPTION 'ferry: % is not a sequence', p_sequence USING ERRCODE = 'wrong_object_type';
    END IF;
    INSERT INTO ferry.queue_sequence (qs_queue, qs_sequence) VALUES (v_id, p_sequence) ON CONFLICT DO NOTHING;
    RETURN FOUND;
END
$fn$;

-- ferry.unregister_sequence(queue, sequence)
--   Stops recording the sequence with the queue's ticks.
-- Returns: true when it was registered.
-- Tables: ferry.queue_sequence.
CREATE OR REPLACE FUNCTION ferry.unregister_sequence(p_queue text, p_sequence regclass)
RETURNS boolean
LANGUAGE plpgsql AS $fn$
BEGIN
    DELETE FROM ferry.queue_sequence WHERE qs_queue = ferry.queue_id(p_queue) AND qs_sequence = p_sequence;
    RETURN FOUND;
END
$fn$;

-- ferry.record_sequences(queue id, tick)
--   Writes the position of every registered sequence that still exists for the tick (called by ferry.tick). A sequence
--   dropped since it was registered is passed over (a tick never fails for it).
-- Returns: the number of sequences recorded.
-- Tables: reads ferry.queue_sequence and the sequences, inserts ferry.tick_sequence.
CREATE OR REPLACE FUNCTION ferry.record_sequences(p_queue_id int, p_tick bigint)
RETURNS int
LANGUAGE plpgsql AS $fn$
DECLARE
    v_seq  record;
    v_last bigint;
    v_call boolean;
    v_rows int := 0;
BEGIN
    FOR v_seq IN
        SELECT c.oid, '"' || replace(n.nspname, '"', '""') || '"."' || replace(c.relname, '"', '""') || '"' AS name
          FROM ferry.queue_sequence qs
          JOIN pg_catalog.pg_class c ON c.oid = qs.qs_sequence AND c.relkind = 'S'
          JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
         WHERE qs.qs_queue = p_queue_id
    LOOP
        EXECUTE format('SELECT last_value, is_called FROM %s', v_seq.oid::regclass) INTO v_last, v_call;
        INSERT INTO ferry.tick_sequence (ts_queue, ts_tick, ts_sequence, ts_last_value, ts_is_called)
        VALUES (p_queue_id, p_tick, v_seq.name, v_last, v_call);
        v_rows := v_rows + 1;
    END LOOP;
    RETURN v_rows;
END
$fn$;

-- ferry.tick_sequences(queue, tick)
--   The sequence positions the tick recorded, by sequence name ("schema"."name", always quoted).
-- Returns: one row per sequence.
-- Tables: ferry.tick_sequence.
CREATE OR REPLACE FUNCTION ferry.tick_sequences(p_queue text, p_tick bigint,
    OUT sequence_name text, OUT last_value bigint, OUT is_called boolean)
RETURNS SETOF record
LANGUAGE sql STABLE AS $$
    SELECT ts_sequence, ts_last_value, ts_is_called FROM ferry.tick_sequence
     WHERE ts_queue = ferry.queue_id(p_queue) AND ts_tick = p_tick
     ORDER BY ts_sequence
$$;
