-- ferry.capture_partitions(queue_id, tbl, emit)
--   Gives every partition of a captured partitioned table (all levels) that lacks it the ptrunc trigger (BEFORE
--   TRUNCATE, see ferry.queue_capture_function): PostgreSQL clones row triggers to new partitions by itself, not
--   statement triggers. With emit, a leaf partition seen for the first time also gets an update event for each row
--   it holds: a table attached as a partition brings rows that no trigger saw (rows written after the attach are in
--   the queue already; applying a row twice changes nothing). enable_capture calls it without emit (the table's copy
--   takes the rows); ferry.ticker with emit, before each tick, with a short lock_timeout: a partition that cannot be
--   locked at once is tried again at the next tick.
--   Settings are pinned for the row texts (see ferry.queue_capture_function).
-- Returns: the number of partitions that got the trigger.
-- Tables: reads ferry.capture_table, ferry.queue; creates triggers on partitions; inserts into ferry.event_<queue id>.
CREATE OR REPLACE FUNCTION ferry.capture_partitions(p_queue_id int, p_table regclass, p_emit boolean)
RETURNS int
LANGUAGE plpgsql
SET DateStyle = 'ISO' SET IntervalStyle = 'postgres' SET extra_float_digits = 3 AS $fn$
DECLARE
    v_name text;
    v_part record;
    v_done int := 0;
BEGIN
    SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) INTO v_name
      FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE c.oid = p_table;
    FOR v_part IN SELECT t.relid::regclass AS rel, c.relkind
                    FROM pg_catalog.pg_partition_tree(p_table) t
                    JOIN pg_catalog.pg_class c ON c.oid = t.relid
                   WHERE t.relid <> p_table AND c.relkind IN ('r', 'p')
                     AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_trigger g
                                      WHERE g.tgrelid = t.relid AND g.tgname = format('ferry_q%s_ptrunc', p_queue_id)) LOOP
        EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON %s FOR EACH STATEMENT'
                       ' EXECUTE FUNCTION ferry.capture_%s(''ptrunc'', %L, %L)',
                       format('ferry_q%s_ptrunc', p_queue_id), v_part.rel, p_queue_id, v_name, p_table::oid);
        IF p_emit AND v_part.relkind = 'r' THEN
            EXECUTE format($q$
                INSERT INTO ferry.event_%1$s (ev_table_no, ev_txid, ev_type, ev_table, ev_data, ev_extra)
                SELECT q.queue_cur_table, ferry.current_txid(), 'U', %2$L,
                       (SELECT array_to_json(ARRAY(SELECT json_object_keys(row_to_json(h.*)))) FROM (SELECT * FROM ONLY %3$s LIMIT 1) AS h),
                       r.*::text
                  FROM ONLY %3$s AS r, ferry.queue AS q
                 WHERE q.queue_id = %1$s$q$, p_queue_id, v_name, v_part.rel);
        END IF;
        v_done := v_done + 1;
    END LOOP;
    RETURN v_done;
END
$fn$;

-- ferry.capture_partitions(queue_id)
--   ferry.capture_partitions(queue_id, tbl, true) for each captured partitioned table of the queue, each under a
--   lock_timeout of 100 ms in a subtransaction of its own: a partition that cannot be locked at once, or a table the
--   role may not alter, is left for the next call.
-- Returns: the number of partitions that got the trigger.
-- Tables: as ferry.capture_partitions(queue_id, tbl, emit).
CREATE OR REPLACE FUNCTION ferry.capture_partitions(p_queue_id int)
RETURNS int
LANGUAGE plpgsql AS $fn$
DECLARE
    v_table   regclass;
    v_done    int := 0;
    v_timeout text := current_setting('lock_timeout');
BEGIN
    FOR v_table IN SELECT ct.ct_table FROM ferry.capture_table ct JOIN pg_catalog.pg_class c ON c.oid = ct.ct_table
                    WHERE ct.ct_queue = p_queue_id AND c.relkind = 'p' LOOP
        BEGIN
            PERFORM set_config('lock_timeout', '100ms', true);
            v_done := v_done + ferry.capture_partitions(p_queue_id, v_table, true);
        EXCEPTION WHEN lock_not_available OR insufficient_privilege THEN
            NULL;
        END;
    END LOOP;
    PERFORM set_config('lock_timeout', v_timeout, true);
    RETURN v_done;
END
$fn$;
