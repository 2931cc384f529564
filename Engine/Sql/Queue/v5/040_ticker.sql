-- ferry.ticker(queue)
--   One decision of the ticker: closes a tick when at least ticker_max_count events were written since the last
--   tick, or ticker_max_lag has passed since it with events pending, or ticker_idle_period has passed since it.
--   No tick while the queue's ticker is paused (version 2).
--   Version 5: before a tick, partitions that came to a captured partitioned table since the last one get their
--   truncate trigger and, when attached with rows, update events for those rows (ferry.capture_partitions).
-- Returns: the new tick id, or NULL when no tick was due.
-- Tables: locks the ferry.queue row, reads and inserts ferry.tick; see ferry.capture_partitions.
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
    IF v_q.queue_ticker_paused THEN
        RETURN NULL;
    END IF;
    IF v_last.tick_id IS NOT NULL THEN
        v_pending := ferry.event_position(v_q.queue_id) - v_last.tick_event_seq;
        v_age := clock_timestamp() - v_last.tick_time;
        IF NOT (v_pending >= v_q.queue_ticker_max_count
                OR (v_pending > 0 AND v_age >= v_q.queue_ticker_max_lag)
                OR v_age >= v_q.queue_ticker_idle_period) THEN
            RETURN NULL;
        END IF;
    END IF;
    IF EXISTS (SELECT 1 FROM ferry.capture_table ct JOIN pg_catalog.pg_class c ON c.oid = ct.ct_table
                WHERE ct.ct_queue = v_q.queue_id AND c.relkind = 'p') THEN
        PERFORM ferry.capture_partitions(v_q.queue_id);
    END IF;
    RETURN ferry.tick(p_queue);
END
$fn$;
