-- ferry.queue_event_objects(queue_id)
--   Creates, if missing, a queue's event objects: the event id sequence ferry.event_<id>_id_seq, the event table
--   ferry.event_<id> partitioned by ev_table_no into ferry.event_<id>_0 .. _<ntables-1> (rotation truncates one
--   partition at a time), its index on ev_txid (the batch query's access path), and the capture trigger function
--   ferry.capture_<id>() that ferry.enable_capture attaches to tables.
-- Returns: void.
-- Tables: reads ferry.queue; creates the objects above.
CREATE OR REPLACE FUNCTION ferry.queue_event_objects(p_queue_id int)
RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
    v_ntables int;
BEGIN
    SELECT queue_ntables INTO STRICT v_ntables FROM ferry.queue WHERE queue_id = p_queue_id;

    EXECUTE format('CREATE SEQUENCE IF NOT EXISTS ferry.event_%s_id_seq', p_queue_id);
    EXECUTE format($t$
        CREATE TABLE IF NOT EXISTS ferry.event_%1$s (
            ev_table_no smallint NOT NULL,
            ev_id       bigint NOT NULL DEFAULT nextval('ferry.event_%1$s_id_seq'),
            ev_txid     bigint NOT NULL,
            ev_time     timestamptz NOT NULL DEFAULT now(),
            ev_owner    int,
            ev_retry    int,
            ev_type     text NOT NULL,
            ev_table    text,
            ev_data     json,
            ev_extra    text
        ) PARTITION BY LIST (ev_table_no)$t$, p_queue_id);
    EXECUTE format('ALTER SEQUENCE ferry.event_%1$s_id_seq OWNED BY ferry.event_%1$s.ev_id', p_queue_id);
    FOR i IN 0 .. v_ntables - 1 LOOP
        EXECUTE format('CREATE TABLE IF NOT EXISTS ferry.event_%1$s_%2$s PARTITION OF ferry.event_%1$s FOR VALUES IN (%2$s)',
                       p_queue_id, i);
    END LOOP;
    EXECUTE format('CREATE INDEX IF NOT EXISTS event_%1$s_txid_idx ON ferry.event_%1$s (ev_txid)', p_queue_id);

    -- Capture is statement-level with transition tables: one INSERT .. SELECT per statement instead of one
    -- trigger call per row. On PostgreSQL 15 here (bench/capture) row triggers cost more for bulk statements
    -- (a 1,000,000-row UPDATE took ~3.6x the uncaptured time with a row trigger against ~2x with this) and no
    -- less for single-row ones. The only row-level trigger is the key-change one (rare; see enable_capture).
    -- SECURITY DEFINER: writers of captured tables need no grant on the ferry schema (PgQ needs pgq_writer).
    EXECUTE format($f$
        CREATE OR REPLACE FUNCTION ferry.capture_%1$s() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $body$
        DECLARE
            v_txid  bigint := ferry.current_txid();
            v_table text := quote_ident(TG_TABLE_SCHEMA) || '.' || quote_ident(TG_TABLE_NAME);
        BEGIN
            -- Each branch is one statement that also reads the current event table number from ferry.queue: the
            -- cost that counts for single-row statements is the number of statements the trigger runs.
            IF TG_LEVEL = 'ROW' THEN
                -- The key-change trigger: a delete of the old key, so that no consumer needs the old row.
                EXECUTE 'INSERT INTO ferry.event_%1$s (ev_table_no, ev_txid, ev_type, ev_table, ev_data)'
                     || ' SELECT q.queue_cur_table, $1, ''D'', $2, row_to_json(k) FROM ferry.queue AS q, (SELECT '
                     || TG_ARGV[0] || ' FROM (SELECT ($3).*) AS o) AS k WHERE q.queue_id = %1$s'
                    USING v_txid, v_table, OLD;
            ELSIF TG_OP = 'INSERT' THEN
                INSERT INTO ferry.event_%1$s (ev_table_no, ev_txid, ev_type, ev_table, ev_data)
                SELECT q.queue_cur_table, v_txid, 'I', v_table, row_to_json(n)
                  FROM ferry.queue AS q, ferry_new AS n WHERE q.queue_id = %1$s;
            ELSIF TG_OP = 'UPDATE' THEN
                INSERT INTO ferry.event_%1$s (ev_table_no, ev_txid, ev_type, ev_table, ev_data)
                SELECT q.queue_cur_table, v_txid, 'U', v_table, row_to_json(n)
                  FROM ferry.queue AS q, ferry_new AS n WHERE q.queue_id = %1$s;
            ELSIF TG_OP = 'DELETE' THEN
                EXECUTE 'INSERT INTO ferry.event_%1$s (ev_table_no, ev_txid, ev_type, ev_table, ev_data)'
                     || ' SELECT q.queue_cur_table, $1, ''D'', $2, row_to_json(k) FROM ferry.queue AS q, (SELECT '
                     || TG_ARGV[0] || ' FROM ferry_old) AS k WHERE q.queue_id = %1$s'
                    USING v_txid, v_table;
            ELSE
                INSERT INTO ferry.event_%1$s (ev_table_no, ev_txid, ev_type, ev_table, ev_data)
                SELECT q.queue_cur_table, v_txid, 'T', v_table, NULL FROM ferry.queue AS q WHERE q.queue_id = %1$s;
            END IF;
            RETURN NULL;
        END
        $body$$f$, p_queue_id);
END
$fn$;
