-- Version 2: a queue's ticker can be paused (say while a node is being repaired): ferry.ticker then makes no
-- tick, consumers see no new batch, and capture keeps writing events. ferry.tick still ticks on demand.
ALTER TABLE ferry.queue ADD COLUMN IF NOT EXISTS queue_ticker_paused boolean NOT NULL DEFAULT false;

-- configure_queue gains a parameter: the old signature goes, or the two would be ambiguous.
DROP FUNCTION IF EXISTS ferry.configure_queue(text, int, interval, interval, interval, interval);
