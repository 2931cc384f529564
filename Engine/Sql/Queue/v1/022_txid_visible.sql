-- ferry.txid_visible(txid, xmin, xmax, xip)
--   Whether a transaction id is finished in a snapshot given by its parts (see ferry.current_snapshot): the
--   test of the txid-snapshot rule. An event belongs to batch (t1, t2] iff its txid is visible in t2 and not in t1.
-- Returns: boolean.
-- Tables: none.
CREATE OR REPLACE FUNCTION ferry.txid_visible(p_txid bigint, p_xmin bigint, p_xmax bigint, p_xip bigint[])
RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT p_txid < p_xmin OR (p_txid < p_xmax AND p_txid <> ALL (p_xip))
$$;
