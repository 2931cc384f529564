-- ferry.rotate_tables(queue)
--   Maintenance: when the current event table has been current for rotation_period, switches capture to the
--   next one (the oldest), truncating it first, but only when every consumer has passed every event in it.
--   "Passed" is checked on the rows, not on txid arithmetic: with the table locked in SHARE mode no writer
--   can be inside it (a writer that read the old current table just before a switch may still write into it
--   later, which a txid bound would miss), and each event's txid must be visible in the snapshot of the
--   slowest consumer's last finished tick (without consumers: the newest tick, where a new consumer starts).
--   lock_timeout bounds the wait for the lock; a busy table is simply tried again at the next call.
-- Returns: true when the queue switched tables.
-- Tables: ferry.queue (locks its row to switch), ferry.consumer, ferry.tick, truncates ferry.event_<id>_<n>; re-creates the
--   capture function to write into the new current table.
CREATE OR REPLACE FUNCTION ferry.rotate_tables(p_queue text, p_force boolean DEFAULT false)
RETURNS boolean
LANGUAGE plpgsql AS $fn$
DECLARE
    v_q    ferry.queue;
    v_next int;
    v_part text;
    v_slow ferry.tick;
    v_busy boolean;
BEGIN
    -- Rotations of one queue take turns on an advisory lock, not on the queue row: ferry.tick locks that row, and
    -- the check below may read a whole table, which must not hold ticks back. The row is locked only to switch.
    IF NOT pg_try_advisory_xact_lock(1718903668, ferry.queue_id(p_queue)) THEN
        RETURN false;
    END IF;
    SELECT * INTO v_q FROM ferry.queue WHERE queue_id = ferry.queue_id(p_queue);
    IF NOT p_force AND now() - v_q.queue_switch_time < v_q.queue_rotation_period THEN
        RETURN false;
    END IF;
    v_next := (v_q.queue_cur_table + 1) % v_q.queue_ntables;
    v_part := format('ferry.event_%s_%s', v_q.queue_id, v_next);
    PERFORM set_config('lock_timeout', '2s', true);
    BEGIN
        EXECUTE format('LOCK TABLE %s IN SHARE MODE', v_part);
    EXCEPTION WHEN lock_not_available THEN
        RETURN false;
    END;

    SELECT t.* INTO v_slow
      FROM ferry.consumer c
      JOIN ferry.tick t ON t.tick_queue = c.consumer_queue AND t.tick_id = c.consumer_last_tick
     WHERE c.consumer_queue = v_q.queue_id
     ORDER BY t.tick_id
     LIMIT 1;
    IF v_slow.tick_id IS NULL THEN
        -- No consumer: one registering later starts at the newest tick and expects what commits after it.
        SELECT * INTO v_slow FROM ferry.tick WHERE tick_queue = v_q.queue_id ORDER BY tick_id DESC LIMIT 1;
    END IF;
    IF v_slow.tick_id IS NOT NULL THEN
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s WHERE NOT ferry.txid_visible(ev_txid, $1, $2, $3))', v_part)
           INTO v_busy
          USING v_slow.tick_xmin, v_slow.tick_xmax, v_slow.tick_xip;
        IF v_busy THEN
            RETURN false;
        END IF;
    END IF;
    BEGIN
        EXECUTE format('TRUNCATE %s', v_part);
    EXCEPTION WHEN lock_not_available THEN
        RETURN false;
    END;
    UPDATE ferry.queue SET queue_cur_table = v_next, queue_switch_time = now() WHERE queue_id = v_q.queue_id;
    PERFORM ferry.queue_capture_function(v_q.queue_id);
    RETURN true;
END
$fn$;
