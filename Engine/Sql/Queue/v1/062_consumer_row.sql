-- ferry.consumer_row(queue, consumer)
--   A consumer's row, locked FOR UPDATE, or an error naming the queue and the unknown consumer.
-- Returns: ferry.consumer.
-- Tables: ferry.consumer.
CREATE OR REPLACE FUNCTION ferry.consumer_row(p_queue text, p_consumer text)
RETURNS ferry.consumer
LANGUAGE plpgsql AS $fn$
DECLARE
    v_c ferry.consumer;
BEGIN
    SELECT * INTO v_c FROM ferry.consumer
     WHERE consumer_queue = ferry.queue_id(p_queue) AND consumer_name = p_consumer
       FOR UPDATE;
    IF v_c.consumer_id IS NULL THEN
        RAISE EXCEPTION 'ferry: consumer % is not registered on queue %', quote_literal(p_consumer), quote_literal(p_queue)
            USING ERRCODE = 'undefined_object', HINT = 'Register it with ferry.register_consumer.';
    END IF;
    RETURN v_c;
END
$fn$;
