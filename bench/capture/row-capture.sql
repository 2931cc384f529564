-- The row-level alternative to ferry's statement-level capture, for comparison only (not installed by Ferry):
-- the same event rows, written by one trigger call per row. Attach with attach_row_capture(tbl).
CREATE OR REPLACE FUNCTION ferry.bench_capture_row_1() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $body$
DECLARE
    v_no smallint;
BEGIN
    SELECT queue_cur_table INTO v_no FROM ferry.queue WHERE queue_id = 1;
    INSERT INTO ferry.event_1 (ev_table_no, ev_txid, ev_type, ev_table, ev_data)
    VALUES (v_no, ferry.current_txid(), left(TG_OP, 1), quote_ident(TG_TABLE_SCHEMA) || '.' || quote_ident(TG_TABLE_NAME),
            row_to_json(NEW));
    RETURN NULL;
END
$body$;

CREATE OR REPLACE FUNCTION ferry.bench_attach_row_capture(p_table regclass) RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
    EXECUTE format('CREATE TRIGGER ferry_bench_row AFTER INSERT OR UPDATE ON %s FOR EACH ROW EXECUTE FUNCTION ferry.bench_capture_row_1()', p_table);
END
$fn$;

CREATE OR REPLACE FUNCTION ferry.bench_detach_row_capture(p_table regclass) RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
    EXECUTE format('DROP TRIGGER IF EXISTS ferry_bench_row ON %s', p_table);
END
$fn$;
