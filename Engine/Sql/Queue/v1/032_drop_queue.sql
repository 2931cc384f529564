-- ferry.drop_queue(queue)
--   Removes a queue: capture triggers of its tables, its event tables, ticks, consumers and retries.
-- Returns: true when the queue existed.
-- Tables: ferry.queue (cascades to tick, consumer, capture_table, retry_event); drops ferry.event_<id>*.
CREATE OR REPLACE FUNCTION ferry.drop_queue(p_queue text)
RETURNS boolean
LANGUAGE plpgsql AS $fn$
DECLARE
    v_id  int;
    v_tbl regclass;
BEGIN
    SELECT queue_id INTO v_id FROM ferry.queue WHERE queue_name = p_queue FOR UPDATE;
    IF v_id IS NULL THEN
        RETURN false;
    END IF;
    FOR v_tbl IN SELECT ct_table FROM ferry.capture_table WHERE ct_queue = v_id LOOP
        PERFORM ferry.disable_capture(p_queue, v_tbl);
    END LOOP;
    DELETE FROM ferry.queue WHERE queue_id = v_id;
    EXECUTE format('DROP TABLE IF EXISTS ferry.event_%s', v_id);
    EXECUTE format('DROP FUNCTION IF EXISTS ferry.capture_%s()', v_id);
    RETURN true;
END
$fn$;
