-- ferry.next_batch(queue, consumer)
--   Opens the consumer's next batch: the tick range (last finished tick, next tick]. If a batch is already
--   open (say the consumer crashed before finishing it) the same batch is returned again.
-- Returns: one row describing the batch (ticks, their times and snapshots, the queue id), or no row
--   when there is no tick after the consumer's position yet. The events are in ferry.event_<queue_id>.
-- Tables: ferry.consumer (sets consumer_batch_tick), reads ferry.tick.
CREATE OR REPLACE FUNCTION ferry.next_batch(p_queue text, p_consumer text,
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
BEGIN
    IF v_next IS NULL THEN
        SELECT min(tick_id) INTO v_next FROM ferry.tick WHERE tick_queue = v_c.consumer_queue AND tick_id > v_c.consumer_last_tick;
        IF v_next IS NULL THEN
            RETURN;
        END IF;
        UPDATE ferry.consumer SET consumer_batch_tick = v_next, consumer_batch_started = now()
         WHERE ferry.consumer.consumer_id = v_c.consumer_id;
    END IF;
    SELECT * INTO STRICT v_prev FROM ferry.tick WHERE tick_queue = v_c.consumer_queue AND tick_id = v_c.consumer_last_tick;
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
