-- The row-level alternative to ferry's statement-level capture, for comparison only (not installed by Ferry):
-- the same event rows, written by one trigger call per row, built like ferry.queue_capture_function (straight
-- into the current table, here ferry.event_1_0 since the benchmark never rotates; qualified names, no SET).
CREATE OR REPLACE FUNCTION ferry.bench_capture_row_1() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER AS $body$
BEGIN
    INSERT INTO ferry.event_1_0 (ev_table_no, ev_txid, ev_type, ev_table, ev_data)
    VALUES (0, ferry.current_txid(), pg_catalog.left(TG_OP, 1),
            pg_catalog.quote_ident(TG_TABLE_SCHEMA) OPERATOR(pg_catalog.||) '.' OPERATOR(pg_catalog.||) pg_catalog.quote_ident(TG_TABLE_NAME),
            pg_catalog.row_to_json(NEW));
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
