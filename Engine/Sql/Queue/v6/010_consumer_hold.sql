-- Version 6: a consumer can be held at a tick (a compare's consistent point, docs/decisions/ADR-016-compare-and-repair.md).
-- While held, ferry.next_batch opens no batch ending after the hold tick, so the consumer's target stops exactly there;
-- the hold ends when released or when its time is up, whichever comes first (a compare that dies never stops a consumer
-- for longer than it asked).
ALTER TABLE ferry.consumer ADD COLUMN IF NOT EXISTS consumer_hold_tick bigint;
ALTER TABLE ferry.consumer ADD COLUMN IF NOT EXISTS consumer_hold_until timestamptz;

-- ferry.hold_consumer(queue, consumer, tick, hold_for)
--   Holds the consumer at tick for at most hold_for. Call it in the transaction that made the tick, so that no
--   batch can be opened past the tick before the hold is there (next_batch locks the consumer's row first).
-- Returns: true when held; false when another hold, on another tick and not expired, is there (the caller refuses).
-- Tables: ferry.consumer.
CREATE OR REPLACE FUNCTION ferry.hold_consumer(p_queue text, p_consumer text, p_tick bigint, p_hold_for interval)
RETURNS boolean
LANGUAGE plpgsql AS $fn$
DECLARE
    v_c ferry.consumer := ferry.consumer_row(p_queue, p_consumer);
BEGIN
    IF v_c.consumer_hold_tick IS NOT NULL AND v_c.consumer_hold_tick <> p_tick AND v_c.consumer_hold_until > now() THEN
        RETURN false;
    END IF;
    UPDATE ferry.consumer SET consumer_hold_tick = p_tick, consumer_hold_until = now() + p_hold_for
     WHERE consumer_id = v_c.consumer_id;
    RETURN true;
END
$fn$;

-- ferry.release_consumer(queue, consumer, tick)
--   Ends the consumer's hold at tick; a hold on another tick (someone else's) stays.
-- Returns: true when a hold at tick was there.
-- Tables: ferry.consumer.
CREATE OR REPLACE FUNCTION ferry.release_consumer(p_queue text, p_consumer text, p_tick bigint)
RETURNS boolean
LANGUAGE plpgsql AS $fn$
DECLARE
    v_c ferry.consumer := ferry.consumer_row(p_queue, p_consumer);
BEGIN
    IF v_c.consumer_hold_tick IS DISTINCT FROM p_tick THEN
        RETURN false;
    END IF;
    UPDATE ferry.consumer SET consumer_hold_tick = NULL, consumer_hold_until = NULL WHERE consumer_id = v_c.consumer_id;
    RETURN true;
END
$fn$;
