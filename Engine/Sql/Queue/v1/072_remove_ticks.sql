-- ferry.remove_ticks(queue)
--   Maintenance: deletes the ticks no consumer needs: those older than every consumer's last finished tick
--   (the lower bound of its next batch). The newest tick always stays.
-- Returns: the number of ticks deleted.
-- Tables: ferry.tick, reads ferry.consumer.
CREATE OR REPLACE FUNCTION ferry.remove_ticks(p_queue text)
RETURNS int
LANGUAGE plpgsql AS $fn$
DECLARE
    v_id   int := ferry.queue_id(p_queue);
    v_keep bigint;
    v_rows int;
BEGIN
    SELECT least((SELECT min(consumer_last_tick) FROM ferry.consumer WHERE consumer_queue = v_id),
                 (SELECT max(tick_id) FROM ferry.tick WHERE tick_queue = v_id))
      INTO v_keep;
    DELETE FROM ferry.tick WHERE tick_queue = v_id AND tick_id < v_keep;
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    RETURN v_rows;
END
$fn$;
