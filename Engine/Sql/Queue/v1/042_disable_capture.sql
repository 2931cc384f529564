-- ferry.disable_capture(queue, tbl)
--   Stops capturing a table into a queue (drops its ferry_q<id>_* triggers). Events already queued stay.
-- Returns: true when the table was captured.
-- Tables: ferry.capture_table; drops triggers on tbl.
CREATE OR REPLACE FUNCTION ferry.disable_capture(p_queue text, p_table regclass)
RETURNS boolean
LANGUAGE plpgsql AS $fn$
DECLARE
    v_id  int := ferry.queue_id(p_queue);
    v_trg name;
BEGIN
    FOR v_trg IN SELECT tgname FROM pg_catalog.pg_trigger
                  WHERE tgrelid = p_table AND tgname IN (SELECT format('ferry_q%s_%s', v_id, s)
                                                           FROM unnest(ARRAY['ins', 'upd', 'del', 'trunc', 'key']) AS s) LOOP
        EXECUTE format('DROP TRIGGER %I ON %s', v_trg, p_table);
    END LOOP;
    DELETE FROM ferry.capture_table WHERE ct_queue = v_id AND ct_table = p_table;
    RETURN FOUND;
END
$fn$;
