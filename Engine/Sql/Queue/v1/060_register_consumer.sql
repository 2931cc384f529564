-- ferry.register_consumer(queue, consumer)
--   Registers a consumer at the queue's newest tick: its first batch holds what commits after that tick.
-- Returns: true when registered now, false when it already was (its position is kept).
-- Tables: ferry.consumer (reads ferry.tick; makes a tick if the queue has none).
CREATE OR REPLACE FUNCTION ferry.register_consumer(p_queue text, p_consumer text)
RETURNS boolean
LANGUAGE plpgsql AS $fn$
DECLARE
    v_id   int := ferry.queue_id(p_queue);
    v_tick bigint;
BEGIN
    IF EXISTS (SELECT 1 FROM ferry.consumer WHERE consumer_queue = v_id AND consumer_name = p_consumer) THEN
        RETURN false;
    END IF;
    SELECT max(tick_id) INTO v_tick FROM ferry.tick WHERE tick_queue = v_id;
    IF v_tick IS NULL THEN
        v_tick := ferry.tick(p_queue);
    END IF;
    INSERT INTO ferry.consumer (consumer_queue, consumer_name, consumer_last_tick)
    VALUES (v_id, p_consumer, v_tick)
    ON CONFLICT (consumer_queue, consumer_name) DO NOTHING;
    RETURN FOUND;
END
$fn$;
