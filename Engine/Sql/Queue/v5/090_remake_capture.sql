-- Version 5, last step: the capture functions of the queues that exist are made again (row encoding of
-- docs/decisions/ADR-014-exact-row-encoding.md, EXECUTE revoked from PUBLIC), and captured partitioned tables move
-- from statement triggers on the partitioned table (which missed writes naming a partition and rows moving between
-- partitions) to the row triggers of ferry.enable_capture (v5). Ordinary tables keep their triggers: the new function
-- reads their arguments as before.
SELECT ferry.queue_capture_function(queue_id) FROM ferry.queue;

SELECT ferry.enable_capture(q.queue_name, ct.ct_table)
  FROM ferry.capture_table ct
  JOIN ferry.queue q ON q.queue_id = ct.ct_queue
  JOIN pg_catalog.pg_class c ON c.oid = ct.ct_table
 WHERE c.relkind = 'p';
