-- ferry.column_names(row)
--   The keys of a JSON object, in order, as a JSON array: the column names of a row_to_json object. Capture
--   (ferry.queue_capture_function) calls it for a statement whose first row renders larger than 256 bytes.
-- Returns: json (an array of strings).
-- Tables: none.
CREATE OR REPLACE FUNCTION ferry.column_names(p_row json)
RETURNS json
LANGUAGE sql IMMUTABLE AS $fn$
    SELECT pg_catalog.array_to_json(ARRAY(SELECT pg_catalog.json_object_keys(p_row)))
$fn$;
