-- ferry.insert_event(queue, type, tbl, data, extra, ev_id)
--   Writes one event into a queue in the current transaction: control events, tests, and a forwarder
--   (cascading) that re-queues events under the ids its provider gave them (ev_id NULL takes the next id).
-- Returns: the event id (bigint).
-- Tables: ferry.event_<queue id>.
CREATE OR REPLACE FUNCTION ferry.insert_event(p_queue text, p_type text, p_table text, p_data json,
    p_extra text DEFAULT NULL, p_ev_id bigint DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql AS $fn$
DECLARE
    v_id    int := ferry.queue_id(p_queue);
    v_ev_id bigint;
BEGIN
    EXECUTE format($q$
        INSERT INTO ferry.event_%1$s (ev_table_no, ev_id, ev_txid, ev_type, ev_table, ev_data, ev_extra)
        SELECT queue_cur_table, coalesce($2, nextval('ferry.event_%1$s_id_seq')), ferry.current_txid(), $3, $4, $5, $6
          FROM ferry.queue WHERE queue_id = $1
        RETURNING ev_id$q$, v_id)
        INTO v_ev_id
        USING v_id, p_ev_id, p_type, p_table, p_data, p_extra;
    RETURN v_ev_id;
END
$fn$;
