-- ferry.queue_id(queue)
--   The id of a queue by name, or an error naming the missing queue.
-- Returns: int.
-- Tables: reads ferry.queue.
CREATE OR REPLACE FUNCTION ferry.queue_id(p_queue text)
RETURNS int
LANGUAGE plpgsql STABLE AS $fn$
DECLARE
    v_id int;
BEGIN
    SELECT queue_id INTO v_id FROM ferry.queue WHERE queue_name = p_queue;
    IF v_id IS NULL THEN
        RAISE EXCEPTION 'ferry: queue % does not exist', coalesce(quote_literal(p_queue), 'NULL')
            USING ERRCODE = 'undefined_object', HINT = 'Create it with ferry.create_queue.';
    END IF;
    RETURN v_id;
END
$fn$;
