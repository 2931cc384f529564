-- ferry.create_queue(queue)
--   Creates a queue with default settings and its event objects, and its first tick. Idempotent.
-- Returns: the queue id (int).
-- Tables: ferry.queue, ferry.tick; creates ferry.event_<id>* (see ferry.queue_event_objects).
CREATE OR REPLACE FUNCTION ferry.create_queue(p_queue text)
RETURNS int
LANGUAGE plpgsql AS $fn$
DECLARE
    v_id int;
BEGIN
    IF p_queue IS NULL OR length(p_queue) NOT BETWEEN 1 AND 50 THEN
        RAISE EXCEPTION 'ferry: a queue name must have 1 to 50 characters, got %', coalesce(quote_literal(p_queue), 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    INSERT INTO ferry.queue (queue_name) VALUES (p_queue) ON CONFLICT (queue_name) DO NOTHING RETURNING queue_id INTO v_id;
    IF v_id IS NULL THEN
        SELECT queue_id INTO STRICT v_id FROM ferry.queue WHERE queue_name = p_queue;
        RETURN v_id;
    END IF;
    PERFORM ferry.queue_event_objects(v_id);
    PERFORM ferry.tick(p_queue);
    RETURN v_id;
END
$fn$;
