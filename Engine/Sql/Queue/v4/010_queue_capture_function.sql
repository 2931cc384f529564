-- Version 4: capture of a table with a column named n (or a key column named k).
-- ferry.queue_capture_function(queue_id) as in version 1 (see v1/029_queue_capture_function.sql for why it is built
-- this way), with one change: the rows are passed as n.* and k.*. Written row_to_json(n), PostgreSQL takes a column
-- named n before the row alias n, and every captured write to such a table failed with "function
-- pg_catalog.row_to_json(integer) does not exist" (in the writer's transaction). The capture functions of the
-- queues that exist are made again at the end.
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
                        ' SELECT %2$s, $1, ''D'', $2, pg_catalog.row_to_json(k.*) FROM (SELECT '
                        OPERATOR(pg_catalog.||) TG_ARGV[0] OPERATOR(pg_catalog.||) ' FROM (SELECT ($3).*) AS o) AS k'
                    USING v_txid, v_table, OLD;
            ELSIF TG_OP OPERATOR(pg_catalog.=) 'INSERT' THEN
                INSERT INTO ferry.event_%1$s_%2$s (ev_table_no, ev_txid, ev_type, ev_table, ev_data)
                SELECT %2$s, v_txid, 'I', v_table, pg_catalog.row_to_json(n.*) FROM ferry_new AS n;
            ELSIF TG_OP OPERATOR(pg_catalog.=) 'UPDATE' THEN
                INSERT INTO ferry.event_%1$s_%2$s (ev_table_no, ev_txid, ev_type, ev_table, ev_data)
                SELECT %2$s, v_txid, 'U', v_table, pg_catalog.row_to_json(n.*) FROM ferry_new AS n;
            ELSIF TG_OP OPERATOR(pg_catalog.=) 'DELETE' THEN
                EXECUTE 'INSERT INTO ferry.event_%1$s_%2$s (ev_table_no, ev_txid, ev_type, ev_table, ev_data)'
                        ' SELECT %2$s, $1, ''D'', $2, pg_catalog.row_to_json(k.*) FROM (SELECT '
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

SELECT ferry.queue_capture_function(queue_id) FROM ferry.queue;
