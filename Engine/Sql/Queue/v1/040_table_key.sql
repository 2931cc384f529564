-- ferry.table_key(tbl)
--   The columns that identify a row of a table for capture: the primary key, else the unique index (not partial,
--   no expressions, valid, not deferrable) on NOT NULL columns with the fewest columns. NULL when there is none.
-- Returns: text[] of column names in index order.
-- Tables: reads pg_index, pg_attribute.
CREATE OR REPLACE FUNCTION ferry.table_key(p_table regclass)
RETURNS text[]
LANGUAGE sql STABLE AS $fn$
    SELECT ARRAY(SELECT a.attname::text
                   FROM unnest(i.indkey[0:i.indnkeyatts - 1]) WITH ORDINALITY AS k(attnum, ord)
                   JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                  ORDER BY k.ord)
      FROM pg_catalog.pg_index i
     WHERE i.indrelid = p_table
       AND i.indisunique AND i.indisvalid AND i.indimmediate
       AND i.indpred IS NULL AND i.indexprs IS NULL
       AND NOT EXISTS (SELECT 1
                         FROM unnest(i.indkey[0:i.indnkeyatts - 1]) AS k(attnum)
                         JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                        WHERE NOT a.attnotnull)
     ORDER BY i.indisprimary DESC, i.indnkeyatts, i.indexrelid
     LIMIT 1
$fn$;
