-- ferry.current_txid()
--   The current transaction's id as a 64-bit number with epoch (assigns one if the transaction has none).
-- Returns: bigint.
-- Tables: none.
-- PostgreSQL 13 renamed the txid functions (pg_current_xact_id, type xid8) and keeps the old ones deprecated;
-- the body is chosen by server_version_num when installed, so the call costs no branch at run time. Names are
-- schema-qualified: capture (SECURITY DEFINER, no SET search_path) inlines this body under the writer's search_path.
DO $do$
BEGIN
    IF current_setting('server_version_num')::int >= 130000 THEN
        EXECUTE $f$
            CREATE OR REPLACE FUNCTION ferry.current_txid() RETURNS bigint
            LANGUAGE sql VOLATILE AS 'SELECT pg_catalog.pg_current_xact_id()::pg_catalog.text::pg_catalog.int8'
        $f$;
    ELSE
        EXECUTE $f$
            CREATE OR REPLACE FUNCTION ferry.current_txid() RETURNS bigint
            LANGUAGE sql VOLATILE AS 'SELECT pg_catalog.txid_current()'
        $f$;
    END IF;
END
$do$;
