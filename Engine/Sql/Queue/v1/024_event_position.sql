-- ferry.event_position(queue_id)
--   The last event id handed out by a queue's event sequence (0 before the first): the difference between two
--   ticks' positions estimates how many events lie between them (rolled-back writes included).
-- Returns: bigint.
-- Tables: reads sequence ferry.event_<id>_id_seq.
CREATE OR REPLACE FUNCTION ferry.event_position(p_queue_id int)
RETURNS bigint
LANGUAGE sql STABLE AS $fn$
    SELECT coalesce(pg_catalog.pg_sequence_last_value(format('ferry.event_%s_id_seq', p_queue_id)::regclass), 0)
$fn$;
