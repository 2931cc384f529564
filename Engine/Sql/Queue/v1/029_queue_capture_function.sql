-- ferry.queue_capture_function(queue_id)
--   (Re)creates ferry.capture_<id>(), the capture trigger function of a queue, writing into the queue's current
--   event table ferry.event_<id>_<n> by name. ferry.rotate_tables calls it again when it switches tables, so a
--   captured statement reads no queue row and pays no partition routing: it runs one INSERT. A transaction that
--   started before a switch may still write into the previous table; rotation allows for that.
-- Returns: void.
-- Tables: reads ferry.queue; creates the function.
--
-- Why statement-level triggers with transition tables: one INSERT .. SELECT per statement instead of one trigger
-- call per row. Measured on PostgreSQL 15 here (bench/capture/run.sh, CPU time, rounds interleaved): a 1,000,000-row
-- UPDATE costs 2.2x the CPU of the uncaptured one with this against 4.4x with a row trigger writing the same events;
-- on the seed workload (single-row statements) the row trigger is a little cheaper (0.83 of the uncaptured rate
-- kept against 0.79), which does not make up for bulk statements paying twice. The only row-level trigger is the
-- key-change one (rare; see ferry.enable_capture).
-- SECURITY DEFINER: writers of captured tables need no grant on schema ferry (PgQ needs role pgq_writer). Not
-- SET search_path, which costs a setting change per call: every name below is schema-qualified and every
-- operator is OPERATOR(pg_catalog.x), so a caller's search_path cannot redirect what this code runs as its owner.
CREATE OR REPLACE FUNCTION ferry.queue_capture_function(p_queue_id int)
RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
    v_no int;
BEGIN
    SELECT queue_cur_table INTO STRICT v_no FROM ferry.queue WHERE queue_id = p_queue_id;
    EXECUTE format($f$
        CREATE OR REPLACE FUNCTION ferry.capture_%1$s() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER AS $body$
        DECLARE
            v_txid  pg_catalog.int8 := ferry.current_txid();
            v_table pg_catalog.text := pg_catalog.quote_ident(TG_TABLE_SCHEMA) OPERATOR(pg_catalog.||) '.'
                                       OPERATOR(pg_catalog.||) pg_catalog.quote_ident(TG_TABLE_NAME);
        BEGIN
            IF TG_LEVEL OPERATOR(pg_catalog.=) 'ROW' THEN
                -- The key-change trigger: a delete of the old key, so that no consumer needs the old row.
                EXECUTE 'INSERT INTO ferry.event_%1$s_%2$s (ev_table_no, ev_txid, ev_type, ev_table, ev_data)'
                        ' SELECT %2$s, $1, ''D'', $2, pg_catalog.row_to_json(k) FROM (SELECT '
                        OPERATOR(pg_catalog.||) TG_ARGV[0] OPERATOR(pg_catalog.||) ' FROM (SELECT ($3).*) AS o) AS k'
                    USING v_txid, v_table, OLD;
            ELSIF TG_OP OPERATOR(pg_catalog.=) 'INSERT' THEN
                INSERT INTO ferry.event_%1$s_%2$s (ev_table_no, ev_txid, ev_type, ev_table, ev_data)
                SELECT %2$s, v_txid, 'I', v_table, pg_catalog.row_to_json(n) FROM ferry_new AS n;
            ELSIF TG_OP OPERATOR(pg_catalog.=) 'UPDATE' THEN
                INSERT INTO ferry.event_%1$s_%2$s (ev_table_no, ev_txid, ev_type, ev_table, ev_data)
                SELECT %2$s, v_txid, 'U', v_table, pg_catalog.row_to_json(n) FROM ferry_new AS n;
            ELSIF TG_OP OPERATOR(pg_catalog.=) 'DELETE' THEN
                EXECUTE 'INSERT INTO ferry.event_%1$s_%2$s (ev_table_no, ev_txid, ev_type, ev_table, ev_data)'
                        ' SELECT %2$s, $1, ''D'', $2, pg_catalog.row_to_json(k) FROM (SELECT '
                        OPERATOR(pg_catalog.||) TG_ARGV[0] OPERATOR(pg_catalog.||) ' FROM ferry_old) AS k'
                    USING v_txid, v_table;
            ELSE
                INSERT INTO ferry.event_%1$s_%2$s (ev_table_no, ev_txid, ev_type, ev_table, ev_data)
                VALUES (%2$s, v_txid, 'T', v_table, NULL);
            END IF;
            RETURN NULL;
        END
        $body$$f$, p_queue_id, v_no);
END
$fn$;
