-- Version 6: a held consumer (ferry.hold_consumer) opens no batch ending after its hold tick until the hold ends.
-- Version 3: a consumer that is behind takes several ticks in one batch.
-- ferry.next_batch(queue, consumer, max_events)
--   Opens the consumer's next batch: the tick range (last finished tick, T], where T is the furthest tick whose
--   events since the consumer's position stay within p_max_events (by the ticks' event positions), and at least the
--   next tick. Behind by many small ticks, a consumer so pays the per-batch cost (a target transaction, a round trip
--   to finish) once per p_max_events events instead of once per tick. (t1, t3] is the union of (t1, t2] and (t2, t3]
--   under the txid-snapshot rule, so merging ticks keeps every event in exactly one batch. p_max_events = 1 gives one
--   tick per batch (what a forwarder needs to keep tick boundaries). An open batch is returned again unchanged.
-- Returns: one row describing the batch, or no row when no tick follows the consumer's position yet.
-- Tables: ferry.consumer (sets consumer_batch_tick), reads ferry.tick.
CREATE OR REPLACE FUNCTION ferry.next_batch(p_queue text, p_consumer text, p_max_events bigint DEFAULT 20000,
    OUT batch_tick bigint, OUT batch_tick_time timestamptz,
    OUT prev_tick bigint, OUT prev_tick_time timestamptz,
    OUT prev_xmax bigint, OUT prev_xip bigint[],
    OUT cur_xmin bigint, OUT cur_xmax bigint, OUT cur_xip bigint[],
    OUT consumer_id int, OUT queue_id int)
RETURNS SETOF record
LANGUAGE plpgsql AS $fn$
DECLARE
    v_c    ferry.consumer := ferry.consumer_row(p_queue, p_consumer);
    v_next bigint := v_c.consumer_batch_tick;
    v_prev ferry.tick;
    v_cur  ferry.tick;
    v_hold bigint;
BEGIN
    -- consumer_row locked the row: a hold made before it is seen here, one made after waits for this batch to open.
    IF v_c.consumer_hold_tick IS NOT NULL AND v_c.consumer_hold_until > now() THEN
        v_hold := v_c.consumer_hold_tick;
    END IF;
    SELECT * INTO STRICT v_prev FROM ferry.tick WHERE tick_queue = v_c.consumer_queue AND tick_id = v_c.consumer_last_tick;
    IF v_next IS NULL THEN
        SELECT max(t.tick_id) INTO v_next FROM ferry.tick t
         WHERE t.tick_queue = v_c.consumer_queue AND t.tick_id > v_c.consumer_last_tick
           AND t.tick_event_seq - v_prev.tick_event_seq <= p_max_events
           AND (v_hold IS NULL OR t.tick_id <= v_hold);
        IF v_next IS NULL THEN
            SELECT min(t.tick_id) INTO v_next FROM ferry.tick t
             WHERE t.tick_queue = v_c.consumer_queue AND t.tick_id > v_c.consumer_last_tick
               AND (v_hold IS NULL OR t.tick_id <= v_hold);
        END IF;
        IF v_next IS NULL THEN
            RETURN;
        END IF;
        UPDATE ferry.consumer SET consumer_batch_tick = v_next, consumer_batch_started = now()
         WHERE ferry.consumer.consumer_id = v_c.consumer_id;
    END IF;
    SELECT * INTO STRICT v_cur FROM ferry.tick WHERE tick_queue = v_c.consumer_queue AND tick_id = v_next;
    batch_tick := v_cur.tick_id;
    batch_tick_time := v_cur.tick_time;
    prev_tick := v_prev.tick_id;
    prev_tick_time := v_prev.tick_time;
    prev_xmax := v_prev.tick_xmax;
    prev_xip := v_prev.tick_xip;
    cur_xmin := v_cur.tick_xmin;
    cur_xmax := v_cur.tick_xmax;
    cur_xip := v_cur.tick_xip;
    consumer_id := v_c.consumer_id;
    queue_id := v_c.consumer_queue;
    RETURN NEXT;
END
$fn$;
