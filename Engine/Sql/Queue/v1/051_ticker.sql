-- ferry.ticker(queue)
--   One decision of the ticker: closes a tick when at least ticker_max_count events were written since the last
--   tick, or ticker_max_lag has passed since it with events pending, or ticker_idle_period has passed since it.
-- Returns: the new tick id, or NULL when no tick was due.
-- Tables: locks the ferry.queue row, reads and inserts ferry.tick.
CREATE OR REPLACE FUNCTION ferry.ticker(p_queue text)
RETURNS bigint
LANGUAGE plpgsql AS $fn$
DECLARE
    v_q       ferry.queue;
    v_last    ferry.tick;
    v_pending bigint;
    v_age     interval;
BEGIN
    SELECT * INTO v_q FROM ferry.queue WHERE queue_name = p_queue FOR UPDATE;
    IF v_q.queue_id IS NULL THEN
        PERFORM ferry.queue_id(p_queue);
    END IF;
    SELECT * INTO v_last FROM ferry.tick WHERE tick_queue = v_q.queue_id ORDER BY tick_id DESC LIMIT 1;
    IF v_last.tick_id IS NULL THEN
        RETURN ferry.tick(p_queue);
    END IF;
    v_pending := ferry.event_position(v_q.queue_id) - v_last.tick_event_seq;
    v_age := clock_timestamp() - v_last.tick_time;
    IF v_pending >= v_q.queue_ticker_max_count
       OR (v_pending > 0 AND v_age >= v_q.queue_ticker_max_lag)
       OR v_age >= v_q.queue_ticker_idle_period THEN
        RETURN ferry.tick(p_queue);
    END IF;
    RETURN NULL;
END
$fn$;
