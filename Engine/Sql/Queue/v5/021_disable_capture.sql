-- ferry.disable_capture(queue, tbl)
--   Version 5: stops capturing a table into a queue: drops its ferry_q<id>_* triggers, and the ptrunc triggers of its
--   partitions when it is partitioned (the cloned row triggers go with their parent's). Events already queued stay.
-- Returns: true when the table was captured.
-- Tables: ferry.capture_table; drops triggers on tbl and its partitions.
CREATE OR REPLACE FUNCTION ferry.disable_capture(p_queue text, p_table regclass)
RETURNS boolean
LANGUAGE plpgsql AS $fn$
DECLARE
    v_id  int := ferry.queue_id(p_queue);
    v_trg record;
BEGIN
    FOR v_trg IN SELECT t.tgname, t.tgrelid::regclass AS rel
                   FROM pg_catalog.pg_trigger t
                  WHERE NOT t.tgisinternal
                    AND ((t.tgrelid = p_table AND t.tgname IN (SELECT format('ferry_q%s_%s', v_id, s)
                                                                  FROM unnest(ARRAY['ins', 'upd', 'del', 'trunc', 'truncb', 'key']) AS s))
                         OR (t.tgname = format('ferry_q%s_ptrunc', v_id)
                             AND t.tgrelid IN (SELECT relid FROM pg_catalog.pg_partition_tree(p_table)))) LOOP
        EXECUTE format('DROP TRIGGER %I ON %s', v_trg.tgname, v_trg.rel);
    END LOOP;
    DELETE FROM ferry.capture_table WHERE ct_queue = v_id AND ct_table = p_table;
    RETURN FOUND;
END
$fn$;
