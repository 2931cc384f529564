-- ferry.retry_event(queue, consumer, ev_id, ev_txid, delay)
--   Puts one event of the consumer's open batch into the retry queue, to be delivered to that consumer again
--   (by ferry.requeue_retries) after delay, or the queue's retry_delay when NULL. Finish the batch as usual.
-- Returns: true when the event was found and queued for retry.
-- Tables: reads ferry.event_<queue id> (by ev_txid index), inserts ferry.retry_event.
CREATE OR REPLACE FUNCTION ferry.retry_event(p_queue text, p_consumer text, p_ev_id bigint, p_ev_txid bigint,
    p_delay interval DEFAULT NULL)
RETURNS boolean
LANGUAGE plpgsql AS $fn$
DECLARE
    v_c     ferry.consumer := ferry.consumer_row(p_queue, p_consumer);
    v_delay interval;
    v_rows  int;
BEGIN
    SELECT coalesce(p_delay, queue_retry_delay) INTO v_delay FROM ferry.queue WHERE queue_id = v_c.consumer_queue;
    EXECUTE format($q$
        INSERT INTO ferry.retry_event (retry_consumer, retry_after, ev_id, ev_txid, ev_time, ev_retry, ev_type, ev_table,
                                       ev_data, ev_extra)
        SELECT $1, now() + $2, e.ev_id, e.ev_txid, e.ev_time, coalesce(e.ev_retry, 0) + 1, e.ev_type, e.ev_table,
               e.ev_data, e.ev_extra
          FROM ferry.event_%s AS e
         WHERE e.ev_txid = $3 AND e.ev_id = $4 AND (e.ev_owner IS NULL OR e.ev_owner = $1)
         LIMIT 1
        ON CONFLICT (retry_consumer, ev_id) DO NOTHING$q$, v_c.consumer_queue)
        USING v_c.consumer_id, v_delay, p_ev_txid, p_ev_id;
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    RETURN v_rows > 0;
END
$fn$;
