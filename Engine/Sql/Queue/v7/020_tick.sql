-- ferry.tick(queue, tick_id)
--   Closes a tick now, whatever the ticker settings say, and wakes consumers (NOTIFY ferry_tick, payload the
--   queue name, delivered at commit). tick_id NULL takes the next number; a forwarder (cascading) passes the id
--   its provider gave the tick, which must be above every tick id the queue holds.
--   Version 7: records the positions of the queue's registered sequences with the tick (ferry.record_sequences), read
--   after the tick's snapshot: every value a transaction the tick sees has taken is at or below them.
-- Returns: the new tick id (bigint).
-- Tables: locks the ferry.queue row (ticks of one queue are serialized), inserts into ferry.tick and ferry.tick_sequence.
CREATE OR REPLACE FUNCTION ferry.tick(p_queue text, p_tick_id bigint DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql AS $fn$
DECLARE
    v_id   int;
    v_last bigint;
    v_tick bigint;
    v_snap record;
BEGIN
    SELECT queue_id INTO v_id FROM ferry.queue WHERE queue_name = p_queue FOR UPDATE;
    IF v_id IS NULL THEN
        PERFORM ferry.queue_id(p_queue);
    END IF;
    SELECT max(tick_id) INTO v_last FROM ferry.tick WHERE tick_queue = v_id;
    v_tick := coalesce(p_tick_id, v_last + 1, 1);
    IF v_tick <= v_last THEN
        RAISE EXCEPTION 'ferry: tick % of queue % is not above its newest tick %', v_tick, p_queue, v_last
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- A statement after the row lock: in READ COMMITTED it takes a new snapshot, so a tick's snapshot is never
    -- older than the snapshot of the tick before it (which committed before we got the lock).
    SELECT * INTO v_snap FROM ferry.current_snapshot();
    INSERT INTO ferry.tick (tick_queue, tick_id, tick_time, tick_xmin, tick_xmax, tick_xip, tick_event_seq)
    VALUES (v_id, v_tick, now(), v_snap.xmin, v_snap.xmax, v_snap.xip, ferry.event_position(v_id));
    PERFORM ferry.record_sequences(v_id, v_tick);
    PERFORM pg_notify('ferry_tick', p_queue);
    RETURN v_tick;
END
$fn$;
