-- ferry.finish_batch(queue, consumer, batch_tick)
--   Closes the consumer's open batch ending at batch_tick: its position moves to that tick.
-- Returns: true when the batch was open and is now finished; false when the consumer's position is already at
--   batch_tick (finishing twice is harmless); an error for any other tick.
-- Tables: ferry.consumer.
CREATE OR REPLACE FUNCTION ferry.finish_batch(p_queue text, p_consumer text, p_batch_tick bigint)
RETURNS boolean
LANGUAGE plpgsql AS $fn$
DECLARE
    v_c ferry.consumer := ferry.consumer_row(p_queue, p_consumer);
BEGIN
    IF v_c.consumer_batch_tick = p_batch_tick THEN
        UPDATE ferry.consumer
           SET consumer_last_tick = p_batch_tick, consumer_batch_tick = NULL, consumer_batch_started = NULL
         WHERE consumer_id = v_c.consumer_id;
        RETURN true;
    ELSIF v_c.consumer_last_tick = p_batch_tick THEN
        RETURN false;
    END IF;
    RAISE EXCEPTION 'ferry: consumer % of queue % has no open batch ending at tick % (open: %, position: %)',
        quote_literal(p_consumer), quote_literal(p_queue), p_batch_tick, v_c.consumer_batch_tick, v_c.consumer_last_tick
        USING ERRCODE = 'invalid_parameter_value';
END
$fn$;
