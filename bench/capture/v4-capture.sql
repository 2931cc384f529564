-- Queue schema v4's statement-level capture (row_to_json rows, key-only deletes), kept for comparison with the current
-- one (not installed by Ferry): the same triggers, pointing at a copy of v4's trigger function that writes straight into
-- ferry.event_1_0 (the benchmark never rotates). See Engine/Sql/Queue/v4/010_queue_capture_function.sql.
CREATE OR REPLACE FUNCTION ferry.bench_capture_v4_1() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER AS $body$
DECLARE
    v_txid  pg_catalog.int8 := ferry.current_txid();
    v_table pg_catalog.text := pg_catalog.quote_ident(TG_TABLE_SCHEMA) OPERATOR(pg_catalog.||) '.'
                               OPERATOR(pg_catalog.||) pg_catalog.quote_ident(TG_TABLE_NAME);
BEGIN
    IF TG_LEVEL OPERATOR(pg_catalog.=) 'ROW' THEN
        EXECUTE 'INSERT INTO ferry.event_1_0 (ev_table_no, ev_txid, ev_type, ev_table, ev_data)'
                ' SELECT 0, $1, ''D'', $2, pg_catalog.row_to_json(k.*) FROM (SELECT '
                OPERATOR(pg_catalog.||) TG_ARGV[0] OPERATOR(pg_catalog.||) ' FROM (SELECT ($3).*) AS o) AS k'
            USING v_txid, v_table, OLD;
    ELSIF TG_OP OPERATOR(pg_catalog.=) 'INSERT' THEN
        INSERT INTO ferry.event_1_0 (ev_table_no, ev_txid, ev_type, ev_table, ev_data)
        SELECT 0, v_txid, 'I', v_table, pg_catalog.row_to_json(n.*) FROM ferry_new AS n;
    ELSIF TG_OP OPERATOR(pg_catalog.=) 'UPDATE' THEN
        INSERT INTO ferry.event_1_0 (ev_table_no, ev_txid, ev_type, ev_table, ev_data)
        SELECT 0, v_txid, 'U', v_table, pg_catalog.row_to_json(n.*) FROM ferry_new AS n;
    ELSIF TG_OP OPERATOR(pg_catalog.=) 'DELETE' THEN
        EXECUTE 'INSERT INTO ferry.event_1_0 (ev_table_no, ev_txid, ev_type, ev_table, ev_data)'
                ' SELECT 0, $1, ''D'', $2, pg_catalog.row_to_json(k.*) FROM (SELECT '
                OPERATOR(pg_catalog.||) TG_ARGV[0] OPERATOR(pg_catalog.||) ' FROM ferry_old) AS k'
            USING v_txid, v_table;
    ELSE
        INSERT INTO ferry.event_1_0 (ev_table_no, ev_txid, ev_type, ev_table, ev_data)
        VALUES (0, v_txid, 'T', v_table, NULL);
    END IF;
    RETURN NULL;
END
$body$;

CREATE OR REPLACE FUNCTION ferry.bench_attach_v4_capture(p_table regclass) RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
    v_list    text;
    v_changed text;
BEGIN
    SELECT string_agg(quote_ident(k), ', '), string_agg(format('OLD.%1$I IS DISTINCT FROM NEW.%1$I', k), ' OR ')
      INTO v_list, v_changed FROM unnest(ferry.table_key(p_table)) AS k;
    EXECUTE format('CREATE TRIGGER ferry_v4_ins AFTER INSERT ON %s REFERENCING NEW TABLE AS ferry_new'
                   ' FOR EACH STATEMENT EXECUTE FUNCTION ferry.bench_capture_v4_1()', p_table);
    EXECUTE format('CREATE TRIGGER ferry_v4_upd AFTER UPDATE ON %s REFERENCING NEW TABLE AS ferry_new'
                   ' FOR EACH STATEMENT EXECUTE FUNCTION ferry.bench_capture_v4_1()', p_table);
    EXECUTE format('CREATE TRIGGER ferry_v4_del AFTER DELETE ON %s REFERENCING OLD TABLE AS ferry_old'
                   ' FOR EACH STATEMENT EXECUTE FUNCTION ferry.bench_capture_v4_1(%L)', p_table, v_list);
    EXECUTE format('CREATE TRIGGER ferry_v4_key AFTER UPDATE OF %2$s ON %1$s FOR EACH ROW WHEN (%3$s)'
                   ' EXECUTE FUNCTION ferry.bench_capture_v4_1(%4$L)', p_table, v_list, v_changed, v_list);
END
$fn$;

CREATE OR REPLACE FUNCTION ferry.bench_detach_v4_capture(p_table regclass) RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
    EXECUTE format('DROP TRIGGER IF EXISTS ferry_v4_ins ON %1$s; DROP TRIGGER IF EXISTS ferry_v4_upd ON %1$s;'
                   ' DROP TRIGGER IF EXISTS ferry_v4_del ON %1$s; DROP TRIGGER IF EXISTS ferry_v4_key ON %1$s', p_table);
END
$fn$;
