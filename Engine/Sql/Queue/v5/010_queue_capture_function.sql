-- ferry.queue_capture_function(queue_id)
--   Version 5: (re)creates ferry.capture_<id>(), the capture trigger function of a queue, writing into the queue's
--   current event table by name (see v1/029_queue_capture_function.sql for why it is built that way), with the row
--   encoding of docs/decisions/ADR-014-exact-row-encoding.md:
--     ev_data  json: the column names, as the keys of a row's JSON object: for a statement, row_to_json of its first
--              row (computed once per statement), or a JSON array of the names when that object is larger than 256
--              bytes (so that a large first row is not repeated in every event); for a row trigger, the row's own;
--     ev_extra text: the row in PostgreSQL's record text form (n.*::text), one field per name, in order. Each field
--              is its type's output text (NULL is an empty field, '' is ""), which the type's input function reads back
--              exactly: a json null stays apart from SQL NULL, arrays keep their bounds, composites nest.
--   Deletes carry the whole old row (the consumer takes the key columns it needs by name); no dynamic SQL, and a
--   renamed key column does not break the writer's DELETE. Truncates have no data.
--   Output texts depend on a few settings of the writer's session: DateStyle (ranges of dates and times),
--   IntervalStyle, extra_float_digits, lc_monetary. When one differs from what a reader expects (ISO, postgres, >= 1,
--   the database's lc_monetary when this function was made), the function sets it for the write and puts it back.
--   Trigger arguments, set by ferry.enable_capture (older triggers have a key list or none; both still work):
--     none or a key list          statement triggers of an ordinary table; the key-change row trigger
--     'key'[, table]              the key-change row trigger: a delete of the old row before the update
--     'row', table                row triggers of a partitioned table (cloned to every partition, also later ones)
--     'rtrunc'/'trunc', table, oid   BEFORE/AFTER TRUNCATE of a partitioned table: one T event
--     'ptrunc', table, oid        BEFORE TRUNCATE of one partition: a delete of each of its rows, unless its
--                                  partitioned table is being truncated in the same statement
--   EXECUTE is revoked from PUBLIC: creating a trigger needs it, firing one does not, so writers of captured tables
--   need nothing, and nobody else can attach the function (it runs as its owner) to a table of their own.
-- Returns: void.
-- Tables: reads ferry.queue; creates the function.
CREATE OR REPLACE FUNCTION ferry.queue_capture_function(p_queue_id int)
RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
    v_no       int;
    v_monetary text := current_setting('lc_monetary');
BEGIN
    SELECT queue_cur_table INTO STRICT v_no FROM ferry.queue WHERE queue_id = p_queue_id;
    EXECUTE format($f$
        CREATE OR REPLACE FUNCTION ferry.capture_%1$s() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER AS $body$
        DECLARE
            v_txid  pg_catalog.int8 := ferry.current_txid();
            v_table pg_catalog.text;
            v_saved pg_catalog.text[];
            v_kind  pg_catalog.text := TG_ARGV[0];
        BEGIN
            IF TG_NARGS OPERATOR(pg_catalog.>) 1 THEN
                v_table := TG_ARGV[1];
            ELSE
                v_table := pg_catalog.quote_ident(TG_TABLE_SCHEMA) OPERATOR(pg_catalog.||) '.'
                           OPERATOR(pg_catalog.||) pg_catalog.quote_ident(TG_TABLE_NAME);
            END IF;
            IF pg_catalog.current_setting('DateStyle') OPERATOR(pg_catalog.!~~) 'ISO%%'
               OR pg_catalog.current_setting('IntervalStyle') OPERATOR(pg_catalog.<>) 'postgres'
               OR pg_catalog.current_setting('extra_float_digits') OPERATOR(pg_catalog.<) '1'
               OR pg_catalog.current_setting('lc_monetary') OPERATOR(pg_catalog.<>) %3$L THEN
                v_saved := ARRAY[pg_catalog.current_setting('DateStyle'), pg_catalog.current_setting('IntervalStyle'),
                                 pg_catalog.current_setting('extra_float_digits'), pg_catalog.current_setting('lc_monetary')];
                PERFORM pg_catalog.set_config('DateStyle', 'ISO', true), pg_catalog.set_config('IntervalStyle', 'postgres', true),
                        pg_catalog.set_config('extra_float_digits', '3', true), pg_catalog.set_config('lc_monetary', %3$L, true);
            END IF;

            IF TG_LEVEL OPERATOR(pg_catalog.=) 'ROW' THEN
                IF v_kind OPERATOR(pg_catalog.=) 'row' AND TG_OP OPERATOR(pg_catalog.<>) 'DELETE' THEN
                    INSERT INTO ferry.event_%1$s_%2$s (ev_table_no, ev_txid, ev_type, ev_table, ev_data, ev_extra)
                    VALUES (%2$s, v_txid, pg_catalog.left(TG_OP, 1), v_table, pg_catalog.row_to_json(NEW),
                            NEW::pg_catalog.text);
                ELSE
                    -- A deleted row, or the key-change trigger: a delete of the old row, before the update's own event.
                    INSERT INTO ferry.event_%1$s_%2$s (ev_table_no, ev_txid, ev_type, ev_table, ev_data, ev_extra)
                    VALUES (%2$s, v_txid, 'D', v_table, pg_catalog.row_to_json(OLD), OLD::pg_catalog.text);
                END IF;
            ELSIF TG_OP OPERATOR(pg_catalog.=) 'INSERT' THEN
                INSERT INTO ferry.event_%1$s_%2$s (ev_table_no, ev_txid, ev_type, ev_table, ev_data, ev_extra)
                SELECT %2$s, v_txid, 'I', v_table,
                       (SELECT CASE WHEN pg_catalog.pg_column_size(h.j) OPERATOR(pg_catalog.<=) 256 THEN h.j
                                    ELSE ferry.column_names(h.j) END
                          FROM (SELECT pg_catalog.row_to_json(f.*) AS j FROM ferry_new AS f LIMIT 1) AS h),
                       n.*::pg_catalog.text
                  FROM ferry_new AS n;
            ELSIF TG_OP OPERATOR(pg_catalog.=) 'UPDATE' THEN
                INSERT INTO ferry.event_%1$s_%2$s (ev_table_no, ev_txid, ev_type, ev_table, ev_data, ev_extra)
                SELECT %2$s, v_txid, 'U', v_table,
                       (SELECT CASE WHEN pg_catalog.pg_column_size(h.j) OPERATOR(pg_catalog.<=) 256 THEN h.j
                                    ELSE ferry.column_names(h.j) END
                          FROM (SELECT pg_catalog.row_to_json(f.*) AS j FROM ferry_new AS f LIMIT 1) AS h),
                       n.*::pg_catalog.text
                  FROM ferry_new AS n;
            ELSIF TG_OP OPERATOR(pg_catalog.=) 'DELETE' THEN
                INSERT INTO ferry.event_%1$s_%2$s (ev_table_no, ev_txid, ev_type, ev_table, ev_data, ev_extra)
                SELECT %2$s, v_txid, 'D', v_table,
                       (SELECT CASE WHEN pg_catalog.pg_column_size(h.j) OPERATOR(pg_catalog.<=) 256 THEN h.j
                                    ELSE ferry.column_names(h.j) END
                          FROM (SELECT pg_catalog.row_to_json(f.*) AS j FROM ferry_old AS f LIMIT 1) AS h),
                       o.*::pg_catalog.text
                  FROM ferry_old AS o;
            ELSIF v_kind OPERATOR(pg_catalog.=) 'rtrunc' THEN
                -- The partitioned table itself is truncated: its partitions' own truncate triggers stand aside.
                PERFORM pg_catalog.set_config('ferry.truncating',
                    COALESCE(pg_catalog.current_setting('ferry.truncating', true), ',')
                    OPERATOR(pg_catalog.||) TG_ARGV[2] OPERATOR(pg_catalog.||) ',', true);
            ELSIF v_kind OPERATOR(pg_catalog.=) 'ptrunc' THEN
                IF COALESCE(pg_catalog.current_setting('ferry.truncating', true), '')
                   OPERATOR(pg_catalog.!~~) ('%%,' OPERATOR(pg_catalog.||) TG_ARGV[2] OPERATOR(pg_catalog.||) ',%%')
                   AND (SELECT c.relkind FROM pg_catalog.pg_class AS c WHERE c.oid OPERATOR(pg_catalog.=) TG_RELID)
                       OPERATOR(pg_catalog.=) 'r' THEN
                    -- One partition alone: a delete of each of its rows, whatever table the target keeps them in.
                    EXECUTE 'INSERT INTO ferry.event_%1$s_%2$s (ev_table_no, ev_txid, ev_type, ev_table, ev_data, ev_extra)'
                            ' SELECT %2$s, $1, ''D'', $2, (SELECT pg_catalog.array_to_json(ARRAY(SELECT'
                            ' pg_catalog.json_object_keys(pg_catalog.row_to_json(h.*)))) FROM (SELECT * FROM ONLY '
                            OPERATOR(pg_catalog.||) pg_catalog.quote_ident(TG_TABLE_SCHEMA) OPERATOR(pg_catalog.||) '.'
                            OPERATOR(pg_catalog.||) pg_catalog.quote_ident(TG_TABLE_NAME)
                            OPERATOR(pg_catalog.||) ' LIMIT 1) AS h), r.*::pg_catalog.text FROM ONLY '
                            OPERATOR(pg_catalog.||) pg_catalog.quote_ident(TG_TABLE_SCHEMA) OPERATOR(pg_catalog.||) '.'
                            OPERATOR(pg_catalog.||) pg_catalog.quote_ident(TG_TABLE_NAME) OPERATOR(pg_catalog.||) ' AS r'
                        USING v_txid, v_table;
                END IF;
            ELSE
                INSERT INTO ferry.event_%1$s_%2$s (ev_table_no, ev_txid, ev_type, ev_table, ev_data)
                VALUES (%2$s, v_txid, 'T', v_table, NULL);
                IF v_kind OPERATOR(pg_catalog.=) 'trunc' THEN
                    PERFORM pg_catalog.set_config('ferry.truncating',
                        pg_catalog.replace(COALESCE(pg_catalog.current_setting('ferry.truncating', true), ','),
                                           ',' OPERATOR(pg_catalog.||) TG_ARGV[2] OPERATOR(pg_catalog.||) ',', ','), true);
                END IF;
            END IF;

            IF v_saved IS NOT NULL THEN
                PERFORM pg_catalog.set_config('DateStyle', v_saved[1], true), pg_catalog.set_config('IntervalStyle', v_saved[2], true),
                        pg_catalog.set_config('extra_float_digits', v_saved[3], true),
                        pg_catalog.set_config('lc_monetary', v_saved[4], true);
            END IF;
            RETURN NULL;
        END
        $body$$f$, p_queue_id, v_no, v_monetary);
    EXECUTE format('REVOKE EXECUTE ON FUNCTION ferry.capture_%s() FROM PUBLIC', p_queue_id);
END
$fn$;
