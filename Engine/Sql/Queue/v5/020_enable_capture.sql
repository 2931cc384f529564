-- ferry.enable_capture(queue, tbl)
--   Version 5: starts capturing a table's inserts, updates, deletes and truncates into a queue, in the writing
--   transaction. Refuses a table without a primary key or a unique index on NOT NULL columns. Running it again
--   re-creates the triggers (picking up a changed key). Trigger functions and arguments: see
--   ferry.queue_capture_function (v5).
--   An ordinary table gets AFTER ... FOR EACH STATEMENT triggers with transition tables, named ferry_q<queue id>_*:
--   ins, upd, del, trunc; and key: FOR EACH ROW on UPDATE OF the key columns WHEN a key column changes, which writes a
--   delete of the old row (row triggers fire before statement triggers at the end of a statement, so within one
--   statement every such delete precedes the statement's update events).
--   A partitioned table gets row triggers instead (ins, upd, del, key), which PostgreSQL clones to every partition,
--   also to partitions created or attached later: a statement trigger on the partitioned table would miss writes
--   that name a partition, and an UPDATE that moves a row to another partition fires the row triggers DELETE on the
--   old partition and INSERT on the new one (never UPDATE: docs/sql-createtrigger.html, "partitioned tables").
--   The table name its events carry is a trigger argument (the partition's own name is not the rule's).
--   Truncates: truncb/trunc (BEFORE/AFTER TRUNCATE of the partitioned table) write one T event; each partition gets
--   ptrunc (BEFORE TRUNCATE, not cloned by PostgreSQL: ferry.capture_partitions adds it to partitions that come
--   later), which turns a truncate of that partition alone into deletes of its rows.
-- Returns: the key columns used (text[]).
-- Tables: ferry.capture_table; creates triggers on tbl and its partitions (needs ownership).
CREATE OR REPLACE FUNCTION ferry.enable_capture(p_queue text, p_table regclass)
RETURNS text[]
LANGUAGE plpgsql AS $fn$
DECLARE
    v_id      int := ferry.queue_id(p_queue);
    v_kind    "char";
    v_name    text;
    v_keys    text[];
    v_list    text;
    v_changed text;
BEGIN
    SELECT c.relkind, quote_ident(n.nspname) || '.' || quote_ident(c.relname) INTO v_kind, v_name
      FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE c.oid = p_table;
    IF v_kind NOT IN ('r', 'p') THEN
        RAISE EXCEPTION 'ferry: % is not a table; only tables can be captured', p_table
            USING ERRCODE = 'wrong_object_type';
    END IF;
    v_keys := ferry.table_key(p_table);
    IF v_keys IS NULL THEN
        RAISE EXCEPTION 'ferry: table % has no primary key and no unique index on NOT NULL columns, so its rows cannot be identified for capture', p_table
            USING ERRCODE = 'invalid_table_definition',
                  HINT = format('Add a primary key (ALTER TABLE %s ADD PRIMARY KEY (...)) or a unique index on NOT NULL columns.', p_table);
    END IF;
    SELECT string_agg(quote_ident(k), ', '),
           string_agg(format('OLD.%1$I IS DISTINCT FROM NEW.%1$I', k), ' OR ')
      INTO v_list, v_changed
      FROM unnest(v_keys) AS k;

    PERFORM ferry.disable_capture(p_queue, p_table);
    IF v_kind = 'p' THEN
        EXECUTE format('CREATE TRIGGER ferry_q%1$s_ins AFTER INSERT ON %2$s FOR EACH ROW'
                       ' EXECUTE FUNCTION ferry.capture_%1$s(''row'', %3$L)', v_id, p_table, v_name);
        EXECUTE format('CREATE TRIGGER ferry_q%1$s_upd AFTER UPDATE ON %2$s FOR EACH ROW'
                       ' EXECUTE FUNCTION ferry.capture_%1$s(''row'', %3$L)', v_id, p_table, v_name);
        EXECUTE format('CREATE TRIGGER ferry_q%1$s_del AFTER DELETE ON %2$s FOR EACH ROW'
                       ' EXECUTE FUNCTION ferry.capture_%1$s(''row'', %3$L)', v_id, p_table, v_name);
        EXECUTE format('CREATE TRIGGER ferry_q%1$s_key AFTER UPDATE OF %3$s ON %2$s FOR EACH ROW WHEN (%4$s)'
                       ' EXECUTE FUNCTION ferry.capture_%1$s(''key'', %5$L)', v_id, p_table, v_list, v_changed, v_name);
        EXECUTE format('CREATE TRIGGER ferry_q%1$s_truncb BEFORE TRUNCATE ON %2$s FOR EACH STATEMENT'
                       ' EXECUTE FUNCTION ferry.capture_%1$s(''rtrunc'', %3$L, %4$L)', v_id, p_table, v_name, p_table::oid);
        EXECUTE format('CREATE TRIGGER ferry_q%1$s_trunc AFTER TRUNCATE ON %2$s FOR EACH STATEMENT'
                       ' EXECUTE FUNCTION ferry.capture_%1$s(''trunc'', %3$L, %4$L)', v_id, p_table, v_name, p_table::oid);
        PERFORM ferry.capture_partitions(v_id, p_table, false);
    ELSE
        EXECUTE format('CREATE TRIGGER ferry_q%1$s_ins AFTER INSERT ON %2$s REFERENCING NEW TABLE AS ferry_new'
                       ' FOR EACH STATEMENT EXECUTE FUNCTION ferry.capture_%1$s()', v_id, p_table);
        EXECUTE format('CREATE TRIGGER ferry_q%1$s_upd AFTER UPDATE ON %2$s REFERENCING NEW TABLE AS ferry_new'
                       ' FOR EACH STATEMENT EXECUTE FUNCTION ferry.capture_%1$s()', v_id, p_table);
        EXECUTE format('CREATE TRIGGER ferry_q%1$s_del AFTER DELETE ON %2$s REFERENCING OLD TABLE AS ferry_old'
                       ' FOR EACH STATEMENT EXECUTE FUNCTION ferry.capture_%1$s()', v_id, p_table);
        EXECUTE format('CREATE TRIGGER ferry_q%1$s_trunc AFTER TRUNCATE ON %2$s'
                       ' FOR EACH STATEMENT EXECUTE FUNCTION ferry.capture_%1$s()', v_id, p_table);
        EXECUTE format('CREATE TRIGGER ferry_q%1$s_key AFTER UPDATE OF %3$s ON %2$s FOR EACH ROW WHEN (%4$s)'
                       ' EXECUTE FUNCTION ferry.capture_%1$s(''key'')', v_id, p_table, v_list, v_changed);
    END IF;
    INSERT INTO ferry.capture_table (ct_queue, ct_table, ct_key_columns) VALUES (v_id, p_table, v_keys);
    RETURN v_keys;
END
$fn$;
