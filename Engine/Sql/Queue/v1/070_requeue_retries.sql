-- ferry.requeue_retries(queue)
--   Maintenance: moves retry events whose time has come back into the queue's current event table, owned by
--   the consumer that sent them back (other consumers do not see them), keeping their event id. They are then
--   delivered in the batch in which this transaction commits.
-- Returns: the number of events moved.
-- Tables: ferry.retry_event (deletes), ferry.event_<queue id> (inserts).
CREATE OR REPLACE FUNCTION ferry.requeue_retries(p_queue text)
RETURNS int
LANGUAGE plpgsql AS $fn$
DECLARE
    v_id   int := ferry.queue_id(p_queue);
    v_rows int;
BEGIN
    EXECUTE format($q$
        WITH due AS (
            DELETE FROM ferry.retry_event r
             USING ferry.consumer c
             WHERE c.consumer_id = r.retry_consumer AND c.consumer_queue = $1 AND r.retry_after <= now()
            RETURNING r.*)
        INSERT INTO ferry.event_%s (ev_table_no, ev_id, ev_txid, ev_time, ev_owner, ev_retry, ev_type, ev_table,
                                    ev_data, ev_extra)
        SELECT (SELECT queue_cur_table FROM ferry.queue WHERE queue_id = $1), ev_id, ferry.current_txid(), ev_time,
               retry_consumer, ev_retry, ev_type, ev_table, ev_data, ev_extra
          FROM due
         ORDER BY ev_id$q$, v_id)
        USING v_id;
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    RETURN v_rows;
END
$fn$;
