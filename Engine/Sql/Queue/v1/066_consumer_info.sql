-- ferry.consumer_info(queue)
--   Position and lag of every consumer of a queue (all queues when NULL).
--   pending_events estimates the events written after the consumer's last finished tick and up to the newest
--   tick from the event sequence (rolled-back writes count too); behind is the newest tick's time minus the
--   consumer's tick time; lag is now() minus the consumer's tick time.
-- Returns: a row per consumer.
-- Tables: reads ferry.queue, ferry.consumer, ferry.tick.
CREATE OR REPLACE FUNCTION ferry.consumer_info(p_queue text DEFAULT NULL)
RETURNS TABLE (queue_name text, consumer_name text, last_tick bigint, last_tick_time timestamptz,
               batch_tick bigint, newest_tick bigint, newest_tick_time timestamptz,
               pending_events bigint, behind interval, lag interval)
LANGUAGE sql STABLE AS $fn$
    SELECT q.queue_name, c.consumer_name, c.consumer_last_tick, lt.tick_time,
           c.consumer_batch_tick, nt.tick_id, nt.tick_time,
           greatest(nt.tick_event_seq - lt.tick_event_seq, 0),
           nt.tick_time - lt.tick_time,
           now() - lt.tick_time
      FROM ferry.consumer c
      JOIN ferry.queue q ON q.queue_id = c.consumer_queue
      JOIN ferry.tick lt ON lt.tick_queue = c.consumer_queue AND lt.tick_id = c.consumer_last_tick
      CROSS JOIN LATERAL (SELECT * FROM ferry.tick t WHERE t.tick_queue = c.consumer_queue
                           ORDER BY t.tick_id DESC LIMIT 1) nt
     WHERE p_queue IS NULL OR q.queue_name = p_queue
     ORDER BY q.queue_name, c.consumer_name
$fn$;
