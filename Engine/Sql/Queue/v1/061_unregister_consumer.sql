-- ferry.unregister_consumer(queue, consumer)
--   Removes a consumer, its open batch and its retry events; rotation and tick removal stop waiting for it.
-- Returns: true when the consumer existed.
-- Tables: ferry.consumer (cascades to ferry.retry_event).
CREATE OR REPLACE FUNCTION ferry.unregister_consumer(p_queue text, p_consumer text)
RETURNS boolean
LANGUAGE plpgsql AS $fn$
BEGIN
    DELETE FROM ferry.consumer WHERE consumer_queue = ferry.queue_id(p_queue) AND consumer_name = p_consumer;
    RETURN FOUND;
END
$fn$;
