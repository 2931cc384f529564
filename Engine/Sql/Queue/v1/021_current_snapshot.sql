-- ferry.current_snapshot()
--   The current statement's transaction snapshot in parts: every txid below xmin is finished, every txid at or
--   above xmax had not started, and xip lists those between that were still running.
-- Returns: (xmin bigint, xmax bigint, xip bigint[]).
-- Tables: none.
-- pg_current_snapshot (13+) or txid_current_snapshot (12), chosen by server_version_num when installed.
DO $do$
BEGIN
    IF current_setting('server_version_num')::int >= 130000 THEN
        EXECUTE $f$
            CREATE OR REPLACE FUNCTION ferry.current_snapshot(OUT xmin bigint, OUT xmax bigint, OUT xip bigint[])
            LANGUAGE sql VOLATILE AS $b$
                SELECT pg_catalog.pg_snapshot_xmin(s)::text::bigint,
                       pg_catalog.pg_snapshot_xmax(s)::text::bigint,
                       ARRAY(SELECT x::text::bigint FROM pg_catalog.pg_snapshot_xip(s) AS x ORDER BY 1)
                  FROM pg_catalog.pg_current_snapshot() AS s
            $b$
        $f$;
    ELSE
        EXECUTE $f$
            CREATE OR REPLACE FUNCTION ferry.current_snapshot(OUT xmin bigint, OUT xmax bigint, OUT xip bigint[])
            LANGUAGE sql VOLATILE AS $b$
                SELECT pg_catalog.txid_snapshot_xmin(s),
                       pg_catalog.txid_snapshot_xmax(s),
                       ARRAY(SELECT x FROM pg_catalog.txid_snapshot_xip(s) AS x ORDER BY 1)
                  FROM pg_catalog.txid_current_snapshot() AS s
            $b$
        $f$;
    END IF;
END
$do$;
