-- ferry.configure_queue(queue, ticker_max_count, ticker_max_lag, ticker_idle_period, rotation_period, retry_delay)
--   Changes a queue's ticker, rotation and retry settings; a NULL argument keeps the current value.
-- Returns: void.
-- Tables: ferry.queue.
CREATE OR REPLACE FUNCTION ferry.configure_queue(
    p_queue text,
    p_ticker_max_count int DEFAULT NULL,
    p_ticker_max_lag interval DEFAULT NULL,
    p_ticker_idle_period interval DEFAULT NULL,
    p_rotation_period interval DEFAULT NULL,
    p_retry_delay interval DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql AS $fn$
BEGIN
    UPDATE ferry.queue
       SET queue_ticker_max_count   = coalesce(p_ticker_max_count, queue_ticker_max_count),
           queue_ticker_max_lag     = coalesce(p_ticker_max_lag, queue_ticker_max_lag),
           queue_ticker_idle_period = coalesce(p_ticker_idle_period, queue_ticker_idle_period),
           queue_rotation_period    = coalesce(p_rotation_period, queue_rotation_period),
           queue_retry_delay        = coalesce(p_retry_delay, queue_retry_delay)
     WHERE queue_id = ferry.queue_id(p_queue);
END
$fn$;
